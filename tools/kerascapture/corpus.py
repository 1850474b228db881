"""Regenerate the real-model corpus golden/models/<backend>/<model>.h5 (run by
tools/regenerate-models, which also writes golden/models/MANIFEST.json).

    corpus.py --trace TRACE.pickle [--models a,b]   (TensorFlow: build, train, trace the models)
    corpus.py --replay TRACE.pickle --backend tensorflow|jax --out golden/models/<backend>
    corpus.py --manifest TRACE.pickle --out golden/models/MANIFEST.json

Each model of models.py is built from its seed, trained a few steps (Adam, batch 8,
TensorFlow with one thread and deterministic ops), then traced twice on its capture
batch (2 images, 4 token sequences): an inference pass (every in-scope layer call) and a training pass (the
BatchNormalization calls, in training mode, with the statistics updated by the
inference-time weights). Both backends replay the same trace, so their files hold
identical inputs and weights.

Gradients: the small models (GRADIENT_MODELS: layerzoo, which calls every in-scope class,
and the transformer) carry the backward pass of each call (capture_core's gradients="tie-free":
inputs/dy, grads/x, grads/<trainable>; a max-pooling call whose input ties in a window stays
forward only, as in the generated corpus). The keras.applications models stay forward only:
their calls' dy and dx would add about as many bytes again as their inputs and outputs (about
3 MB for both backends), which the 25 MB budget of golden/ does not hold next to the generated
corpus's gradients (tools/golden/NOTES.md, "Size"); the gradient formulas are the same on their
data, and the generated corpus carries the gradient cases of every layer class.

Size (golden/ stays under 25 MB): every call is traced, then per model, pass and layer
class at most LIMIT calls are kept, evenly spaced in call order (the first and the last
always) over the calls whose input has at most MAX_ELEMENTS elements (the stems of the
image models are larger and are left out), see `subsample`. The calls left out compute the
same thing on other data.
"""

import argparse
import json
import os
import pickle
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Calls kept per model, pass and layer class.
LIMIT = {"inference": 5, "training": 3}
# Largest input kept (elements), about 32 KB of float32.
MAX_ELEMENTS = 8192
GENERATOR = "tools/regenerate-models (tools/kerascapture/corpus.py)"
# Models whose calls carry their backward pass (see "Gradients" above).
GRADIENT_MODELS = ("layerzoo", "transformer")


def subsample(records, limit):
    """At most `limit` records per layer class among those whose input has at most
    MAX_ELEMENTS elements, evenly spaced in call order, first and last included; the kept
    records stay in call order."""
    by_class = {}
    for i, r in enumerate(records):
        if r["x"].size <= MAX_ELEMENTS:
            by_class.setdefault(r["layer"], []).append(i)
    keep = set()
    for indices in by_class.values():
        n = len(indices)
        if n <= limit:
            keep.update(indices)
        else:
            keep.update(indices[round(k * (n - 1) / (limit - 1))] for k in range(limit))
    return [r for i, r in enumerate(records) if i in keep]


def trace_all(path, only=None):
    from kerascapture.cli import use_backend
    use_backend("tensorflow")
    import keras
    import numpy as np
    from kerascapture import trace_cases
    from kerascapture.models import MODELS

    traced = {}
    for name, (build, data, seed, _) in MODELS.items():
        if only is not None and name not in only:
            continue
        keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        model = build(keras)
        assert model.name == name, (model.name, name)
        x, y, batch = data(np.random.default_rng(seed))
        for layer in model.layers:
            if type(layer).__name__ == "Normalization" and layer.input_mean is None and layer.name == "input_norm":
                layer.adapt(x)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        inference = subsample(trace_cases(model, batch, training=False), LIMIT["inference"])
        training = subsample(trace_cases(model, batch, training=True), LIMIT["training"])
        traced[name] = inference + training
        print(f"traced {name}: {len(inference)} inference and {len(training)} training cases", flush=True)
    with open(path, "wb") as f:
        pickle.dump(traced, f)


def replay_all(path, backend, out):
    from kerascapture.cli import use_backend
    use_backend(backend)
    from kerascapture import replay_cases, write_cases

    with open(path, "rb") as f:
        traced = pickle.load(f)
    os.makedirs(out, exist_ok=True)
    for name, records in traced.items():
        cases = replay_cases(records, same_backend_as_trace=backend == "tensorflow",
                             gradients="tie-free" if name in GRADIENT_MODELS else "never")
        target = os.path.join(out, name + ".h5")
        write_cases(target, cases, GENERATOR, force=True)
        print(f"{backend}: wrote {target} ({len(cases)} cases)", flush=True)


def manifest(path, out):
    with open(path, "rb") as f:
        traced = pickle.load(f)
    entries = sorted(({"id": r["id"], "layer": r["layer"], "origin": r["origin"]}
                      for records in traced.values() for r in records), key=lambda e: e["id"])
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        json.dump(entries, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(out + ".tmp", out)
    print(f"wrote {out}: {len(entries)} cases")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trace")
    p.add_argument("--models", help="comma-separated model names to trace (default: all of models.py)")
    p.add_argument("--replay")
    p.add_argument("--manifest")
    p.add_argument("--backend", choices=["tensorflow", "jax"])
    p.add_argument("--out")
    args = p.parse_args()
    if args.trace:
        from kerascapture.models import MODELS
        only = None if args.models is None else args.models.split(",")
        unknown = sorted(set(only or ()) - set(MODELS))
        if unknown:
            p.error(f"unknown models {unknown}; models.py has {sorted(MODELS)}")
        trace_all(args.trace, only)
    elif args.replay and args.backend and args.out:
        replay_all(args.replay, args.backend, args.out)
    elif args.manifest and args.out:
        manifest(args.manifest, args.out)
    else:
        p.error("give --trace FILE, --replay FILE --backend B --out DIR, or --manifest FILE --out PATH")


if __name__ == "__main__":
    main()
