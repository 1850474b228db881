"""Runs the benchmark on both sides in alternating rounds (what `tools/benchmark` calls).

Usage: python driver.py --swift BIN [--build LABEL] [--baseline-swift BIN2 --baseline LABEL] --out DIR [--quick]

1. `BIN bench plan` gives the protocol and the points (ops, shapes, rotation counts, bytes);
   the protocol itself is stated in Sources/keras-conformance/Bench+Protocol.swift.
2. Three workers start: `BIN bench serve` (sides swift and roofline), and
   tools/bench/keras_worker.py on the TensorFlow backend (tensorflow, tensorflow_xla) and on
   JAX (jax). Each sets up the main points (in parallel: nothing is timed during setup).
3. Rounds alternate between the workers, one round of each in turn, the order rotating every
   round, so that no side is always first after another's run, and all see the same machine.
   Before each round the driver waits (at most 0.25 s) until no other thread is runnable
   (`settle`): TensorFlow's and XLA's thread pools keep spinning for a while after their work,
   and would otherwise run into the next side's round, on a core that side's threads need.
   With --baseline-swift, a fourth worker, `BIN2 bench serve` (another build of keras-conformance,
   e.g. an earlier commit), takes part in the main rounds as side `swift_baseline`: the same
   protocol, in the same run, as the published Swift side (its roofline copy is not used).
4. The scaling sweep: one size of one op at a time is set up on every worker, then timed the same way.
5. `BIN bench summarize` turns the samples into the results (one implementation of the
   statistics, on every side alike); compare.py writes the tables, plot.py the scaling plot.

A worker that ends during the run (e.g. killed for memory) is dropped: its sides keep the samples
taken so far, the rest is "n/a", and the tables say so.

Writes DIR/raw.json, DIR/results.json, DIR/tables.md and DIR/scaling.png.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
START = time.monotonic()


def log(message):
    print(f"[{time.monotonic() - START:6.1f}s] {message}", file=sys.stderr, flush=True)


class WorkerLost(Exception):
    """A worker process ended (for example killed for memory): the run goes on without it."""


class WorkerProcess:
    """A worker speaking one JSON line per command and per reply."""

    def __init__(self, name, argv, env=None, renamed=None):
        self.name = name
        # side names in this worker's replies -> the run's (None: dropped)
        self.renamed = renamed or {}
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, bufsize=1)

    def lost(self):
        return WorkerLost(f"worker {self.name} exited (status {self.process.wait()})")

    def send(self, command):
        try:
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
        except OSError:
            raise self.lost() from None

    def receive(self):
        line = self.process.stdout.readline()
        if not line:
            raise self.lost()
        reply = json.loads(line)
        if "error" in reply:
            raise SystemExit(f"driver: worker {self.name}: {reply['error']}")
        return reply

    def sides(self, by_side):
        """The reply's per-side entries under the run's side names."""
        out = {}
        for side, value in by_side.items():
            name = self.renamed.get(side, side)
            if name is not None:
                out[name] = value
        return out

    def close(self):
        try:
            self.process.stdin.close()
        except OSError:
            pass
        self.process.wait()


class Run:
    def __init__(self, workers):
        self.workers = list(workers)
        self.samples = {}
        self.na = {}
        self.lost = []
        self.retired_cpu = 0

    def drop(self, worker, error, during):
        """Goes on without a worker that ended: its sides keep the samples taken so far."""
        self.workers.remove(worker)
        self.lost.append(f"{error} during {during}")
        log(f"{error} during {during}; going on without it")

    def broadcast(self, command, during):
        """Sends `command` to every worker (they work in parallel), then collects the replies."""
        for worker in list(self.workers):
            try:
                worker.send(command)
            except WorkerLost as error:
                self.drop(worker, error, during)
        replies = []
        for worker in list(self.workers):
            try:
                replies.append((worker, worker.receive()))
            except WorkerLost as error:
                self.drop(worker, error, during)
        return replies

    def setup(self, protocol, points):
        during = f"setup of {points[0]['id']}" if len(points) == 1 else "setup"
        for worker, reply in self.broadcast({"cmd": "setup", "protocol": protocol, "points": points}, during):
            for side, reasons in worker.sides(reply["na"]).items():
                self.na.setdefault(side, {}).update(reasons)

    def rounds(self, warmup, timed, label):
        # Round r starts at point r (modulo the points set up): the protocol's rotation of the ops.
        for r in range(warmup + timed):
            order = self.workers[r % len(self.workers) :] + self.workers[: r % len(self.workers)] if self.workers else []
            for worker in order:
                settle()
                try:
                    worker.send({"cmd": "round", "first": r})
                    reply = worker.receive()
                except WorkerLost as error:
                    self.drop(worker, error, label)
                    continue
                if r < warmup:
                    continue
                for side, points in worker.sides(reply["samples"]).items():
                    for point_id, protocols in points.items():
                        for name, seconds in protocols.items():
                            self.samples.setdefault(side, {}).setdefault(point_id, {}).setdefault(name, []).append(seconds)
        log(f"{label}: {timed} rounds (+{warmup} untimed); worker CPU {self.cpu_seconds():.0f} s")

    def cpu_seconds(self, workers=None):
        """User + system CPU time of the workers so far, retired ones included (wall time far above it
        means a busy machine); of `workers` alone when given."""
        total = 0 if workers is not None else self.retired_cpu
        for worker in self.workers if workers is None else workers:
            try:
                with open(f"/proc/{worker.process.pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                pass
        return total

    def release(self):
        self.broadcast({"cmd": "release"}, "release")

    def retire(self, worker):
        """Ends a worker that takes no further part (its samples stay)."""
        if worker in self.workers:
            self.retired_cpu += self.cpu_seconds([worker])
            self.workers.remove(worker)
            worker.close()


def settle(timeout=0.25):
    """Waits until this is the only runnable thread on the machine (/proc/loadavg's fourth
    field, `runnable/total`), at most `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open("/proc/loadavg") as f:
                if int(f.read().split()[3].split("/")[0]) <= 1:
                    return
        except (OSError, IndexError, ValueError):
            return
        time.sleep(0.002)


def machine():
    """What the results depend on, stated with them."""

    def run(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    lscpu = {}
    for line in run(["lscpu"]).splitlines():
        key, _, value = line.partition(":")
        lscpu[key.strip()] = value.strip()
    flags = lscpu.get("Flags", "").split()
    keep = ["Model name", "CPU(s)", "Thread(s) per core", "L1d cache", "L2 cache", "L3 cache", "Hypervisor vendor"]
    return {
        "lscpu": {k: lscpu[k] for k in keep if k in lscpu},
        "vector_extensions": [f for f in ("sse2", "avx", "avx2", "fma", "avx512f") if f in flags],
        "memory": run(["sh", "-c", "grep MemTotal /proc/meminfo"]),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def package_versions():
    import importlib.metadata as metadata

    return {name: metadata.version(name) for name in ("keras", "tensorflow-cpu", "jax", "jaxlib", "numpy")}


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--swift", required=True, help="the release keras-conformance binary")
    parser.add_argument("--build", default="release", help="how the binary was built, stated with the results")
    parser.add_argument("--baseline-swift", help="another keras-conformance build timed in the main rounds as side swift_baseline")
    parser.add_argument("--baseline", help="what the baseline build is (e.g. the commit), stated with the results")
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    plan = json.loads(subprocess.run([args.swift, "bench", "plan"] + (["--quick"] if args.quick else []), check=True, capture_output=True, text=True).stdout)
    protocol = plan["protocol"]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = load_average()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    workers = [WorkerProcess("swift", [args.swift, "bench", "serve"])]
    for backend in ("tensorflow", "jax"):
        workers.append(WorkerProcess(backend, [sys.executable, os.path.join(HERE, "keras_worker.py")], env=dict(env, KERAS_BACKEND=backend)))
    baseline = None
    if args.baseline_swift:
        baseline = WorkerProcess("swift_baseline", [args.baseline_swift, "bench", "serve"], renamed={"swift": "swift_baseline", "roofline": None})
        workers.append(baseline)
    run = Run(workers)
    try:
        log(f"main: setting up {len(plan['main'])} ops on {len(workers)} workers")
        run.setup(protocol, plan["main"])
        log("main: set up")
        run.rounds(protocol["warmup_rounds"], protocol["rounds"], "main")
        run.release()
        if baseline is not None:
            run.retire(baseline)
        # One size of one op at a time: the largest sizes take gigabytes on the Keras side.
        for points in plan["scaling"]:
            for point in points:
                run.setup(protocol, [point])
                run.rounds(protocol["scaling_warmup_rounds"], protocol["scaling_rounds"], f"scaling {point['id']}")
                run.release()
    finally:
        worker_cpu = run.cpu_seconds()
        for worker in workers:
            worker.close()

    raw_path = os.path.join(args.out, "raw.json")
    with open(raw_path, "w") as f:
        json.dump({"plan": plan, "samples": run.samples, "na": run.na}, f)
    results = json.loads(subprocess.run([args.swift, "bench", "summarize", raw_path], check=True, capture_output=True, text=True).stdout)
    results["machine"] = machine()
    results["machine"]["packages"] = package_versions()
    results["machine"]["swift"] = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.strip().splitlines()[0]
    results["machine"]["build"] = args.build
    if args.baseline_swift:
        results["machine"]["baseline"] = args.baseline or args.baseline_swift
    results["run"] = {
        "started": started,
        "worker_cpu_minutes": round(worker_cpu / 60, 1),
        "minutes": round((time.monotonic() - START) / 60, 1),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "workers_lost": run.lost,
    }
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), os.path.join(args.out, "results.json"), os.path.join(args.out, "tables.md")], check=True)
    subprocess.run([sys.executable, os.path.join(HERE, "plot.py"), os.path.join(args.out, "results.json"), os.path.join(args.out, "scaling.png")], check=True)
    log(f"done: {args.out}/results.json, tables.md, scaling.png")


if __name__ == "__main__":
    main()
