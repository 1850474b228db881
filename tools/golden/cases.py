"""Every golden case, declared once, as data.

This module imports neither Keras nor a backend: it is pure data plus numpy
helpers that turn an input / mask / weight spec into arrays. `generate.py`
runs each case on one backend and writes it following `keras-golden/1`
(docs/golden-schema.md; how the cases are made: tools/golden/NOTES.md).

A case is a dict:

    id       case id, [A-Za-z0-9_.-]+, unique; also the HDF5 group name
    family   which golden file holds it: golden/<backend>/<family>.h5
    layer    Keras layer class name (keras.layers.<layer>)
    kwargs   constructor keyword arguments (plain JSON-able Python values)
    x        input spec, see `X()`
    mask     optional mask spec, see `M()`
    call     non-tensor call kwargs, e.g. {"training": True}
    weights  "random" (default): every variable is randomised with numpy
             after `layer.build(x.shape)` and set with `layer.set_weights`;
             "initial": the layer's own initial values are kept;
             {"adapt": <input spec>}: `layer.adapt(array)` (Normalization)
    origin   free text: which documented example or sweep this comes from
    gradients  optional: "tie-free" (default), "always" or "never", passed to
             capture_core.capture (the backward pass: inputs/dy, grads/*)
    forward_only  with gradients="never": why the case records no gradient
             (tools/golden/check.py prints it, and fails on a forward-only case
             that has no reason)

Inputs, masks and weights are generated with numpy from seeds derived from
the case id with zlib.crc32 (or from `x["seed"]` when several cases must
share one input), so every backend sees byte-identical inputs and weights.
"""

import zlib

import numpy as np

# --------------------------------------------------------------------------
# Spec helpers (pure data constructors)
# --------------------------------------------------------------------------


def X(shape, kind="normal", dtype="float32", seed=None, **params):
    """Input spec.

    kind:
      normal    standard normal (params: loc, scale)
      ties      integers drawn from a small set (params: low, high), many ties
      negative  strictly negative values: -(|normal| + 0.5)
      offset    large offset: loc + scale*normal, default 1e4 + 10*normal
      zeros     standard normal with about 40 % exact zeros
      arange    np.arange(prod(shape)).reshape(shape) * params.get("mul", 1)
      literal   params["values"], a nested list
    Post-processing applied to any kind (in this order):
      const     list of [index_prefix, value]: x[prefix] = value, where a
                prefix entry is an int, None (":") or [start, stop] (a slice)
      nan       list of full indexes set to NaN
    seed: key for the input rng instead of the case id (to share an input).
    """
    spec = {"shape": list(shape), "kind": kind, "dtype": dtype}
    if seed is not None:
        spec["seed"] = seed
    spec.update(params)
    return spec


def M(shape, kind="random", p=0.6, **params):
    """Mask spec: `random` keeps each element with probability p (at least
    one kept per row unless listed in `all_masked`, whose rows are all 0);
    `literal` uses params["values"]; `ones`/`zeros` fill."""
    spec = {"shape": list(shape), "kind": kind, "p": p}
    spec.update(params)
    return spec


def seed_of(key):
    return zlib.crc32(key.encode("utf-8"))


def make_input(case):
    spec = case["x"]
    key = spec.get("seed", case["id"])
    rng = np.random.default_rng(seed_of(key))
    shape = tuple(spec["shape"])
    kind = spec["kind"]
    if kind == "normal":
        a = spec.get("loc", 0.0) + spec.get("scale", 1.0) * rng.standard_normal(shape)
    elif kind == "ties":
        a = rng.integers(spec.get("low", -2), spec.get("high", 3), size=shape).astype(np.float64)
    elif kind == "negative":
        a = -(np.abs(rng.standard_normal(shape)) + 0.5)
    elif kind == "offset":
        a = spec.get("loc", 1e4) + spec.get("scale", 10.0) * rng.standard_normal(shape)
    elif kind == "zeros":
        a = rng.standard_normal(shape)
        a[rng.random(shape) < 0.4] = 0.0
    elif kind == "arange":
        a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) * spec.get("mul", 1)
    elif kind == "literal":
        a = np.array(spec["values"], dtype=np.float64).reshape(shape)
    else:
        raise ValueError(f"unknown input kind {kind!r} in case {case['id']}")
    for prefix, value in spec.get("const", []):
        # prefix entries: int index, None for ":", [start, stop] for a slice
        a[tuple(slice(None) if p is None else slice(*p) if isinstance(p, list) else p
                for p in prefix)] = value
    for index in spec.get("nan", []):
        a[tuple(index)] = np.nan
    # Values are float32 numbers whatever the stored dtype, so that a float32
    # implementation can take a float64 case's input without rounding it.
    return np.ascontiguousarray(a.astype(np.float32).astype(spec["dtype"]))


def make_mask(case):
    spec = case.get("mask")
    if spec is None:
        return None
    shape = tuple(spec["shape"])
    kind = spec["kind"]
    if kind == "random":
        rng = np.random.default_rng(seed_of(case["id"] + "/mask"))
        m = rng.random(shape) < spec["p"]
        flat = m.reshape(shape[0], -1)
        for r in range(shape[0]):  # keep at least one element per row
            if not flat[r].any():
                flat[r, rng.integers(flat.shape[1])] = True
        m = flat.reshape(shape)
    elif kind == "literal":
        m = np.array(spec["values"], dtype=bool).reshape(shape)
    elif kind == "ones":
        m = np.ones(shape, dtype=bool)
    elif kind == "zeros":
        m = np.zeros(shape, dtype=bool)
    else:
        raise ValueError(f"unknown mask kind {kind!r} in case {case['id']}")
    for row in spec.get("all_masked", []):
        m[row] = False
    return m


def random_weight(case_id, name, shape, dtype):
    """Random value for the variable called `name` (last path component).
    Each (case, variable) pair has its own rng so that the values do not
    depend on the order in which a layer lists its variables."""
    rng = np.random.default_rng(seed_of(f"{case_id}/weights/{name}"))
    shape = tuple(shape)
    if name in ("gamma", "scale"):
        v = rng.uniform(0.5, 1.5, shape)
    elif name in ("beta", "moving_mean", "renorm_mean", "mean"):
        v = rng.standard_normal(shape)
    elif name in ("moving_variance", "variance"):
        v = rng.uniform(0.5, 2.0, shape)
    elif name in ("moving_stddev", "renorm_stddev"):
        v = rng.uniform(0.7, 1.4, shape)
    elif name == "count":
        v = np.zeros(shape)
    else:
        raise ValueError(f"no random rule for variable {name!r} (case {case_id})")
    if np.dtype(dtype).kind == "f":  # float32 numbers, as for inputs
        v = np.asarray(v).astype(np.float32)
    return np.ascontiguousarray(np.asarray(v).astype(dtype))


# --------------------------------------------------------------------------
# Case list
# --------------------------------------------------------------------------

CASES = []


def case(id, layer, kwargs, x, origin, family, mask=None, call=None, weights="random", gradients="tie-free",
         forward_only=None):
    if (gradients == "never") != (forward_only is not None):
        raise ValueError(f"{id}: gradients='never' goes with a forward_only reason, and only with it")
    c = {
        "id": id,
        "family": family,
        "layer": layer,
        "kwargs": kwargs,
        "x": x,
        "call": call or {},
        "weights": weights,
        "origin": origin,
    }
    if mask is not None:
        c["mask"] = mask
    if gradients != "tie-free":
        c["gradients"] = gradients
    if forward_only is not None:
        c["forward_only"] = forward_only
    CASES.append(c)


# ---------------------------------------------------------------- seed ----
# docs/seed-cases.md: the origin "doc 1.1 example 1" is section 1.1, example 1 there.
# Every (4, 28, 28, 3) case shares one input.
SEED_X = X((4, 28, 28, 3), "normal", seed="seed-input-4x28x28x3")

case("doc-1.1-ex1", "MaxPooling2D", {"pool_size": [2, 2]}, SEED_X, "doc 1.1 example 1", "seed")
case("doc-1.1-ex2", "MaxPooling2D", {"pool_size": [2, 2], "strides": 1}, SEED_X, "doc 1.1 example 2", "seed")
case("doc-1.1-ex3", "MaxPooling2D", {"pool_size": [2, 2], "strides": 1, "padding": "same"}, SEED_X,
     "doc 1.1 example 3", "seed")
case("doc-1.2-ex1", "AveragePooling2D", {"pool_size": [2, 2]}, SEED_X, "doc 1.2 example 1", "seed")
case("doc-1.2-ex2", "AveragePooling2D", {"pool_size": [2, 2], "strides": 1}, SEED_X, "doc 1.2 example 2", "seed")
case("doc-1.2-ex3", "AveragePooling2D", {"pool_size": [2, 2], "strides": 1, "padding": "same"}, SEED_X,
     "doc 1.2 example 3", "seed")
case("doc-1.3", "GlobalMaxPooling2D", {}, SEED_X, "doc 1.3", "seed")
case("doc-1.4", "GlobalAveragePooling2D", {}, SEED_X, "doc 1.4", "seed")
case("doc-1.4-equiv-max", "MaxPooling2D", {"pool_size": 28}, SEED_X, "doc 1.4 equivalence max", "seed")
case("doc-1.4-equiv-avg", "AveragePooling2D", {"pool_size": 28}, SEED_X, "doc 1.4 equivalence average", "seed")

for _name, _kw in (("default", {}), ("center-false", {"center": False}), ("scale-false", {"scale": False})):
    _label = {"default": "BatchNormalization()", "center-false": "center=False",
              "scale-false": "scale=False"}[_name]
    case(f"doc-2.1-{_name}-inference", "BatchNormalization", _kw, SEED_X,
         f"doc 2.1 {_label} inference, randomised weights", "seed")
    case(f"doc-2.1-{_name}-training", "BatchNormalization", _kw, SEED_X,
         f"doc 2.1 {_label} training=True, randomised weights", "seed", call={"training": True})
    case(f"doc-2.1-{_name}-inference-initial", "BatchNormalization", _kw, SEED_X,
         f"doc 2.1 {_label} inference, initial weights", "seed", weights="initial")
    case(f"doc-2.1-{_name}-training-initial", "BatchNormalization", _kw, SEED_X,
         f"doc 2.1 {_label} training=True, initial weights", "seed", call={"training": True},
         weights="initial")

case("doc-2.2-example", "LayerNormalization", {"axis": 1}, X((5, 2), "arange", mul=10),
     "doc 2.2 example: arange(10).reshape(5, 2) * 10, printed +-0.99998", "seed", weights="initial")

# ------------------------------------------------------------- pooling ----
# Windowed pooling: (id suffix, kwargs, input spec). The same table is run
# through the Max and the Average layer of each rank.

_P1 = [
    ("p2.L8", {"pool_size": 2}, X((2, 8, 3))),
    ("p2.L9", {"pool_size": 2}, X((2, 9, 3))),
    ("p3s2.valid.L10", {"pool_size": 3, "strides": 2}, X((2, 10, 2))),
    ("p3s1.same.L7", {"pool_size": 3, "strides": 1, "padding": "same"}, X((2, 7, 3))),
    ("p2s2.same.L7", {"pool_size": 2, "strides": 2, "padding": "same"}, X((2, 7, 2))),
    ("p3s2.same.L8", {"pool_size": 3, "strides": 2, "padding": "same"}, X((2, 8, 2), "negative")),
    ("p4s1.same.L6", {"pool_size": 4, "strides": 1, "padding": "same"}, X((2, 6, 2), "negative")),
    ("p4s3.same.L10", {"pool_size": 4, "strides": 3, "padding": "same"}, X((1, 10, 3))),
    ("p2s3.valid.L11", {"pool_size": 2, "strides": 3}, X((2, 11, 2))),
    ("p3.ties.L9", {"pool_size": 3}, X((2, 9, 4), "ties")),
    ("p2s1.zeros.L6", {"pool_size": 2, "strides": 1}, X((2, 6, 3), "zeros")),
    ("p3s2.cf.L9", {"pool_size": 3, "strides": 2, "data_format": "channels_first"}, X((2, 3, 9))),
    ("p2s1.same.cf.L5", {"pool_size": 2, "strides": 1, "padding": "same", "data_format": "channels_first"},
     X((2, 2, 5), "negative")),
    ("p2.dfnone.L6", {"pool_size": 2, "data_format": None}, X((2, 6, 2))),
    ("p1.L5", {"pool_size": 1}, X((1, 5, 2))),
    ("p5.same.L4", {"pool_size": 5, "strides": 1, "padding": "same"}, X((1, 4, 2), "negative")),
]

_P2 = [
    ("p2.8x8", {"pool_size": 2}, X((2, 8, 8, 2))),
    ("p2.7x9", {"pool_size": [2, 2]}, X((2, 7, 9, 2))),
    ("p2x3.valid", {"pool_size": [2, 3]}, X((2, 7, 9, 2))),
    ("p3x2s1x2.valid", {"pool_size": [3, 2], "strides": [1, 2]}, X((2, 6, 7, 2))),
    ("p2s2x1.valid", {"pool_size": 2, "strides": [2, 1]}, X((2, 6, 5, 3))),
    ("p3s2.valid", {"pool_size": 3, "strides": 2}, X((2, 9, 8, 2))),
    ("p3s2.same.even", {"pool_size": 3, "strides": 2, "padding": "same"}, X((2, 8, 8, 2), "negative")),
    ("p3s2.same.odd", {"pool_size": 3, "strides": 2, "padding": "same"}, X((2, 7, 7, 2), "negative")),
    ("p2s1.same", {"pool_size": 2, "strides": 1, "padding": "same"}, X((2, 5, 6, 2), "negative")),
    ("p4x3s2x3.same", {"pool_size": [4, 3], "strides": [2, 3], "padding": "same"}, X((2, 9, 10, 2))),
    ("p2x3s3x1.same", {"pool_size": [2, 3], "strides": [3, 1], "padding": "same"}, X((1, 8, 5, 3), "negative")),
    ("p2.ties", {"pool_size": 2}, X((2, 6, 6, 3), "ties")),
    ("p3s1.zeros", {"pool_size": 3, "strides": 1}, X((2, 6, 6, 2), "zeros")),
    ("p2.cf", {"pool_size": 2, "data_format": "channels_first"}, X((2, 3, 6, 8))),
    ("p3x2s2x1.same.cf", {"pool_size": [3, 2], "strides": [2, 1], "padding": "same",
                          "data_format": "channels_first"}, X((2, 2, 7, 6), "negative")),
    ("p2s3.valid", {"pool_size": 2, "strides": 3}, X((1, 8, 11, 2))),
    ("p2.dfnone", {"pool_size": 2, "data_format": None}, X((1, 4, 6, 2))),
    ("p1x3s1.same", {"pool_size": [1, 3], "strides": 1, "padding": "same"}, X((1, 3, 5, 2), "negative")),
]

_P3 = [
    ("p2.4x4x4", {"pool_size": 2}, X((2, 4, 4, 4, 2))),
    ("p2.5x6x7", {"pool_size": 2}, X((1, 5, 6, 7, 2))),
    ("p2x3x2s1x2x2.valid", {"pool_size": [2, 3, 2], "strides": [1, 2, 2]}, X((1, 5, 7, 6, 2))),
    ("p3s2.same", {"pool_size": 3, "strides": 2, "padding": "same"}, X((1, 5, 6, 7, 2), "negative")),
    ("p2s1.same", {"pool_size": 2, "strides": 1, "padding": "same"}, X((1, 3, 4, 5, 2), "negative")),
    ("p2.ties", {"pool_size": 2}, X((1, 4, 4, 4, 3), "ties")),
    ("p2.cf", {"pool_size": 2, "data_format": "channels_first"}, X((1, 2, 4, 6, 5))),
    ("p3x2x2s2x1x2.same.cf", {"pool_size": [3, 2, 2], "strides": [2, 1, 2], "padding": "same",
                              "data_format": "channels_first"}, X((1, 2, 5, 4, 5), "negative")),
    ("p2s3.valid", {"pool_size": 2, "strides": 3}, X((1, 7, 7, 8, 1))),
]

# Forward only: TensorFlow's gradient of AveragePooling1D(5, strides=1, padding="same") on
# length 4 is wrong (dy = ones gives dx = [0.75, 1.083, 1.083, 1.083]; the windows and JAX
# give [0.833, 1.167, 1.167, 0.833]), and the float64 oracle, TensorFlow too, repeats it: no
# trustworthy reference for that gradient (NOTES.md, "TensorFlow bug: AvgPoolGrad").
_FORWARD_ONLY = {"AveragePooling1D.p5.same.L4": "TensorFlow's AvgPoolGrad disagrees with its own forward pass "
                 "when the window is longer than the input (NOTES.md, \"TensorFlow bug: AvgPoolGrad\")"}
for _rank, _table in ((1, _P1), (2, _P2), (3, _P3)):
    for _mode in ("Max", "Average"):
        _layer = f"{_mode}Pooling{_rank}D"
        for _suffix, _kw, _x in _table:
            _id = f"{_layer}.{_suffix}"
            case(_id, _layer, _kw, _x, f"sweep: {_layer} {_suffix}", "pooling",
                 gradients="never" if _id in _FORWARD_ONLY else "tie-free", forward_only=_FORWARD_ONLY.get(_id))

# NaN in the input: only where both backends agree (see NOTES.md). Windowed
# max pooling and adaptive max pooling disagree (TensorFlow skips NaN) and
# are therefore not golden cases.
_NAN2 = X((1, 4, 4, 2), nan=[[0, 0, 0, 0], [0, 3, 3, 1], [0, 2, 1, 0]])
case("AveragePooling2D.p2.nan", "AveragePooling2D", {"pool_size": 2}, _NAN2,
     "sweep: NaN propagates through average pooling on both backends", "pooling")
case("AveragePooling1D.p2s1.same.nan", "AveragePooling1D", {"pool_size": 2, "strides": 1, "padding": "same"},
     X((1, 6, 2), nan=[[0, 2, 0], [0, 5, 1]]),
     "sweep: NaN propagates through average pooling on both backends", "pooling")

# -------------------------------------------------------- global pooling ---
_G = {
    1: [("cl", {}, X((3, 7, 4))),
        ("cl.keepdims", {"keepdims": True}, X((2, 6, 3))),
        ("cf", {"data_format": "channels_first"}, X((2, 4, 7))),
        ("cf.keepdims", {"data_format": "channels_first", "keepdims": True}, X((2, 3, 5))),
        ("dfnone", {"data_format": None}, X((2, 5, 2))),
        ("ties", {}, X((2, 6, 3), "ties")),
        ("negative", {}, X((2, 5, 3), "negative")),
        ("offset", {}, X((2, 9, 3), "offset"))],
    2: [("cl", {}, X((2, 5, 6, 3))),
        ("cl.keepdims", {"keepdims": True}, X((2, 4, 5, 3))),
        ("cf", {"data_format": "channels_first"}, X((2, 3, 5, 4))),
        ("cf.keepdims", {"data_format": "channels_first", "keepdims": True}, X((2, 3, 4, 4))),
        ("ties", {}, X((2, 4, 4, 3), "ties")),
        ("negative", {}, X((2, 4, 3, 2), "negative"))],
    3: [("cl", {}, X((2, 3, 4, 5, 2))),
        ("cl.keepdims", {"keepdims": True}, X((2, 3, 3, 4, 2))),
        ("cf", {"data_format": "channels_first"}, X((2, 2, 3, 4, 3))),
        ("cf.keepdims", {"data_format": "channels_first", "keepdims": True}, X((1, 3, 2, 3, 4))),
        ("zeros", {}, X((2, 3, 3, 3, 2), "zeros"))],
}
for _rank, _table in _G.items():
    for _mode in ("Max", "Average"):
        _layer = f"Global{_mode}Pooling{_rank}D"
        for _suffix, _kw, _x in _table:
            case(f"{_layer}.{_suffix}", _layer, _kw, _x, f"sweep: {_layer} {_suffix}", "global_pooling")

# GlobalAveragePooling1D with a mask (batch, steps): masked steps are
# excluded from the mean; a row with every step masked gives 0/0 = NaN.
case("GlobalAveragePooling1D.mask", "GlobalAveragePooling1D", {}, X((4, 6, 3)),
     "sweep: GlobalAveragePooling1D with a (batch, steps) mask", "global_pooling", mask=M((4, 6)))
case("GlobalAveragePooling1D.mask.all-masked-row", "GlobalAveragePooling1D", {}, X((3, 5, 2)),
     "sweep: GlobalAveragePooling1D mask whose row 1 is all 0 -> NaN in that row on both backends",
     "global_pooling", mask=M((3, 5), all_masked=[1]))
case("GlobalAveragePooling1D.mask.keepdims", "GlobalAveragePooling1D", {"keepdims": True}, X((3, 6, 2)),
     "sweep: GlobalAveragePooling1D mask, keepdims=True", "global_pooling", mask=M((3, 6), p=0.5))
case("GlobalAveragePooling1D.mask.cf", "GlobalAveragePooling1D", {"data_format": "channels_first"}, X((3, 2, 6)),
     "sweep: GlobalAveragePooling1D channels_first, mask (batch, steps)", "global_pooling", mask=M((3, 6)))
case("GlobalAveragePooling1D.mask.cf.keepdims", "GlobalAveragePooling1D",
     {"data_format": "channels_first", "keepdims": True}, X((2, 3, 5)),
     "sweep: GlobalAveragePooling1D channels_first keepdims, mask", "global_pooling",
     mask=M((2, 5), "literal", values=[[1, 0, 1, 0, 0], [0, 0, 0, 0, 1]]))
case("GlobalAveragePooling1D.mask.ones", "GlobalAveragePooling1D", {}, X((2, 4, 3)),
     "sweep: GlobalAveragePooling1D with an all-ones mask (same as no mask)", "global_pooling",
     mask=M((2, 4), "ones"))

# NaN: a global max / average over a window holding NaN is NaN on both backends.
case("GlobalMaxPooling1D.nan", "GlobalMaxPooling1D", {}, X((2, 5, 3), nan=[[0, 1, 0], [1, 4, 2]]),
     "sweep: NaN in the input propagates through GlobalMaxPooling1D (both backends)", "global_pooling")
case("GlobalMaxPooling2D.nan", "GlobalMaxPooling2D", {}, X((2, 3, 4, 2), nan=[[0, 1, 2, 0]]),
     "sweep: NaN in the input propagates through GlobalMaxPooling2D (both backends)", "global_pooling")
case("GlobalAveragePooling2D.nan", "GlobalAveragePooling2D", {}, X((2, 3, 4, 2), nan=[[1, 0, 0, 1]]),
     "sweep: NaN in the input propagates through GlobalAveragePooling2D (both backends)", "global_pooling")

# ------------------------------------------------------ adaptive pooling ---
_A = {
    1: [("o4.L10", {"output_size": 4}, X((2, 10, 3))),
        ("o3.L9", {"output_size": 3}, X((2, 9, 2))),
        ("o3.L5", {"output_size": 3}, X((2, 5, 2))),
        ("o5.L5", {"output_size": 5}, X((2, 5, 3))),
        ("o7.L4", {"output_size": 7}, X((2, 4, 2))),
        ("o1.L6", {"output_size": 1}, X((2, 6, 2)), ("Average",)),
        ("tuple.o5.L7", {"output_size": [5]}, X((1, 7, 2), "ties")),
        ("o3.cf.L8", {"output_size": 3, "data_format": "channels_first"}, X((2, 3, 8))),
        ("o4.L11.negative", {"output_size": 4}, X((2, 11, 2), "negative"))],
    2: [("o3.7x7", {"output_size": 3}, X((2, 7, 7, 2))),
        ("o2x3.6x9", {"output_size": [2, 3]}, X((2, 6, 9, 2))),
        ("o3x4.5x7", {"output_size": [3, 4]}, X((1, 5, 7, 3))),
        ("o4.4x4", {"output_size": 4}, X((1, 4, 4, 2))),
        ("o5x6.3x4", {"output_size": [5, 6]}, X((1, 3, 4, 2))),
        ("o1.5x6", {"output_size": 1}, X((2, 5, 6, 2)), ("Average",)),
        ("o3x2.cf.7x5", {"output_size": [3, 2], "data_format": "channels_first"}, X((2, 2, 7, 5))),
        ("o2.ties.5x5", {"output_size": 2}, X((1, 5, 5, 2), "ties"))],
    3: [("o2.4x5x6", {"output_size": 2}, X((1, 4, 5, 6, 2))),
        ("o2x3x2.5x7x4", {"output_size": [2, 3, 2]}, X((1, 5, 7, 4, 2))),
        ("o3.3x3x3", {"output_size": 3}, X((1, 3, 3, 3, 2))),
        ("o4x3x5.2x3x3", {"output_size": [4, 3, 5]}, X((1, 2, 3, 3, 2))),
        ("o2x2x3.cf.3x5x7", {"output_size": [2, 2, 3], "data_format": "channels_first"}, X((1, 2, 3, 5, 7))),
        ("o2.negative.5x5x5", {"output_size": 2}, X((1, 5, 5, 5, 1), "negative"))],
}
# An optional 4th entry restricts the modes: output_size=1 crashes the
# TensorFlow backend's adaptive MAX pooling (SIGFPE, see NOTES.md), so those
# two configurations are average-only.
for _rank, _table in _A.items():
    for _mode in ("Max", "Average"):
        _layer = f"Adaptive{_mode}Pooling{_rank}D"
        for _suffix, _kw, _x, *_modes in _table:
            if _modes and _mode not in _modes[0]:
                continue
            case(f"{_layer}.{_suffix}", _layer, _kw, _x, f"sweep: {_layer} {_suffix}", "adaptive_pooling")

# ------------------------------------------------ max pooling gradient ties ---
# The gradient sweep is tie-free (capture_core's default "tie-free" records no gradient
# where a max window holds its maximum twice); here the ties are the point: integer inputs
# (kind "ties": -2..2) and all-equal inputs, gradients recorded whatever the ties. The
# backends' routing rules (NOTES.md, "Max pooling gradients with ties"), found by these cases
# and checked on every regeneration by tools/golden/check.py against each backend's grads/x:
# "first" (each window's gradient to its first maximum, row-major), "last-axis-first" (to the
# maximum with the smallest index along the last spatial axis, then the one before: adaptive
# pooling runs one stride-1 pool per axis and the last axis's pass is differentiated first),
# "every" (to every element equal to the maximum, each the full value), "split" (shared
# equally among the tied maxima).
_TIE_RULE = {
    "first": ({"tensorflow": "first", "jax": "first"},
              "both backends give each window's gradient to its first maximum (row-major)"),
    "all-vs-first": ({"tensorflow": "every", "jax": "first"},
                     "TensorFlow gives each window's gradient to every element equal to its maximum, "
                     "JAX to its first maximum only"),
    "per-axis": ({"tensorflow": "last-axis-first", "jax": "last-axis-first"},
                 "both backends give each window's gradient to its maximum with the smallest last-axis "
                 "index, then the smallest index along the axis before"),
    "all-vs-per-axis": ({"tensorflow": "every", "jax": "last-axis-first"},
                        "TensorFlow gives each window's gradient to every element equal to its maximum, "
                        "JAX to its maximum with the smallest last-axis index, then along the axes before"),
    "split": ({"tensorflow": "split", "jax": "split"},
              "both backends split the gradient equally among the tied maxima"),
}
_ALL_EQUAL = [[[None], 1.5]]  # x[:] = 1.5: every window is one tie
_TIES = {
    "MaxPooling1D": ("first", [
        ("p2.L8", {"pool_size": 2}, X((2, 8, 3), "ties")),
        ("p3s1.overlap.L7", {"pool_size": 3, "strides": 1}, X((2, 7, 2), "ties")),
        ("p3s2.same.L8", {"pool_size": 3, "strides": 2, "padding": "same"}, X((2, 8, 2), "ties")),
        ("p2s1.all-equal.L5", {"pool_size": 2, "strides": 1}, X((1, 5, 2), const=_ALL_EQUAL)),
        ("p2.cf.L6", {"pool_size": 2, "data_format": "channels_first"}, X((2, 3, 6), "ties"))]),
    "MaxPooling2D": ("first", [
        ("p2.6x6", {"pool_size": 2}, X((2, 6, 6, 2), "ties")),
        ("p3s1.overlap.5x5", {"pool_size": 3, "strides": 1}, X((1, 5, 5, 2), "ties")),
        ("p3s2.same.7x7", {"pool_size": 3, "strides": 2, "padding": "same"}, X((1, 7, 7, 2), "ties")),
        ("p2.all-equal.4x4", {"pool_size": 2}, X((1, 4, 4, 1), const=_ALL_EQUAL)),
        ("p2x3.cf.4x6", {"pool_size": [2, 3], "data_format": "channels_first"}, X((1, 2, 4, 6), "ties"))]),
    "MaxPooling3D": ("all-vs-first", [
        ("p2.4x4x4", {"pool_size": 2}, X((1, 4, 4, 4, 2), "ties")),
        ("p2s1.overlap.3x3x3", {"pool_size": 2, "strides": 1}, X((1, 3, 3, 3, 2), "ties")),
        ("p3s2.same.5x5x5", {"pool_size": 3, "strides": 2, "padding": "same"}, X((1, 5, 5, 5, 1), "ties")),
        ("p2.all-equal.2x2x4", {"pool_size": 2}, X((1, 2, 2, 4, 1), const=_ALL_EQUAL)),
        ("p2.cf.4x4x4", {"pool_size": 2, "data_format": "channels_first"}, X((1, 2, 4, 4, 4), "ties"))]),
    "GlobalMaxPooling1D": ("split", [
        ("L9", {}, X((2, 9, 3), "ties")),
        ("all-equal.L4", {}, X((1, 4, 2), const=_ALL_EQUAL)),
        ("cf.L8", {"data_format": "channels_first"}, X((2, 3, 8), "ties")),
        ("keepdims.L6", {"keepdims": True}, X((2, 6, 2), "ties"))]),
    "GlobalMaxPooling2D": ("split", [
        ("4x4", {}, X((2, 4, 4, 3), "ties")),
        ("all-equal.3x3", {}, X((1, 3, 3, 2), const=_ALL_EQUAL)),
        ("cf.3x5", {"data_format": "channels_first"}, X((2, 2, 3, 5), "ties")),
        ("keepdims.3x4", {"keepdims": True}, X((1, 3, 4, 2), "ties"))]),
    "GlobalMaxPooling3D": ("split", [
        ("3x3x3", {}, X((2, 3, 3, 3, 2), "ties")),
        ("all-equal.2x2x2", {}, X((1, 2, 2, 2, 2), const=_ALL_EQUAL)),
        ("cf.2x3x4", {"data_format": "channels_first"}, X((1, 2, 2, 3, 4), "ties")),
        ("keepdims.2x3x3", {"keepdims": True}, X((1, 2, 3, 3, 2), "ties"))]),
    "AdaptiveMaxPooling1D": ("first", [
        ("o3.L8", {"output_size": 3}, X((2, 8, 2), "ties")),
        ("o4.overlap.L6", {"output_size": 4}, X((2, 6, 2), "ties")),
        ("o2.all-equal.L5", {"output_size": 2}, X((1, 5, 2), const=_ALL_EQUAL)),
        ("o3.cf.L7", {"output_size": 3, "data_format": "channels_first"}, X((2, 2, 7), "ties"))]),
    "AdaptiveMaxPooling2D": ("per-axis", [
        ("o2.6x6", {"output_size": 2}, X((1, 6, 6, 2), "ties")),
        ("o3x2.overlap.5x5", {"output_size": [3, 2]}, X((1, 5, 5, 2), "ties")),
        ("o2.all-equal.4x4", {"output_size": 2}, X((1, 4, 4, 1), const=_ALL_EQUAL)),
        ("o2x3.cf.5x6", {"output_size": [2, 3], "data_format": "channels_first"}, X((1, 2, 5, 6), "ties"))]),
    "AdaptiveMaxPooling3D": ("all-vs-per-axis", [
        ("o2.4x4x4", {"output_size": 2}, X((1, 4, 4, 4, 2), "ties")),
        ("o2.overlap.3x3x3", {"output_size": 2}, X((1, 3, 3, 3, 1), "ties")),
        ("o2.all-equal.3x2x2", {"output_size": 2}, X((1, 3, 2, 2, 1), const=_ALL_EQUAL)),
        ("o2.cf.4x3x3", {"output_size": 2, "data_format": "channels_first"}, X((1, 2, 4, 3, 3), "ties"))]),
}
for _layer, (_rule, _table) in _TIES.items():
    for _suffix, _kw, _x in _table:
        case(f"{_layer}.ties.{_suffix}", _layer, _kw, _x,
             f"sweep: {_layer} gradient at tied maxima, {_suffix}: {_TIE_RULE[_rule][1]}", "max_pooling_ties",
             gradients="always")
        CASES[-1]["tie_rules"] = _TIE_RULE[_rule][0]

# -------------------------------------------------- BatchNormalization -----
_BN = "BatchNormalization"
_TRAIN = {"training": True}
_bn = [
    # (suffix, kwargs, x, call, mask, origin note)
    ("2d", {}, X((8, 5)), {}, None, "2D input, inference"),
    ("2d.train", {}, X((8, 5)), _TRAIN, None, "2D input, training"),
    ("3d", {}, X((4, 6, 3)), {}, None, "3D input, inference"),
    ("3d.train", {}, X((4, 6, 3)), _TRAIN, None, "3D input, training"),
    ("4d.train", {}, X((3, 4, 5, 2)), _TRAIN, None, "4D input, training"),
    ("5d", {}, X((2, 3, 3, 4, 2)), {}, None, "5D input, inference"),
    ("5d.train", {}, X((2, 3, 3, 4, 2)), _TRAIN, None, "5D input, training"),
    ("axis1.4d", {"axis": 1}, X((2, 3, 4, 5)), {}, None, "channels_first axis=1, inference"),
    ("axis1.4d.train", {"axis": 1}, X((2, 3, 4, 5)), _TRAIN, None, "channels_first axis=1, training"),
    ("axis1.3d.train", {"axis": 1}, X((3, 4, 5)), _TRAIN, None, "axis=1 on 3D, training"),
    ("axis2.4d.train", {"axis": 2}, X((2, 3, 4, 5)), _TRAIN, None, "axis=2 on 4D, training"),
    ("axis-2.3d.train", {"axis": -2}, X((3, 4, 5)), _TRAIN, None, "axis=-2, training"),
    ("axis-3.4d", {"axis": -3}, X((2, 4, 3, 5)), {}, None, "axis=-3, inference"),
    ("axis-3.4d.train", {"axis": -3}, X((2, 4, 3, 5)), _TRAIN, None, "axis=-3, training"),
    ("axis-4.5d.train", {"axis": -4}, X((2, 3, 2, 3, 2)), _TRAIN, None, "axis=-4 on 5D, training"),
    ("momentum0.9.train", {"momentum": 0.9}, X((6, 4)), _TRAIN, None, "momentum=0.9, training"),
    ("momentum0.5.train", {"momentum": 0.5}, X((6, 4)), _TRAIN, None, "momentum=0.5, training"),
    ("momentum0.train", {"momentum": 0.0}, X((6, 4)), _TRAIN, None, "momentum=0 (moving stats = batch stats)"),
    ("eps1e-5", {"epsilon": 1e-5}, X((6, 4)), {}, None, "epsilon=1e-5, inference"),
    ("eps1e-5.train", {"epsilon": 1e-5}, X((6, 4)), _TRAIN, None, "epsilon=1e-5, training"),
    ("eps0.5", {"epsilon": 0.5}, X((6, 4)), {}, None, "epsilon=0.5, inference"),
    ("eps0.5.train", {"epsilon": 0.5}, X((6, 4)), _TRAIN, None, "epsilon=0.5, training"),
    ("center-false", {"center": False}, X((5, 3)), {}, None, "center=False, inference"),
    ("center-false.train", {"center": False}, X((5, 3)), _TRAIN, None, "center=False, training"),
    ("scale-false", {"scale": False}, X((5, 3)), {}, None, "scale=False, inference"),
    ("scale-false.train", {"scale": False}, X((5, 3)), _TRAIN, None, "scale=False, training"),
    ("no-center-no-scale.train", {"center": False, "scale": False}, X((5, 3)), _TRAIN, None,
     "center=False scale=False, training"),
    ("trainable-false.train", {"trainable": False}, X((5, 3)), _TRAIN, None,
     "trainable=False with training=True runs in inference mode, no update"),
    ("training-false", {}, X((5, 3)), {"training": False}, None, "explicit training=False"),
    ("offset", {}, X((6, 3), "offset"), {}, None, "large-offset input (1e4 + 10*normal), inference"),
    ("offset.train", {}, X((16, 3), "offset"), _TRAIN, None, "large-offset input (1e4 + 10*normal), training"),
    ("const-channel.train", {}, X((6, 3), const=[[[None, 1], 2.5]]), _TRAIN, None,
     "a channel that is constant over the batch: variance 0"),
    ("ties.train", {}, X((6, 4), "ties"), _TRAIN, None, "ties input, training"),
    # masks: shape = input shape without its last axis; Keras expands it at -1.
    ("mask.3d.train", {}, X((3, 5, 4)), _TRAIN, M((3, 5)), "mask (batch, steps), training"),
    ("mask.3d", {}, X((3, 5, 4)), {}, M((3, 5)), "mask (batch, steps), inference: the mask is ignored"),
    ("mask.4d.train", {}, X((2, 3, 4, 3)), _TRAIN, M((2, 3, 4)), "mask (batch, h, w), training"),
    ("mask.2d.train", {}, X((6, 3)), _TRAIN, M((6,), "literal", values=[1, 1, 0, 1, 0, 1]),
     "2D input with a (batch,) mask, training"),
    ("mask.all-zero.train", {}, X((3, 4, 2)), _TRAIN, M((3, 4), "zeros"),
     "all-zero mask, training: mean = 0/(0+1e-7) = 0, variance 0 (no NaN)"),
    ("mask.axis1.3d.train", {"axis": 1}, X((3, 4, 5)), _TRAIN, M((3, 4)),
     "axis=1 with a (batch, channels) mask: Keras expands the mask at -1, so it selects (batch, channel) "
     "pairs and broadcasts over the last axis"),
    # batch renormalization
    ("renorm", {"renorm": True}, X((8, 3)), {}, None, "renorm=True, inference (same as without renorm)"),
    ("renorm.train", {"renorm": True}, X((8, 3)), _TRAIN, None, "renorm=True, training, no clipping"),
    ("renorm.clip.train", {"renorm": True, "renorm_clipping": {"rmax": 1.1, "rmin": 0.9, "dmax": 0.1},
                           "renorm_momentum": 0.8}, X((8, 3)), _TRAIN, None,
     "renorm with tight clipping (rmax 1.1, rmin 0.9, dmax 0.1) and renorm_momentum 0.8"),
    ("renorm.rmax.train", {"renorm": True, "renorm_clipping": {"rmax": 1.05}, "momentum": 0.7},
     X((4, 5, 3)), _TRAIN, None, "renorm with only rmax, momentum 0.7"),
    ("renorm.no-scale.train", {"renorm": True, "scale": False, "renorm_clipping": {"dmax": 0.3}},
     X((8, 3)), _TRAIN, None, "renorm with scale=False and dmax only"),
    ("renorm.no-center-axis1.train", {"renorm": True, "center": False, "axis": 1}, X((3, 4, 5)), _TRAIN, None,
     "renorm with center=False, axis=1"),
]
for _suffix, _kw, _x, _call, _mask, _note in _bn:
    case(f"{_BN}.{_suffix}", _BN, _kw, _x, f"sweep: BatchNormalization {_note}", "batch_normalization",
         mask=_mask, call=_call)

# --------------------------------------------------- LayerNormalization -----
_LN = "LayerNormalization"
_ln = [
    ("axis-1", {}, X((4, 6))),
    ("axis-1.3d", {"axis": -1}, X((2, 4, 5))),
    ("axis1.3d", {"axis": 1}, X((2, 4, 5))),
    ("axis2.4d", {"axis": 2}, X((2, 3, 4, 5))),
    ("axis-2.3d", {"axis": -2}, X((2, 4, 5))),
    ("axis-3.4d", {"axis": -3}, X((2, 3, 4, 2))),
    ("axes1-2.3d", {"axis": [1, 2]}, X((2, 4, 5))),
    ("axes2-1.unsorted.4d", {"axis": [2, 1]}, X((2, 3, 4, 2))),
    ("axes-1-3.unsorted.4d", {"axis": [-1, -3]}, X((2, 3, 4, 2))),
    ("axes1-2-3.4d", {"axis": [1, 2, 3]}, X((2, 3, 2, 4))),
    ("axes3-1.5d", {"axis": [3, 1]}, X((2, 3, 2, 4, 2))),
    ("eps1e-6", {"epsilon": 1e-6}, X((3, 8))),
    ("eps0.1", {"epsilon": 0.1}, X((3, 8))),
    ("center-false", {"center": False}, X((3, 6))),
    ("scale-false", {"scale": False}, X((3, 6))),
    ("no-center-no-scale", {"center": False, "scale": False}, X((3, 6))),
    ("rms-scaling", {"rms_scaling": True}, X((3, 6))),
    ("rms-scaling.axis1.3d", {"rms_scaling": True, "axis": 1}, X((2, 4, 3))),
    ("rms-scaling.center-false", {"rms_scaling": True, "center": False}, X((3, 5))),
    ("offset", {}, X((4, 16), "offset")),
    ("offset.axes", {"axis": [1, 2]}, X((2, 4, 8), "offset")),
    ("zero-row", {}, X((4, 5), const=[[[1], 0.0]])),
    ("const-row", {}, X((4, 5), const=[[[2], 3.25]])),
    ("ties", {}, X((3, 7), "ties")),
    ("const-row.scale-false", {"scale": False, "center": False}, X((3, 4), const=[[[0], -1.5]])),
]
for _suffix, _kw, _x in _ln:
    case(f"{_LN}.{_suffix}", _LN, _kw, _x, f"sweep: LayerNormalization {_suffix}", "layer_normalization")

# --------------------------------------------------- GroupNormalization -----
_GN = "GroupNormalization"
_gn = [
    ("g2.c4.3d", {"groups": 2}, X((2, 5, 4))),
    ("g2.c6.4d", {"groups": 2}, X((2, 3, 4, 6))),
    ("g3.c6.4d", {"groups": 3}, X((2, 3, 3, 6))),
    ("g1.c4.4d", {"groups": 1}, X((2, 3, 3, 4))),
    ("instance.c4.4d", {"groups": -1}, X((2, 3, 4, 4))),
    ("instance.c3.3d", {"groups": -1}, X((2, 6, 3))),
    ("g4.c4.3d", {"groups": 4}, X((2, 5, 4))),
    ("g2.c4.5d", {"groups": 2}, X((1, 2, 3, 3, 4))),
    ("instance.c2.5d", {"groups": -1}, X((2, 2, 3, 2, 2))),
    ("g2.axis1.4d", {"groups": 2, "axis": 1}, X((2, 4, 3, 3))),
    ("g3.axis1.3d", {"groups": 3, "axis": 1}, X((2, 6, 4))),
    ("instance.axis1.4d", {"groups": -1, "axis": 1}, X((2, 3, 2, 4))),
    ("g1.axis1.5d", {"groups": 1, "axis": 1}, X((1, 4, 2, 3, 2))),
    ("g2.2d", {"groups": 2}, X((3, 6))),
    ("g2.eps1e-5", {"groups": 2, "epsilon": 1e-5}, X((2, 4, 4))),
    ("g2.eps0.5", {"groups": 2, "epsilon": 0.5}, X((2, 4, 4))),
    ("g2.center-false", {"groups": 2, "center": False}, X((2, 4, 4))),
    ("g2.scale-false", {"groups": 2, "scale": False}, X((2, 4, 4))),
    ("g2.no-center-no-scale", {"groups": 2, "center": False, "scale": False}, X((2, 4, 4))),
    ("g2.offset", {"groups": 2}, X((2, 8, 4), "offset")),
    ("instance.offset.4d", {"groups": -1}, X((1, 4, 4, 2), "offset")),
    ("g2.ties", {"groups": 2}, X((2, 5, 4), "ties")),
    ("g2.const-group", {"groups": 2}, X((2, 3, 4), const=[[[0, None, [0, 2]], 1.5]])),
    ("default-groups32.c32", {}, X((1, 2, 32))),
]
for _suffix, _kw, _x in _gn:
    case(f"{_GN}.{_suffix}", _GN, _kw, _x, f"sweep: GroupNormalization {_suffix}", "group_normalization")

# ------------------------------------------- RMS / Unit normalization -------
# Keras multiplies by `scale` (shape = the normalized axes' sizes) with plain
# right-aligned broadcasting, so only trailing axes work in general; a
# non-trailing axis fails with a shape error (dropped, see NOTES.md) unless
# the shapes happen to broadcast, in which case the scale is applied along the
# trailing axes (the "quirk" cases below record that behaviour).
_rms = [
    ("axis-1", {}, X((3, 6))),
    ("axis-1.3d", {"axis": -1}, X((2, 4, 5))),
    ("axis2.3d", {"axis": 2}, X((2, 4, 5))),
    ("axes1-2.3d", {"axis": [1, 2]}, X((2, 3, 4))),
    ("axes3-2.unsorted.4d", {"axis": [3, 2]}, X((2, 3, 2, 4))),
    ("axes-1-2.unsorted.4d", {"axis": [-1, -2]}, X((2, 3, 2, 4))),
    ("eps1e-3", {"epsilon": 1e-3}, X((3, 5))),
    ("eps0.5", {"epsilon": 0.5}, X((3, 5))),
    ("zero-row", {}, X((3, 4), const=[[[1], 0.0]])),
    ("5d", {}, X((1, 2, 2, 3, 4))),
    ("offset", {}, X((3, 8), "offset")),
    ("quirk.axis1.square", {"axis": 1}, X((2, 4, 4))),
]
for _suffix, _kw, _x in _rms:
    case(f"RMSNormalization.{_suffix}", "RMSNormalization", _kw, _x, f"sweep: RMSNormalization {_suffix}",
         "rms_unit_normalization")

_unit = [
    ("axis-1", {}, X((3, 5))),
    ("axis1.3d", {"axis": 1}, X((2, 4, 3))),
    ("axis-2.4d", {"axis": -2}, X((2, 3, 4, 2))),
    ("axes1-2.3d", {"axis": [1, 2]}, X((2, 3, 4))),
    ("axes2-1.unsorted.4d", {"axis": [2, 1]}, X((2, 3, 2, 2))),
    ("zero-row", {}, X((4, 3), const=[[[2], 0.0]])),
    ("zero-slice.axes", {"axis": [1, 2]}, X((3, 2, 3), const=[[[0], 0.0]])),
    ("tiny-row", {}, X((2, 3), const=[[[1], 1e-7]])),
    ("ties", {}, X((3, 4), "ties")),
    ("offset", {}, X((3, 6), "offset")),
]
# x·min(rsqrt(Σx²), 1e12) is x/|x| away from 0 and jumps at a zero vector: no gradient there
# (the backends give NaN or a number at those elements), so the zero cases are forward only.
for _suffix, _kw, _x in _unit:
    case(f"UnitNormalization.{_suffix}", "UnitNormalization", _kw, _x, f"sweep: UnitNormalization {_suffix}",
         "rms_unit_normalization", gradients="never" if _suffix.startswith("zero-") else "tie-free",
         forward_only="x·min(rsqrt(Σx²), 1e12) has no derivative at a zero vector" if _suffix.startswith("zero-")
         else None)

# ------------------------------------------------- Normalization (prep) -----
_NORM = "Normalization"
_norm = [
    # (suffix, kwargs, x, weights, note)
    ("scalar", {"mean": 3.0, "variance": 2.0}, X((3, 1), "literal", values=[[1.0], [2.0], [3.0]]), "initial",
     "Keras docstring example: mean=3, variance=2 on [[1],[2],[3]]"),
    ("scalar.axis-none", {"axis": None, "mean": 1.5, "variance": 4.0}, X((3, 4)), "initial",
     "axis=None, scalar mean/variance"),
    ("per-feature", {"mean": [0.5, -1.0, 2.0], "variance": [1.0, 0.25, 4.0]}, X((4, 3)), "initial",
     "per-feature mean/variance lists, axis=-1"),
    ("per-feature.3d", {"mean": [0.5, -1.0], "variance": [2.0, 0.5]}, X((2, 3, 2)), "initial",
     "per-feature lists on a 3D input, axis=-1"),
    ("axis1.3d", {"axis": 1, "mean": [1.0, 0.0, -1.0], "variance": [1.0, 2.0, 3.0]}, X((2, 3, 4)), "initial",
     "axis=1 on 3D, per-index lists"),
    ("axes1-2.3d", {"axis": [1, 2], "mean": [[0.0, 1.0], [2.0, 3.0], [-1.0, -2.0]],
                    "variance": [[1.0, 2.0], [0.5, 1.5], [3.0, 0.25]]}, X((2, 3, 2)), "initial",
     "axis=(1, 2), 2D mean/variance"),
    ("axes1-2.scalar", {"axis": [1, 2], "mean": 0.5, "variance": 2.0}, X((2, 3, 2)), "initial",
     "axis=(1, 2) with scalar mean/variance"),
    ("axes1-2.broadcast-last", {"axis": [1, 2], "mean": [1.0, -1.0], "variance": [0.5, 2.0]}, X((2, 3, 2)),
     "initial", "axis=(1, 2) with a 1D mean/variance aligned to the last kept axis"),
    ("invert", {"mean": [0.5, -1.0, 2.0], "variance": [1.0, 0.25, 4.0], "invert": True}, X((4, 3)), "initial",
     "invert=True: mean + x * sqrt(variance)"),
    ("invert.scalar", {"mean": 3.0, "variance": 2.0, "invert": True}, X((3, 2)), "initial",
     "invert=True with scalars"),
    ("zero-variance", {"mean": [1.0, 2.0], "variance": [0.0, 1.0]}, X((3, 2)), "initial",
     "variance 0: Keras divides by max(sqrt(variance), 1e-7)"),
    ("adapt", {}, X((4, 3)), {"adapt": X((10, 3), loc=2.0, scale=3.0)},
     "adapt() on 10x3 data; mean/variance/count are the layer's variables"),
    ("adapt.axis-none", {"axis": None}, X((3, 4)), {"adapt": X((6, 4), loc=-1.0, scale=0.5)},
     "adapt() with axis=None"),
    ("adapt.axis1.3d", {"axis": 1}, X((2, 3, 4)), {"adapt": X((5, 3, 4), loc=1.0, scale=2.0)},
     "adapt() with axis=1 on 3D"),
    ("adapt.invert", {"invert": True}, X((4, 2)), {"adapt": X((8, 2), loc=5.0, scale=2.0)},
     "adapt() then invert=True"),
]
for _suffix, _kw, _x, _w, _note in _norm:
    case(f"{_NORM}.{_suffix}", _NORM, _kw, _x, f"sweep: Normalization {_note}", "preprocessing_normalization",
         weights=_w)

# ------------------------------------------------------------- float64 ----
# No float64 cases: the Swift layers compute in float32 and refuse other dtype
# policies with a clear error (LayerRegistry), so float64 goldens would only
# record errors. (Keras on JAX also needs JAX_ENABLE_X64=1 for a float64
# policy to mean float64; see NOTES.md.)


# ------------------------------------------------------------ regressions ----
# Cases added for bugs found by differential fuzzing against Keras (see NOTES.md,
# "Regression cases"). Each family is its own file, so that a family lands only
# once the fix it checks is in the Swift code.

# Finding 1: BatchNormalization training with a mask when `axis` is not the last
# axis and the last axis has size 1 (the mask then varies along what a row walk
# treats as one row).
_REG_BN_MASK = [
    ("axis1.4d.last1", {"axis": 1}, X((4, 3, 5, 1)), M((4, 3, 5))),
    ("axis2.4d.last1", {"axis": 2}, X((3, 2, 4, 1)), M((3, 2, 4))),
    ("axis1.5d.last1", {"axis": 1}, X((2, 3, 2, 4, 1)), M((2, 3, 2, 4))),
    ("axis-2.3d.last1", {"axis": -2}, X((4, 6, 1)), M((4, 6))),
]
for _suffix, _kw, _x, _m in _REG_BN_MASK:
    case(f"BatchNormalization.regression.mask.{_suffix}", "BatchNormalization", _kw, _x,
         f"regression: BatchNormalization training with a mask, axis {_kw['axis']}, last axis of size 1 "
         "(fuzzer finding 1: wrong masked statistics)", "regression_masks", mask=_m, call={"training": True})

# Finding 2: GlobalAveragePooling1D with a mask that broadcasts, (batch, 1).
# Keras quirk: it divides by the sum of the unbroadcast mask, so a kept row gives
# the SUM over steps and a masked row 0/0 = NaN (both backends; NOTES.md).
_GAP_QUIRK = ("Keras quirk: divides by the sum of the unbroadcast (batch, 1) mask, so a kept row gives "
              "the sum over steps, a masked row NaN")
case("GlobalAveragePooling1D.regression.mask-broadcast", "GlobalAveragePooling1D", {}, X((3, 5, 2)),
     f"regression: GlobalAveragePooling1D, mask (batch, 1); {_GAP_QUIRK}", "regression_masks",
     mask=M((3, 1), "literal", values=[[1], [0], [1]]))
case("GlobalAveragePooling1D.regression.mask-broadcast.cf.keepdims", "GlobalAveragePooling1D",
     {"data_format": "channels_first", "keepdims": True}, X((2, 3, 4)),
     f"regression: GlobalAveragePooling1D channels_first keepdims, mask (batch, 1); {_GAP_QUIRK}",
     "regression_masks", mask=M((2, 1), "literal", values=[[0], [1]]))

# Fuzzer finding (docs/fuzzing.md): `training=None` is a valid call argument; Keras
# resolves it to inference when no outer call sets it, so BatchNormalization uses its
# moving statistics and updates nothing.
case("BatchNormalization.regression.training-none", "BatchNormalization", {}, X((2, 3)),
     "regression: BatchNormalization called with training=None (fuzzer finding: None means inference)",
     "regression_masks", call={"training": None})

# Finding 3: renormalization in training on inputs around 1e4. Keras's formula
# cancels with the effective scale r * gamma (r = batch stddev / renorm_stddev,
# clipped), not gamma: the cancellation bound must use it.
case("BatchNormalization.regression.renorm.offset.train", "BatchNormalization", {"renorm": True},
     X((16, 3), "offset"),
     "regression: renorm=True training on inputs near 1e4 (fuzzer finding 3: the cancellation bound "
     "scales with renorm's effective scale r*gamma)", "regression_renorm", call={"training": True})
case("BatchNormalization.regression.renorm.offset.clip.train", "BatchNormalization",
     {"renorm": True, "renorm_clipping": {"rmax": 4.0, "rmin": 0.5, "dmax": 2.0}, "axis": 1},
     X((6, 3, 4), "offset"),
     "regression: renorm=True with clipping (rmax 4) training on inputs near 1e4, axis=1 "
     "(fuzzer finding 3)", "regression_renorm", call={"training": True})

# Finding 4: Keras on JAX computes wrong adaptive pooling windows for these output
# sizes: the gather indices take floor/ceil of i*L/O in float32 under XLA, which
# turns the division into a multiplication by the rounded reciprocal (3*7/7 ->
# 3.0000002 -> ceil 4). TensorFlow and exact arithmetic agree; the float64 oracle
# arbitrates. Kept as cases so the disputes are visible in the corpus (NOTES.md,
# "Keras bug report: adaptive pooling on JAX").
_JAX_ADAPTIVE = {
    1: [(7, 7), (7, 12), (13, 14), (14, 14), (15, 10), (26, 28), (28, 30), (30, 31)],
    2: [((7, 14), (7, 14)), ((13, 15), (14, 10))],
}
for _rank, _sizes in _JAX_ADAPTIVE.items():
    for _mode in ("Max", "Average"):
        _layer = f"Adaptive{_mode}Pooling{_rank}D"
        for _o, _l in _sizes:
            _label = "x".join(map(str, _o)) if _rank == 2 else str(_o)
            _len = "x".join(map(str, _l)) if _rank == 2 else str(_l)
            _shape = (1, *_l, 2) if _rank == 2 else (1, _l, 2)
            case(f"{_layer}.regression.jax-windows.o{_label}.L{_len}", _layer,
                 {"output_size": list(_o) if _rank == 2 else _o}, X(_shape),
                 f"regression: {_layer} output {_label} on {_len}: Keras on JAX takes wrong windows "
                 "(float32 ceil(i*L/O) under XLA), disputed; TensorFlow and the float64 oracle agree",
                 "regression_jax_adaptive")

FAMILIES = []
for _c in CASES:
    if _c["family"] not in FAMILIES:
        FAMILIES.append(_c["family"])


def _check():
    import re
    seen = set()
    for c in CASES:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", c["id"]):
            raise ValueError(f"bad case id {c['id']!r}")
        if c["id"] in seen:
            raise ValueError(f"duplicate case id {c['id']!r}")
        seen.add(c["id"])


_check()


def manifest():
    return sorted(({"id": c["id"], "layer": c["layer"], "origin": c["origin"]} for c in CASES),
                  key=lambda e: e["id"])
