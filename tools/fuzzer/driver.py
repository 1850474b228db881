"""The differential fuzzer's driver (run it through tools/fuzz).

    tools/fuzz --seed S --cases N [--batch B] [--layers A,B] [--shrink K] [--out DIR]
    tools/fuzz shrink DIR [--per-signature K] [--match TEXT]   # shrink a run's failures
    tools/fuzz cover SPECS.json --seed S [--cases N]   # passing cases filling coverage rows at 0
    tools/fuzz capture SPECS.json --out DIR     # specs -> DIR/<backend>/<name>.h5

Draws N cases (sampler.py) from seed S, captures them in batches on TensorFlow and JAX
(one long-lived worker per backend, worker.py), runs the release CLI on each batch's two
files and keeps every case that does not pass on some backend. Each failure signature
(layer, failing backends and statuses, failing tensors) is then shrunk (shrink.py), at most
K cases per signature, to a minimal case written as golden files under DIR/shrunk/.
Everything (failures.jsonl, summary.json, the shrunk specs) lands in DIR, by default
.build-fuzz/seed-S. Same seed, same cases.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import sampler  # noqa: E402
import shrink  # noqa: E402

BACKENDS = ("tensorflow", "jax")
# The release CLI (built by tools/fuzz unless --no-build); FUZZ_CLI names another build.
CLI = os.environ.get("FUZZ_CLI") or os.path.join(REPO, ".build", "release", "keras-conformance")


class WorkerDied(Exception):
    pass


class Worker:
    def __init__(self, backend, generator, log):
        self.backend = backend
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "worker.py"), backend, generator,
             os.path.join(REPO, ".build-fuzz", "jax-cache")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        ready = self.receive()
        if "ready" not in ready:
            raise SystemExit(f"tools/fuzz: the {backend} worker did not start:\n{ready.get('fatal', ready)}")

    def send(self, msg):
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError as e:
            raise WorkerDied(self.backend) from e

    def receive(self):
        for line in self.proc.stdout:
            if line.startswith("@@fuzz "):
                return json.loads(line[7:])
        raise WorkerDied(f"{self.backend} worker exited with status {self.proc.wait()}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()


class Lab:
    """Both workers, the CLI, and a scratch folder for the batch files."""

    def __init__(self, out, generator):
        self.out = out
        self.generator = generator
        self.log = open(os.path.join(out, "workers.log"), "a")
        self.workers = {}
        self.batch = 0
        self.cpu = collections.Counter()
        self.start_workers()

    def start_workers(self):
        for b in BACKENDS:
            w = self.workers.get(b)
            if w is None or w.proc.poll() is not None:
                self.workers[b] = Worker(b, self.generator, self.log)

    def capture(self, cases):
        """{id: {backend: "ok" | error}}; a worker that dies is restarted and the batch
        retried case by case, the case that kills it recorded as its error."""
        try:
            for w in self.workers.values():
                w.send({"op": "forget"})
                w.send({"op": "capture", "cases": cases})
            status = {c["id"]: {} for c in cases}
            for b, w in self.workers.items():
                w.receive()
                got = w.receive()
                self.cpu[b] += got["cpu"]
                for i, s in got["status"].items():
                    status[i][b] = s
            return status
        except WorkerDied:
            if len(cases) == 1:
                self.start_workers()
                return {cases[0]["id"]: {b: "worker died (the backend crashed the process)" for b in BACKENDS}}
            self.start_workers()
            status = {}
            for c in cases:
                status.update(self.capture([c]))
            # the single-case captures forgot the others: capture the good ones again together
            good = [c for c in cases if all(s == "ok" for s in status[c["id"]].values())]
            if good:
                self.capture(good)
            return status

    def write(self, ids, folder, name):
        paths = []
        for b, w in self.workers.items():
            os.makedirs(os.path.join(folder, b), exist_ok=True)
            path = os.path.join(folder, b, name + ".h5")
            w.send({"op": "write", "path": path, "ids": ids})
            paths.append(path)
        for w in self.workers.values():
            w.receive()
        return paths

    def evaluate(self, cases, inspect=None):
        """Capture, write and run: {id: verdict}, verdict = {"capture": {...}} for a case
        Keras refused on some backend, else {"results": {backend: cli case object}}."""
        status = self.capture(cases)
        ok = [c["id"] for c in cases if all(s == "ok" for s in status[c["id"]].values())]
        verdict = {i: {"capture": s} for i, s in status.items() if i not in ok}
        if ok:
            self.batch += 1
            paths = self.write(ok, os.path.join(self.out, "batches"), f"batch-{self.batch}")
            for i, r in run_cli(paths).items():
                verdict[i] = {"results": r}
            if inspect:
                inspect(paths)
            for p in paths:
                os.remove(p)
        return verdict

    def close(self):
        for w in self.workers.values():
            w.close()


def run_cli(paths):
    p = subprocess.run([CLI, "run", *paths, "--format", "json", "--limit", "3"],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit(f"tools/fuzz: keras-conformance exited {p.returncode}: {p.stderr.strip()}")
    out = collections.defaultdict(dict)
    for c in json.loads(p.stdout)["cases"]:
        out[c["id"]][c["backend"]] = c
    return out


def failing(verdict):
    """(backend, status, detail) for each backend where a captured case did not pass (detail:
    the failing tensors) or passed with elements Keras's backends dispute (status "disputed",
    detail: the Keras bug candidates the oracle named)."""
    if "results" not in verdict:
        return ()
    out = []
    for b, r in verdict["results"].items():
        if r["status"] != "passed":
            out.append((b, r["status"], ",".join(sorted({m["tensor"] for m in r["mismatches"]}))))
        elif r.get("disputed"):
            out.append((b, "disputed", ",".join(sorted(r.get("kerasBugCandidates") or []))))
    return tuple(sorted(out))


def signature(case, verdict):
    return json.dumps([case["layer"], failing(verdict)])


def build_cli():
    subprocess.run(["swift", "build", "-c", "release", "--product", "keras-conformance"],
                   cwd=REPO, check=True, stdout=sys.stderr)


def fuzz(args):
    out = args.out or os.path.join(REPO, ".build-fuzz", f"seed-{args.seed}")
    os.makedirs(out, exist_ok=True)
    layers = args.layers.split(",") if args.layers else None
    unknown = [l for l in layers or [] if l not in sampler.LAYERS]
    if unknown:
        raise SystemExit(f"tools/fuzz: unknown layers {unknown}; known: {', '.join(sampler.LAYERS)}")
    lab = Lab(out, f"tools/fuzz --seed {args.seed}")
    counts = collections.defaultdict(collections.Counter)
    signatures = collections.defaultdict(list)
    t0 = time.time()
    failures = open(os.path.join(out, "failures.jsonl"), "w")
    refused = open(os.path.join(out, "refused.jsonl"), "w")
    try:
        for start in range(args.first, args.first + args.cases, args.batch):
            cases = [sampler.sample(args.seed, n, layers)
                     for n in range(start, min(start + args.batch, args.first + args.cases))]
            verdicts = lab.evaluate(cases)
            for c in cases:
                v = verdicts[c["id"]]
                k = counts[c["layer"]]
                if "capture" in v:
                    both = all(s != "ok" for s in v["capture"].values())
                    k["refused by Keras" if both else "refused by one backend"] += 1
                    refused.write(json.dumps({"case": c, "capture": v["capture"]}) + "\n")
                    continue
                k["captured"] += 1
                for b, r in v["results"].items():
                    k[f"{b} {r['status']}"] += 1
                f = failing(v)
                if f:
                    sig = signature(c, v)
                    signatures[sig].append(c)
                    failures.write(json.dumps({"signature": sig, "case": c, "results": v["results"]}) + "\n")
            failures.flush()
            refused.flush()
            summary = {"seed": args.seed, "first": args.first, "drawn": done_count(start, args),
                       "seconds": round(time.time() - t0),
                       "per_layer": {l: dict(c) for l, c in sorted(counts.items())},
                       "signatures": {s: len(v) for s, v in sorted(signatures.items())}}
            with open(os.path.join(out, "summary.json"), "w") as f:
                json.dump(summary, f, indent=1)
            done = done_count(start, args)
            captured = sum(k["captured"] for k in counts.values())
            failed = sum(len(v) for v in signatures.values())
            print(f"[{time.time() - t0:7.0f} s] {done}/{args.cases} drawn, {captured} captured on both "
                  f"backends, {failed} not passing, {len(signatures)} signatures, "
                  f"{captured / (time.time() - t0):.2f} cases/s; capture CPU s: "
                  + ", ".join(f"{b} {lab.cpu[b]:.0f}" for b in BACKENDS), flush=True)
        if args.shrink:
            shrink_signatures(lab, out, signatures, args.shrink, f"fuzz-{args.seed}")
    finally:
        lab.close()
    print(json.dumps(summary, indent=1))


def done_count(start, args):
    return min(start + args.batch, args.first + args.cases) - args.first


def shrink_signatures(lab, out, signatures, per_signature, name):
    """Shrinks up to `per_signature` cases of each failure signature; writes the shrunk specs
    (out/shrunk.json) and their golden files (out/shrunk/<backend>/<name>.h5)."""
    shrunk = []
    for sig, cases in sorted(signatures.items()):
        for c in cases[:per_signature]:
            print(f"shrinking {c['id']} ({sig})", flush=True)
            small = shrink.shrink(lab, c, failing, log=print)
            shrunk.append({"signature": sig, "from": c["id"], "case": small})
            with open(os.path.join(out, "shrunk.json"), "w") as f:
                json.dump(shrunk, f, indent=1)
    if shrunk:
        lab.capture([s["case"] for s in shrunk])
        paths = lab.write([s["case"]["id"] for s in shrunk], os.path.join(out, "shrunk"), name)
        print(f"wrote {len(shrunk)} shrunk cases: {', '.join(paths)}")


def shrink_run(args):
    """Shrinks the failures a finished (or stopped) run recorded in DIR/failures.jsonl."""
    signatures = collections.defaultdict(list)
    with open(os.path.join(args.dir, "failures.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            if not args.match or args.match in rec["signature"]:
                signatures[rec["signature"]].append(rec["case"])
    out = os.path.join(args.dir, "shrink")  # not the run's own batch folder: it may still be running
    os.makedirs(out, exist_ok=True)
    lab = Lab(out, f"tools/fuzz shrink {os.path.basename(os.path.normpath(args.dir))}")
    try:
        shrink_signatures(lab, out, signatures, args.per_signature,
                          "fuzz-" + os.path.basename(os.path.normpath(args.dir)))
    finally:
        lab.close()


def cover(args):
    """Passing cases that exercise the argument value classes no committed golden case does
    (coverage.py's rows at zero), chosen greedily from seed S; their specs go to SPECS.json."""
    import coverage

    rows = coverage.table(coverage.read_cases(os.path.join(REPO, "golden")))
    zero = {(l, a, c) for l, a, c, n in rows if n == 0 and (not args.layers or l in args.layers.split(","))}
    print(f"{len(zero)} rows at zero", flush=True)
    out = os.path.join(REPO, ".build-fuzz", f"cover-{args.seed}")
    os.makedirs(out, exist_ok=True)
    lab = Lab(out, f"tools/fuzz cover --seed {args.seed}")
    chosen = []
    try:
        for start in range(0, args.cases, args.batch):
            if not zero:
                break
            layers = sorted({l for l, _, _ in zero})
            cases = [sampler.sample(args.seed, n, layers) for n in range(start, start + args.batch)]
            found = {}
            verdicts = lab.evaluate(cases, inspect=lambda paths: found.update(coverage.read_cases(paths[0])))
            for c in cases:
                v = verdicts[c["id"]]
                if "results" not in v or failing(v) or c["id"] not in found:
                    continue
                layer, config, call, x_shape, mask_shape, mask = found[c["id"]]
                hit = {(layer, a, k) for a in sampler.ARGUMENTS[layer] | sampler.CALL_ARGUMENTS[layer]
                       if a not in coverage.NOT_RECORDED
                       for k in coverage.classes(layer, a, config, call, x_shape, mask_shape, mask)} & zero
                if hit:
                    chosen.append(c)
                    zero -= hit
            print(f"{start + args.batch} drawn: {len(chosen)} chosen, {len(zero)} rows still at zero", flush=True)
    finally:
        lab.close()
    for l, a, k in sorted(zero):
        print(f"  still zero: {l}.{a} = {k}")
    with open(args.specs, "w") as f:
        json.dump(chosen, f, indent=1)
        f.write("\n")
    print(f"wrote {len(chosen)} specs to {args.specs}")


def capture(args):
    """Golden files from a list of case specs (e.g. the committed regressions)."""
    with open(args.specs) as f:
        specs = json.load(f)
    name = os.path.splitext(os.path.basename(args.specs))[0]
    os.makedirs(args.out, exist_ok=True)
    scratch = os.path.join(REPO, ".build-fuzz", "capture")
    os.makedirs(scratch, exist_ok=True)
    lab = Lab(scratch, f"tools/fuzz capture {os.path.relpath(os.path.abspath(args.specs), REPO)}")
    try:
        status = lab.capture(specs)
        bad = {i: s for i, s in status.items() if any(v != "ok" for v in s.values())}
        if bad:
            raise SystemExit(f"tools/fuzz: Keras refused {json.dumps(bad, indent=1)}")
        paths = lab.write([c["id"] for c in specs], args.out, name)
        print("wrote " + ", ".join(os.path.relpath(p, REPO) for p in paths))
    finally:
        lab.close()
    write_manifest(args.out)


def write_manifest(folder):
    """folder/MANIFEST.json: the cases of folder/<backend>/*.h5 as [{"id", "layer", "origin"}]
    sorted by id, the layout of golden/MANIFEST.json (so tools/golden/check.py can check the folder)."""
    import h5py

    entries = {}
    for b in BACKENDS:
        d = os.path.join(folder, b)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.endswith(".h5"):
                with h5py.File(os.path.join(d, name), "r") as f:
                    for cid in f:
                        entries[cid] = {"id": cid, "layer": f[cid].attrs["layer"], "origin": f[cid].attrs["origin"]}
    path = os.path.join(folder, "MANIFEST.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump([entries[i] for i in sorted(entries)], f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(path + ".tmp", path)


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["shrink"]:
        p = argparse.ArgumentParser(prog="tools/fuzz shrink")
        p.add_argument("dir", help="a run's output folder (holding failures.jsonl)")
        p.add_argument("--per-signature", type=int, default=1)
        p.add_argument("--match", help="only signatures containing this text")
        args = p.parse_args(argv[1:])
        build = False
        run = shrink_run
    elif argv[:1] == ["cover"]:
        p = argparse.ArgumentParser(prog="tools/fuzz cover")
        p.add_argument("specs", help="where to write the chosen case specs (JSON)")
        p.add_argument("--seed", type=int, required=True)
        p.add_argument("--cases", type=int, default=3000)
        p.add_argument("--batch", type=int, default=200)
        p.add_argument("--layers", help="only rows of these layers (comma-separated)")
        args = p.parse_args(argv[1:])
        build = False
        run = cover
    elif argv[:1] == ["capture"]:
        p = argparse.ArgumentParser(prog="tools/fuzz capture")
        p.add_argument("specs")
        p.add_argument("--out", required=True)
        args = p.parse_args(argv[1:])
        build = False
        run = capture
    else:
        p = argparse.ArgumentParser(prog="tools/fuzz", description=__doc__,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--seed", type=int, required=True)
        p.add_argument("--cases", type=int, required=True)
        p.add_argument("--first", type=int, default=0, help="index of the first case (to resume a run)")
        p.add_argument("--batch", type=int, default=200)
        p.add_argument("--layers", help="comma-separated layer names (default: all 24)")
        p.add_argument("--shrink", type=int, default=1, help="cases shrunk per failure signature (0: none)")
        p.add_argument("--out")
        p.add_argument("--no-build", action="store_true", help="use the existing release CLI")
        args = p.parse_args(argv)
        build = not args.no_build
        run = fuzz
    if build:
        build_cli()
    run(args)


if __name__ == "__main__":
    main()
