#!/usr/bin/env python3
"""Write the bfloat16 conversion table: golden/dtypes/bfloat16_conversion.bin.

    tools/golden/dtype_bfloat16_table.py [--out golden/dtypes/bfloat16_conversion.bin]

Expected values for the Swift BFloat16 type's tests, computed by ml_dtypes (the bfloat16 numpy
type that TensorFlow and JAX use; round-to-nearest-even as XLA and TensorFlow convert):

  part A  every bfloat16 bit pattern 0...65535 -> the float32 bit pattern of its value;
  part B  a deterministic sample of float32 bit patterns -> the bfloat16 bit pattern
          `numpy.float32 -> ml_dtypes.bfloat16` gives (round to nearest, ties to even; NaN
          becomes the quiet NaN 0x7fc0 with the sign kept).

The sample (part B, in this order, duplicates removed keeping the first):
  1. every sign (2) x every exponent (256) x upper mantissa bits {0x00, 0x01, 0x7e, 0x7f}
     (even, odd, and all ones, whose round-up carries into the exponent) x lower 16 bits
     {0x0000, 0x0001, 0x7fff, 0x8000, 0x8001, 0xffff} (exact, just above, just below half,
     the halfway tie, just above half, just below the next): halfway ties to even and odd,
     subnormals (exponent 0), infinities and NaN payloads that live only in the lower 16 bits
     (exponent 255), the largest finite float32 0x7f7fffff (rounds to infinity) and the
     largest finite bfloat16 0x7f7f0000;
  2. 16,384 uniformly random bit patterns from numpy's default_rng(zlib.crc32(b"bfloat16-sample")).

Layout (all little-endian, no padding), documented in tools/golden/DTYPES.md:

    offset 0        8 bytes  ASCII "BF16CNV1"
    offset 8        uint32   A = 65536
    offset 12       A x uint32   float32 bits of bfloat16 pattern i, i = 0 ... A-1
    then            uint32   B, the sample size
    then            B x uint32   float32 input bit patterns
    then            B x uint16   bfloat16 bit patterns of those inputs

Regenerating gives a byte-identical file.
"""

import argparse
import os
import sys
import zlib

import ml_dtypes
import numpy as np

MAGIC = b"BF16CNV1"
SEED = zlib.crc32(b"bfloat16-sample")
RANDOM_COUNT = 16384


def boundary_sample():
    """Part B.1: every sign x exponent x {even, odd, all-ones upper mantissa} x rounding position."""
    signs = np.array([0, 1], dtype=np.uint32) << 31
    exponents = np.arange(256, dtype=np.uint32) << 23
    upper = np.array([0x00, 0x01, 0x7E, 0x7F], dtype=np.uint32) << 16
    lower = np.array([0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF], dtype=np.uint32)
    grid = signs[:, None, None, None] | exponents[None, :, None, None] | upper[None, None, :, None] | lower
    return grid.reshape(-1)


def sample():
    rng = np.random.default_rng(SEED)
    random = rng.integers(0, 2**32, size=RANDOM_COUNT, dtype=np.uint64).astype(np.uint32)
    both = np.concatenate([boundary_sample(), random])
    _, first = np.unique(both, return_index=True)
    return both[np.sort(first)]


def table():
    """(part A as uint32, part B inputs as uint32, part B results as uint16)."""
    patterns = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    widened = patterns.view(ml_dtypes.bfloat16).astype(np.float32).view(np.uint32)
    inputs = sample()
    with np.errstate(invalid="ignore"):
        rounded = inputs.view(np.float32).astype(ml_dtypes.bfloat16).view(np.uint16)
    return widened, inputs, rounded


def write(path):
    widened, inputs, rounded = table()
    tmp = path + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(tmp, "wb") as f:
        f.write(MAGIC)
        f.write(np.uint32(len(widened)).astype("<u4").tobytes())
        f.write(widened.astype("<u4").tobytes())
        f.write(np.uint32(len(inputs)).astype("<u4").tobytes())
        f.write(inputs.astype("<u4").tobytes())
        f.write(rounded.astype("<u2").tobytes())
    os.replace(tmp, path)
    print(f"wrote {path}: {len(widened)} bfloat16 -> float32, {len(inputs)} float32 -> bfloat16 "
          f"({os.path.getsize(path)} bytes)")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(repo, "golden", "dtypes", "bfloat16_conversion.bin"))
    write(p.parse_args().out)


if __name__ == "__main__":
    sys.exit(main())
