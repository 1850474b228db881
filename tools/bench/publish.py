"""Puts a run's tables into BENCHMARKS.md, between its generated-section markers.

Usage: python publish.py RUN_DIR BENCHMARKS.md

RUN_DIR is the driver's output (tables.md). Everything outside the markers is left as written.
"""

import sys

BEGIN = "<!-- tools/benchmark: generated section begins -->"
END = "<!-- tools/benchmark: generated section ends -->"


def main():
    run_dir, path = sys.argv[1], sys.argv[2]
    tables = open(f"{run_dir}/tables.md").read()
    text = open(path).read()
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit(f"publish: {path} must hold the markers {BEGIN!r} and {END!r} once each, in that order")
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    with open(path, "w") as f:
        f.write(head + BEGIN + "\n\n" + tables.strip() + "\n\n![Scaling](BENCHMARKS-scaling.png)\n\n" + END + tail)


if __name__ == "__main__":
    main()
