#!/usr/bin/env python3
"""Write a golden file with gradients the way another tool would: plain h5py and Keras,
WITHOUT this project's capture core, from the documented format (docs/golden-schema.md,
"A case" and "Gradients") alone.

    tools/golden-python tools/golden/foreign_gradient_writer.py [--out Tests/Fixtures/foreign_gradients.h5]

It deliberately makes other storage choices than tools/golden/capture_core.py: the HDF5
"latest" file format, every dataset chunked and gzip-compressed (with the shuffle filter),
attributes and links kept in creation order, and attributes, inputs and results written in
another order. The values are Keras's own on
TensorFlow: the forward call and `tf.GradientTape` of L = sum(y * dy). The Swift CLI must run
the file with no change (`keras-conformance run Tests/Fixtures/foreign_gradients.h5`).

Deterministic: seeded data, no timestamps, so rerunning gives a byte-identical file.
"""

import argparse
import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GENERATOR = "tools/golden/foreign_gradient_writer.py (a foreign writer: plain h5py, no capture core)"


# Attributes and links kept (and listed) in creation order, not by name.
ORDER = h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED


def group(parent, name):
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    gcpl.set_attr_creation_order(ORDER)
    gcpl.set_link_creation_order(ORDER)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode("utf-8"), gcpl=gcpl))


def dataset(parent, path, data):
    """Chunked and gzip-compressed (the capture core writes contiguous datasets)."""
    g = parent
    parts = path.split("/")
    for p in parts[:-1]:
        g = g[p] if p in g else group(g, p)
    data = np.asarray(data)
    chunks = tuple(max(1, n) for n in data.shape) if data.ndim else None
    g.create_dataset(parts[-1], data=data, chunks=chunks, compression="gzip", compression_opts=9,
                     shuffle=True, track_times=False)


def capture(f, case_id, layer, x, call, rng, origin):
    """Build `layer` on x, give it seeded weights, call it under a tape, store everything."""
    layer.build(x.shape)
    weights = {}
    for v in layer.weights:
        name = v.path.split("/")[-1]
        value = rng.uniform(0.5, 1.5, v.shape) if name in ("gamma", "moving_variance") else rng.normal(0, 0.5, v.shape)
        v.assign(value.astype("float32"))
        weights[name] = np.asarray(v.numpy())
    xv = tf.constant(x)
    trainable = list(layer.trainable_weights)
    with tf.GradientTape() as tape:
        tape.watch(xv)
        y = layer(xv, **call)
        dy = tf.constant(rng.normal(0, 1, y.shape).astype("float32"))
        loss = tf.reduce_sum(y * dy)
    grads = tape.gradient(loss, [xv] + trainable)
    g = group(f, case_id)
    # Attributes in another order than the capture core's (layer, config, call, origin).
    g.attrs["origin"] = origin
    g.attrs["call"] = json.dumps(call)
    g.attrs["config"] = json.dumps(layer.get_config())
    g.attrs["layer"] = type(layer).__name__
    # Results first, then inputs.
    dataset(g, "grads/x", grads[0].numpy())
    for v, gv in zip(trainable, grads[1:]):
        dataset(g, "grads/" + v.path.split("/")[-1], gv.numpy())
    dataset(g, "outputs/y", y.numpy())
    changed = {n: np.asarray(v.numpy()) for n, v in ((v.path.split("/")[-1], v) for v in layer.weights)}
    for name in sorted(changed):
        if not np.array_equal(changed[name], weights[name]):
            dataset(g, "updated/" + name, changed[name])
    dataset(g, "inputs/dy", dy.numpy())
    for name in sorted(weights, reverse=True):
        dataset(g, "weights/" + name, weights[name])
    dataset(g, "inputs/x", x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=os.path.join(REPO, "Tests", "Fixtures", "foreign_gradients.h5"))
    args = p.parse_args()
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(2024)
    if os.path.exists(args.out):
        os.remove(args.out)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fcpl.set_attr_creation_order(ORDER)
    fcpl.set_link_creation_order(ORDER)
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    with h5py.File(h5py.h5f.create(args.out.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)) as f:
        # Root attributes in another order than the capture core's.
        f.attrs["generator"] = GENERATOR
        f.attrs["numpy_version"] = np.__version__
        f.attrs["backend_version"] = tf.__version__
        f.attrs["backend"] = keras.backend.backend()
        f.attrs["keras_version"] = keras.__version__
        f.attrs["schema"] = "keras-golden/1"

        def data(*shape):
            return rng.normal(0, 1, shape).astype("float32")

        capture(f, "foreign.LayerNormalization", keras.layers.LayerNormalization(), data(2, 3, 5), {}, rng,
                "foreign writer: LayerNormalization over the last axis")
        capture(f, "foreign.BatchNormalization.train", keras.layers.BatchNormalization(), data(6, 4), {"training": True},
                rng, "foreign writer: BatchNormalization, training, through the batch statistics")
        capture(f, "foreign.GroupNormalization", keras.layers.GroupNormalization(groups=2), data(2, 3, 4), {}, rng,
                "foreign writer: GroupNormalization, 2 groups")
        capture(f, "foreign.AveragePooling2D", keras.layers.AveragePooling2D(2, padding="same"), data(1, 5, 5, 2), {},
                rng, "foreign writer: AveragePooling2D 2x2, same padding")
        # Distinct values (a permutation): no ties, so the max is unique in every window.
        ties_free = (rng.permutation(36).astype("float32") / 7 - 2.5).reshape(1, 6, 6, 1)
        capture(f, "foreign.MaxPooling2D", keras.layers.MaxPooling2D(2), ties_free, {}, rng,
                "foreign writer: MaxPooling2D 2x2, tie-free input")
    print(f"{os.path.relpath(args.out)}: {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()
