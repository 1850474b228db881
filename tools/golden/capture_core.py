"""The capture core: one Keras layer call -> one `keras-golden/1` case (docs/golden-schema.md).

Shared by every tool that writes golden files: the case generator (tools/golden/generate.py),
the model capture tool (tools/capture) and the differential fuzzer (tools/fuzz). They differ in
where layers and inputs come from; how a call becomes a case is decided here, once.

API (everything else in this module is private):

    keras, backend_module = load_keras("tensorflow" | "jax")
        Import Keras on that backend (sets KERAS_BACKEND; must run before anything imported
        Keras). TensorFlow gets one intra-op and one inter-op thread, so reductions split the
        same way on every machine.

    with Oracle() as oracle:
        A float64 reference: Keras on TensorFlow under the `float64` dtype policy, in a child
        process (the same code path for a TensorFlow and a JAX run, so both files carry
        byte-identical oracle values; a crash of Keras there loses that case's oracle, not the
        run). `oracle.description` is the root attribute `oracle`.

    record = capture(layer, x, case_id=..., origin=..., mask=None, call=None, config=None,
                     oracle=None, gradients="tie-free", dy_key=None, allow_error=False)
        Calls the built layer (weights already set) as `layer(x, mask=mask, **call)` and returns
        a CaseRecord: the config (default `json.dumps(layer.get_config())`; pass the JSON taken
        before build() when build() rewrites fields), the weights just before the call, the
        output, the variables the call changed (`updated/<name>`), the backward pass of the
        same call (`inputs/dy`, `grads/x`, `grads/<trainable variable>`, see "Gradients"
        below), the float64 oracle of output, updated variables and gradients when `oracle` is
        given and Keras can evaluate the call under the float64 policy, and the cancellation
        bound (`cancellation/outputs/y`) where Keras's formula cancels. The call updates the
        layer's variables exactly as Keras does. With `allow_error`, a call Keras raises on
        becomes an error case (`record.error`, the one-line reason; no output, gradients, oracle
        or bound) instead of raising.

    write_golden_file(path, records, generator=..., oracle=None)
        Writes the records (sorted by id) with the root attributes of the running Keras, atomically
        (a temporary file renamed into place) and reproducibly: no timestamps, contiguous
        unfiltered datasets, a fixed order of attributes, groups and datasets, the HDF5 1.8 file
        format (libver v108: groups keep their few links in their own header instead of a B-tree
        and heap of their own, about a third of the bytes of the 1.6 format for small cases), and
        each distinct tensor stored once per file: a tensor equal to one already written (same
        dtype, shape and bytes, e.g. the seed cases' shared input) becomes a second hard link to
        that dataset, which every HDF5 reader follows transparently. Same records ->
        byte-identical file.

    cancellation_bound(layer_name, config, x, mask, weights, call) -> {path: float64 array}
        The per-element rounding bound of Keras's own formula (see docs/golden-schema.md,
        "Cancellation bound"); {} for layers whose formula does not cancel.

Gradients (docs/golden-schema.md, "Gradients"): the loss is L = sum(y * dy) with dy drawn
from numpy `default_rng(crc32(f"{dy_key}/dy/{shape}"))` (dy_key: the case id unless given;
cases on one shared input pass its key, so those with the same output shape share dy),
standard normal, in the shape and dtype of the output, so every backend and every rerun sees
the same dy. They are taken from the
variables' values before the call (the call's own state), in the mode `call` names
(BatchNormalization with training=True through its batch statistics), with the case's mask:
on TensorFlow with `tf.GradientTape` around a second `layer(x, ...)` call, on JAX with
`jax.vjp` of `layer.stateless_call` (the input converted as `Layer.__call__` converts it).
The layer's variables are left as the recorded call left them. `gradients`:
    "tie-free" (default): recorded unless the layer takes a maximum (Max, GlobalMax,
        AdaptiveMax pooling) and some window holds its maximum more than once: there the
        backends route the gradient differently (tools/golden/NOTES.md, "Max pooling
        gradients with ties"), so such a case stays forward-only;
    "always": recorded whatever the ties (the explicit tie cases; where a window ties, the
        float64 oracle gets no `grads/`: it would only repeat TensorFlow's choice);
    "never": forward-only.
Gradients are recorded for floating inputs only; a trainable variable that the output does
not depend on gets a zero gradient (what JAX returns; TensorFlow says None).
"""

import dataclasses
import hashlib
import itertools
import json
import os
import pickle
import re
import subprocess
import sys
import warnings
import zlib

import numpy as np

SCHEMA = "keras-golden/1"

# --------------------------------------------------------------- Keras ----


def load_keras(backend):
    """Import Keras on `backend`; returns (keras, the backend's module)."""
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    if keras.backend.backend() != backend:
        raise RuntimeError(f"asked for Keras on {backend}, but it runs {keras.backend.backend()} "
                           "(Keras was imported before load_keras)")
    if backend == "tensorflow":
        import tensorflow as module

        module.config.threading.set_intra_op_parallelism_threads(1)
        module.config.threading.set_inter_op_parallelism_threads(1)
    elif backend == "jax":
        import jax as module
    else:
        raise RuntimeError(f"unsupported backend {backend}")
    return keras, module


def _variable_names(layer, case_id):
    names = [v.path.split("/")[-1] for v in layer.weights]
    if len(set(names)) != len(names):
        raise RuntimeError(f"{case_id}: duplicate variable names {names}")
    return names


def _numpy(keras, value):
    return np.array(keras.ops.convert_to_numpy(value))


def _is_float(array):
    """numpy floats and ml_dtypes' bfloat16 (whose numpy kind is "V")."""
    return array.dtype.kind == "f" or array.dtype.name == "bfloat16"


# -------------------------------------------------------------- record ----


@dataclasses.dataclass
class CaseRecord:
    """One case, ready to write. Arrays are numpy; names are variable names."""
    id: str
    layer: str
    config: str
    call: str
    origin: str
    x: np.ndarray
    mask: "np.ndarray | None"
    weights: list          # [(name, array)] just before the call, in the layer's order
    y: np.ndarray
    updated: list          # [(name, array)] after the call, only variables the call changed
    oracle: dict           # {"outputs/y" | "updated/<name>" | "grads/<name>": float64 array}
    cancellation: dict     # {"outputs/y": float64 array}
    dy: "np.ndarray | None" = None   # the upstream gradient (inputs/dy); None: forward-only
    grads: list = dataclasses.field(default_factory=list)  # [("x" | variable name, array)]
    error: "str | None" = None  # the call raised in Keras (y is None; capture's allow_error)


def capture(layer, x, *, case_id, origin, mask=None, call=None, config=None, oracle=None, gradients="tie-free",
            dy_key=None, allow_error=False):
    """Call `layer` on `x` and record the case (see the module docstring)."""
    import keras

    if gradients not in ("tie-free", "always", "never"):
        raise ValueError(f"{case_id}: gradients must be 'tie-free', 'always' or 'never', not {gradients!r}")
    call = dict(call or {})
    if config is None:
        config = json.dumps(layer.get_config())
    names = _variable_names(layer, case_id)
    before = [_numpy(keras, v.value) for v in layer.weights]
    x = np.ascontiguousarray(x)
    kwargs = dict(call)
    if mask is not None:
        mask = np.ascontiguousarray(np.asarray(mask, dtype=bool))
        kwargs["mask"] = keras.ops.convert_to_tensor(mask)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            y = _numpy(keras, layer(keras.ops.convert_to_tensor(x), **kwargs))
        except Exception as e:  # noqa: BLE001 - with allow_error, what Keras raised is the case
            if not allow_error:
                raise
            return CaseRecord(id=case_id, layer=type(layer).__name__, config=config, call=json.dumps(call),
                              origin=origin, x=x, mask=mask, weights=list(zip(names, before)), y=None,
                              updated=[], oracle={}, cancellation={}, error=_reason(e))
    after = [_numpy(keras, v.value) for v in layer.weights]
    updated = [(name, new) for name, old, new in zip(names, before, after)
               if not np.array_equal(old, new, equal_nan=_is_float(old))]

    layer_name = type(layer).__name__
    parsed_config = json.loads(config)
    cancellation = cancellation_bound(layer_name, parsed_config, x, mask, dict(zip(names, before)), call)
    dy, grads = None, []
    ties = gradients != "never" and max_window_ties(layer_name, parsed_config, x)
    if _is_float(x) and (gradients == "always" or (gradients == "tie-free" and not ties)):
        dy = upstream_gradient(dy_key or case_id, y)
        for v, value in zip(layer.weights, before):
            v.assign(value)
        grads = _gradients(keras, layer, x, kwargs, dy, y, cancellation.get("outputs/y", 0.0), case_id)
        cancellation.update(half_average_pooling_gradient_bound(layer_name, parsed_config, x, dy))
        for v, value in zip(layer.weights, after):
            v.assign(value)

    weights = list(zip(names, before))
    oracle_values = {}
    if oracle is not None:
        # At a tied maximum the gradient is a choice among subgradients, not a rounding
        # question: the float64 oracle cannot arbitrate it, so it gets no oracle/grads.
        oracle_values = oracle.evaluate(case_id, layer_name, config, weights, x, mask, call,
                                        [n for n, _ in updated], None if ties else dy) or {}
    return CaseRecord(
        id=case_id, layer=layer_name, config=config, call=json.dumps(call), origin=origin,
        x=x, mask=mask, weights=weights, y=y, updated=updated, oracle=oracle_values,
        cancellation=cancellation, dy=dy, grads=grads,
    )


# ----------------------------------------------------------- gradients ----


def upstream_gradient(key, y):
    """The case's dy: standard normal from numpy default_rng(crc32(f"{key}/dy/{shape}")), shape
    written as "4x14x14x3", in the shape and dtype of the output y (values are float32 numbers
    whatever the dtype)."""
    shape = "x".join(str(n) for n in np.shape(y))
    rng = np.random.default_rng(zlib.crc32(f"{key}/dy/{shape}".encode("utf-8")))
    dy = rng.standard_normal(np.shape(y)).astype(np.float32).astype(y.dtype)
    return np.ascontiguousarray(dy)


def _trainable_names(layer):
    return [v.path.split("/")[-1] for v in layer.trainable_variables]


def _gradients(keras, layer, x, kwargs, dy, y, slack, case_id):
    """[("x", dL/dx), (name, dL/d(variable)) for each trainable variable] of the call
    `layer(x, **kwargs)` from the variables' current values, L = sum(y * dy). The call's
    output must be `y` within about an ULP of its type plus `slack` (the cancellation bound)."""
    backend = keras.backend.backend()
    trainable = layer.trainable_variables
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if backend == "tensorflow":
            import tensorflow as tf

            xt = tf.convert_to_tensor(x)
            with tf.GradientTape() as tape:
                tape.watch(xt)
                again = layer(xt, **kwargs)
            values = tape.gradient(again, [xt] + [v.value for v in trainable],
                                   output_gradients=tf.convert_to_tensor(dy))
        elif backend == "jax":
            import jax

            call = dict(kwargs)
            if "training" in call and not layer._call_has_training_arg:
                del call["training"]  # as Layer.__call__ does
            frozen = [v.value for v in layer.non_trainable_variables]

            def forward(xx, variables):
                xx = layer.dtype_policy.convert_input(xx, layer.autocast, layer.input_dtype)
                return layer.stateless_call(variables, frozen, xx, **call)[0]

            again, vjp = jax.vjp(forward, jax.numpy.asarray(x), [v.value for v in trainable])
            dx, dvariables = vjp(jax.numpy.asarray(dy))
            values = [dx] + list(dvariables)
        else:
            raise RuntimeError(f"{case_id}: no gradient capture for backend {backend}")
    again = _numpy(keras, again).astype(np.float64)
    expected = y.astype(np.float64)
    with np.errstate(invalid="ignore"):
        rtol = {"float16": 1e-3, "bfloat16": 8e-3}.get(y.dtype.name, 1.3e-6)  # about an ULP of y's type
        apart = (np.isnan(again) != np.isnan(expected)) | (np.abs(again - expected) > 1e-5 + rtol * np.abs(expected)
                                                           + slack)
    if apart.any():  # the same call up to rounding (JAX's vjp may evaluate it differently)
        raise RuntimeError(f"{case_id}: the differentiated call does not reproduce the recorded output "
                           f"at {int(apart.sum())} elements")
    out = []
    for name, ref, value in zip(["x"] + _trainable_names(layer), [x] + [v.value for v in trainable], values):
        if value is None:
            out.append((name, np.zeros(np.shape(ref), dtype=_numpy(keras, ref).dtype)))
        else:
            out.append((name, np.ascontiguousarray(_numpy(keras, value))))
    return out


def _pool_tuple(value, rank):
    return [value] * rank if isinstance(value, int) else list(value)


def _pool_windows(layer_name, config, sizes):
    """Per spatial axis, the list of (start, end) windows of a max-type pooling layer over
    the real elements (padding excluded): global pooling one window, adaptive pooling
    [floor(i·L/O), ceil((i+1)·L/O)), windowed pooling TensorFlow's valid / same windows
    (same: out = ceil(L/s), padding max((out−1)·s + p − L, 0), the smaller half before)."""
    rank = len(sizes)
    if layer_name.startswith("Global"):
        return [[(0, n)] for n in sizes]
    if layer_name.startswith("Adaptive"):
        outs = _pool_tuple(config["output_size"], rank)
        return [[(i * n // o, -(-(i + 1) * n // o)) for i in range(o)] for n, o in zip(sizes, outs)]
    pools = _pool_tuple(config["pool_size"], rank)
    strides = _pool_tuple(config.get("strides") or config["pool_size"], rank)
    windows = []
    for n, p, s in zip(sizes, pools, strides):
        if config.get("padding", "valid") == "same":
            out = -(-n // s)
            before = max((out - 1) * s + p - n, 0) // 2
        else:
            out, before = (n - p) // s + 1, 0
        windows.append([(max(i * s - before, 0), min(i * s - before + p, n)) for i in range(out)])
    return windows


def max_window_ties(layer_name, config, x):
    """True when `layer_name` takes a maximum over windows (MaxPooling, GlobalMaxPooling,
    AdaptiveMaxPooling, any rank) and some window of `x` holds its maximum more than once."""
    if "MaxPooling" not in layer_name:
        return False
    x = np.asarray(x)
    rank = int(layer_name[-2])
    first = 2 if config.get("data_format") == "channels_first" else 1
    spatial = tuple(range(first, first + rank))
    for window in itertools.product(*_pool_windows(layer_name, config, [x.shape[a] for a in spatial])):
        index = [slice(None)] * x.ndim
        for axis, (start, end) in zip(spatial, window):
            index[axis] = slice(start, end)
        w = x[tuple(index)]
        if ((w == w.max(axis=spatial, keepdims=True)).sum(axis=spatial) > 1).any():
            return True
    return False


# -------------------------------------------------------------- oracle ----


def _evaluate_float64(keras, layer_name, config, weights, x, mask, call, updated_names, dy=None):
    """Keras's layer under the float64 policy on the case's data cast to float64.
    Returns {"outputs/y": ..., "updated/<name>": ...} as float64 arrays, and with `dy` the
    gradients {"grads/x": ..., "grads/<trainable>": ...} of the same call (tf.GradientTape,
    dy cast to float64)."""
    keras.backend.clear_session()
    cls = getattr(keras.layers, layer_name)
    cfg = json.loads(config)
    cfg["dtype"] = "float64"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = cls.from_config(cfg)
        x64 = np.asarray(x).astype(np.float64)
        if not layer.built:
            layer.build(x64.shape)
        names = _variable_names(layer, layer_name)
        given = dict(weights)
        if set(names) != set(given):
            raise RuntimeError(f"the float64 layer has variables {names}, the case {sorted(given)}")
        layer.set_weights([given[n].astype(np.float64) if _is_float(given[n]) else given[n]
                           for n in names])
        if hasattr(layer, "finalize_state"):  # Normalization reads its adapted variables only then
            layer.finalize_state()
        kwargs = dict(call)
        if mask is not None:
            kwargs["mask"] = keras.ops.convert_to_tensor(mask)
        if dy is None:
            y = _numpy(keras, layer(keras.ops.convert_to_tensor(x64), **kwargs))
        else:
            import tensorflow as tf

            xt = tf.convert_to_tensor(x64)
            trainable = layer.trainable_variables
            with tf.GradientTape() as tape:
                tape.watch(xt)
                yt = layer(xt, **kwargs)
            values = tape.gradient(yt, [xt] + [v.value for v in trainable],
                                   output_gradients=tf.convert_to_tensor(np.asarray(dy).astype(np.float64)))
            y = _numpy(keras, yt)
    out = {"outputs/y": y.astype(np.float64)}
    if dy is not None:
        for name, ref, value in zip(["x"] + _trainable_names(layer), [x64] + [v.value for v in trainable], values):
            out[f"grads/{name}"] = (np.zeros(np.shape(ref)) if value is None else _numpy(keras, value)).astype(np.float64)
    after = dict(zip(names, (_numpy(keras, v.value) for v in layer.weights)))
    for n in updated_names:
        if _is_float(after[n]):
            out[f"updated/{n}"] = after[n].astype(np.float64)
    return out


class Oracle:
    """Keras on TensorFlow under the float64 policy, in a child process (see module docstring)."""

    def __init__(self):
        self._proc = None
        self.description = None
        self.failures = []  # (case id, reason) of the calls Keras could not evaluate in float64
        self._start()

    def _start(self):
        env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3", PYTHONDONTWRITEBYTECODE="1")
        self._proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--oracle-server"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        hello = pickle.load(self._proc.stdout)
        self.description = hello["description"]

    def evaluate(self, case_id, layer_name, config, weights, x, mask, call, updated_names, dy=None):
        """{path: float64 array}, or None when Keras cannot evaluate this call in float64.
        With `dy`, also the gradients of the call at dy (`grads/<name>`)."""
        request = (layer_name, config, weights, x, mask, call, updated_names, dy)
        try:
            pickle.dump(request, self._proc.stdin, protocol=4)
            self._proc.stdin.flush()
            reply = pickle.load(self._proc.stdout)
        except (EOFError, BrokenPipeError, pickle.UnpicklingError):
            code = self._proc.wait()
            self.failures.append((case_id, f"the float64 oracle process died (exit status {code})"))
            self._start()
            return None
        if "error" in reply:
            self.failures.append((case_id, reply["error"]))
            return None
        return reply["tensors"]

    def close(self):
        if self._proc is not None:
            self._proc.stdin.close()
            self._proc.wait()
            self._proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _reason(error):
    """One line saying why Keras failed: TensorFlow's own message when there is one
    (e.g. no float64 kernel), not Keras's "Exception encountered when calling" wrapper."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # Keras's bold markers
    lines = [s.strip() for s in text.splitlines() if s.strip()]
    useful = [s for s in lines if not s.startswith(("Exception encountered", "Arguments received", "\u2022"))]
    return f"{type(error).__name__}: {(useful or lines or [''])[0][:240]}"


def _oracle_server():
    """The child side of Oracle: pickled requests on stdin, pickled replies on stdout."""
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else printed (Python or C) goes to stderr, not into the channel
    requests = os.fdopen(0, "rb")
    keras, tf = load_keras("tensorflow")
    pickle.dump({"description": f"keras {keras.__version__} tensorflow {tf.__version__} float64 policy"},
                channel, protocol=4)
    channel.flush()
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        try:
            reply = {"tensors": _evaluate_float64(keras, *request)}
        except Exception as e:  # noqa: BLE001 - any Keras error means: no oracle for this case
            reply = {"error": _reason(e)}
        pickle.dump(reply, channel, protocol=4)
        channel.flush()


# -------------------------------------------------------- cancellation ----

_UNIT_ROUNDOFF = {"float16": 2.0 ** -24, "bfloat16": 2.0 ** -24, "float32": 2.0 ** -24}


def _axis(a, rank):
    if not -rank <= a < rank:
        raise ValueError(f"axis {a} out of range for rank {rank}")
    return a % rank


def _along(v, axis, rank):
    """A per-channel vector shaped to broadcast along `axis`."""
    shape = [1] * rank
    shape[axis] = -1
    return np.asarray(v, dtype=np.float64).reshape(shape)


def cancellation_bound(layer_name, config, x, mask, weights, call):
    """{"outputs/y": 4u·(|x·inv| + |mean·inv|)} for the normalization layers whose formula
    `y = x·inv + (offset − mean·inv)`, `inv = scale·rsqrt(variance + epsilon)` cancels; the half
    precision window sum's bound for average pooling (`_half_average_pooling_bound`); {} else.
    Everything in float64 from the case's data; non-finite bounds become 0."""
    if layer_name.startswith(("AveragePooling", "AdaptiveAveragePooling")):
        return _half_average_pooling_bound(layer_name, config, x)
    u = _UNIT_ROUNDOFF.get(str(np.asarray(x).dtype))
    if u is None or layer_name not in ("BatchNormalization", "LayerNormalization", "GroupNormalization"):
        return {}
    x = np.asarray(x).astype(np.float64)
    rank = x.ndim
    eps = float(config.get("epsilon", 1e-3))
    if layer_name == "BatchNormalization":
        mean, inv = _batch_normalization_terms(config, x, mask, weights, call, eps)
    elif layer_name == "LayerNormalization":
        if config.get("rms_scaling"):
            return {}  # x·rsqrt(var + eps)·gamma: no subtraction, nothing cancels
        axes = config.get("axis", -1)
        axes = sorted(axes) if isinstance(axes, list) else [axes]
        reduce = tuple(_axis(a, rank) for a in axes)
        mean = x.mean(axis=reduce, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=reduce, keepdims=True)
        gamma = weights.get("gamma")
        if gamma is None:
            gamma = 1.0
        elif gamma.ndim != rank and axes != [rank - 1]:
            shape = [1] * rank
            for a in axes:
                shape[a] = x.shape[a]
            gamma = gamma.reshape(shape)
        inv = np.abs(np.asarray(gamma, dtype=np.float64)) / np.sqrt(var + eps)
    else:  # GroupNormalization
        axis = _axis(config.get("axis", -1), rank)
        channels = x.shape[axis]
        groups = config.get("groups", 32)
        groups = channels if groups == -1 else groups
        # channels -> (groups, channels per group); statistics over everything but batch and group
        grouped = np.moveaxis(x, axis, -1).reshape(x.shape[0], -1, groups, channels // groups)
        mean = grouped.mean(axis=(1, 3), keepdims=True)
        var = ((grouped - mean) ** 2).mean(axis=(1, 3), keepdims=True)
        back = lambda t: np.moveaxis(np.broadcast_to(t, grouped.shape).reshape(
            np.moveaxis(x, axis, -1).shape), -1, axis)
        mean, var = back(mean), back(var)
        gamma = weights.get("gamma")
        g = 1.0 if gamma is None else np.abs(_along(gamma, axis, rank))
        inv = g / np.sqrt(var + eps)
    with np.errstate(all="ignore"):
        bound = 4 * u * (np.abs(x * inv) + np.abs(mean * inv))
    bound = np.broadcast_to(bound, x.shape).astype(np.float64)
    return {"outputs/y": np.ascontiguousarray(np.where(np.isfinite(bound), bound, 0.0))}


_HALF_UNIT_ROUNDOFF = {"float16": 2.0 ** -11, "bfloat16": 2.0 ** -8}


def _half_pooling_windows(layer_name, config, shape):
    """(u, [(input window slices, output position slices, n)]) for windowed and adaptive average
    pooling whose compute dtype (the policy's; the mixed policies' too) is float16 or bfloat16,
    u that type's unit roundoff and n the real elements of the window; (None, []) otherwise."""
    policy = config.get("dtype")
    name = policy.get("config", {}).get("name") if isinstance(policy, dict) else policy
    u = _HALF_UNIT_ROUNDOFF.get(str(name).removeprefix("mixed_"))
    if u is None or not layer_name.startswith(("AveragePooling", "AdaptiveAveragePooling")):
        return None, []
    rank = int(layer_name[-2])
    first = 2 if config.get("data_format") == "channels_first" else 1
    spatial = range(first, first + rank)
    windows = _pool_windows(layer_name, config, [shape[a] for a in spatial])
    out = []
    for position in itertools.product(*(range(len(w)) for w in windows)):
        source, target = [slice(None)] * len(shape), [slice(None)] * len(shape)
        n = 1
        for a, w, i in zip(spatial, windows, position):
            source[a], target[a] = slice(*w[i]), slice(i, i + 1)
            n *= w[i][1] - w[i][0]
        out.append((tuple(source), tuple(target), n))
    return u, out


def _finite(bound):
    return np.ascontiguousarray(np.where(np.isfinite(bound), bound, 0.0))


def _half_average_pooling_bound(layer_name, config, x):
    """Windowed and adaptive average pooling in float16 / bfloat16 (`_half_pooling_windows`):
    TensorFlow and JAX both sum each window in that type, each in its own order, so each result
    may be off the exact average by (n−1)·u·Σ|x|/n before the final rounding, and two such
    evaluations agree within twice that: {"outputs/y": 2(n−1)·u·Σ|x|/n}; {} otherwise."""
    x = np.abs(np.asarray(x).astype(np.float64))
    u, windows = _half_pooling_windows(layer_name, config, x.shape)
    if u is None:
        return {}
    shape = list(x.shape)
    for a, s in enumerate(windows[-1][1]):
        if s.start is not None:
            shape[a] = s.start + 1
    bound = np.zeros(shape)
    spatial = tuple(a for a, s in enumerate(windows[-1][1]) if s.start is not None)
    with np.errstate(all="ignore"):
        for source, target, n in windows:
            bound[target] = 2 * (n - 1) * u * x[source].sum(axis=spatial, keepdims=True) / n
    return {"outputs/y": _finite(bound)}


def half_average_pooling_gradient_bound(layer_name, config, x, dy):
    """The backward pass of the same layers: dL/dx(j) = Σ over the k(j) windows holding j of
    dy(w)/n(w), each term rounded and summed in the half type, so each evaluation is within
    k(j)·u·Σ|dy(w)|/n(w) of exact and two agree within twice that: {"grads/x": that}; {} for any
    other layer or compute dtype."""
    x = np.asarray(x)
    u, windows = _half_pooling_windows(layer_name, config, x.shape)
    if u is None:
        return {}
    dy = np.abs(np.asarray(dy).astype(np.float64))
    spread, count = np.zeros(x.shape), np.zeros(x.shape)
    with np.errstate(all="ignore"):
        for source, target, n in windows:
            spread[source] += dy[target] / n
            count[source] += 1
        return {"grads/x": _finite(2 * count * u * spread)}


def _batch_normalization_terms(config, x, mask, weights, call, eps):
    """(mean, inv) of BatchNormalization as Keras 3.15.1 evaluates them (batch_normalization.py):
    batch moments (masked: Σm·x / (Σm + 1e-7), mask expanded at axis −1) when training and
    trainable, else the moving statistics; with renorm in training the effective scale r·gamma,
    r = clip(sqrt(var + eps) / max(renorm_stddev, sqrt(eps)), rmin, rmax)."""
    rank = x.ndim
    axis = _axis(config.get("axis", -1), rank)
    reduce = tuple(a for a in range(rank) if a != axis)
    training = bool(call.get("training")) and config.get("trainable", True)
    gamma = weights.get("gamma") if config.get("scale", True) else None
    scale = _along(np.ones(x.shape[axis]) if gamma is None else gamma, axis, rank)
    if training:
        if mask is None:
            mean = x.mean(axis=reduce, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=reduce, keepdims=True)
        else:
            m = np.broadcast_to(np.expand_dims(np.asarray(mask, dtype=np.float64), -1), x.shape)
            n = m.sum(axis=reduce, keepdims=True) + 1e-7  # keras.backend.epsilon()
            mean = (m * x).sum(axis=reduce, keepdims=True) / n
            var = (m * (x - mean) ** 2).sum(axis=reduce, keepdims=True) / n
        if config.get("renorm"):
            clipping = config.get("renorm_clipping") or {}
            floor = np.sqrt(eps)
            r = np.sqrt(var + eps) / np.maximum(_along(weights["renorm_stddev"], axis, rank), floor)
            if clipping.get("rmin") is not None:
                r = np.maximum(r, clipping["rmin"])
            if clipping.get("rmax") is not None:
                r = np.minimum(r, clipping["rmax"])
            scale = r * scale
    else:
        mean = _along(weights["moving_mean"], axis, rank)
        var = _along(weights["moving_variance"], axis, rank)
    inv = np.abs(scale) / np.sqrt(var + eps)
    return mean, inv


# ---------------------------------------------------------------- HDF5 ----


def _group(parent, name):
    """A group without modification / creation timestamps."""
    import h5py

    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode("utf-8"), gcpl=gcpl))


class _Writer:
    """Writes datasets, each distinct tensor once per file (later equal ones are hard links)."""

    def __init__(self):
        self._written = {}  # (dtype, shape, sha256 of the bytes) -> the dataset

    def put(self, parent, name, array):
        """bfloat16, which HDF5 has no type for, as uint16 bit patterns with the dataset attribute
        dtype="bfloat16" (its numpy dtype differs from uint16's, so it never links to a uint16 one)."""
        array = np.ascontiguousarray(array)
        key = (array.dtype.str, array.dtype.name, array.shape, hashlib.sha256(array.tobytes()).digest())
        if key in self._written:
            parent[name] = self._written[key]
            return
        bfloat16 = array.dtype.name == "bfloat16"
        dataset = parent.create_dataset(name, data=array.view(np.uint16) if bfloat16 else array, track_times=False)
        if bfloat16:
            dataset.attrs["dtype"] = "bfloat16"
        self._written[key] = dataset


def _put_paths(writer, case_group, top, tensors):
    """tensors {"outputs/y": a, "updated/m": b, "grads/x": c} under group `top`, mirrored paths,
    fixed order (outputs first, then by path)."""
    if not tensors:
        return
    root = _group(case_group, top)
    subgroups = {}
    for path in sorted(tensors, key=lambda p: (not p.startswith("outputs/"), p)):
        head, name = path.split("/", 1)
        if head not in subgroups:
            subgroups[head] = _group(root, head)
        writer.put(subgroups[head], name, tensors[path])


def root_attributes(generator, oracle=None):
    """The root attributes of a file written by the running Keras."""
    import keras

    backend = keras.backend.backend()
    module = __import__(backend)
    attrs = {
        "schema": SCHEMA,
        "keras_version": keras.__version__,
        "backend": backend,
        "backend_version": module.__version__,
        "numpy_version": np.__version__,
        "generator": generator,
    }
    if oracle is not None:
        attrs["oracle"] = oracle.description
    if backend == "jax" and module.config.jax_enable_x64:
        attrs["jax_enable_x64"] = "true"
    return attrs


def write_golden_file(path, records, generator, oracle=None):
    """Write `records` to `path` (see the module docstring)."""
    import h5py

    tmp = path + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    writer = _Writer()
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)  # the root group without timestamps too (else every run differs)
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_V18, h5py.h5f.LIBVER_V18)
    with h5py.File(h5py.h5f.create(tmp.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)) as f:
        for k, v in root_attributes(generator, oracle).items():
            f.attrs[k] = v
        for rec in sorted(records, key=lambda r: r.id):
            g = _group(f, rec.id)
            for k in ("layer", "config", "call", "origin"):
                g.attrs[k] = getattr(rec, k)
            if rec.error is not None:
                g.attrs["error"] = rec.error
            inputs = _group(g, "inputs")
            writer.put(inputs, "x", rec.x)
            if rec.mask is not None:
                writer.put(inputs, "mask", rec.mask.astype(np.uint8))
            if rec.dy is not None:
                writer.put(inputs, "dy", rec.dy)
            if rec.weights:
                w = _group(g, "weights")
                for name, value in rec.weights:
                    writer.put(w, name, value)
            if rec.error is None:
                writer.put(_group(g, "outputs"), "y", rec.y)
            if rec.updated:
                u = _group(g, "updated")
                for name, value in rec.updated:
                    writer.put(u, name, value)
            if rec.grads:
                d = _group(g, "grads")
                for name, value in rec.grads:
                    writer.put(d, name, value)
            _put_paths(writer, g, "oracle", rec.oracle)
            _put_paths(writer, g, "cancellation", rec.cancellation)
    os.replace(tmp, path)


if __name__ == "__main__":
    if sys.argv[1:] != ["--oracle-server"]:
        sys.exit("capture_core.py is a module; run as a script only by Oracle (--oracle-server)")
    _oracle_server()
