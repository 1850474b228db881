// float32 -> float64 conversion of eight lanes, for the kernels that sum float32 lanes and carry
// the sums in Double. Swift's generic SIMD conversion initializer is a call per use where it is
// not inlined; clang's vector extension is two `cvtps2pd` (or their equivalent) on every target.
#ifndef FLOAT_LANES_H
#define FLOAT_LANES_H

typedef float float_lanes_float8 __attribute__((ext_vector_type(8)));
typedef double float_lanes_double8 __attribute__((ext_vector_type(8)));

/// The eight float32 lanes widened exactly to float64.
static inline float_lanes_double8 float_lanes_widen8(float_lanes_float8 v) {
    return __builtin_convertvector(v, float_lanes_double8);
}

#endif
