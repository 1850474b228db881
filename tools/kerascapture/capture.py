"""trace -> name -> replay -> write: the steps behind `capture` and `tools/capture`."""

import os
import sys

from .golden import capture_core
from .replay import replay
from .trace import name_cases, trace


def trace_cases(model, x, training=False, model_name=None):
    """The traced layer calls of one pass, each with its case id and origin."""
    return name_cases(trace(model, x, training=training), model_name or model.name, training=training)


def replay_cases(records, same_backend_as_trace=False, gradients="tie-free"):
    """Each traced call replayed on this process's backend: the case records to write. On
    the backend that traced, the layer alone must give what it gave inside the model; a
    difference is reported on standard error (the written output is the replay's).
    `gradients`: as capture_core.capture takes it."""
    import keras
    import numpy as np
    out = []
    for r in records:
        try:
            case = replay(keras, r, gradients)
        except Exception as e:
            raise RuntimeError(f"case {r['id']} failed on {keras.backend.backend()}: {type(e).__name__}: {e}") from e
        if same_backend_as_trace and not np.array_equal(case.y, r["y"], equal_nan=True):
            diff = np.nanmax(np.abs(case.y.astype("float64") - r["y"].astype("float64")))
            print(f"capture: note: {r['id']}: the layer alone differs from its call inside the model by up to {diff:g}",
                  file=sys.stderr)
        out.append(case)
    return out


def write_cases(path, cases, generator, force=False):
    """Write the case records as one golden file; an existing file only with force=True."""
    if os.path.exists(path) and not force:
        raise FileExistsError(f"{path} exists (use force=True / --force to overwrite it)")
    capture_core().write_golden_file(path, cases, generator=generator)


def capture(model, x, path, training=False, force=False, model_name=None, select=None):
    """Capture every in-scope layer call of `model(x, training=training)` into the golden
    file `path`, on the backend this process runs. `select`, if given, filters the traced
    records (a function from the list of records to the list to keep). Returns the ids."""
    if os.path.exists(path) and not force:
        raise FileExistsError(f"{path} exists (use force=True to overwrite it)")
    records = trace_cases(model, x, training=training, model_name=model_name)
    if select is not None:
        records = select(records)
    cases = replay_cases(records, same_backend_as_trace=True)
    write_cases(path, cases, "kerascapture.capture (Python)", force=force)
    return [c.id for c in cases]
