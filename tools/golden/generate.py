#!/usr/bin/env python3
"""Run every case of tools/golden/cases.py on one Keras backend and write the
golden HDF5 files (schema `keras-golden/1`, docs/golden-schema.md), one file per
case family:

    tools/golden/generate.py --backend tensorflow --out golden/tensorflow
    tools/golden/generate.py --backend jax --out golden/jax
    tools/golden/generate.py --manifest golden/MANIFEST.json   # no Keras needed

Options: --families a,b (default: all), --only ID (repeatable, for debugging;
writes only the families holding those cases).

JAX runs with its default (32-bit) configuration. There are no float64 cases:
the Swift layers compute in float32 (see NOTES.md). Every case gets the float64
oracle (Keras on TensorFlow under the float64 policy, the same values in both
backends' files) where Keras can evaluate it, and the cancellation bound where
Keras's formula cancels. Recording and writing a case is tools/golden/capture_core.py,
shared with tools/capture and tools/fuzz; this script only declares how each
case's layer, input and weights are made.

The files are reproducible (see capture_core.write_golden_file): regenerating
gives byte-identical files.
"""

import argparse
import json
import os
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import capture_core as core  # noqa: E402  (imports Keras only when asked to)
import cases as case_specs  # noqa: E402  (pure data + numpy, no Keras)


def command_line(args):
    """The command that writes a backend's files, as run from the repo root (the
    output folder made repo-relative, so that regenerating in another checkout
    records the same text). --families and --only are left out: they choose which
    files are written, not what a file holds, so a partial run writes the same
    bytes as a full one."""
    out = os.path.abspath(args.out)
    if out.startswith(REPO + os.sep):
        out = os.path.relpath(out, REPO)
    cmd = f"tools/golden/generate.py --backend {args.backend} --out {out}"
    invoked_by = os.environ.get("GOLDEN_INVOKED_BY")
    return f"{cmd} (run by {invoked_by})" if invoked_by else cmd


def write_manifest(path):
    data = case_specs.manifest()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: {len(data)} cases")


# ---------------------------------------------------------------- Keras ----

def run_case(keras, case, oracle, **capture_options):
    """Build the layer the case declares, set its weights, and capture the call
    (`capture_options` go to capture_core.capture, e.g. allow_error)."""
    keras.backend.clear_session()  # fresh name counters: config names do not depend on case order
    cls = getattr(keras.layers, case["layer"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. rms_scaling deprecation
        layer = cls(**case["kwargs"])
    if type(layer).__name__ != case["layer"]:
        raise RuntimeError(f"{case['id']}: built {type(layer).__name__}, expected {case['layer']}")
    # Config as constructed (before build: build() rewrites some fields, e.g.
    # GroupNormalization groups=-1 -> channel count; see NOTES.md).
    config = json.dumps(layer.get_config())

    x = case_specs.make_input(case)
    w_spec = case["weights"]
    if isinstance(w_spec, dict) and "adapt" in w_spec:
        adapt_case = {"id": case["id"] + "/adapt", "x": w_spec["adapt"]}
        layer.adapt(case_specs.make_input(adapt_case))
    elif not layer.built:
        layer.build(x.shape)
    if w_spec == "random" and layer.weights:
        layer.set_weights([
            case_specs.random_weight(case["id"], v.path.split("/")[-1], v.shape,
                                     keras.backend.standardize_dtype(v.dtype))
            for v in layer.weights
        ])
    return core.capture(layer, x, case_id=case["id"], origin=case["origin"], mask=case_specs.make_mask(case),
                        call=case["call"], config=config, oracle=oracle,
                        gradients=case.get("gradients", "tie-free"), dy_key=case["x"].get("seed", case["id"]),
                        **capture_options)


def generate(args, families, only):
    keras, _ = core.load_keras(args.backend)
    generator = command_line(args)
    os.makedirs(args.out, exist_ok=True)
    total = 0
    with core.Oracle() as oracle:
        for fam in families:
            fam_cases = [c for c in case_specs.CASES if c["family"] == fam and (not only or c["id"] in only)]
            if not fam_cases:
                continue
            records = []
            t0 = time.time()
            for c in fam_cases:
                try:
                    records.append(run_case(keras, c, oracle))
                except Exception as e:  # report which case failed, then stop
                    raise RuntimeError(f"case {c['id']} failed on {args.backend}: {type(e).__name__}: {e}") from e
            path = os.path.join(args.out, fam + ".h5")
            core.write_golden_file(path, records, generator, oracle)
            total += len(records)
            print(f"{args.backend}: wrote {os.path.relpath(path)} ({len(records)} cases, "
                  f"{sum(1 for r in records if r.oracle)} with oracle, "
                  f"{sum(1 for r in records if r.dy is not None)} with gradients, "
                  f"{sum(1 for r in records if r.cancellation)} with cancellation bound, "
                  f"{time.time() - t0:.1f} s)", flush=True)
        for case_id, reason in oracle.failures:
            print(f"{args.backend}: no float64 oracle for {case_id}: {reason}", flush=True)
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=["tensorflow", "jax"])
    p.add_argument("--out", help="output folder, e.g. golden/jax")
    p.add_argument("--families", help="comma-separated families (default: all): " + ",".join(case_specs.FAMILIES))
    p.add_argument("--only", action="append", help="case id (repeatable; debugging)")
    p.add_argument("--manifest", help="write the manifest of declared cases to this path")
    args = p.parse_args()

    if args.manifest:
        write_manifest(args.manifest)
        if not args.backend:
            return
    if not args.backend or not args.out:
        p.error("--backend and --out are required (or only --manifest)")

    families = args.families.split(",") if args.families else list(case_specs.FAMILIES)
    unknown = [f for f in families if f not in case_specs.FAMILIES]
    if unknown:
        p.error(f"unknown families {unknown}; known: {case_specs.FAMILIES}")
    only = set(args.only or [])

    generate(args, families, only)


if __name__ == "__main__":
    main()
