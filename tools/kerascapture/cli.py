"""tools/capture MODEL.keras --input X.npy --out OUT.h5 [--backend tensorflow|jax] [--force]

Captures every call of an in-scope layer (the 24 pooling and normalization classes) in
one inference pass of the saved model on the input batch X.npy, as golden cases
(docs/golden-schema.md) with ids <model name>.<layer path>.

The model is always traced on TensorFlow (one thread, deterministic ops): that pass gives
each layer's real input, mask, call arguments and weights. Each layer is then called on
its own on the chosen backend (default tensorflow) with exactly those, so files captured
with --backend tensorflow and --backend jax hold identical inputs and weights and differ
only in what each backend computes. An existing OUT.h5 is kept unless --force is given.
Exit status: 0 written, 1 capture failed, 2 bad arguments or OUT.h5 exists.
"""

import argparse
import os
import pickle
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TRACE_BACKEND = "tensorflow"


def fail(message, status=1):
    print(f"capture: {message}", file=sys.stderr)
    sys.exit(status)


def use_backend(name):
    """Import Keras on `name` (the capture core's way: TensorFlow on one thread), with
    deterministic TensorFlow ops for the tracing pass and training; must run before
    anything imports keras."""
    from kerascapture.golden import capture_core
    _, module = capture_core().load_keras(name)
    if name == "tensorflow":
        module.config.experimental.enable_op_determinism()


def traced_records(model_path, input_path):
    """Load the model and input and trace them (in this process, on TensorFlow)."""
    import keras
    import numpy as np
    from kerascapture import trace_cases

    try:
        model = keras.saving.load_model(model_path, compile=False)
    except Exception as e:
        fail(f"cannot load the model {model_path}: {type(e).__name__}: {e}")
    try:
        x = np.load(input_path, allow_pickle=False)
    except Exception as e:
        fail(f"cannot read the input {input_path} as a .npy array: {type(e).__name__}: {e}")
    try:
        records = trace_cases(model, x)
    except Exception as e:
        fail(f"running {model.name} on {input_path} (shape {x.shape}, {x.dtype}) failed: {type(e).__name__}: {e}")
    if not records:
        fail(f"the model {model.name} has no call of an in-scope layer (pooling or normalization)")
    return records


def main(argv):
    p = argparse.ArgumentParser(prog="tools/capture", description=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", metavar="MODEL.keras", help="a model saved with model.save(...)")
    p.add_argument("--input", required=True, metavar="X.npy", help="the input batch (numpy .npy)")
    p.add_argument("--out", required=True, metavar="OUT.h5", help="the golden file to write")
    p.add_argument("--backend", choices=["tensorflow", "jax"], default="tensorflow",
                   help="the backend that computes the recorded outputs (default tensorflow)")
    p.add_argument("--force", action="store_true", help="overwrite OUT.h5 if it exists")
    p.add_argument("--trace-to", help=argparse.SUPPRESS)  # internal: the tracing child process
    args = p.parse_args(argv)

    for path, what in ((args.model, "model"), (args.input, "input")):
        if not os.path.isfile(path):
            fail(f"the {what} file {path} does not exist", 2)

    if args.trace_to:
        use_backend(TRACE_BACKEND)
        with open(args.trace_to, "wb") as f:
            pickle.dump(traced_records(args.model, args.input), f)
        return

    if os.path.exists(args.out) and not args.force:
        fail(f"{args.out} exists; pass --force to overwrite it", 2)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        fail(f"the folder of {args.out} does not exist", 2)

    if args.backend == TRACE_BACKEND:
        use_backend(args.backend)
        records = traced_records(args.model, args.input)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            trace_file = os.path.join(tmp, "trace.pickle")
            child = subprocess.run(
                [sys.executable, os.path.abspath(__file__), args.model, "--input", args.input,
                 "--out", args.out, "--trace-to", trace_file],
                env=dict(os.environ, KERAS_BACKEND=TRACE_BACKEND))
            if child.returncode != 0:
                sys.exit(child.returncode)
            with open(trace_file, "rb") as f:
                records = pickle.load(f)
        use_backend(args.backend)

    from kerascapture import replay_cases, write_cases
    try:
        cases = replay_cases(records, same_backend_as_trace=args.backend == TRACE_BACKEND)
    except Exception as e:
        fail(str(e))
    generator = " ".join(["tools/capture", os.path.basename(args.model), "--input", os.path.basename(args.input),
                          "--out", os.path.basename(args.out), "--backend", args.backend])
    write_cases(args.out, cases, generator, force=args.force)
    layers = sorted({c.layer for c in cases})
    print(f"capture: wrote {args.out}: {len(cases)} cases on {args.backend} ({', '.join(layers)})")


if __name__ == "__main__":
    main(sys.argv[1:])
