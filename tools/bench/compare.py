"""Prints the side-by-side table of the Swift layers against Keras.

Usage: python compare.py SWIFT.json TENSORFLOW.json JAX.json
"""

import json
import math
import sys


def main():
    swift = {r["op"]: r for r in json.load(open(sys.argv[1]))}
    kerases = [json.load(open(p)) for p in sys.argv[2:]]
    header = f"{'op':24} {'swift ms':>9} {'GB/s':>6} {'copy_frac':>9}"
    for k in kerases:
        header += f" {k['backend'] + ' ms':>14}"
    header += f" {'speed-up':>9}"
    print(header)
    speedups = []
    for op, r in swift.items():
        line = f"{op:24} {r['median_s'] * 1e3:9.3f} {r['gb_per_s']:6.2f} {r['copy_fraction']:9.2f}"
        best = math.inf
        for k in kerases:
            match = [x for x in k["results"] if x["op"] == op]
            t = match[0]["median_s"] if match else math.nan
            best = min(best, t)
            line += f" {t * 1e3:14.3f}"
        speedup = best / r["median_s"]
        speedups.append(speedup)
        line += f" {speedup:8.2f}x"
        print(line)
    geo = math.exp(sum(math.log(s) for s in speedups) / len(speedups))
    print(f"geometric mean speed-up over the faster Keras backend: {geo:.2f}x")
    print(f"slowest op speed-up: {min(speedups):.2f}x")


if __name__ == "__main__":
    main()
