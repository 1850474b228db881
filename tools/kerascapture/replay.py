"""Call each traced layer on its own, on the backend this process runs, with the traced
input, mask, call arguments and weights: a fresh layer of the same class from the same
config. That is how one trace gives the same cases on TensorFlow and on JAX with
identical inputs and weights (the harness only applies the cross-backend envelope then).
"""

import json
import warnings


def build_layer(keras, record):
    """A fresh layer from the record's class and config, built for its input, holding
    the record's weights (loaded the way Keras loads a saved model, so that layers which
    cache derived tensors, like Normalization, refresh them)."""
    cls = getattr(keras.layers, record["layer"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = cls.from_config(json.loads(record["config"]))
        layer.build(record["x"].shape)
    values = dict(record["weights"])
    ordered = layer._trainable_variables + layer._non_trainable_variables
    names = [v.path.split("/")[-1] for v in ordered]
    if sorted(names) != sorted(values):
        raise ValueError(f"{record['id']}: the rebuilt layer has variables {names}, the trace {sorted(values)}")
    if ordered:
        layer.load_own_variables({str(i): values[n] for i, n in enumerate(names)})
    return layer


def replay(keras, np, record):
    """The case record (as tools/golden writes it) of one traced layer call."""
    from .trace import variables_now

    layer = build_layer(keras, record)
    before = variables_now(keras, np, layer)
    kwargs = dict(record["call"])
    if record["mask"] is not None:
        kwargs["mask"] = keras.ops.convert_to_tensor(record["mask"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = layer(keras.ops.convert_to_tensor(record["x"]), **kwargs)
    y = np.array(keras.ops.convert_to_numpy(y))
    after = variables_now(keras, np, layer)
    updated = []
    for (name, b), (_, a) in zip(before, after):
        same = np.array_equal(b, a, equal_nan=True) if b.dtype.kind == "f" else np.array_equal(b, a)
        if not same:
            updated.append((name, a))
    return {
        "id": record["id"],
        "layer": record["layer"],
        "config": record["config"],
        "call": json.dumps(record["call"]),
        "origin": record["origin"],
        "x": record["x"],
        "mask": record["mask"],
        "weights": before,
        "y": y,
        "updated": updated,
    }
