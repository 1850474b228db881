"""Capture golden cases (docs/golden-schema.md) from a real Keras model: for every call
of an in-scope layer during one forward pass, the layer's real input, its trained
weights, the call's arguments (and mask) and its output.

From a notebook (with the repository's `tools/` folder on `sys.path`):

    from kerascapture import capture
    capture(model, x, "my_model.h5")                  # inference pass
    capture(model, x, "my_model.train.h5", training=True)   # BatchNormalization in training

From a shell: `tools/capture MODEL.keras --input X.npy --out OUT.h5 [--backend jax]`.
The command always traces the model on TensorFlow and replays every layer on the chosen
backend, so that the files of both backends hold identical inputs and weights; the
notebook function traces and replays on the backend the notebook runs.
"""

from .capture import capture, trace_cases, replay_cases, write_cases  # noqa: F401
