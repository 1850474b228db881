#!/usr/bin/env python3
"""Check the golden files (docs/golden-schema.md) against the declared cases and
against each other.

    tools/golden/check.py [golden]            # default: <repo>/golden

For every backend folder golden/<backend>/ (any folder holding *.h5 files):
  * root attributes present, schema == keras-golden/1, backend matches;
  * the case ids of all its files == the ids of golden/MANIFEST.json, each
    case in the file of its family, layer/origin as declared;
  * every case has its required attributes and datasets; config and call are
    valid JSON; a case with gradients has inputs/dy of the shape and dtype of
    outputs/y and grads/x of the shape and dtype of inputs/x (docs/golden-schema.md,
    "Gradients").
Across backends (same case id):
  * config, call, layer, origin, inputs/x, inputs/mask, weights/*, the float64
    oracle/* and the cancellation/* bounds are identical (byte-identical arrays);
  * outputs/y and updated/* have the same shape and dtype, and their largest
    absolute / relative differences are listed (worst first) so that
    disagreements stand out;
  * elements where the backends disagree (NaN against a number, or beyond
    --fail-atol + --fail-rtol*|y| + the case's cancellation bound there) are
    listed as disputed; each must have a
    float64 oracle that agrees with at least one backend there (within
    float32's tolerance plus the cancellation bound), and the backends that
    do not agree are named (Keras bug candidates). The gradients of the
    declared max-pooling tie cases (gradients="always") may disagree without
    an oracle: the backends pick different subgradients there (NOTES.md); they
    are listed as tie routing, and each backend's grads/x there must equal
    the routing rule the case declares for that backend (cases.py `tie_rules`).
Gradient coverage (issue 13): every case carries its backward pass (inputs/dy, grads/*)
unless it is declared forward-only with a reason (cases.py `forward_only`) or its layer
takes a maximum and some window of its input holds the maximum more than once (the
"tie-free" rule of capture_core); a forward-only case for any other reason is an error,
and so is a backend with fewer than MIN_GRADIENT_CASES gradient cases or a layer class
with fewer than MIN_GRADIENT_CASES_PER_CLASS. The table per layer class and backend and
the list of forward-only cases with their reasons are printed.
Exits non-zero on any structural problem or any undisputable cross-backend
difference.
"""

import argparse
import glob
import json
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import capture_core  # noqa: E402  (its window arithmetic only; no Keras is imported)
import cases as case_specs  # noqa: E402

REQUIRED_ROOT = ("schema", "keras_version", "backend", "backend_version", "numpy_version", "generator")
REQUIRED_CASE = ("layer", "config", "call", "origin")
# A backend agrees with the oracle where |value - oracle| <= atol + rtol*|oracle| + cancellation
# (float32's default tolerance; the cases are float32).
ORACLE_ATOL, ORACLE_RTOL = 1e-5, 1.3e-6
# Issue 13, "Done when": gradient cases per backend, and per layer class on every backend.
MIN_GRADIENT_CASES, MIN_GRADIENT_CASES_PER_CLASS = 150, 4


def s(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def datasets(group, prefix=""):
    """{path: value} of every dataset under `group`, by link: a dataset stored once and
    linked from several paths (capture_core writes equal tensors once) appears at each
    path (h5py's visititems would visit it only once)."""
    out = {}
    for name, obj in group.items():
        if isinstance(obj, h5py.Group):
            out.update(datasets(obj, prefix + name + "/"))
        else:
            out[prefix + name] = obj[()]
    return out


def load_backend(folder, errors):
    cases = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.h5"))):
        fam = os.path.splitext(os.path.basename(path))[0]
        with h5py.File(path, "r") as f:
            for k in REQUIRED_ROOT:
                if k not in f.attrs:
                    errors.append(f"{path}: missing root attribute {k}")
            has_oracle = "oracle" in f.attrs
            if s(f.attrs.get("schema", "")) != "keras-golden/1":
                errors.append(f"{path}: schema {f.attrs.get('schema')!r}")
            if s(f.attrs.get("backend", "")) != os.path.basename(folder.rstrip("/")):
                errors.append(f"{path}: backend attribute {f.attrs.get('backend')!r} does not match folder")
            for cid, g in f.items():
                rec = {"family": fam, "path": path}
                for k in REQUIRED_CASE:
                    if k not in g.attrs:
                        errors.append(f"{path}:{cid}: missing attribute {k}")
                    rec[k] = s(g.attrs.get(k, ""))
                for k in ("atol", "rtol"):
                    if k in g.attrs:
                        errors.append(f"{path}:{cid}: has {k} (the generator must not set tolerances)")
                for k in ("config", "call"):
                    try:
                        json.loads(rec[k])
                    except ValueError:
                        errors.append(f"{path}:{cid}: {k} is not valid JSON")
                data = datasets(g)
                for req in ("inputs/x", "outputs/y"):
                    if req not in data:
                        errors.append(f"{path}:{cid}: missing dataset {req}")
                has_grads = any(n.startswith("grads/") for n in data)
                if has_grads != ("inputs/dy" in data):
                    errors.append(f"{path}:{cid}: inputs/dy and grads/ go together")
                for name, like in (("inputs/dy", "outputs/y"), ("grads/x", "inputs/x")):
                    if name in data and like in data and (data[name].shape, data[name].dtype) != (
                            data[like].shape, data[like].dtype):
                        errors.append(f"{path}:{cid}: {name} {data[name].dtype}{data[name].shape} does not match "
                                      f"{like} {data[like].dtype}{data[like].shape}")
                for name, value in data.items():
                    top, _, mirrored = name.partition("/")
                    if top in ("oracle", "cancellation"):
                        if mirrored not in data or data[mirrored].shape != value.shape or value.dtype != np.float64:
                            errors.append(f"{path}:{cid}: {name} is not a float64 mirror of {mirrored}")
                        if top == "oracle" and not has_oracle:
                            errors.append(f"{path}:{cid}: {name} without the root attribute oracle")
                rec["data"] = data
                if cid in cases:
                    errors.append(f"{path}:{cid}: duplicate id (also in {cases[cid]['path']})")
                cases[cid] = rec
    return cases


def routed_gradient(layer, config, x, dy, rule):
    """dL/dx of a max-type pooling layer under a tie routing rule: each window's upstream
    value goes to its first maximum in row-major order ("first") or in the order that runs
    the last spatial axis slowest ("last-axis-first"), to every element equal to its maximum
    ("every"), or is split equally among them ("split"); windows as Keras takes them."""
    rank = int(layer[-2])
    first = 2 if config.get("data_format") == "channels_first" else 1
    spatial = tuple(range(first, first + rank))
    xl = np.moveaxis(x, spatial, range(1, rank + 1)).astype(np.float64)  # (batch, *spatial, channels)
    if layer.startswith("Global"):  # dy (batch, channels), or with keepdims ones at the spatial axes
        dl = dy.reshape(dy.shape[0], *([1] * rank), -1) if config.get("data_format") != "channels_first" \
            else np.moveaxis(dy.reshape(dy.shape[0], -1, *([1] * rank)), 1, -1)
    else:
        dl = np.moveaxis(dy, spatial, range(1, rank + 1))
    dx = np.zeros_like(xl)
    windows = capture_core._pool_windows(layer, config, list(xl.shape[1:rank + 1]))
    for out in np.ndindex(*(len(w) for w in windows)):
        box = tuple(slice(*windows[a][i]) for a, i in enumerate(out))
        w = xl[(slice(None), *box)].reshape(xl.shape[0], -1, xl.shape[-1])
        hit = (w == w.max(axis=1, keepdims=True)).astype(np.float64)
        if rule in ("first", "last-axis-first"):
            shape = [s.stop - s.start for s in box]
            order = np.arange(w.shape[1]).reshape(shape)
            if rule == "last-axis-first":  # rank of each element when the last axis runs slowest
                order = np.argsort(order.transpose().reshape(-1)).reshape(shape)
            ranked = np.where(hit > 0, order.reshape(1, -1, 1), w.shape[1])
            hit = (ranked == ranked.min(axis=1, keepdims=True)).astype(np.float64)
        elif rule == "split":
            hit /= hit.sum(axis=1, keepdims=True)
        g = dl[(slice(None), *out)].astype(np.float64)[:, None, :]
        dx[(slice(None), *box)] += (hit * g).reshape(w.shape[0], *[s.stop - s.start for s in box], -1)
    return np.moveaxis(dx, range(1, rank + 1), spatial)


def forward_only_reason(declared, rec):
    """Why a case carries no gradient, or None when it should carry one."""
    if declared.get("forward_only"):
        return declared["forward_only"]
    x = rec["data"]["inputs/x"]
    if x.dtype.kind != "f":
        return f"{x.dtype} input (no gradient)"
    if declared.get("gradients", "tie-free") == "tie-free" and capture_core.max_window_ties(
            rec["layer"], json.loads(rec["config"]), x):
        return "a window holds its maximum more than once (tie-free rule; the max_pooling_ties family covers ties)"
    return None


def gradient_coverage(loaded, declared, errors):
    """Print the gradient cases per layer class and backend and the forward-only cases with
    their reasons; record an error for a forward-only case without a reason, a declared
    forward-only case that has gradients, and counts under the issue's minimum."""
    table, reasons = {}, {}
    for b, cs in loaded.items():
        for cid, rec in cs.items():
            d = declared.get(cid)
            if d is None:
                continue
            counts = table.setdefault(rec["layer"], {}).setdefault(b, [0, 0])
            counts[1] += 1
            if "inputs/dy" in rec["data"]:
                counts[0] += 1
                if d.get("gradients") == "never":
                    errors.append(f"{b}:{cid}: declared forward-only, but has gradients")
                continue
            reason = forward_only_reason(d, rec)
            if reason is None:
                errors.append(f"{b}:{cid}: no gradients, and no reason (declare forward_only in cases.py)")
                reason = "NO REASON"
            reasons.setdefault((cid, reason), []).append(b)
    backends = sorted(loaded)
    print("\ngradient cases per layer class (with gradients / cases):")
    print("  " + f"{'layer':32}" + "".join(f"{b:>14}" for b in backends))
    for layer in sorted(table):
        print("  " + f"{layer:32}" + "".join(
            f"{'%d / %d' % tuple(table[layer].get(b, (0, 0))):>14}" for b in backends))
        for b in backends:
            if table[layer].get(b, (0, 0))[0] < MIN_GRADIENT_CASES_PER_CLASS:
                errors.append(f"{b}: {layer} has fewer than {MIN_GRADIENT_CASES_PER_CLASS} gradient cases")
    totals = {b: [sum(table[layer].get(b, (0, 0))[i] for layer in table) for i in (0, 1)] for b in backends}
    print("  " + f"{'all':32}" + "".join(f"{'%d / %d' % tuple(totals[b]):>14}" for b in backends))
    for b in backends:
        if totals[b][0] < MIN_GRADIENT_CASES:
            errors.append(f"{b}: {totals[b][0]} gradient cases, fewer than {MIN_GRADIENT_CASES}")
    print("\nforward-only cases (no inputs/dy), with the reason:")
    for (cid, reason), bs in sorted(reasons.items()):
        print(f"  {cid} ({', '.join(bs)}): {reason}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("golden", nargs="?", default=os.path.join(REPO, "golden"))
    p.add_argument("--fail-atol", type=float, default=1e-3)
    p.add_argument("--fail-rtol", type=float, default=1e-3)
    p.add_argument("--top", type=int, default=15, help="how many worst differences to list")
    args = p.parse_args()

    errors = []
    manifest_path = os.path.join(args.golden, "MANIFEST.json")
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest != case_specs.manifest():
        errors.append(f"{manifest_path} differs from tools/golden/cases.py (regenerate it)")
    declared = {c["id"]: c for c in case_specs.CASES}

    backends = sorted(d for d in os.listdir(args.golden)
                      if glob.glob(os.path.join(args.golden, d, "*.h5")))
    loaded = {}
    for b in backends:
        cs = load_backend(os.path.join(args.golden, b), errors)
        loaded[b] = cs
        missing = sorted(set(declared) - set(cs))
        extra = sorted(set(cs) - set(declared))
        if missing:
            errors.append(f"{b}: missing cases {missing}")
        if extra:
            errors.append(f"{b}: undeclared cases {extra}")
        for cid, rec in cs.items():
            d = declared.get(cid)
            if d is None:
                continue
            if rec["family"] != d["family"]:
                errors.append(f"{b}:{cid}: in {rec['family']}.h5, declared family {d['family']}")
            if rec["layer"] != d["layer"] or rec["origin"] != d["origin"]:
                errors.append(f"{b}:{cid}: layer/origin differ from the declaration")
        print(f"{b}: {len(cs)} cases in {len(glob.glob(os.path.join(args.golden, b, '*.h5')))} files")

    gradient_coverage(loaded, declared, errors)

    diffs, disputes, ties = [], [], []
    if len(backends) >= 2:
        base = backends[0]
        for other in backends[1:]:
            for cid in sorted(set(loaded[base]) & set(loaded[other])):
                a, b = loaded[base][cid], loaded[other][cid]
                for k in REQUIRED_CASE:
                    if a[k] != b[k]:
                        errors.append(f"{cid}: attribute {k} differs between {base} and {other}")
                if set(a["data"]) != set(b["data"]):
                    errors.append(f"{cid}: datasets differ: {base} {sorted(a['data'])} vs {other} {sorted(b['data'])}")
                for name in sorted(set(a["data"]) & set(b["data"])):
                    va, vb = a["data"][name], b["data"][name]
                    if name.startswith(("inputs/", "weights/", "oracle/", "cancellation/")):
                        if va.dtype != vb.dtype and name != "weights/count":
                            errors.append(f"{cid}: {name} dtype {va.dtype} vs {vb.dtype}")
                        if va.shape != vb.shape or not np.array_equal(va, vb, equal_nan=va.dtype.kind == "f"):
                            errors.append(f"{cid}: {name} differs between backends")
                        continue
                    if va.dtype != vb.dtype or va.shape != vb.shape:
                        errors.append(f"{cid}: {name} {va.dtype}{va.shape} vs {vb.dtype}{vb.shape}")
                        continue
                    # Disputed elements: the backends disagree (NaN against a number, or beyond the
                    # check tolerance). Allowed only where the float64 oracle sides with one of them.
                    fa, fb = va.astype(np.float64), vb.astype(np.float64)
                    na, nb = np.isnan(fa), np.isnan(fb)
                    cancellation = a["data"].get("cancellation/" + name, 0)
                    with np.errstate(invalid="ignore"):
                        apart = (na != nb) | (np.abs(fa - fb) > args.fail_atol + args.fail_rtol * np.abs(fb)
                                              + cancellation)
                    if apart.any() and name.startswith("grads/") and declared.get(cid, {}).get("gradients") == "always":
                        ties.append((cid, name, int(apart.sum()), apart.size))
                    elif apart.any():
                        oracle = a["data"].get("oracle/" + name)
                        if oracle is None:
                            errors.append(f"{cid}: {name} differs across backends at {int(apart.sum())} elements "
                                          "(NaN positions or beyond the check tolerance) and has no oracle")
                            continue
                        bound = ORACLE_ATOL + ORACLE_RTOL * np.abs(oracle) + cancellation
                        with np.errstate(invalid="ignore"):
                            agree = {base: np.abs(fa - oracle) <= bound, other: np.abs(fb - oracle) <= bound}
                        sided = apart & (agree[base] | agree[other])
                        if not np.array_equal(sided, apart):
                            errors.append(f"{cid}: {name} backends disagree and neither agrees with the oracle at "
                                          f"{int((apart & ~sided).sum())} elements")
                        wrong = sorted(bk for bk, ok in agree.items() if (apart & ~ok).any())
                        disputes.append((cid, name, int(apart.sum()), apart.size, wrong))
                    keep = ~(na | nb | apart)
                    fa, fb = fa[keep], fb[keep]
                    if fa.size == 0:
                        continue
                    ad = np.abs(fa - fb)
                    i = int(np.argmax(ad / (args.fail_atol + args.fail_rtol * np.abs(fb))))
                    rel = ad / np.maximum(np.abs(fb), 1e-30)
                    diffs.append((float(ad[i] / (args.fail_atol + args.fail_rtol * abs(fb[i]))),
                                  cid, name, float(ad.max()), float(rel.max()), int((ad > 0).sum()), ad.size))
    if disputes:
        print("\ndisputed (the backends disagree; the float64 oracle names the backend that is off):")
        for cid, name, n, size, wrong in disputes:
            print(f"  {cid} {name}: {n}/{size} elements, off from the oracle: {', '.join(wrong)}")
    for b, cs in loaded.items():
        for cid, rec in sorted(cs.items()):
            rules = declared.get(cid, {}).get("tie_rules")
            if not rules or "grads/x" not in rec["data"]:
                continue
            d = rec["data"]
            want = routed_gradient(rec["layer"], json.loads(rec["config"]), d["inputs/x"], d["inputs/dy"], rules[b])
            if not np.allclose(d["grads/x"], want, rtol=1e-6, atol=1e-7):
                errors.append(f"{b}:{cid}: grads/x does not follow the declared tie rule {rules[b]!r}")
    if ties:
        print("\ntie routing (max pooling gradients at tied maxima; each backend's rule in NOTES.md):")
        for cid, name, n, size in ties:
            print(f"  {cid} {name}: {n}/{size} elements differ")
    off = []  # (backend, case, tensor, elements off from the oracle, size), whatever the other backend says
    for b, cs in loaded.items():
        for cid, rec in sorted(cs.items()):
            for name, value in sorted(rec["data"].items()):
                oracle = rec["data"].get("oracle/" + name)
                if name.startswith("oracle/") or oracle is None:
                    continue
                bound = ORACLE_ATOL + ORACLE_RTOL * np.abs(oracle) + rec["data"].get("cancellation/" + name, 0)
                v = value.astype(np.float64)
                with np.errstate(invalid="ignore"):
                    bad = ~((np.abs(v - oracle) <= bound) | (np.isnan(v) & np.isnan(oracle)))
                if bad.any():
                    off.append((b, cid, name, int(bad.sum()), bad.size))
    if off:
        print("\nelements off from the float64 oracle by more than float32's tolerance + cancellation "
              "(information; disputes above are the cases where the backends also disagree):")
        for b, cid, name, n, size in off[:args.top]:
            print(f"  {b} {cid} {name}: {n}/{size}")
        if len(off) > args.top:
            print(f"  ... and {len(off) - args.top} more tensors")
    diffs.sort(reverse=True)
    if diffs:
        print(f"\ncross-backend differences ({backends[0]} vs others), worst first "
              f"(score = |a-b| / ({args.fail_atol} + {args.fail_rtol}*|b|)):")
        for score, cid, name, amax, rmax, ndiff, n in diffs[:args.top]:
            print(f"  {score:10.3g}  {cid} {name}: max|a-b|={amax:.3g} max rel={rmax:.3g} "
                  f"differing elements {ndiff}/{n}")
        exact = sum(1 for d in diffs if d[5] == 0)
        print(f"  ... {exact}/{len(diffs)} compared tensors are bit-identical across backends")
    if errors:
        print("\nERRORS:")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("\ncheck passed")


if __name__ == "__main__":
    main()
