"""Times real Keras on the benchmark ops of `keras-conformance bench`.

Usage: KERAS_BACKEND=tensorflow|jax python keras_bench.py --output FILE [--repeats N]

Each op runs compiled (tensorflow: tf.function, with and without XLA, the faster is
kept; jax: jax.jit over the layer's stateless_call) on float32 standard-normal input,
after warm-up, as the median of repeated runs. Writes a JSON array of
{"op", "shape", "median_s", "variant"}.
"""

import argparse
import json
import os
import statistics
import time

import numpy as np

OPS = [
    ("maxpool2d_3x3_s2_same", "MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), (8, 112, 112, 64), False),
    ("avgpool2d_2x2", "AveragePooling2D", dict(pool_size=2), (8, 56, 56, 256), False),
    ("maxpool3d_2", "MaxPooling3D", dict(pool_size=2), (4, 32, 32, 32, 32), False),
    ("global_avgpool2d", "GlobalAveragePooling2D", dict(), (32, 7, 7, 2048), False),
    ("batchnorm_inference", "BatchNormalization", dict(), (8, 56, 56, 256), False),
    ("batchnorm_training", "BatchNormalization", dict(), (8, 56, 56, 256), True),
    ("layernorm_last", "LayerNormalization", dict(), (64, 128, 768), False),
    ("rmsnorm_last", "RMSNormalization", dict(), (64, 128, 768), False),
    ("groupnorm_32", "GroupNormalization", dict(groups=32), (8, 56, 56, 256), False),
]


def median_time(fn, repeats):
    fn()
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_tensorflow(layer, x, training, repeats):
    import tensorflow as tf

    xt = tf.constant(x)
    best = None
    for variant, jit in (("tf.function", False), ("tf.function+xla", True)):
        kwargs = {"training": True} if training else {}
        f = tf.function(lambda v: layer(v, **kwargs), jit_compile=jit)
        try:
            t = median_time(lambda: f(xt), repeats)
        except Exception as error:  # XLA may refuse an op; the other variant still counts
            print(f"  {variant} failed: {error}")
            continue
        print(f"  {variant}: {t * 1e3:.3f} ms")
        if best is None or t < best[0]:
            best = (t, variant)
    return best


def bench_jax(layer, x, training, repeats):
    import jax

    xj = jax.numpy.asarray(x)
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]

    @jax.jit
    def f(tv, ntv, v):
        return layer.stateless_call(tv, ntv, v, **({"training": True} if training else {}))

    def run():
        out, _ = f(trainable, non_trainable, xj)
        jax.block_until_ready(out)

    t = median_time(run, repeats)
    print(f"  jax.jit: {t * 1e3:.3f} ms")
    return (t, "jax.jit")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    import keras

    backend = keras.backend.backend()
    rng = np.random.default_rng(42)
    results = []
    for name, cls, kwargs, shape, training in OPS:
        x = rng.standard_normal(shape, dtype=np.float32)
        layer = getattr(keras.layers, cls)(**kwargs)
        layer.build(shape)
        print(f"{backend} {name}")
        if backend == "tensorflow":
            t, variant = bench_tensorflow(layer, x, training, args.repeats)
        else:
            t, variant = bench_jax(layer, x, training, args.repeats)
        results.append({"op": name, "shape": list(shape), "median_s": t, "variant": variant})
    with open(args.output, "w") as f:
        json.dump({"backend": backend, "keras": keras.__version__, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
