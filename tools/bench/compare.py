"""The tables of a run: the Swift layers against Keras, cold and warm, with the roofline.

Usage: python compare.py RESULTS.json OUT.md

RESULTS.json is what `keras-conformance bench summarize` wrote (every side's objects carry the
same fields); this only formats them. Prints the markdown and writes it to OUT.md.
"""

import json
import math
import sys

KERAS = [("tensorflow", "TensorFlow"), ("tensorflow_xla", "TF+XLA"), ("jax", "JAX")]
# The targets of the performance issue (cold, same run) and of the gradients and dtypes issues.
SINGLE_PASS = {"maxpool2d_3x3_s2_same", "avgpool2d_2x2", "maxpool3d_2", "global_avgpool2d", "batchnorm_inference", "rmsnorm_last", "layernorm_last"}
TWO_PASS = {"batchnorm_training", "groupnorm_32"}
SPEEDUP = 1.5  # every op against the fastest Keras side


def ms(result, protocol):
    median = result.get(f"{protocol}_median_s")
    if result["status"] != "ok" or median is None:
        return "n/a"
    return f"{median * 1e3:.3f} ({result[f'{protocol}_p10_s'] * 1e3:.3f}–{result[f'{protocol}_p90_s'] * 1e3:.3f})"


def speedup(swift, kerases, protocol):
    """The fastest Keras side's median over Swift's, or None."""
    times = [k.get(f"{protocol}_median_s") for k in kerases if k["status"] == "ok"]
    times = [t for t in times if t is not None]
    mine = swift.get(f"{protocol}_median_s")
    if swift["status"] != "ok" or mine is None or not times:
        return None
    return min(times) / mine


def geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def shape(result):
    return "(" + ", ".join(map(str, result["shape"])) + ")"


def spread(results):
    """Median over ops of (p90 - p10) / median, in percent."""
    values = sorted(
        (r[f"{p}_p90_s"] - r[f"{p}_p10_s"]) / r[f"{p}_median_s"] * 100
        for r in results
        for p in ("cold", "warm")
        if r["status"] == "ok" and r.get(f"{p}_median_s")
    )
    return values[len(values) // 2] if values else None


def tables(results):
    main = results["main"]
    swift = main["swift"]
    by_op = {side: {r["op"]: r for r in main[side]} for side, _ in KERAS}
    lines = []
    cold_speedups, warm_speedups, targets, over, at_roofline = {}, {}, [], [], []
    lines.append("### Cold (inputs rotated over more than 3 × L3)\n")
    lines.append(
        "| op | shape | Swift ms (p10–p90) | GB/s | roofline GB/s | roofline fraction | "
        + " | ".join(f"{label} ms" for _, label in KERAS)
        + " | speed-up vs fastest Keras |"
    )
    lines.append("|---|---|---|---|---|---|" + "---|" * len(KERAS) + "---|")
    for r in swift:
        kerases = [by_op[side].get(r["op"], {"status": "n/a"}) for side, _ in KERAS]
        s = speedup(r, kerases, "cold")
        if s is not None:
            cold_speedups[r["op"]] = s
        fraction = r.get("roofline_fraction")
        if fraction is not None and fraction > 1:
            # The fraction of the op's p90 sample: above 1 even there, the op beat the copy beyond
            # its own spread (a protocol bug); otherwise the median is at the roofline within noise.
            slow = fraction * r["cold_median_s"] / r["cold_p90_s"]
            (over if slow > 1 else at_roofline).append(f"`{r['op']}` ({fraction:.2f}, at p90 {slow:.2f})")
        gb = f"{r['gb_per_s']:.1f}" if r["status"] == "ok" and r.get("gb_per_s") else "n/a"
        roof = f"{r['roofline_gb_per_s']:.1f}" if r.get("roofline_gb_per_s") else "n/a"
        frac = f"{fraction:.2f}" if fraction is not None else "n/a"
        lines.append(
            f"| `{r['op']}` | {shape(r)} | {ms(r, 'cold')} | {gb} | {roof} | {frac} | "
            + " | ".join(ms(k, "cold") for k in kerases)
            + f" | {f'{s:.2f}×' if s is not None else 'n/a'} |"
        )
    lines.append("\n### Warm (the same input run twice, the second timed)\n")
    lines.append("| op | Swift ms (p10–p90) | warm GB/s | " + " | ".join(f"{label} ms" for _, label in KERAS) + " | speed-up vs fastest Keras |")
    lines.append("|---|---|---|" + "---|" * len(KERAS) + "---|")
    for r in swift:
        kerases = [by_op[side].get(r["op"], {"status": "n/a"}) for side, _ in KERAS]
        s = speedup(r, kerases, "warm")
        if s is not None:
            warm_speedups[r["op"]] = s
        gb = f"{r['warm_gb_per_s']:.1f}" if r["status"] == "ok" and r.get("warm_gb_per_s") else "n/a"
        lines.append(f"| `{r['op']}` | {ms(r, 'warm')} | {gb} | " + " | ".join(ms(k, "warm") for k in kerases) + f" | {f'{s:.2f}×' if s is not None else 'n/a'} |")

    baseline = {r["op"]: r for r in main.get("swift_baseline", [])}
    if baseline:
        lines.append(f"\n### Against the baseline build ({results['machine'].get('baseline', '?')}), same protocol, same rounds\n")
        lines.append("| op | Swift cold ms | baseline cold ms | baseline / Swift | Swift warm ms | baseline warm ms | baseline / Swift |")
        lines.append("|---|---|---|---|---|---|---|")
        for r in swift:
            b = baseline.get(r["op"], {"status": "n/a"})
            cells = []
            for protocol in ("cold", "warm"):
                ratio = speedup(r, [b], protocol)
                cells += [ms(r, protocol), ms(b, protocol), f"{ratio:.2f}×" if ratio is not None else "n/a"]
            lines.append(f"| `{r['op']}` | " + " | ".join(cells) + " |")

    lines.append("\n### Summary\n")
    for label, values in (("cold", cold_speedups), ("warm", warm_speedups)):
        g = geometric_mean(list(values.values()))
        if g is not None:
            slowest = min(values, key=values.get)
            lines.append(f"- {label}: geometric mean speed-up over the fastest Keras side **{g:.2f}×** over {len(values)} ops; slowest `{slowest}` {values[slowest]:.2f}×.")
    for r in swift:
        op, s, fraction = r["op"], cold_speedups.get(r["op"]), r.get("roofline_fraction")
        if s is not None and s < SPEEDUP:
            targets.append(f"`{op}` {s:.2f}× (target ≥ {SPEEDUP}×)")
        need = 0.8 if op in SINGLE_PASS else 0.5 if op in TWO_PASS else None
        if need is not None and fraction is not None and fraction < need:
            targets.append(f"`{op}` roofline fraction {fraction:.2f} (target ≥ {need})")
    g = geometric_mean([v for k, v in cold_speedups.items() if not k.endswith(("_grad", "_f16", "_bf16"))])
    if g is not None and g < 2:
        targets.append(f"geometric mean of the nine forward ops {g:.2f}× (target ≥ 2×)")
    lines.append("- Targets missed (cold): " + ("; ".join(targets) if targets else "none") + ".")
    lines.append(
        "- Cold figures above the roofline beyond their spread (even the op's p90 sample faster than the copy's median: a protocol bug if any): "
        + (", ".join(over) if over else "none")
        + "."
    )
    if at_roofline:
        lines.append("- Cold medians at the roofline within the noise (fraction above 1, not at the p90 sample): " + ", ".join(at_roofline) + ".")
    noise = {side: spread(main[side]) for side in ["swift"] + [s for s, _ in KERAS]}
    lines.append(
        "- Noise, the median over ops of (p90 − p10) / median: "
        + ", ".join(f"{side} {v:.0f} %" for side, v in noise.items() if v is not None)
        + "."
    )
    for lost in results["run"].get("workers_lost", []):
        lines.append(f"- **A worker was lost**: {lost}; its sides have no samples after that (n/a).")
    na = [(side, r["op"], r.get("reason", "")) for side in main for r in main[side] if r["status"] != "ok"]
    if na:
        lines.append("- n/a:")
        for side, op, reason in na:
            lines.append(f"  - {side} `{op}`: {reason}")
    return "\n".join(lines) + "\n"


def machine_text(results):
    m, run, p = results["machine"], results["run"], results["protocol"]
    cpu = m["lscpu"]
    return (
        f"- Run of {run['started']}, {run['minutes']} minutes (the workers' CPU time {run['worker_cpu_minutes']} minutes); load average {run['load_average_before']} before, "
        f"{run['load_average_after']} after.\n"
        f"- Machine: {cpu.get('Model name', '?')}, {cpu.get('CPU(s)', '?')} CPUs ({cpu.get('Thread(s) per core', '?')} thread per core), "
        f"L1d {cpu.get('L1d cache', '?')}, L2 {cpu.get('L2 cache', '?')}, L3 {cpu.get('L3 cache', '?')} (protocol assumes {p['l3_bytes'] >> 20} MiB), "
        f"{m['memory'].split(':')[-1].strip()} RAM, {cpu.get('Hypervisor vendor', 'no')} hypervisor, vector extensions {', '.join(m['vector_extensions'])}; "
        f"Linux {m['kernel']}; {m['swift']} ({m.get('build', 'release')}); Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        + f".\n- Protocol: {p['rounds']} timed rounds after {p['warmup_rounds']} untimed; scaling {p['scaling_rounds']} rounds after "
        f"{p['scaling_warmup_rounds']}{'; QUICK MODE (a smoke test, not a measurement)' if p['quick'] else ''}.\n"
    )


def main():
    results = json.load(open(sys.argv[1]))
    text = machine_text(results) + "\n" + tables(results)
    with open(sys.argv[2], "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
