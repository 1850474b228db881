#!/usr/bin/env python3
"""Write the dtype golden files (issue 12): golden/dtypes/<backend>/<family>.h5 and
golden/dtypes/MANIFEST.json, from the cases of tools/golden/dtype_cases.py.

    tools/golden/dtype_generate.py                      # everything: three Keras processes
    tools/golden/dtype_generate.py --families float16,integer
    tools/golden/dtype_generate.py --backend jax --out golden/dtypes/jax --families float64 --x64
    tools/golden/dtype_generate.py --manifest golden/dtypes/MANIFEST.json

Without --backend it runs TensorFlow (every family), JAX (every family but the x64 ones) and
JAX with `jax_enable_x64` (`dtype_cases.X64_FAMILIES`: without it JAX silently computes the
float64 policy in float32), each in its own process, two at a time, then writes the manifest. A
case is made exactly as generate.py makes one (generate.run_case, the shared capture core). In the
`refused*` families a call Keras raises on is recorded as an error case (attribute `error`, no
outputs; docs/golden-schema.md, "Error cases"); anywhere else it stops the run.
Notes: tools/golden/DTYPES.md. Regenerating gives byte-identical files.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import dtype_cases  # noqa: E402  (pure data, no Keras)

OUT = os.path.join("golden", "dtypes")


def command_line(args):
    """The command that writes a backend's files, repo-relative (see generate.command_line)."""
    out = os.path.abspath(args.out)
    if out.startswith(REPO + os.sep):
        out = os.path.relpath(out, REPO)
    return f"tools/golden/dtype_generate.py --backend {args.backend} --out {out}" + (" --x64" if args.x64 else "")


def generate(args, families, only):
    x64 = set(dtype_cases.X64_FAMILIES)
    if args.x64:
        if args.backend != "jax" or not set(families) <= x64:
            sys.exit(f"--x64 is for JAX and the families {sorted(x64)} only")
        os.environ["JAX_ENABLE_X64"] = "1"
    elif args.backend == "jax" and x64 & set(families):
        sys.exit(f"the JAX families {sorted(x64)} need their own process with --x64")
    import capture_core as core
    import generate as golden

    keras, _ = core.load_keras(args.backend)
    generator = command_line(args)
    os.makedirs(args.out, exist_ok=True)
    with core.Oracle() as oracle:
        for family in families:
            cases = [c for c in dtype_cases.CASES if c["family"] == family and (not only or c["id"] in only)]
            if not cases:
                continue
            t0 = time.time()
            records = []
            for c in cases:
                try:
                    records.append(golden.run_case(keras, c, oracle, allow_error=family.startswith("refused")))
                except Exception as e:
                    raise RuntimeError(f"case {c['id']} failed on {args.backend}: {type(e).__name__}: {e}") from e
            path = os.path.join(args.out, family + ".h5")
            core.write_golden_file(path, records, generator, oracle)
            errors = [r for r in records if r.error]
            print(f"{args.backend}: wrote {os.path.relpath(path, REPO)} ({len(records)} cases, {len(errors)} "
                  f"Keras errors, {sum(1 for r in records if r.oracle)} with oracle, {time.time() - t0:.1f} s)",
                  flush=True)
            for r in errors:
                print(f"{args.backend}: {r.id}: Keras raised {r.error}", flush=True)
        for case_id, reason in oracle.failures:
            print(f"{args.backend}: no float64 oracle for {case_id}: {reason}", flush=True)


def write_manifest(path):
    data = dtype_cases.manifest()
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {os.path.relpath(path, REPO)}: {len(data)} cases")


def run_all(families):
    """The three Keras processes (two at a time), then the manifest."""
    runs = []
    x64 = dtype_cases.X64_FAMILIES
    for backend, fams, on in (("tensorflow", families, False),
                              ("jax", [f for f in families if f not in x64], False),
                              ("jax", [f for f in families if f in x64], True)):
        if fams:
            cmd = [sys.executable, os.path.abspath(__file__), "--backend", backend,
                   "--out", os.path.join(OUT, backend), "--families", ",".join(fams)] + (["--x64"] if on else [])
            runs.append(cmd)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONDONTWRITEBYTECODE="1")
    running, failed = [], False
    for cmd in runs + [None, None]:
        if len(running) == 2 or (cmd is None and running):
            failed |= running.pop(0).wait() != 0
        if cmd is not None:
            running.append(subprocess.Popen(cmd, cwd=REPO, env=env))
    for p in running:
        failed |= p.wait() != 0
    if failed:
        sys.exit("dtype_generate: a Keras run failed (see above)")
    write_manifest(os.path.join(REPO, OUT, "MANIFEST.json"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=["tensorflow", "jax"])
    p.add_argument("--out", help="output folder, e.g. golden/dtypes/jax")
    p.add_argument("--x64", action="store_true", help="JAX with jax_enable_x64 (the float64 families)")
    p.add_argument("--families", help="comma-separated (default: all): " + ",".join(dtype_cases.FAMILIES))
    p.add_argument("--only", action="append", help="case id (repeatable; debugging)")
    p.add_argument("--manifest", help="only write the manifest of declared cases to this path")
    args = p.parse_args()
    if args.manifest:
        write_manifest(args.manifest)
        return
    families = args.families.split(",") if args.families else list(dtype_cases.FAMILIES)
    unknown = [f for f in families if f not in dtype_cases.FAMILIES]
    if unknown:
        p.error(f"unknown families {unknown}; known: {dtype_cases.FAMILIES}")
    if not args.backend:
        run_all(families)
        return
    if not args.out:
        p.error("--out is required with --backend")
    generate(args, families, set(args.only or []))


if __name__ == "__main__":
    main()
