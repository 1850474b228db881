"""Walk a Keras model and record, for every call of an in-scope layer during one
forward pass, what the layer really received: its input, its mask, the call's other
arguments and its variables just before the call.

The forward pass is the model's own (`model(x, training=...)`, eager), so the inputs
are the ones the trained model produces for that batch. Each in-scope layer's bound
`call` is wrapped on the instance for the duration of the pass; the wrapper sees the
arguments after Keras has resolved them (the propagated mask, the inherited
`training` flag), which are exactly what the layer computes with.
"""

import json
import re
import warnings

# The layer classes this project implements (the golden corpus's 24 classes).
IN_SCOPE = (
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
    "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
    "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "RMSNormalization", "UnitNormalization", "Normalization",
)

_ID_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


def case_id_part(name):
    """A layer or model name as a piece of a case id (`[A-Za-z0-9_.-]+`)."""
    return _ID_CHARS.sub("_", name) or "_"


def in_scope(keras, layer):
    """Exactly one of the in-scope Keras classes (a user subclass may compute anything)."""
    name = type(layer).__name__
    return name in IN_SCOPE and type(layer) is getattr(keras.layers, name, None)


def takes_training(layer):
    return "training" in layer._call_signature.parameters


def layer_paths(model):
    """Every layer reachable from `model` (through nested models and layers that own
    layers), each once, with the path of names leading to it from the model, in
    depth-first order of the model's own layer lists. A layer reachable twice (shared
    between nested models) keeps its first path."""
    found = {}

    def visit(layer, path):
        if id(layer) in found:
            return
        found[id(layer)] = (layer, path)
        for child in layer._flatten_layers(include_self=False, recursive=False):
            visit(child, path + (child.name,))

    for child in model._flatten_layers(include_self=False, recursive=False):
        visit(child, (child.name,))
    return list(found.values())


def _numpy(keras, np, value):
    return np.array(keras.ops.convert_to_numpy(value))


def variables_now(keras, np, layer):
    """(name, value) of each variable of the layer, in `layer.weights` order; the name
    is the last component of the variable's path, as the golden schema wants."""
    out = []
    for v in layer.weights:
        out.append((v.path.split("/")[-1], _numpy(keras, np, v.value)))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise ValueError(f"layer {layer.name}: duplicate variable names {names}")
    return out


def trace(model, x, training=False):
    """Run `model(x, training=training)` once and return one dict per call of an
    in-scope layer, in call order:

        path     tuple of layer names from the model to the layer
        layer    Keras class name
        config   json.dumps(layer.get_config()) (the trained layer's config)
        x        numpy input; mask: numpy bool mask or None
        call     dict of the other non-tensor call arguments (e.g. {"training": False})
        weights  [(name, numpy value)] just before the call
        y        the output the model's pass produced (for checking the replay)
        call_index, calls   this call's number (0-based) and the layer's number of calls

    With training=True only layers whose call takes `training` are recorded (among the
    in-scope classes, BatchNormalization): the others compute the same in both modes.
    """
    import keras
    import numpy as np

    records = []
    hooked = []

    def hook(layer, path):
        original = layer.call

        def call(*args, **kwargs):
            if len(args) != 1:
                raise ValueError(f"layer {'/'.join(path)}: expected one positional input, got {len(args)}")
            mask = kwargs.get("mask")
            other = {k: v for k, v in kwargs.items() if k != "mask"}
            for k, v in other.items():
                if not isinstance(v, (bool, int, float, str, type(None))):
                    raise ValueError(f"layer {'/'.join(path)}: call argument {k} is not a plain value")
            record = {
                "path": path,
                "layer": type(layer).__name__,
                "config": json.dumps(layer.get_config()),
                "x": _numpy(keras, np, args[0]),
                "mask": None if mask is None else _numpy(keras, np, mask).astype(bool),
                "call": {k: v for k, v in other.items() if v is not None},
                "weights": variables_now(keras, np, layer),
            }
            y = original(*args, **kwargs)
            record["y"] = _numpy(keras, np, y)
            records.append(record)
            return y

        # Instance attribute, bypassing Layer.__setattr__'s tracking; removed afterwards.
        object.__setattr__(layer, "call", call)
        hooked.append(layer)

    for layer, path in layer_paths(model):
        if in_scope(keras, layer) and (not training or takes_training(layer)):
            hook(layer, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras's notes on the user's model (e.g. dropped masks)
            model(x, training=training)
    finally:
        for layer in hooked:
            del layer.__dict__["call"]

    counts = {}
    for r in records:
        counts[r["path"]] = counts.get(r["path"], 0) + 1
    seen = {}
    for r in records:
        r["call_index"] = seen.get(r["path"], 0)
        r["calls"] = counts[r["path"]]
        seen[r["path"]] = r["call_index"] + 1
    return records


def name_cases(records, model_name, training=False):
    """Give each record its case `id` (`<model>.<layer path>`, `.call-<k>` when the layer
    was called more than once, `.train` for a training pass) and its `origin`."""
    ids = set()
    for r in records:
        parts = [case_id_part(model_name)] + [case_id_part(p) for p in r["path"]]
        if r["calls"] > 1:
            parts.append(f"call-{r['call_index']}")
        if training:
            parts.append("train")
        case_id = ".".join(parts)
        if case_id in ids:
            raise ValueError(f"two layer calls give the case id {case_id}; rename a layer")
        ids.add(case_id)
        r["id"] = case_id
        origin = f"model {model_name}, layer {'/'.join(r['path'])}"
        if r["calls"] > 1:
            origin += f", call {r['call_index'] + 1} of {r['calls']}"
        origin += ", training pass" if training else ", inference pass"
        r["origin"] = origin
    return records
