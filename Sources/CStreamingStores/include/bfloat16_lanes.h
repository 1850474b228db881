// bfloat16 <-> float32 conversions of eight lanes at a time, for the kernels that read and write
// bfloat16 storage. Swift's generic SIMD integer conversions and selects compile to per-lane code;
// clang's vector extensions compile these to a few vector instructions on every target.
#ifndef BFLOAT16_LANES_H
#define BFLOAT16_LANES_H

#include <string.h>

typedef float bfloat16_float8 __attribute__((ext_vector_type(8)));
typedef unsigned int bfloat16_uint8 __attribute__((ext_vector_type(8)));
typedef unsigned short bfloat16_bits8 __attribute__((ext_vector_type(8)));

/// The eight bfloat16 values at `p` (any alignment) as float32, exactly: each 16-bit pattern
/// shifted into the upper half (NaN payloads kept).
static inline bfloat16_float8 bfloat16_widen8(const unsigned short *p) {
    bfloat16_bits8 h;
    memcpy(&h, p, sizeof h);
    bfloat16_uint8 w = __builtin_convertvector(h, bfloat16_uint8) << 16;
    bfloat16_float8 f;
    memcpy(&f, &w, sizeof f);
    return f;
}

/// Eight float32 values rounded to bfloat16 bits: to nearest, ties to even
/// (`bits + 0x7FFF + ((bits >> 16) & 1)`, the upper half), every NaN to the quiet NaN of its
/// sign (0x7FC0 or 0xFFC0), as `BFloat16.init(_: Float)` rounds one value.
static inline bfloat16_bits8 bfloat16_round8(bfloat16_float8 v) {
    bfloat16_uint8 b;
    memcpy(&b, &v, sizeof b);
    bfloat16_uint8 rounded = (b + 0x7FFFu + ((b >> 16) & 1u)) >> 16;
    bfloat16_uint8 quiet = 0x7FC0u | ((b >> 16) & 0x8000u);
    bfloat16_uint8 isNaN = (bfloat16_uint8)((b & 0x7FFFFFFFu) > 0x7F800000u);
    return __builtin_convertvector((isNaN & quiet) | (~isNaN & rounded), bfloat16_bits8);
}

#endif
