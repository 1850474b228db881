"""The Keras side of `tools/benchmark`: a worker of tools/bench/driver.py.

Usage: KERAS_BACKEND=tensorflow|jax python keras_worker.py

Reads one JSON command per line on standard input and answers one JSON line on standard
output, exactly like `keras-conformance bench serve` (the protocol is stated once, in
Sources/keras-conformance/Bench+Protocol.swift; the points, with their shapes and rotation
counts, come from `keras-conformance bench plan`):

- {"cmd": "setup", "protocol": {...}, "points": [...]} builds each point's layer and its
  compiled step on every side of this backend, makes the point's `rotation` distinct copies
  of its inputs (cold) and one more (warm), and runs each step once (tracing, compilation).
  Answers {"na": {side: {id: reason}}} for steps Keras could not build or run.
- {"cmd": "round", "first": k} takes, per point and side, a cold sample (next rotated input)
  and a warm sample (an untimed and a timed run on the warm input), starting at point k (modulo
  the points set up) and going round them in order. Answers
  {"samples": {side: {id: {"cold": seconds, "warm": seconds}}}}.
- {"cmd": "release"} drops everything. Answers {"ok": true}.

Sides: `tensorflow` (tf.function) and `tensorflow_xla` (tf.function(jit_compile=True)) on
the TensorFlow backend, `jax` (jax.jit over the layer's stateless_call) on JAX. A backward op
(`gradient`) runs forward and backward in one compiled step, as training does: a
GradientTape with output_gradients=dy on TensorFlow, jax.vjp on JAX, returning y, dx and
the trainable variables' gradients. Inputs are float32 standard-normal values cast to the
compute dtype of the point's policy (float16, bfloat16 under the mixed policies).
"""

import json
import os
import sys
import time

import numpy as np


def sides_of(backend):
    return ["tensorflow", "tensorflow_xla"] if backend == "tensorflow" else ["jax"]


def make_layer(point):
    import keras

    layer = getattr(keras.layers, point["layer"])(**point["config"])
    layer.build(tuple(point["shape"]))
    return layer


def tensorflow_step(layer, point, jit):
    import tensorflow as tf

    kwargs = {"training": True} if point["training"] else {}
    if point["gradient"]:

        @tf.function(jit_compile=jit)
        def step(x, dy):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x, **kwargs)
            return y, tape.gradient(y, [x] + layer.trainable_variables, output_gradients=dy)

    else:

        @tf.function(jit_compile=jit)
        def step(x, dy):
            return layer(x, **kwargs)

    return step


def jax_step(layer, point):
    import jax

    kwargs = {"training": True} if point["training"] else {}
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    if point["gradient"]:

        @jax.jit
        def compiled(tv, ntv, x, dy):
            def forward(tv, x):
                return layer.stateless_call(tv, ntv, x, **kwargs)

            y, vjp, updated = jax.vjp(forward, tv, x, has_aux=True)
            d_trainable, dx = vjp(dy)
            return y, dx, d_trainable, updated

    else:

        @jax.jit
        def compiled(tv, ntv, x, dy):
            return layer.stateless_call(tv, ntv, x, **kwargs)

    return lambda x, dy: jax.block_until_ready(compiled(trainable, non_trainable, x, dy))


class Point:
    """One point on one side: its step and its cold and warm inputs."""

    def __init__(self, backend, side, point, layer, base_x, base_dy):
        self.id = point["id"]
        dtype = point["dtype"]
        if backend == "tensorflow":
            import tensorflow as tf

            step = tensorflow_step(layer, point, side == "tensorflow_xla")
            self.run = step
            convert = lambda a: tf.cast(tf.constant(a), dtype) if a is not None else None
        else:
            import jax.numpy as jnp

            self.run = jax_step(layer, point)
            convert = lambda a: jnp.asarray(a).astype(dtype) if a is not None else None
        # Distinct buffers with the same values: caches hold addresses, so each copy is cold in turn.
        copies = lambda: (convert(np.array(base_x, copy=True)), convert(None if base_dy is None else np.array(base_dy, copy=True)))
        self.cold = [copies() for _ in range(point["rotation"])]
        self.warm = copies()
        self.next = 0
        self.run(*self.warm)

    def cold_sample(self):
        x, dy = self.cold[self.next]
        self.next = (self.next + 1) % len(self.cold)
        start = time.perf_counter()
        self.run(x, dy)
        return time.perf_counter() - start

    def warm_sample(self):
        self.run(*self.warm)
        start = time.perf_counter()
        self.run(*self.warm)
        return time.perf_counter() - start


class Worker:
    def __init__(self, backend):
        self.backend = backend
        self.points = []
        self.plan_order = []

    def setup(self, command):
        self.points = []
        self.plan_order = [point["id"] for point in command["points"]]
        na = {side: {} for side in sides_of(self.backend)}
        rng = np.random.default_rng(42)
        for point in command["points"]:
            try:
                layer = make_layer(point)
                base_x = rng.standard_normal(point["shape"], dtype=np.float32)
                output_shape = tuple(layer.compute_output_shape(tuple(point["shape"])))
                base_dy = rng.standard_normal(output_shape, dtype=np.float32) if point["gradient"] else None
            except Exception as error:  # the layer itself: every side of this backend is n/a
                for side in na:
                    na[side][point["id"]] = f"{type(error).__name__}: {error}"
                continue
            for side in sides_of(self.backend):
                try:
                    self.points.append((side, Point(self.backend, side, point, layer, base_x, base_dy)))
                except Exception as error:  # e.g. XLA refuses an op; the other sides still run
                    na[side][point["id"]] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
                    print(f"keras_worker: {side} {point['id']}: n/a ({na[side][point['id']]})", file=sys.stderr)
        return {"na": na}

    def round(self, first=0):
        samples = {}
        order = self.plan_order
        start = first % len(order) if order else 0
        rank = {point_id: (i - start) % len(order) for i, point_id in enumerate(order)}
        for side, point in sorted(self.points, key=lambda entry: rank[entry[1].id]):
            entry = {}
            if point.cold:
                entry["cold"] = point.cold_sample()
            entry["warm"] = point.warm_sample()
            samples.setdefault(side, {})[point.id] = entry
        return {"samples": samples}

    def release(self):
        self.points = []
        import gc

        gc.collect()
        return {"ok": True}


def main():
    # Keep standard output for the protocol: anything else written there (by Keras, TensorFlow,
    # XLA, in Python or C) goes to standard error.
    protocol_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")  # one tf.function per point and side is meant, not retracing
    worker = Worker(keras.backend.backend())
    for line in sys.stdin:
        try:
            command = json.loads(line)
            handler = {"setup": lambda: worker.setup(command), "round": lambda: worker.round(command.get("first", 0)), "release": worker.release}.get(command.get("cmd"))
            reply = handler() if handler else {"error": f"unknown command {command.get('cmd')!r}; expected setup, round or release"}
        except Exception as error:
            reply = {"error": f"{type(error).__name__}: {error}"}
        protocol_out.write(json.dumps(reply) + "\n")
        protocol_out.flush()


if __name__ == "__main__":
    main()
