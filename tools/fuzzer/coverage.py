"""Argument coverage of the committed golden cases: docs/argument-coverage.md.

    tools/argument-coverage            # rewrite docs/argument-coverage.md
    tools/argument-coverage --check    # exit 1 when the file is stale or a row is at zero

Reads every golden file under golden/ (h5py, no Keras) and counts, per layer, argument and
value class, the distinct case ids whose `config`, `call`, input and mask exercise it. The rows
are every argument the fuzzer's sampler draws (sampler.ARGUMENTS, checked against Keras's
signatures by introspect.py) with the value classes below; a row at zero is an argument
value no committed case exercises.
"""

import argparse
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import sampler  # noqa: E402

DOC = os.path.join(REPO, "docs", "argument-coverage.md")
NOT_RECORDED = {"autocast": "not in get_config(); only matters for mixed-precision policies"}
BOOL = ["true", "false"]
# Argument values no committed case can hold, and why: (layer name prefix, argument, class).
# These rows are left out (and named in the table's header), not shown at 0.
UNCOMMITTABLE = {
    ("BatchNormalization", "synchronized", "true"):
        "Keras on JAX refuses it (only supported with the TensorFlow backend), and every committed case "
        "exists on both backends",
    ("AdaptiveMaxPooling", "output_size", "1"):
        "Keras's TensorFlow backend dies with SIGFPE (its second window, L+1, exceeds the input; "
        "tools/golden/NOTES.md)",
}
DEFAULTS = {"momentum": 0.99, "renorm_momentum": 0.99}


def snake(name):
    s = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", s).lower()


def spatial_axes(rank, config):
    if config.get("data_format") == "channels_first":
        return list(range(2, rank))
    return list(range(1, rank - 1))


def axis_classes(axis, rank):
    """int: -1 / other negative / positive last / positive not last; list: one or several
    entries, negative entries, unsorted; [] (Normalization axis=None)."""
    if isinstance(axis, int):
        if axis == -1:
            return ["-1"]
        if axis < 0:
            return ["negative, not -1"]
        return ["positive, last axis" if axis == rank - 1 else "positive, not last"]
    out = ["list"]
    if not axis:
        return ["[] (None)"]
    if len(axis) > 1:
        out.append("list, several axes")
    if any(a < 0 for a in axis):
        out.append("list, negative entry")
    if list(axis) != sorted(axis):
        out.append("list, unsorted")
    return out


def mask_classes(mask_shape, x_shape, mask):
    if mask_shape is None:
        return ["none"]
    out = ["given"]
    if 1 in mask_shape and any(m == 1 and i < len(x_shape) and x_shape[i] > 1 for i, m in enumerate(mask_shape)) \
            or any(m == 1 for m in mask_shape[1:]):
        out.append("broadcast (a dimension of 1)")
    if mask is not None:
        if not mask.any():
            out.append("all masked")
        elif mask.reshape(mask.shape[0], -1).any(axis=1).min() == 0:
            out.append("a fully masked row")
    return out


def classes(layer, arg, config, call, x_shape, mask_shape, mask):
    """The value classes of argument `arg` in one case."""
    rank = len(x_shape)
    v = config.get(arg)
    if arg == "name":
        return ["default" if v and v.startswith(snake(layer)) else "custom"]
    if arg == "dtype":
        return [v["config"]["name"] if isinstance(v, dict) else str(v)]
    if arg == "activity_regularizer" or arg.endswith("_regularizer") or arg.endswith("_constraint"):
        return ["none" if v is None else "set"]
    if arg.endswith("_initializer"):
        return [v["class_name"] if isinstance(v, dict) else str(v)]
    if arg in ("trainable", "keepdims", "center", "scale", "renorm", "synchronized", "rms_scaling", "invert"):
        return [str(bool(v)).lower()]
    if arg == "padding" or arg == "data_format":
        return [v]
    if arg == "pool_size":
        if all(p == 1 for p in v):
            return ["1"]
        return ["equal sizes > 1" if len(set(v)) == 1 else "unequal sizes"]
    if arg == "strides":
        if list(v) == list(config["pool_size"]):
            return ["= pool_size"]
        return ["1"] if all(s == 1 for s in v) else ["other"]
    if arg == "output_size":
        out = [v] * (rank - 2) if isinstance(v, int) else list(v)
        sizes = [x_shape[a] for a in spatial_axes(rank, config)]
        got = {"1" if o == 1 else "< input" if o < L else "= input" if o == L else "> input" for o, L in zip(out, sizes)}
        return sorted(got)
    if arg == "axis":
        return axis_classes(v, rank)
    if arg in ("momentum", "renorm_momentum"):
        return ["default"] if v == DEFAULTS[arg] else ["0"] if v == 0 else ["1"] if v == 1 else ["other"]
    if arg == "epsilon":
        default = 1e-6 if layer == "RMSNormalization" else 1e-3
        return ["default" if v == default else "other"]
    if arg == "renorm_clipping":
        if v is None:
            return ["null"]
        return ["{}"] if not v else sorted(f"{k} set" for k in v)
    if arg == "groups":
        axis = config.get("axis", -1)
        channels = x_shape[axis]
        return ["-1 (one per channel)" if v == -1 else "1" if v == 1 else "= channels" if v == channels else "between"]
    if arg in ("mean", "variance"):
        if v is None:
            return ["null (adapt)"]
        out = ["scalar" if not isinstance(v, list) else "array"]
        if arg == "variance" and (v == 0 or (isinstance(v, list) and 0 in _flat(v))):
            out.append("contains 0")
        return out
    if arg == "training":
        return ["absent"] if "training" not in call else [json.dumps(call["training"])]
    if arg == "mask":
        return mask_classes(mask_shape, x_shape, mask)
    raise ValueError(f"no value classes for {layer}.{arg}")


def _flat(v):
    return [e for x in v for e in _flat(x)] if isinstance(v, list) else [v]


# The classes a table must show for each argument (others appear as they are found).
EXPECTED = {
    "name": ["default", "custom"], "dtype": ["float32"], "trainable": BOOL,
    "activity_regularizer": ["none", "set"], "keepdims": BOOL, "center": BOOL, "scale": BOOL,
    "renorm": BOOL, "synchronized": BOOL, "rms_scaling": BOOL, "invert": BOOL,
    "padding": ["valid", "same"], "data_format": ["channels_last", "channels_first"],
    "strides": ["= pool_size", "1", "other"], "epsilon": ["default", "other"],
    "momentum": ["default", "0", "other"], "renorm_momentum": ["default", "other"],
    "renorm_clipping": ["null", "{}", "rmax set", "rmin set", "dmax set"],
    "training": ["absent", "true", "false", "null"],
    "groups": ["-1 (one per channel)", "1", "= channels", "between"],
    "mean": ["null (adapt)", "scalar", "array"], "variance": ["null (adapt)", "scalar", "array", "contains 0"],
}


def expected(layer, arg):
    d = int(layer[-2]) if layer[-1] == "D" else 0
    if arg == "pool_size":
        return ["1", "equal sizes > 1"] + (["unequal sizes"] if d > 1 else [])
    if arg == "output_size":
        return ["1", "< input", "= input", "> input"]
    if arg == "axis":
        if layer == "BatchNormalization" or layer == "GroupNormalization":
            return ["-1", "negative, not -1", "positive, last axis", "positive, not last"]
        if layer == "RMSNormalization":
            return ["-1", "positive, last axis", "list", "list, several axes"]
        if layer == "Normalization":  # the config always holds a list
            return ["list", "list, several axes", "list, negative entry", "[] (None)"]
        base = ["-1", "negative, not -1", "positive, last axis", "positive, not last", "list",
                "list, several axes", "list, negative entry"]
        return base + ["list, unsorted"]
    if arg == "mask":
        out = ["none", "given", "broadcast (a dimension of 1)", "a fully masked row"]
        return out + (["all masked"] if layer == "BatchNormalization" else [])
    if arg.endswith("_regularizer") or arg.endswith("_constraint"):
        return ["none", "set"]
    if arg.endswith("_initializer"):
        return ["Zeros" if arg in ("beta_initializer", "moving_mean_initializer") else "Ones", "Constant"]
    return EXPECTED[arg]


def read_cases(root):
    """{case id: (layer, config, call, x shape, mask shape, mask)} of every golden file under
    `root` (a folder, or one file)."""
    import h5py
    import numpy as np

    seen = {}
    paths = [root] if root.endswith(".h5") else [
        os.path.join(folder, name) for folder, _, files in sorted(os.walk(root)) for name in sorted(files)
        if name.endswith(".h5")]
    for path in paths:
        with h5py.File(path, "r") as f:
            for cid in f:
                if cid in seen:
                    continue
                g = f[cid]
                mask = np.array(g["inputs/mask"]) if "mask" in g["inputs"] else None
                seen[cid] = (g.attrs["layer"], json.loads(g.attrs["config"]), json.loads(g.attrs["call"]),
                             list(g["inputs/x"].shape), None if mask is None else list(mask.shape), mask)
    return seen


def table(cases):
    counts = collections.defaultdict(collections.Counter)
    for layer, config, call, x_shape, mask_shape, mask in cases.values():
        if layer not in sampler.ARGUMENTS:  # e.g. a model's other layers: not ours to count
            continue
        for arg in sorted(sampler.ARGUMENTS[layer] | sampler.CALL_ARGUMENTS[layer]):
            if arg in NOT_RECORDED:
                continue
            for c in classes(layer, arg, config, call, x_shape, mask_shape, mask):
                counts[(layer, arg)][c] += 1
    rows = []
    for layer in sampler.LAYERS:
        for arg in sorted(sampler.ARGUMENTS[layer] | sampler.CALL_ARGUMENTS[layer]):
            if arg in NOT_RECORDED:
                continue
            seen = counts[(layer, arg)]
            want = [c for c in expected(layer, arg)
                    if not any(layer.startswith(l) and (a, v) == (arg, c) for l, a, v in UNCOMMITTABLE)]
            for c in want + sorted(set(seen) - set(want)):
                rows.append((layer, arg, c, seen[c]))
    return rows


def render(rows, n_cases):
    per_layer = collections.Counter(r[0] for r in rows)
    lines = [
        "# Argument coverage of the golden cases",
        "",
        "Generated by `tools/argument-coverage` from the committed golden files (every `*.h5` under",
        "`golden/`); do not edit. `tools/argument-coverage --check` fails when this file is stale or a",
        "row is at zero.",
        "",
        f"{n_cases} distinct case ids. Each row counts the case ids whose recorded `config`, `call`,",
        "input or mask exercise that argument value class (a case counts once per class, whatever",
        "the number of backends). The arguments are every constructor argument (the layer's own, and",
        "`keras.layers.Layer`'s `name`, `dtype`, `trainable`, `activity_regularizer`) and call argument",
        "that Keras 3.15.1 has, as `tools/fuzz` checks against the signatures.",
        "Not counted: " + "; ".join(f"`{k}` ({v})" for k, v in NOT_RECORDED.items()) + "; "
        + "; ".join(f"{l}* `{a}={v}` ({why})" for (l, a, v), why in UNCOMMITTABLE.items()) + ".",
        "",
        "Classes: `axis` int `-1`, `negative, not -1`, `positive, last axis`, `positive, not last`;",
        "lists (`list` counts every list) with several axes, a negative entry, unsorted; Normalization's",
        "`axis=None` is `[]`. `mask` `broadcast` = a mask dimension of 1; `training` absent or the JSON",
        "value. Initializers by class name, regularizers/constraints none/set.",
        "",
        "| layer | argument | value class | cases |",
        "|---|---|---|---:|",
    ]
    for layer, arg, c, n in rows:
        lines.append(f"| {layer} | `{arg}` | {c} | {n} |")
    zero = [r for r in rows if r[3] == 0]
    lines += ["", f"{len(rows)} rows over {len(per_layer)} layers; {len(zero)} at zero."]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true")
    p.add_argument("--golden", default=os.path.join(REPO, "golden"))
    args = p.parse_args()
    cases = read_cases(args.golden)
    rows = table(cases)
    text = render(rows, len(cases))
    zero = [r for r in rows if r[3] == 0]
    if args.check:
        current = open(DOC).read() if os.path.exists(DOC) else ""
        problems = []
        if current != text:
            problems.append(f"{os.path.relpath(DOC, REPO)} is stale: run tools/argument-coverage")
        problems += [f"no golden case exercises {l}.{a} = {c}" for l, a, c, _ in zero]
        for m in problems:
            print(f"argument-coverage: {m}", file=sys.stderr)
        sys.exit(1 if problems else 0)
    os.makedirs(os.path.dirname(DOC), exist_ok=True)
    with open(DOC, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(DOC, REPO)}: {len(rows)} rows, {len(zero)} at zero")
    for l, a, c, _ in zero:
        print(f"  zero: {l}.{a} = {c}")


if __name__ == "__main__":
    main()
