"""Shrinking a failing case: greedy, one reduction at a time, all candidates of a round
captured and run together (one batch per round).

Reductions: drop a constructor or call argument (back to Keras's default), drop the mask
or make it all ones, make a dimension 1 or one smaller (the mask follows its axes), plain
normal data instead of ties/offsets/constant slices, a smaller pool/stride/output size.
A candidate is kept when it still fails the same way: the same backends with the same
statuses and failing tensors. The data keep their key (`x["seed"]`, `data_key`), so a
smaller case draws from the same random streams.
"""

import copy

import sampler

REQUIRED = {"pool_size": lambda layer: layer.startswith("Average"), "output_size": lambda layer: True}


def reductions(case):
    out = []

    def variant(edit):
        c = copy.deepcopy(case)
        edit(c)
        out.append(c)

    for k in sorted(case["kwargs"]):
        if not (k in REQUIRED and REQUIRED[k](case["layer"])):
            variant(lambda c, k=k: c["kwargs"].pop(k))
    for k in sorted(case["call"]):
        variant(lambda c, k=k: c["call"].pop(k))
    if "mask" in case:
        variant(lambda c: c.pop("mask"))
        if case["mask"]["kind"] != "ones":
            variant(lambda c: c["mask"].update(kind="ones", all_masked=[]))
    for axis, size in enumerate(case["x"]["shape"]):
        for new in sorted({1, size - 1} - {0, size}):
            variant(lambda c, axis=axis, new=new: resize(c, axis, new))
    x = case["x"]
    if x["kind"] != "normal" or set(x) - {"shape", "kind", "dtype", "seed"}:
        variant(lambda c: c.update(x={k: x[k] for k in ("shape", "dtype", "seed")} | {"kind": "normal"}))
    for k in ("pool_size", "strides", "output_size", "groups"):
        v = case["kwargs"].get(k)
        if isinstance(v, int) and v > 1:
            variant(lambda c, k=k, v=v: c["kwargs"].update({k: v - 1}))
        elif isinstance(v, list):
            for i, e in enumerate(v):
                if isinstance(e, int) and e > 1:
                    variant(lambda c, k=k, i=i: c["kwargs"][k].__setitem__(i, c["kwargs"][k][i] - 1))
    if case["weights"] == "initial":
        variant(lambda c: c.update(weights="random"))
    return [c for c in out if capturable(c)]


def resize(case, axis, size):
    case["x"]["shape"][axis] = size
    mask = case.get("mask")
    if mask:
        for i, a in enumerate(mask["dims"]):
            if a == axis:
                mask["shape"][i] = size
        mask["all_masked"] = [r for r in mask.get("all_masked", []) if r < mask["shape"][0]]
    adapt = case["weights"]["adapt"] if isinstance(case["weights"], dict) else None
    if adapt and axis > 0:
        adapt["shape"][axis] = size
    if "const" in case["x"]:
        case["x"]["const"] = [[p, v] for p, v in case["x"]["const"] if p[0] < case["x"]["shape"][0]]


def capturable(case):
    """Keeps the candidates away from the configurations that kill a backend process."""
    if case["layer"] in sampler.ADAPTIVE:
        d = int(case["layer"][-2])
        out = case["kwargs"]["output_size"]
        out = [out] * d if isinstance(out, int) else out
        df = case["kwargs"].get("data_format") or "channels_last"
        spatial, _ = sampler.data_format_axes(d + 2, df)
        return all(sampler.adaptive_window_fits(case["layer"], case["x"]["shape"][a], o)
                   for a, o in zip(spatial, out))
    return True


def size(case):
    n = 1
    for s in case["x"]["shape"]:
        n *= s
    return n, len(case["kwargs"]) + len(case["call"]) + ("mask" in case)


def shrink(lab, case, failing, log=print, rounds=40):
    """The smallest variant of `case` found that still fails as `case` does."""
    case = dict(case, data_key=case.get("data_key", case["id"]))
    target = failing(lab.evaluate([case])[case["id"]])
    if not target:
        log(f"  {case['id']} passes now: nothing to shrink")
        return case
    base = case["id"]
    for r in range(rounds):
        candidates = reductions(case)
        for k, c in enumerate(candidates):
            c["id"] = f"{base}.s{r}.{k}"
        verdicts = lab.evaluate(candidates) if candidates else {}
        better = [c for c in candidates if failing(verdicts[c["id"]]) == target]
        if not better:
            break
        case = min(better, key=size)
        log(f"  round {r}: {len(better)}/{len(candidates)} still fail; x {case['x']['shape']}, "
            f"kwargs {case['kwargs']}, call {case['call']}, mask {case.get('mask', {}).get('shape')}")
    case["id"] = base.replace("fuzz-", "fuzz.") + "." + case["layer"]
    case["origin"] += ", shrunk"
    return case
