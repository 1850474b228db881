"""Random valid cases for every layer, as data (the case dicts of tools/golden/cases.py).

Pure Python + numpy: no Keras here. `ARGUMENTS` lists, per layer, every constructor and
call argument the sampler draws; `introspect.py` compares it with Keras's own signatures
and refuses to run when Keras has an argument that is missing here.

A case is drawn from `random.Random(f"{seed}/{n}")`, so `(seed, n)` alone fixes it.
Inputs are `X` specs (tools/golden/cases.py) keyed by `x["seed"]`, the case's data key,
so a shrunk variant of a case keeps the same kind of data.
"""

import random

POOL = [f"{k}Pooling{d}D" for k in ("Max", "Average") for d in (1, 2, 3)]
GLOBAL = [f"Global{k}Pooling{d}D" for k in ("Max", "Average") for d in (1, 2, 3)]
ADAPTIVE = [f"Adaptive{k}Pooling{d}D" for k in ("Max", "Average") for d in (1, 2, 3)]
NORM = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization",
        "UnitNormalization", "Normalization"]
LAYERS = POOL + GLOBAL + ADAPTIVE + NORM

# Arguments every layer takes through keras.layers.Layer.__init__.
BASE = {"name", "dtype", "trainable", "autocast", "activity_regularizer"}
_INIT_REG_CONS = {f"{w}_{k}" for w in ("beta", "gamma") for k in ("initializer", "regularizer", "constraint")}

ARGUMENTS = {}
for _l in POOL:
    ARGUMENTS[_l] = BASE | {"pool_size", "strides", "padding", "data_format"}
for _l in GLOBAL:
    ARGUMENTS[_l] = BASE | {"data_format", "keepdims"}
for _l in ADAPTIVE:
    ARGUMENTS[_l] = BASE | {"output_size", "data_format"}
ARGUMENTS["BatchNormalization"] = BASE | _INIT_REG_CONS | {
    "axis", "momentum", "epsilon", "center", "scale", "moving_mean_initializer",
    "moving_variance_initializer", "renorm", "renorm_clipping", "renorm_momentum", "synchronized"}
ARGUMENTS["LayerNormalization"] = BASE | _INIT_REG_CONS | {"axis", "epsilon", "center", "scale", "rms_scaling"}
ARGUMENTS["GroupNormalization"] = BASE | _INIT_REG_CONS | {"groups", "axis", "epsilon", "center", "scale"}
ARGUMENTS["RMSNormalization"] = BASE | {"axis", "epsilon"}
ARGUMENTS["UnitNormalization"] = BASE | {"axis"}
ARGUMENTS["Normalization"] = BASE | {"axis", "mean", "variance", "invert"}

CALL_ARGUMENTS = {l: set() for l in LAYERS}
CALL_ARGUMENTS["GlobalAveragePooling1D"] = {"mask"}
CALL_ARGUMENTS["BatchNormalization"] = {"training", "mask"}

# Deterministic initializers (the same values on every backend); random ones only where
# the weights are overwritten afterwards.
FIXED_INITIALIZERS = ["zeros", "ones", {"class_name": "Constant", "config": {"value": 0.75}}]
RANDOM_INITIALIZERS = ["random_normal", "glorot_uniform"]
REGULARIZERS = [None, "l1", "l2", {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.02}}]
CONSTRAINTS = [None, "non_neg", "unit_norm", {"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}}]
EPSILONS = [1e-3, 1e-5, 1e-6, 0.1, 1.0]
DTYPES = [None, "float32"]


def data_format_axes(rank, data_format):
    """(spatial axes, channel axis) of an input of `rank` in `data_format`."""
    if data_format == "channels_first":
        return list(range(2, rank)), 1
    return list(range(1, rank - 1)), rank - 1


# Arguments that fix the shapes and static parameters of the computation: JAX compiles each
# primitive once per such combination, which costs far more than running a case.
STATIC = {"pool_size", "strides", "padding", "data_format", "keepdims", "output_size", "axis", "groups",
          "mean", "variance"}
SKELETONS = 12  # static combinations per layer and seed
FRESH = 0.02    # share of cases with a static combination of their own


class Sampler:
    def __init__(self, seed, n, rng=None):
        self.r = rng or random.Random(f"{seed}/{n}")
        self.key = f"fuzz-{seed}-{n}"

    def dim(self, low=1, high=6):
        """A dimension, mostly from a few small sizes: JAX compiles every primitive once per
        shape, so repeated shapes keep a long run fast (a compilation costs more than a case)."""
        if self.chance(0.85):
            small = [d for d in (1, 2, 2, 3, 3, 4) if low <= d <= high]
            if small:
                return self.pick(small)
        return self.r.randint(low, high)

    def pick(self, values):
        return values[self.r.randrange(len(values))]

    def chance(self, p):
        return self.r.random() < p

    def base(self, kwargs):
        """Layer-level arguments, each set only now and then (the default otherwise)."""
        if self.chance(0.1):
            kwargs["name"] = self.pick(["fuzzed", "layer_0", "x"])
        if self.chance(0.2):
            kwargs["dtype"] = self.pick(DTYPES)
        if self.chance(0.1):
            kwargs["autocast"] = self.chance(0.5)
        if self.chance(0.1):
            kwargs["activity_regularizer"] = self.pick(REGULARIZERS)
        if self.chance(0.1):
            kwargs["trainable"] = self.chance(0.5)

    def data_format(self, kwargs):
        df = self.pick([None, "channels_last", "channels_first"])
        if df is not None or self.chance(0.3):
            kwargs["data_format"] = df
        return df or "channels_last"

    def x(self, shape):
        kind = self.pick(["normal"] * 8 + ["ties"] * 3 + ["offset"] * 2 + ["negative", "zeros", "zeros", "arange"])
        spec = {"shape": list(shape), "kind": kind, "dtype": "float32", "seed": self.key}
        if kind == "ties":
            spec["low"], spec["high"] = self.pick([(-2, 3), (0, 2), (5, 6)])
        if kind == "offset":
            spec["loc"], spec["scale"] = self.pick([(1e4, 10.0), (1e3, 1.0), (-1e4, 10.0), (100.0, 1e-3)])
        if kind == "arange" and self.chance(0.5):
            spec["mul"] = self.pick([-1, 0.5, 10])
        if self.chance(0.1) and len(shape) >= 2:
            # a constant slice: tied values along every other axis (zero variance there)
            prefix = [self.r.randrange(shape[0])]
            spec["const"] = [[prefix, self.pick([0.0, 3.0, -1.5])]]
        return spec

    def spatial(self, n, low=1, high=6):
        return [self.dim(low, high) for _ in range(n)]

    def shape(self, spatial, channels, df):
        batch = self.dim(1, 3)
        return [batch] + ([channels] + spatial if df == "channels_first" else spatial + [channels])

    # ------------------------------------------------------------------ layers ----

    def pool(self, layer):
        d = int(layer[-2])
        kw = {}
        df = self.data_format(kw)
        pool = [self.r.randint(1, 3) for _ in range(d)]
        if self.chance(0.4):
            pool = [pool[0]] * d
            kw["pool_size"] = pool[0] if self.chance(0.5) else pool
        else:
            kw["pool_size"] = pool
        if layer.startswith("Max") and self.chance(0.1):
            del kw["pool_size"]
            pool = [2] * d
        strides = pool
        choice = self.pick(["none", "omit", "int", "tuple"])
        if choice == "none":
            kw["strides"] = None
        elif choice == "int":
            s = self.r.randint(1, 3)
            kw["strides"] = s
            strides = [s] * d
        elif choice == "tuple":
            strides = [self.r.randint(1, 3) for _ in range(d)]
            kw["strides"] = strides
        padding = self.pick(["valid", "same", "omit"])
        if padding != "omit":
            kw["padding"] = padding
        spatial = [p + self.dim(1, 4) - 1 if padding != "same" else self.dim() for p in pool]
        x = self.shape(spatial, self.dim(1, 3), df)
        return kw, x, None, {}

    def global_pool(self, layer):
        d = int(layer[-2])
        kw = {}
        df = self.data_format(kw)
        if self.chance(0.6):
            kw["keepdims"] = self.chance(0.5)
        spatial = self.spatial(d, 1, 5)
        x = self.shape(spatial, self.dim(1, 3), df)
        mask = None
        if layer == "GlobalAveragePooling1D" and self.chance(0.5):
            steps_axis = data_format_axes(3, df)[0][0]
            mask = self.mask(x, [0, steps_axis])
        return kw, x, mask, {}

    def adaptive(self, layer):
        d = int(layer[-2])
        kw = {}
        df = self.data_format(kw)
        for _ in range(100):
            spatial = self.spatial(d, 1, 8)
            out = [self.dim(1, 8) for _ in range(d)]
            if all(adaptive_window_fits(layer, L, o) for L, o in zip(spatial, out)):
                break
        else:
            spatial, out = [4] * d, [2] * d
        kw["output_size"] = out[0] if (len(set(out)) == 1 and self.chance(0.5)) else out
        x = self.shape(spatial, self.dim(1, 3), df)
        return kw, x, None, {}

    def regularized(self, kw, weights):
        """beta/gamma initializer, regularizer, constraint, center, scale."""
        for w in ("beta", "gamma"):
            if self.chance(0.3):
                pool = FIXED_INITIALIZERS + (RANDOM_INITIALIZERS if weights == "random" else [])
                kw[f"{w}_initializer"] = self.pick(pool)
            if self.chance(0.15):
                kw[f"{w}_regularizer"] = self.pick(REGULARIZERS)
            if self.chance(0.15):
                kw[f"{w}_constraint"] = self.pick(CONSTRAINTS)
        for flag in ("center", "scale"):
            if self.chance(0.4):
                kw[flag] = self.chance(0.5)
        if self.chance(0.5):
            kw["epsilon"] = self.pick(EPSILONS)

    def weights_policy(self):
        return "initial" if self.chance(0.15) else "random"

    def mask(self, x, axes):
        """A mask over x's `axes` (in order); each dimension but the first may be 1
        (broadcast); sometimes all ones/zeros or with a fully masked row."""
        dims = [a if (i == 0 or not self.chance(0.25)) else None for i, a in enumerate(axes)]
        if self.chance(0.1):
            dims[0] = None
        spec = {"shape": [x[a] if a is not None else 1 for a in dims], "dims": dims,
                "kind": self.pick(["random"] * 6 + ["ones", "zeros"]), "p": self.pick([0.3, 0.6, 0.9])}
        if spec["kind"] == "random" and self.chance(0.2) and spec["shape"][0] > 1:
            spec["all_masked"] = [self.r.randrange(spec["shape"][0])]
        return spec

    def batch_norm(self):
        weights = self.weights_policy()
        kw = {}
        rank = self.r.randint(2, 5)
        x = [self.dim(1, 3)] + [self.dim(1, 4) for _ in range(rank - 1)]
        if self.chance(0.6):
            kw["axis"] = self.pick([a for a in range(-rank, rank) if a % rank != 0])
        if self.chance(0.5):
            kw["momentum"] = self.pick([0.0, 0.5, 0.9, 0.99, 1.0])
        self.regularized(kw, weights)
        for name in ("moving_mean_initializer", "moving_variance_initializer"):
            if self.chance(0.2):
                kw[name] = self.pick(FIXED_INITIALIZERS[1:] if "variance" in name else FIXED_INITIALIZERS)
        if self.chance(0.35):
            kw["renorm"] = True
            if self.chance(0.6):
                clip = {}
                for k, choices in (("rmax", [1.0, 1.5, 3.0]), ("rmin", [0.3, 0.7, 1.0]), ("dmax", [0.0, 0.5, 5.0])):
                    if self.chance(0.6):
                        clip[k] = self.pick(choices)
                kw["renorm_clipping"] = clip
            if self.chance(0.5):
                kw["renorm_momentum"] = self.pick([0.0, 0.5, 0.9, 0.99])
        elif self.chance(0.1):
            kw["renorm"] = False
        if self.chance(0.1):
            kw["synchronized"] = self.chance(0.5)
        call = {}
        t = self.pick(["omit", True, True, False, None])
        if t != "omit":
            call["training"] = t
        mask = self.mask(x, list(range(rank - 1))) if self.chance(0.35) else None
        return kw, x, mask, call, weights

    def axes_arg(self, rank, allow_list=True, allow_zero=False):
        axes = [a for a in range(rank) if allow_zero or a != 0]
        if allow_list and self.chance(0.4) and len(axes) >= 2:
            chosen = self.r.sample(axes, self.r.randint(1, len(axes)))
            return [a - rank if self.chance(0.4) else a for a in chosen]
        a = self.pick(axes)
        return a - rank if self.chance(0.5) else a

    def layer_norm(self):
        weights = self.weights_policy()
        kw = {}
        rank = self.r.randint(2, 4)
        x = [self.dim(1, 3)] + [self.dim(1, 5) for _ in range(rank - 1)]
        if self.chance(0.7):
            kw["axis"] = self.axes_arg(rank)
        self.regularized(kw, weights)
        if self.chance(0.2):
            kw["rms_scaling"] = self.chance(0.6)
        return kw, x, None, {}, weights

    def group_norm(self):
        weights = self.weights_policy()
        kw = {}
        rank = self.r.randint(2, 4)
        x = [self.dim(1, 3)] + [self.dim(1, 4) for _ in range(rank - 1)]
        axis = -1
        if self.chance(0.5):
            axis = self.pick([a for a in range(-rank, rank) if a % rank != 0])
            kw["axis"] = axis
        channels = self.dim(1, 3) * self.dim(1, 3)
        x[axis] = channels
        divisors = [g for g in range(1, channels + 1) if channels % g == 0]
        kw["groups"] = self.pick(divisors + [-1])
        self.regularized(kw, weights)
        return kw, x, None, {}, weights

    def rms_norm(self):
        kw = {}
        rank = self.r.randint(2, 4)
        x = [self.dim(1, 3)] + [self.dim(1, 5) for _ in range(rank - 1)]
        choice = self.pick(["omit", "last", "trailing", "square"])
        if choice == "last":
            kw["axis"] = self.pick([-1, rank - 1])
        elif choice == "trailing" and rank >= 3:
            kw["axis"] = self.pick([[-2, -1], [rank - 2, rank - 1], [-1, -2]])
        elif choice == "square" and rank == 3:
            x[1] = x[2]
            kw["axis"] = 1  # the documented quirk: the scale broadcasts along the trailing axis
        if self.chance(0.5):
            kw["epsilon"] = self.pick(EPSILONS)
        return kw, x, None, {}, "random"

    def unit_norm(self):
        kw = {}
        rank = self.r.randint(2, 4)
        x = [self.dim(1, 3)] + [self.dim(1, 5) for _ in range(rank - 1)]
        if self.chance(0.7):
            kw["axis"] = self.axes_arg(rank)
        return kw, x, None, {}, "random"

    def normalization(self):
        kw = {}
        rank = self.r.randint(2, 4)
        x = [self.dim(1, 3)] + [self.dim(1, 4) for _ in range(rank - 1)]
        choice = self.pick(["omit", "int", "tuple", "none"])
        axes = [rank - 1]
        if choice == "int":
            a = self.r.randrange(1, rank)
            kw["axis"] = a - rank if self.chance(0.5) else a
            axes = [a]
        elif choice == "tuple":
            axes = sorted(self.r.sample(range(1, rank), self.r.randint(1, rank - 1)))
            kw["axis"] = axes
        elif choice == "none":
            kw["axis"] = None
            axes = []
        if self.chance(0.3):
            kw["invert"] = self.chance(0.7)
        if self.chance(0.5):
            # constructor statistics: a scalar, or an array broadcastable over the kept axes
            shape = [x[a] for a in sorted(axes)]  # Keras: rank at most the number of axes
            if self.chance(0.5) or not axes:
                kw["mean"] = round(self.r.uniform(-2, 2), 3)
                kw["variance"] = self.pick([0.0, 0.25, 1.0, 4.0])
            else:
                kw["mean"] = _nested(shape, lambda: round(self.r.uniform(-2, 2), 3))
                kw["variance"] = _nested(shape, lambda: self.pick([0.0, 0.25, 1.0, 4.0]))
            return kw, x, None, {}, "random"
        adapt = self.x([self.r.randint(1, 4)] + x[1:])
        adapt["seed"] = self.key + "/adapt"
        return kw, x, None, {}, {"adapt": adapt}

    # ------------------------------------------------------------------- case ----

    def case(self, seed, n, layers=None):
        """Most cases take their shapes and static arguments from one of SKELETONS draws per
        layer (so JAX's compilations are reused) and everything else (other arguments, call
        arguments, data) from their own draw; a share FRESH draws everything anew."""
        layer = self.pick(layers or LAYERS)
        own = self.draw(layer)
        self.origin = f"tools/fuzz --seed {seed}" + (f" --layers {','.join(layers)}" if layers else "") + f": case {n}"
        if self.chance(FRESH):
            return self.finish(seed, n, layer, *own)
        k = self.r.randrange(SKELETONS)
        skeleton = Sampler(seed, n, random.Random(f"{seed}/{layer}/skeleton {k}")).draw(layer)
        kw = {k: v for k, v in own[0].items() if k not in STATIC}
        kw.update({k: v for k, v in skeleton[0].items() if k in STATIC})
        x = dict(own[1], shape=skeleton[1]["shape"])
        if "const" in x:  # its index was drawn for the case's own shape
            x["const"] = [[[p[0] % x["shape"][0]], v] for p, v in x["const"]]
        # Normalization's statistics (constructor or adapt data) follow the skeleton's shape
        weights = skeleton[4] if layer == "Normalization" else own[4]
        return self.finish(seed, n, layer, kw, x, skeleton[2], own[3], weights)

    def finish(self, seed, n, layer, kw, x, mask, call, weights):
        c = {"id": self.key, "family": "fuzz", "layer": layer, "kwargs": kw, "x": x,
             "call": call, "weights": weights, "origin": self.origin}
        if mask is not None:
            c["mask"] = mask
        return c

    def draw(self, layer):
        """(kwargs, x spec, mask spec, call, weights) of one layer."""
        weights = "random"
        if layer in POOL:
            kw, x, mask, call = self.pool(layer)
        elif layer in GLOBAL:
            kw, x, mask, call = self.global_pool(layer)
        elif layer in ADAPTIVE:
            kw, x, mask, call = self.adaptive(layer)
        else:
            kw, x, mask, call, weights = {
                "BatchNormalization": self.batch_norm, "LayerNormalization": self.layer_norm,
                "GroupNormalization": self.group_norm, "RMSNormalization": self.rms_norm,
                "UnitNormalization": self.unit_norm, "Normalization": self.normalization}[layer]()
        self.base(kw)
        return kw, self.x(x), mask, call, weights


def _nested(shape, value):
    if not shape:
        return value()
    return [_nested(shape[1:], value) for _ in range(shape[0])]


def adaptive_window_fits(layer, length, out):
    """Keras pools with windows ceil(L/O) and ceil(L/O)+1 and gathers; TensorFlow's max
    pooling dies with SIGFPE when the bigger window exceeds the input (tools/golden/NOTES.md),
    which would kill the capture process, so adaptive max cases keep it inside."""
    if not layer.startswith("AdaptiveMax"):
        return True
    return -(-length // out) + 1 <= length


def sample(seed, n, layers=None):
    return Sampler(seed, n).case(seed, n, layers)
