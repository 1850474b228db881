"""One long-lived Keras process per backend: captures batches of cases and writes them as
golden files through the shared capture core (tools/golden/capture_core.py, with the float64
oracle), building each case's layer as tools/golden/generate.py does, so that TensorFlow/JAX
start once per run, not once per case.

Protocol (one JSON object per line; replies are lines starting with "@@fuzz "):
  {"op": "capture", "cases": [case, ...]}  -> {"status": {id: "ok" | "<error message>"}}
  {"op": "write", "path": p, "ids": [...]} -> {"written": n}   (records of the last captures)
  {"op": "forget"}                         -> {"forgotten": n}
On start-up it checks that the sampler knows every argument of every layer
(introspect.py) and replies {"ready": backend} or {"fatal": message}.
"""

import dataclasses
import gc
import json
import os
import sys
import time
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "golden"))


def reply(obj):
    sys.stdout.write("@@fuzz " + json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    backend, generator, cache = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None
    import capture_core as core  # the one writer of the golden format
    import generate  # how a declared case becomes a layer, an input and weights
    import introspect

    keras, backend_module = core.load_keras(backend)
    # The capture core clears Keras's session before every case (fresh layer-name counters);
    # its garbage collection costs most of a small case's time, so it runs once per batch here.
    clear_session = keras.backend.clear_session
    keras.backend.clear_session = lambda: clear_session(free_memory=False)
    if cache and backend == "jax":
        # XLA compiles each primitive once per shape; keeping the compilations across runs
        # (and shrink rounds) saves most of JAX's time on repeated shapes.
        backend_module.config.update("jax_compilation_cache_dir", cache)
        backend_module.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        backend_module.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    try:
        introspect.check(keras)
    except introspect.UnknownArguments as e:
        reply({"fatal": str(e)})
        return
    oracle = core.Oracle()
    reply({"ready": backend})
    records = {}
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["op"] == "capture":
            cpu = time.process_time()
            status = {}
            for case in msg["cases"]:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        rec = generate.run_case(keras, dict(case, id=case.get("data_key", case["id"])), oracle)
                    records[case["id"]] = dataclasses.replace(rec, id=case["id"])
                    status[case["id"]] = "ok"
                except Exception as e:  # Keras refused the configuration: reported, not fatal
                    text = f"{type(e).__name__}: {e}".strip().splitlines()
                    status[case["id"]] = " ".join(text)[:500] or type(e).__name__
            gc.collect()
            reply({"status": status, "cpu": time.process_time() - cpu})
        elif msg["op"] == "write":
            chosen = [records[i] for i in msg["ids"]]
            core.write_golden_file(msg["path"], chosen, generator, oracle)
            reply({"written": len(chosen)})
        elif msg["op"] == "forget":
            n = len(records)
            records.clear()
            reply({"forgotten": n})
    oracle.close()


if __name__ == "__main__":
    try:
        main()
    except Exception:
        reply({"fatal": traceback.format_exc()})
        raise
