"""The scaling plot: warm GB/s against bytes moved, per op, Swift against TensorFlow and JAX.

Usage: python plot.py RESULTS.json OUT.png

One panel per op; the x axis is the bytes one step reads and writes (log scale), the y axis GB/s of
the warm samples (the input run twice, the second timed), so the curve shows where each side
leaves the caches. The roofline is drawn twice: the two-thread streaming copy of the same bytes
cold (black, solid: the memory's limit) and warm (black, dashed). Dotted verticals mark the L2
(both cores) and the L3 the protocol assumes.
"""

import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SIDES = [("swift", "Swift", "tab:red"), ("tensorflow", "TensorFlow", "tab:orange"), ("tensorflow_xla", "TF+XLA", "tab:green"), ("jax", "JAX", "tab:blue")]


def l2_total_bytes(results):
    text = results["machine"]["lscpu"].get("L2 cache", "")  # e.g. "1 MiB (2 instances)"
    parts = text.split()
    if len(parts) >= 2:
        try:
            return float(parts[0]) * {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[parts[1]]
        except (KeyError, ValueError):
            return None
    return None


def main():
    results = json.load(open(sys.argv[1]))
    scaling = results["scaling"]
    ops = []
    for r in scaling["swift"]:
        if r["op"] not in ops:
            ops.append(r["op"])
    columns = 4
    rows = math.ceil(len(ops) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    l2, l3 = l2_total_bytes(results), results["protocol"]["l3_bytes"]
    for index, op in enumerate(ops):
        axis = axes[index // columns][index % columns]
        swift_points = [r for r in scaling["swift"] if r["op"] == op]
        x = [r["bytes_read"] + r["bytes_written"] for r in swift_points]
        for key, label in (("roofline_gb_per_s", "roofline (copy, cold)"), ("warm_roofline_gb_per_s", "copy, warm")):
            y = [r.get(key) for r in swift_points]
            if any(v is not None for v in y):
                axis.plot(x, [v if v is not None else math.nan for v in y], "kx-" if key == "roofline_gb_per_s" else "k+--", markersize=4, linewidth=1.2, label=label)
        for side, label, color in SIDES:
            points = [r for r in scaling.get(side, []) if r["op"] == op and r["status"] == "ok" and r.get("warm_gb_per_s")]
            if points:
                axis.plot([r["bytes_read"] + r["bytes_written"] for r in points], [r["warm_gb_per_s"] for r in points], "o-", color=color, markersize=3, label=label)
        for bound, name in ((l2, "L2"), (l3, "L3")):
            if bound:
                axis.axvline(bound, color="grey", linestyle=":", linewidth=0.8)
                axis.text(bound, 0.98, f" {name}", transform=axis.get_xaxis_transform(), fontsize=7, color="grey", va="top")
        axis.set_xscale("log", base=2)
        axis.set_title(op, fontsize=9)
        axis.set_xlabel("bytes read + written", fontsize=7)
        axis.set_ylabel("GB/s (warm)", fontsize=7)
        axis.set_ylim(bottom=0)
        axis.tick_params(labelsize=7)
        axis.grid(True, alpha=0.3)
    for index in range(len(ops), rows * columns):
        axes[index // columns][index % columns].axis("off")
    handles, labels = [], []
    for axis in axes.flat:
        for h, l in zip(*axis.get_legend_handles_labels()):
            if l not in labels:
                handles.append(h)
                labels.append(l)
    figure.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.965), fontsize=9, ncol=len(labels), frameon=False)
    quick = " — QUICK MODE (a smoke test, not a measurement)" if results["protocol"]["quick"] else ""
    figure.suptitle(f"Scaling: warm GB/s against bytes moved, {results['run']['started']}{quick}", fontsize=11)
    figure.tight_layout(rect=(0, 0, 1, 0.94))
    figure.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
