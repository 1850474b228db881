"""Times real Keras on the benchmark ops of `keras-conformance bench`.

Usage: KERAS_BACKEND=tensorflow|jax python keras_bench.py --output FILE [--repeats N]

Each op runs compiled (tensorflow: tf.function, with and without XLA, the faster on a
quick timing is kept; jax: jax.jit over the layer's stateless_call) on float32
standard-normal input, after warm-up, as the median of repeated runs taken round-robin
over the ops, exactly as `keras-conformance bench` times the Swift layers. Writes a JSON array of
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


def quick_time(fn, runs=5):
    fn()
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def tensorflow_runner(layer, x, training):
    """The faster of tf.function with and without XLA for this op (decided on a quick timing)."""
    import tensorflow as tf

    xt = tf.constant(x)
    kwargs = {"training": True} if training else {}
    best = None
    for variant, jit in (("tf.function", False), ("tf.function+xla", True)):
        f = tf.function(lambda v: layer(v, **kwargs), jit_compile=jit)
        run = (lambda f=f: f(xt))
        try:
            t = quick_time(run)
        except Exception as error:  # XLA may refuse an op; the other variant still counts
            print(f"  {variant} failed: {error}")
            continue
        print(f"  {variant}: {t * 1e3:.3f} ms (quick)")
        if best is None or t < best[0]:
            best = (t, variant, run)
    return best[1], best[2]


def jax_runner(layer, x, training):
    import jax

    xj = jax.numpy.asarray(x)
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    kwargs = {"training": True} if training else {}

    @jax.jit
    def f(tv, ntv, v):
        return layer.stateless_call(tv, ntv, v, **kwargs)

    def run():
        out, _ = f(trainable, non_trainable, xj)
        jax.block_until_ready(out)

    return "jax.jit", run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", required=True)
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()

    import keras

    backend = keras.backend.backend()
    rng = np.random.default_rng(42)
    prepared = []
    for name, cls, kwargs, shape, training in OPS:
        x = rng.standard_normal(shape, dtype=np.float32)
        layer = getattr(keras.layers, cls)(**kwargs)
        layer.build(shape)
        print(f"{backend} {name}")
        make = tensorflow_runner if backend == "tensorflow" else jax_runner
        variant, run = make(layer, x, training)
        prepared.append((name, shape, variant, run, []))
    # Round-robin, as `keras-conformance bench` does: two warm-up rounds, then every round
    # times each op once, so a burst of outside load costs one sample of each op.
    for round_index in range(args.repeats + 2):
        for name, shape, variant, run, samples in prepared:
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            if round_index >= 2:
                samples.append(elapsed)
    results = []
    for name, shape, variant, run, samples in prepared:
        t = statistics.median(samples)
        print(f"{backend} {name}: {t * 1e3:.3f} ms ({variant})")
        results.append({"op": name, "shape": list(shape), "median_s": t, "variant": variant})
    with open(args.output, "w") as f:
        json.dump({"backend": backend, "keras": keras.__version__, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
