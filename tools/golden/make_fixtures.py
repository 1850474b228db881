#!/usr/bin/env python3
"""Write the small, doctored HDF5 files that the Swift golden-file reader is
tested on (Tests/Fixtures/). Needs only numpy and h5py (no Keras); the data is
synthetic but follows `keras-golden/1` (docs/golden-schema.md) wherever the file is meant to be valid.

    tools/golden/make_fixtures.py [--out Tests/Fixtures]

Deterministic: fixed data, no timestamps, fixed write order, so rerunning
gives byte-identical files. Tests/Fixtures/README.md says what each file is.
"""

import argparse
import json
import os
import random

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

GENERATOR = "tools/golden/make_fixtures.py (synthetic reader fixture, not a golden)"

# Configs as Keras 3.15.1 returns them (copied from real get_config() output).
_DTYPE32 = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
MAXPOOL_CONFIG = {"name": "max_pooling1d", "trainable": True, "dtype": _DTYPE32, "pool_size": [2],
                  "padding": "valid", "strides": [2], "data_format": "channels_last"}
BN_CONFIG = {
    "name": "batch_normalization", "trainable": True, "dtype": _DTYPE32, "axis": -1, "momentum": 0.99,
    "epsilon": 0.001, "center": True, "scale": True,
    "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
    "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": None},
    "moving_mean_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                "registered_name": None},
    "moving_variance_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {},
                                    "registered_name": None},
    "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None,
    "synchronized": False, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99,
}


def new_group(parent, name):
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode("utf-8"), gcpl=gcpl))


def put(parent, path, data, dtype=None):
    g = parent
    parts = path.split("/")
    for p in parts[:-1]:
        g = g[p] if p in g else new_group(g, p)
    g.create_dataset(parts[-1], data=data, dtype=dtype, track_times=False)


def root_attrs(f, schema="keras-golden/1", skip=()):
    attrs = {
        "schema": schema,
        "keras_version": "3.15.1",
        "backend": "tensorflow",
        "backend_version": "2.21.0",
        "numpy_version": "2.4.6",  # fixed: the fixture must not depend on the numpy that writes it
        "generator": GENERATOR,
    }
    for k, v in attrs.items():
        if k not in skip and v is not None:
            f.attrs[k] = v


def fixed(s):
    """A fixed-length ASCII string attribute value (h5py writes str as
    variable-length UTF-8; np.bytes_ gives a fixed-length string)."""
    return np.bytes_(s.encode("ascii"))


def case_maxpool(f, name="maxpool_f32", skip_attrs=(), config=None, skip_datasets=()):
    """Valid float32 case: MaxPooling1D(pool_size=2) on a (2, 4, 3) input."""
    g = new_group(f, name)
    attrs = {
        "layer": "MaxPooling1D",
        "config": json.dumps(MAXPOOL_CONFIG) if config is None else config,
        "call": "{}",
        "origin": "fixture: float32 case, variable-length UTF-8 attributes (\u00b1 is non-ASCII)",
    }
    for k, v in attrs.items():
        if k not in skip_attrs:
            g.attrs[k] = v
    x = (np.arange(24, dtype=np.float32).reshape(2, 4, 3) - 11.5) / 4
    y = x.reshape(2, 2, 2, 3).max(axis=2)
    if "inputs/x" not in skip_datasets:
        put(g, "inputs/x", x)
    if "outputs/y" not in skip_datasets:
        put(g, "outputs/y", y)
    return g


def case_bn_mixed(f, name="batchnorm_f64_f16_mask"):
    """Valid case mixing dtypes: inputs/x float64, weights and updated float16,
    inputs/mask uint8, outputs/y float32; attributes are fixed-length strings."""
    g = new_group(f, name)
    g.attrs["layer"] = fixed("BatchNormalization")
    g.attrs["config"] = fixed(json.dumps(BN_CONFIG))
    g.attrs["call"] = fixed(json.dumps({"training": True}))
    g.attrs["origin"] = fixed("fixture: float64 input, float16 weights, uint8 mask, fixed-length attributes")
    x = np.array([[[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]],
                  [[1.25, 0.0], [-2.0, 0.5], [0.125, -0.5]]], dtype=np.float64)
    mask = np.array([[1, 1, 0], [1, 0, 1]], dtype=np.uint8)
    gamma = np.array([1.5, 0.75], dtype=np.float16)
    beta = np.array([0.25, -0.5], dtype=np.float16)
    moving_mean = np.array([0.125, -0.25], dtype=np.float16)
    moving_variance = np.array([1.25, 0.5], dtype=np.float16)
    sel = x[mask.astype(bool)]
    mean, var = sel.mean(axis=0), sel.var(axis=0)
    y = ((x - mean) / np.sqrt(var + 1e-3) * gamma.astype(np.float64) + beta.astype(np.float64)).astype(np.float32)
    put(g, "inputs/x", x)
    put(g, "inputs/mask", mask)
    put(g, "weights/gamma", gamma)
    put(g, "weights/beta", beta)
    put(g, "weights/moving_mean", moving_mean)
    put(g, "weights/moving_variance", moving_variance)
    put(g, "outputs/y", y)
    put(g, "updated/moving_mean", (moving_mean * 0.99 + mean * 0.01).astype(np.float16))
    put(g, "updated/moving_variance", (moving_variance * 0.99 + var * 0.01).astype(np.float16))
    return g


def bfloat16_bits(values):
    """bfloat16 bit patterns of float32 values that bfloat16 holds exactly (upper 16 bits)."""
    f = np.asarray(values, dtype=np.float32)
    bits = f.view(np.uint32)
    assert np.all(bits & 0xFFFF == 0), "not exactly representable in bfloat16"
    return (bits >> 16).astype(np.uint16)


def put_bfloat16(parent, path, bits):
    """A bfloat16 dataset as the schema stores it: uint16 bit patterns, attribute dtype="bfloat16"."""
    put(parent, path, np.asarray(bits, dtype=np.uint16))
    parent[path].attrs["dtype"] = "bfloat16"


def case_gradients_oracle(f, name="grads_oracle"):
    """Valid case with the optional datasets: inputs/dy, grads/x, oracle/outputs/y,
    oracle/grads/x, cancellation/outputs/y (made-up numbers of the right shapes and types)."""
    g = case_maxpool(f, name)
    x = np.asarray(g["inputs/x"])
    y = np.asarray(g["outputs/y"])
    dy = (np.arange(y.size, dtype=np.float32).reshape(y.shape) - 5) / 8
    put(g, "inputs/dy", dy)
    put(g, "grads/x", np.zeros_like(x))
    put(g, "oracle/outputs/y", y.astype(np.float64) + 2.0 ** -40)
    put(g, "oracle/grads/x", np.zeros(x.shape, dtype=np.float64))
    put(g, "cancellation/outputs/y", np.full(y.shape, 2.0 ** -30, dtype=np.float64))
    return g


# bfloat16 bit patterns covering every kind of value: 1, -2, 1 + 2^-7 (bfloat16's ulp(1)),
# the largest finite (0x7F7F), the smallest subnormal (0x0001 = 2^-133), -0, +inf, -inf.
BFLOAT16_PATTERNS = [0x3F80, 0xC000, 0x3F81, 0x7F7F, 0x0001, 0x8000, 0x7F80, 0xFF80]


def case_bfloat16(f, name="bfloat16"):
    """Valid case under a bfloat16 policy: inputs/x and outputs/y stored as bfloat16."""
    g = case_maxpool(f, name, skip_datasets=("inputs/x", "outputs/y"))
    put_bfloat16(g, "inputs/x", np.array(BFLOAT16_PATTERNS * 2, dtype=np.uint16).reshape(2, 4, 2))
    put_bfloat16(g, "outputs/y", np.array(BFLOAT16_PATTERNS, dtype=np.uint16).reshape(2, 2, 2))
    return g


def case_refused(f, name, error, config=None):
    """A case Keras refused (schema "Error cases"): attribute `error`, inputs only."""
    g = case_maxpool(f, name, config=config, skip_datasets=("outputs/y",))
    g.attrs["error"] = error
    return g


# The message Keras 3.15.1 gives for an unknown data_format (the layer refuses it on every backend).
DATA_FORMAT_ERROR = ("ValueError: The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                     "Received: data_format=channels_middle")
# The shape of TensorFlow's error for a pooling kernel its CPU build lacks (the message is made up).
NO_KERNEL_ERROR = "NotFoundError: Could not find device for node: {{node MaxPool}} = MaxPool[T=DT_FLOAT, ...]"


def error_case_fixtures(path):
    """Two files of one case set, TensorFlow's and JAX's, for the schema's error cases:
    `refused_everywhere` (an error case on both backends), `tensorflow_lacks_kernel` (an error
    case on TensorFlow only; JAX computed it), and, in TensorFlow's file, `error_with_outputs`
    (attribute `error` and an `outputs/y`: malformed)."""
    bad_format = json.dumps(dict(MAXPOOL_CONFIG, data_format="channels_middle"))
    with new_file(path("error_cases_tensorflow.h5")) as f:
        root_attrs(f)
        case_refused(f, "refused_everywhere", DATA_FORMAT_ERROR, config=bad_format)
        case_refused(f, "tensorflow_lacks_kernel", NO_KERNEL_ERROR)
        g = case_maxpool(f, "error_with_outputs")
        g.attrs["error"] = NO_KERNEL_ERROR
    with new_file(path("error_cases_jax.h5")) as f:
        root_attrs(f)
        f.attrs["backend"] = "jax"
        f.attrs["backend_version"] = "0.10.2"
        case_refused(f, "refused_everywhere", DATA_FORMAT_ERROR, config=bad_format)
        case_maxpool(f, "tensorflow_lacks_kernel")


def many_cases_fixture(path):
    """5,000 case groups in one file, in the dense link storage of libver="latest" (where asking
    for link names one index at a time is quadratic). Each case is an empty group: an error case
    for the reader, which still has to list and visit every one."""
    if os.path.exists(path):
        os.remove(path)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)  # no timestamp on the root group: byte-identical reruns
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    with h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)) as f:
        root_attrs(f)
        for i in range(5000):
            new_group(f, f"case_{i:05d}")


def hostile_fixtures(path):
    """Files for the optional datasets of the schema and for hostile values (issue 9)."""
    many_cases_fixture(path("many_cases.h5"))
    with new_file(path("extensions.h5")) as f:
        root_attrs(f)
        f.attrs["backend"] = "jax"
        f.attrs["backend_version"] = "0.10.2"
        f.attrs["oracle"] = "keras 3.15.1 tensorflow float64"
        f.attrs["jax_enable_x64"] = "true"
        case_gradients_oracle(f)
        case_bfloat16(f)
        case_maxpool(f, "forward_only")

    with new_file(path("bad_extensions.h5")) as f:
        root_attrs(f)
        case_maxpool(f, "good")
        g = case_gradients_oracle(f, "grads_without_dy")
        del g["inputs/dy"]
        g = case_gradients_oracle(f, "dy_wrong_shape")
        del g["inputs/dy"]
        put(g, "inputs/dy", np.zeros((2, 4, 3), dtype=np.float32))
        g = case_gradients_oracle(f, "oracle_not_float64")
        del g["oracle/outputs/y"]
        put(g, "oracle/outputs/y", np.asarray(g["outputs/y"]))
        g = case_gradients_oracle(f, "cancellation_wrong_shape")
        del g["cancellation/outputs/y"]
        put(g, "cancellation/outputs/y", np.zeros((3,), dtype=np.float64))
        g = case_gradients_oracle(f, "oracle_of_nothing")
        put(g, "oracle/updated/moving_mean", np.zeros((3,), dtype=np.float64))
        g = case_maxpool(f, "bfloat16_not_uint16")
        g["outputs/y"].attrs["dtype"] = "bfloat16"
        g = case_maxpool(f, "uint16_without_dtype", skip_datasets=("outputs/y",))
        put(g, "outputs/y", np.zeros((2, 2, 3), dtype=np.uint16))

    with new_file(path("hostile_values.h5")) as f:
        root_attrs(f)
        case_maxpool(f, "good")
        for name, attr, value in [("atol_nan", "atol", float("nan")), ("atol_inf", "atol", float("inf")),
                                  ("rtol_negative", "rtol", -1e-6), ("rtol_minus_inf", "rtol", float("-inf"))]:
            g = case_maxpool(f, name)
            g.attrs[attr] = np.float64(value)
        g = case_maxpool(f, "tolerances_ok")
        g.attrs["atol"] = np.float64(0.0)
        g.attrs["rtol"] = np.float64(1e-3)
        # int64 at the limits: +-2^53 read exactly; 2^53 + 1 rounds to 2^53 as a double, so it
        # must be refused before any conversion.
        g = case_maxpool(f, "int64_at_2p53", skip_datasets=("inputs/x",))
        put(g, "inputs/x", np.array([2 ** 53, -(2 ** 53), 0, 1, -1, 7], dtype=np.int64).reshape(1, 2, 3))
        g = case_maxpool(f, "int64_beyond_2p53", skip_datasets=("inputs/x",))
        put(g, "inputs/x", np.array([2 ** 53 + 1, 0, 0, 0, 0, 0], dtype=np.int64).reshape(1, 2, 3))
        g = case_maxpool(f, "int64_below_minus_2p53", skip_datasets=("inputs/x",))
        put(g, "inputs/x", np.array([0, 0, 0, 0, 0, -(2 ** 53) - 1], dtype=np.int64).reshape(1, 2, 3))
        # An empty tensor whose other dimensions multiply to 2^40 elements.
        g = case_maxpool(f, "zero_dim_huge_shape", skip_datasets=("inputs/x",))
        g.create_dataset("inputs/x", shape=(0, 2 ** 20, 2 ** 20), dtype=np.float32, track_times=False)
        g = case_maxpool(f, "zero_dim_small_shape", skip_datasets=("inputs/x",))
        g.create_dataset("inputs/x", shape=(0, 4, 3), dtype=np.float32, track_times=False)
        # A config string holding an escaped lone UTF-16 surrogate (Python's json accepts it).
        case_maxpool(f, "lone_surrogate", config=json.dumps(MAXPOOL_CONFIG)[:-1] + ', "note": "\\ud800\\u0041"}')
        case_maxpool(f, "zz_after", config=None)


def control_character_fixture(path):
    """A valid case whose origin holds a terminal escape and a line break (issue 9): every
    text the CLI prints must show them escaped."""
    with new_file(path) as f:
        root_attrs(f)
        g = case_maxpool(f, "control_characters")
        g.attrs["origin"] = "fixture: origin with \x1b[2J a terminal escape,\na line break and \u202e an override"


def new_file(path):
    if os.path.exists(path):
        os.remove(path)
    return h5py.File(path, "w", libver="earliest")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=os.path.join(REPO, "Tests", "Fixtures"))
    args = p.parse_args()
    out = args.out
    os.makedirs(out, exist_ok=True)

    def path(n):
        return os.path.join(out, n)

    with new_file(path("valid_small.h5")) as f:
        root_attrs(f)
        case_maxpool(f)
        case_bn_mixed(f)

    with open(path("not_hdf5.h5"), "wb") as f:
        f.write(b"This is not an HDF5 file.\nschema: keras-golden/1\nIt is plain text that ends in .h5.\n")

    with open(path("valid_small.h5"), "rb") as f:
        data = f.read()
    with open(path("truncated.h5"), "wb") as f:
        f.write(data[: len(data) // 2])

    # Random byte damage that makes libhdf5 1.10 read out of bounds and crash (found by
    # fuzzing the reader: the 98th draw of this seeded sequence). The CLI must report it.
    rng = random.Random(1)
    for _ in range(98):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            position = rng.randrange(len(damaged))
            damaged[position] = rng.randrange(256)
    with open(path("crashes_libhdf5.h5"), "wb") as f:
        f.write(bytes(damaged))

    with new_file(path("wrong_schema.h5")) as f:
        root_attrs(f, schema="keras-golden/2")
        case_maxpool(f)

    with new_file(path("missing_schema.h5")) as f:
        root_attrs(f, skip=("schema",))
        case_maxpool(f)

    with new_file(path("missing_dataset.h5")) as f:
        root_attrs(f)
        case_maxpool(f, "good")
        case_maxpool(f, "no_output", skip_datasets=("outputs/y",))

    with new_file(path("bad_config.h5")) as f:
        root_attrs(f)
        case_maxpool(f, "good")
        case_maxpool(f, "bad_config", config="{not json")

    with new_file(path("wrong_dtype.h5")) as f:
        root_attrs(f)
        case_maxpool(f, "good")
        g = case_maxpool(f, "complex_input", skip_datasets=("inputs/x",))
        put(g, "inputs/x", (np.arange(6, dtype=np.float32) + 1j * np.arange(6, dtype=np.float32))
            .astype(np.complex64).reshape(1, 2, 3))
        g = case_maxpool(f, "string_output", skip_datasets=("outputs/y",))
        put(g, "outputs/y", np.array(["not", "a", "tensor"], dtype=object), dtype=h5py.string_dtype("utf-8"))

    with new_file(path("missing_attribute.h5")) as f:
        root_attrs(f)
        case_maxpool(f, "good")
        case_maxpool(f, "no_layer", skip_attrs=("layer",))

    hostile_fixtures(path)
    control_character_fixture(path("control_characters.h5"))
    error_case_fixtures(path)

    for n in sorted(os.listdir(out)):
        if n.endswith(".h5"):
            print(f"{os.path.join(os.path.relpath(out), n)}: {os.path.getsize(path(n))} bytes")


if __name__ == "__main__":
    main()
