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
the Swift layers compute in float32 (see NOTES.md).

The files are reproducible: no timestamps (track_times off for every group
and dataset), contiguous unfiltered datasets, attributes and datasets written
in a fixed order, so that regenerating gives byte-identical files.
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

import cases as case_specs  # noqa: E402  (pure data + numpy, no Keras)

SCHEMA = "keras-golden/1"


def command_line(argv):
    """The command as run from the repo root (paths made repo-relative, so
    that regenerating in another checkout records the same text)."""
    parts = ["tools/golden/generate.py"]
    for a in argv:
        if os.path.isabs(a) and a.startswith(REPO + os.sep):
            a = os.path.relpath(a, REPO)
        elif not os.path.isabs(a) and os.sep in a and os.path.exists(os.path.dirname(os.path.abspath(a)) or "."):
            cand = os.path.abspath(a)
            if cand.startswith(REPO + os.sep):
                a = os.path.relpath(cand, REPO)
        parts.append(a)
    cmd = " ".join(parts)
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


# ----------------------------------------------------------------- HDF5 ----

def _h5():
    import h5py
    return h5py


def new_group(parent, name):
    """A group without modification / creation timestamps."""
    h5py = _h5()
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    gid = h5py.h5g.create(parent.id, name.encode("utf-8"), gcpl=gcpl)
    return h5py.Group(gid)


def put(parent, name, array):
    import numpy as np
    array = np.ascontiguousarray(array)
    parent.create_dataset(name, data=array, track_times=False)


def write_file(path, root_attrs, records):
    h5py = _h5()
    tmp = path + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    with h5py.File(tmp, "w", libver="earliest") as f:
        for k in ("schema", "keras_version", "backend", "backend_version", "numpy_version", "generator"):
            f.attrs[k] = root_attrs[k]
        for k, v in root_attrs.items():
            if k not in f.attrs:
                f.attrs[k] = v
        for rec in sorted(records, key=lambda r: r["id"]):
            g = new_group(f, rec["id"])
            g.attrs["layer"] = rec["layer"]
            g.attrs["config"] = rec["config"]
            g.attrs["call"] = rec["call"]
            g.attrs["origin"] = rec["origin"]
            gi = new_group(g, "inputs")
            put(gi, "x", rec["x"])
            if rec["mask"] is not None:
                put(gi, "mask", rec["mask"].astype("uint8"))
            if rec["weights"]:
                gw = new_group(g, "weights")
                for name, value in rec["weights"]:
                    put(gw, name, value)
            go = new_group(g, "outputs")
            put(go, "y", rec["y"])
            if rec["updated"]:
                gu = new_group(g, "updated")
                for name, value in rec["updated"]:
                    put(gu, name, value)
    os.replace(tmp, path)


# ---------------------------------------------------------------- Keras ----

def run_case(keras, np, case):
    """Build, randomise, call. Returns the record to write."""
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
    mask = case_specs.make_mask(case)

    w_spec = case["weights"]
    if isinstance(w_spec, dict) and "adapt" in w_spec:
        adapt_case = {"id": case["id"] + "/adapt", "x": w_spec["adapt"]}
        layer.adapt(case_specs.make_input(adapt_case))
    elif not layer.built:
        layer.build(x.shape)
    variables = list(layer.weights)
    names = [v.path.split("/")[-1] for v in variables]
    if len(set(names)) != len(names):
        raise RuntimeError(f"{case['id']}: duplicate variable names {names}")
    if w_spec == "random" and variables:
        layer.set_weights([
            case_specs.random_weight(case["id"], n, v.shape, keras.backend.standardize_dtype(v.dtype))
            for n, v in zip(names, variables)
        ])
    before = [np.array(keras.ops.convert_to_numpy(v.value)) for v in variables]

    xt = keras.ops.convert_to_tensor(x)
    kwargs = dict(case["call"])
    if mask is not None:
        kwargs["mask"] = keras.ops.convert_to_tensor(mask)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = layer(xt, **kwargs)
    y = np.array(keras.ops.convert_to_numpy(y))

    after = [np.array(keras.ops.convert_to_numpy(v.value)) for v in variables]
    updated = []
    for n, b, a in zip(names, before, after):
        same = np.array_equal(b, a, equal_nan=True) if b.dtype.kind == "f" else np.array_equal(b, a)
        if not same:
            updated.append((n, a))

    return {
        "id": case["id"],
        "layer": type(layer).__name__,
        "config": config,
        "call": json.dumps(case["call"]),
        "origin": case["origin"],
        "x": x,
        "mask": mask,
        "weights": list(zip(names, before)),
        "y": y,
        "updated": updated,
    }


def generate(args, families, only):
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras

    if keras.backend.backend() != args.backend:
        raise RuntimeError(f"asked for {args.backend}, Keras runs {keras.backend.backend()}")
    if args.backend == "tensorflow":
        import tensorflow as backend_module

        # One thread: reductions are then split the same way on any machine.
        backend_module.config.threading.set_intra_op_parallelism_threads(1)
        backend_module.config.threading.set_inter_op_parallelism_threads(1)
    elif args.backend == "jax":
        import jax as backend_module
    else:
        raise RuntimeError(f"unsupported backend {args.backend}")

    root = {
        "schema": SCHEMA,
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "backend_version": backend_module.__version__,
        "numpy_version": np.__version__,
        "generator": command_line(sys.argv[1:]),
    }

    os.makedirs(args.out, exist_ok=True)
    total = 0
    for fam in families:
        fam_cases = [c for c in case_specs.CASES if c["family"] == fam and (not only or c["id"] in only)]
        if not fam_cases:
            continue
        records = []
        t0 = time.time()
        for c in fam_cases:
            try:
                records.append(run_case(keras, np, c))
            except Exception as e:  # report which case failed, then stop
                raise RuntimeError(f"case {c['id']} failed on {args.backend}: {type(e).__name__}: {e}") from e
        path = os.path.join(args.out, fam + ".h5")
        write_file(path, root, records)
        total += len(records)
        print(f"{args.backend}: wrote {os.path.relpath(path)} ({len(records)} cases, "
              f"{time.time() - t0:.1f} s)", flush=True)
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
