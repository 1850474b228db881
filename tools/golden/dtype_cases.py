"""The dtype golden cases (issue 12), declared once, as data: golden/dtypes/<backend>/<family>.h5.

Pure data plus the input helpers of `cases.py` (no Keras import). A case is a dict as in
`cases.py` (id, family, layer, kwargs, x, mask, call, weights, origin) plus

    policy   the dtype policy passed to the constructor as `dtype=` (None: the default float32)
    gradients  capture_core's gradients option: "tie-free" for the classes in GRADIENT_LAYERS,
             "never" for the others (the golden size budget)

Families: one per policy (`float16`, `bfloat16`, `float64`, `mixed_float16`, `mixed_bfloat16`),
`integer` (integer inputs under the default policy; `integer64` the int64 ones, which JAX runs with
x64: without it JAX turns int64 into int32), and `refused` / `refused_float64` / `refused_integer64`:
the calls Keras raises on, on some backend (`refused()`), so that the other families hold no error
case (`refused_float64`: those under the float64 policy, `refused_integer64` those with int64 input,
which JAX runs with x64). Every policy family has the same cases:
each of the 24 layer classes, BatchNormalization in inference and in training (updated moving
statistics), ill-conditioned (large-offset) inputs for the normalizations, long reductions for
average pooling. The input is given in the policy's compute dtype (float16 for `mixed_float16`),
as the previous layer of a model under that policy would give it; the `*.float32-input` cases of
the mixed policies feed float32, as a model's first layer gets it. Case ids carry the policy:
`<Layer>.<policy>.<what>`.

Input values are float32 numbers rounded to the input dtype (cases.make_input), weights are
`cases.random_weight` values rounded to the variable's dtype.
"""

from cases import M, X

POLICIES = ("float16", "bfloat16", "float64", "mixed_float16", "mixed_bfloat16")
FAMILIES = POLICIES + ("integer", "integer64", "refused", "refused_float64", "refused_integer64")
# JAX computes these in a process with jax_enable_x64 (without it JAX has neither float64 nor int64)
X64_FAMILIES = ("float64", "integer64", "refused_float64", "refused_integer64")
INTEGER_TYPES = ("uint8", "int8", "int32", "int64")

CASES = []

X
# or 17 of the 36 or 40 cases of each policy family); the others are forward-only.
GRADIENT_LAYERS = ("BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization",
                   "UnitNormalization", "AveragePooling1D", "AveragePooling2D", "MaxPooling2D")

_TRAIN = {"training": True}


def refused(layer, policy, input_dtype):
    """Whether Keras raises for this call on some backend (tools/golden/DTYPES.md): TensorFlow's
    3-D pooling kernels take neither float16 nor float64, its average pooling no integers, its
    MaxPool3D no integers; UnitNormalization takes no integers on either backend."""
    pool3d = layer in ("MaxPooling3D", "AveragePooling3D", "AdaptiveMaxPooling3D", "AdaptiveAveragePooling3D")
    if policy is not None:
        return pool3d and policy in ("float16", "mixed_float16", "float64")
    return layer.startswith(("AveragePooling", "AdaptiveAveragePooling", "UnitNormalization")) or (
        pool3d and "Max" in layer)


def _case(id, family, layer, kwargs, x, origin, policy=None, mask=None, call=None, weights="random"):
    if x["dtype"] == "int64":
        family = "integer64"
    if refused(layer, policy, x["dtype"]):
        family = "refused_float64" if policy == "float64" else "refused_integer64" if x["dtype"] == "int64" else "refused"
    c = {"id": id, "family": family, "layer": layer, "kwargs": dict(kwargs), "x": x, "call": call or {},
         "weights": weights, "origin": origin, "policy": policy,
         "gradients": "tie-free" if layer in GRADIENT_LAYERS else "never"}
    if policy is not None:
        c["kwargs"]["dtype"] = policy
    if mask is not None:
        c["mask"] = mask
    CASES.append(c)


def _compute_dtype(policy):
    return policy.removeprefix("mixed_")


# (layer, id suffix, kwargs, input spec without dtype, call, mask, weights)
def _policy_table():
    t = []
    for r, shape in ((1, (2, 9, 3)), (2, (2, 7, 6, 2)), (3, (1, 4, 5, 4, 2))):
        small = (2,) + (4,) * r + (2,)
        t += [
            (f"MaxPooling{r}D", "p2", {"pool_size": 2}, X(shape), {}, None, "random"),
            (f"AveragePooling{r}D", "p3s2.same", {"pool_size": 3, "strides": 2, "padding": "same"}, X(shape), {},
             None, "random"),
            (f"GlobalMaxPooling{r}D", "cl", {}, X(small), {}, None, "random"),
            (f"GlobalAveragePooling{r}D", "cl", {}, X(small), {}, None, "random"),
            (f"AdaptiveMaxPooling{r}D", "o3", {"output_size": 3}, X(shape), {}, None, "random"),
            (f"AdaptiveAveragePooling{r}D", "o3", {"output_size": 3}, X(shape), {}, None, "random"),
        ]
    t += [
        # a long sum: shows in which type the mean accumulates
        ("GlobalAveragePooling1D", "long.offset", {}, X((2, 96, 2), "offset", loc=100.0, scale=10.0), {}, None,
         "random"),
        ("AveragePooling2D", "p6.offset", {"pool_size": 6}, X((1, 6, 12, 2), "offset", loc=100.0, scale=10.0), {},
         None, "random"),
        ("GlobalAveragePooling1D", "mask", {}, X((3, 6, 2)), {}, M((3, 6)), "random"),
        ("BatchNormalization", "inference", {}, X((6, 4)), {}, None, "random"),
        ("BatchNormalization", "training", {}, X((6, 4)), _TRAIN, None, "random"),
        ("BatchNormalization", "training.4d", {"momentum": 0.9}, X((3, 4, 5, 2)), _TRAIN, None, "random"),
        ("BatchNormalization", "training.offset", {}, X((16, 3), "offset"), _TRAIN, None, "random"),
        ("BatchNormalization", "training.mask", {}, X((3, 5, 2)), _TRAIN, M((3, 5)), "random"),
        ("BatchNormalization", "renorm.training", {"renorm": True}, X((8, 3)), _TRAIN, None, "random"),
        ("LayerNormalization", "axis-1", {}, X((4, 6)), {}, None, "random"),
        ("LayerNormalization", "offset", {}, X((3, 16), "offset"), {}, None, "random"),
        ("LayerNormalization", "rms-scaling", {"rms_scaling": True}, X((3, 6)), {}, None, "random"),
        ("GroupNormalization", "g2", {"groups": 2}, X((2, 5, 4)), {}, None, "random"),
        ("GroupNormalization", "g1.offset", {"groups": 1}, X((2, 8, 2), "offset"), {}, None, "random"),
        ("RMSNormalization", "axis-1", {}, X((3, 6)), {}, None, "random"),
        ("UnitNormalization", "axis-1", {}, X((3, 6)), {}, None, "random"),
        ("Normalization", "mean-variance", {"mean": [0.5, -1.0, 2.0], "variance": [2.0, 0.5, 3.0]}, X((4, 3)),
         {}, None, "initial"),
        ("Normalization", "adapt", {}, X((4, 3)), {}, None, {"adapt": X((20, 3), loc=3.0, scale=2.0)}),
    ]
    return t


for _policy in POLICIES:
    _dtype = _compute_dtype(_policy)
    for _layer, _suffix, _kw, _x, _call, _mask, _w in _policy_table():
        _x = dict(_x, dtype=_dtype)
        if isinstance(_w, dict):
            _w = {"adapt": dict(_w["adapt"], dtype=_dtype)}
        _case(f"{_layer}.{_policy}.{_suffix}", _policy, _layer, _kw, _x,
              f"dtype: {_layer} {_suffix} under the {_policy} policy, {_dtype} input", policy=_policy,
              mask=_mask, call=_call, weights=_w)
    if _policy.startswith("mixed_"):
        # a model's first layer gets float32 data: Keras casts it to the compute dtype (autocast)
        for _layer, _suffix, _kw, _x, _call in (
                ("BatchNormalization", "training", {}, X((6, 4)), _TRAIN),
                ("LayerNormalization", "axis-1", {}, X((4, 6)), {}),
                ("AveragePooling2D", "p2", {"pool_size": 2}, X((2, 6, 6, 2)), {}),
                ("MaxPooling2D", "p2", {"pool_size": 2}, X((2, 6, 6, 2)), {})):
            _case(f"{_layer}.{_policy}.{_suffix}.float32-input", _policy, _layer, _kw, _x,
                  f"dtype: {_layer} {_suffix} under the {_policy} policy, float32 input", policy=_policy,
                  call=_call)

# Integer inputs under the default policy: every layer class with uint8 (images), the pooling
# classes with int8, int32 and int64 too. What Keras does (keeps the type, casts to float32, or
# raises) is whatever it does on each backend: captured, errors included.
_INT_LAYERS = []
for _r, _shape in ((1, (2, 8, 3)), (2, (2, 6, 6, 2)), (3, (1, 4, 4, 4, 2))):
    for _mode in ("Max", "Average"):
        _INT_LAYERS += [(f"{_mode}Pooling{_r}D", "p2", {"pool_size": 2}, _shape),
                        (f"Global{_mode}Pooling{_r}D", "cl", {}, _shape),
                        (f"Adaptive{_mode}Pooling{_r}D", "o3", {"output_size": 3}, _shape)]
# LayerNormalization and GroupNormalization are left out: they cast the normalized values back to
# the integer input type, where negative values wrap on TensorFlow and saturate on JAX (DTYPES.md).
_INT_NORM = [("BatchNormalization", "training", {}, (6, 4)), ("BatchNormalization", "inference", {}, (6, 4)),
             ("RMSNormalization", "axis-1", {}, (3, 6)), ("UnitNormalization", "axis-1", {}, (3, 6)),
             ("Normalization", "mean-variance", {"mean": [100.0, 50.0, 10.0], "variance": [400.0, 100.0, 9.0]},
              (4, 3))]
_RANGE = {"uint8": (0, 256), "int8": (-128, 128), "int32": (-1000, 1001), "int64": (-1000, 1001)}
for _int in INTEGER_TYPES:
    _low, _high = _RANGE[_int]
    for _layer, _suffix, _kw, _shape in _INT_LAYERS + (_INT_NORM if _int == "uint8" else []):
        if _int != "uint8" and not _layer.startswith(("Max", "Average")):
            continue  # the other widths only through windowed pooling
        _call = _TRAIN if _suffix == "training" else {}
        _case(f"{_layer}.{_int}.{_suffix}", "integer", _layer, _kw, X(_shape, "ties", dtype=_int, low=_low,
              high=_high), f"dtype: {_layer} {_suffix} with {_int} input, default policy", call=_call,
              weights="initial" if _layer == "Normalization" else "random")


def manifest():
    """The declared cases as [{"id", "layer", "origin"}], sorted by id."""
    return sorted(({"id": c["id"], "layer": c["layer"], "origin": c["origin"]} for c in CASES),
                  key=lambda c: c["id"])


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
