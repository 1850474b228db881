"""Call each traced layer on its own, on the backend this process runs, with the traced
input, mask, call arguments and weights: a fresh layer of the same class from the same
config. That is how one trace gives the same cases on TensorFlow and on JAX with
identical inputs and weights (the harness only applies the cross-backend envelope then).
The call itself becomes a case through the project's one capture core (tools/golden).
"""

import json
import warnings

from .golden import capture_core


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


def replay(keras, record, gradients="tie-free"):
    """The case record (capture_core.CaseRecord) of one traced layer call; `gradients` as
    capture_core.capture takes it (by default the backward pass is recorded too)."""
    return capture_core().capture(
        build_layer(keras, record), record["x"], case_id=record["id"], origin=record["origin"],
        mask=record["mask"], call=record["call"], config=record["config"], gradients=gradients)
