#!/usr/bin/env python3
"""Measure how far Keras's two backends are apart on the dtype goldens (issue 12, item 4).

    tools/golden/dtype_spread.py [golden/dtypes] [--markdown]

For every case id with outputs on both TensorFlow and JAX, every tensor the two files share
(`outputs/y`, `updated/*`, `grads/*`; same dtype on both), per element:

  ulps    |tf − jax| in units in the last place of the element type at max(|tf|, |jax|)
          (float16: 10 mantissa bits, bfloat16: 7, float32: 23, float64: 52; subnormal spacing
          below the smallest normal);
  rtol    the smallest rtol with |tf − jax| ≤ atol + rtol·|tf| + cancellation for the default
          atol of that type (1e-5 for float16/bfloat16, 1e-7 for float64), i.e. what the
          harness's default relative tolerance must be for TensorFlow's value to accept JAX's.

and, against the float64 oracle where the case has one, which backend an element beyond the
default tolerance agrees with. Prints one line per element type and kind of layer (and the worst tensors), or a
markdown table with --markdown (the table in CI.md). Reads the files with h5py.
"""

import argparse
import os
import sys

import h5py
import numpy as np

BITS = {"float16": (10, -14), "bfloat16": (7, -126), "float32": (23, -126), "float64": (52, -1022)}
DEFAULTS = {"float16": (1e-5, 1e-3), "bfloat16": (1e-5, 8e-3), "float32": (1e-5, 1.3e-6),
            "float64": (1e-7, 1e-7)}


def element_type(dataset):
    return "bfloat16" if dataset.attrs.get("dtype") == "bfloat16" else str(dataset.dtype)


def values(dataset):
    a = dataset[()]
    if dataset.attrs.get("dtype") == "bfloat16":
        return (a.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return np.asarray(a).astype(np.float64)


def ulp(magnitude, dtype):
    mantissa, emin = BITS[dtype]
    with np.errstate(divide="ignore"):
        exponent = np.floor(np.log2(np.maximum(magnitude, 2.0 ** emin)))
    return 2.0 ** (exponent - mantissa)


def kind(layer):
    """The group a layer's spread is reported in."""
    if layer.startswith(("AveragePooling", "AdaptiveAveragePooling")):
        return "windowed/adaptive average pooling"
    if layer.startswith("GlobalAveragePooling"):
        return "global average pooling"
    if "MaxPooling" in layer:
        return "max pooling"
    return "normalization"


def tensors(group):
    """{path: dataset} of outputs/y, updated/* and grads/*."""
    out = {}
    for top in ("outputs", "updated", "grads"):
        if top in group:
            for name, d in group[top].items():
                out[f"{top}/{name}"] = d
    return out


def measure(folder):
    """[(dtype, layer kind, case id, path, n, max ulps, needed rtol, beyond default, settled by oracle)]."""
    rows = []
    files = {}
    for backend in ("tensorflow", "jax"):
        for name in sorted(os.listdir(os.path.join(folder, backend))):
            if name.endswith(".h5"):
                files.setdefault(name, {})[backend] = h5py.File(os.path.join(folder, backend, name), "r")
    for name, pair in sorted(files.items()):
        if len(pair) != 2:
            continue
        tf, jx = pair["tensorflow"], pair["jax"]
        for case_id in sorted(set(tf) & set(jx)):
            a, b = tf[case_id], jx[case_id]
            ta, tb = tensors(a), tensors(b)
            for path in sorted(set(ta) & set(tb)):
                dtype = element_type(ta[path])
                if dtype not in BITS or element_type(tb[path]) != dtype:
                    continue
                x, y = values(ta[path]), values(tb[path])
                if x.shape != y.shape:
                    continue
                both = np.isfinite(x) & np.isfinite(y)
                diff = np.where(both, np.abs(x - y), 0.0)
                ulps = diff / ulp(np.maximum(np.abs(x), np.abs(y)), dtype)
                canc = a[f"cancellation/{path}"][()] if f"cancellation/{path}" in a else 0.0
                atol, rtol = DEFAULTS[dtype]
                with np.errstate(divide="ignore", invalid="ignore"):
                    need = np.where(diff > atol + canc, (diff - atol - canc) / np.abs(x), 0.0)
                need = np.where(np.isfinite(need), need, np.inf)
                beyond = diff > atol + rtol * np.abs(x) + canc
                settled = 0
                if beyond.any() and f"oracle/{path}" in a:
                    o = a[f"oracle/{path}"][()]
                    tol = atol + rtol * np.abs(o) + canc
                    ok_tf = np.abs(x - o) <= tol
                    ok_jax = np.abs(y - o) <= tol
                    settled = int((beyond & (ok_tf ^ ok_jax)).sum())
                what = kind(a.attrs["layer"]) + (", gradients" if path.startswith("grads/") else "")
                rows.append((dtype, what, case_id, path, x.size, float(ulps.max(initial=0)), float(need.max(initial=0)),
                             int(beyond.sum()), settled))
    return rows


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", nargs="?", default=os.path.join(os.path.dirname(os.path.dirname(here)), "golden", "dtypes"))
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--worst", type=int, default=3, help="worst tensors listed per type")
    args = p.parse_args()
    rows = measure(args.folder)
    groups = {}
    for r in rows:
        groups.setdefault((r[0], r[1]), []).append(r)
    if args.markdown:
        print("| element type | layers | tensors | elements | max \\|tf − jax\\| (ULPs) | rtol needed | default atol / rtol "
              "| elements beyond the default | of those settled by the float64 oracle |")
        print("|---|---|---:|---:|---:|---:|---|---:|---:|")
    order = ("float16", "bfloat16", "float32", "float64")
    for (dtype, what), rs in sorted(groups.items(), key=lambda g: (order.index(g[0][0]), g[0][1])):
        atol, rtol = DEFAULTS[dtype]
        n = sum(r[4] for r in rs)
        mu = max(r[5] for r in rs)
        need = max(r[6] for r in rs)
        beyond = sum(r[7] for r in rs)
        settled = sum(r[8] for r in rs)
        if args.markdown:
            print(f"| {dtype} | {what} | {len(rs)} | {n} | {mu:.0f} | {need:.2g} | {atol:g} / {rtol:g} | {beyond} "
                  f"| {settled} |")
        else:
            print(f"{dtype} {what}: {len(rs)} tensors, {n} elements: max {mu:.1f} ULPs, rtol needed {need:.3g} "
                  f"(default atol {atol:g} rtol {rtol:g}); {beyond} elements beyond the default, {settled} of them "
                  f"settled by the oracle")
            for r in sorted(rs, key=lambda r: -r[6])[:args.worst]:
                print(f"    {r[2]} {r[3]}: {r[5]:.1f} ULPs, rtol needed {r[6]:.3g}, {r[7]} beyond, {r[8]} settled")

if __name__ == "__main__":
    sys.exit(main())
