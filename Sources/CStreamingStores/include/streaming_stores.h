// Non-temporal ("streaming") stores for the numeric kernels. A layer output of tens of MiB
// is written once and not read again soon: a normal store first reads each cache line it
// writes (read-for-ownership), a streaming store does not, so a memory-bound kernel moves a
// third fewer bytes. Swift has no spelling for them; clang's builtin does it on every
// architecture (a plain store where the CPU has no such instruction).
#ifndef STREAMING_STORES_H
#define STREAMING_STORES_H

typedef float streaming_float4 __attribute__((ext_vector_type(4)));
typedef float streaming_float8 __attribute__((ext_vector_type(8)));

/// Stores 4 floats at `p`, which must be 16-byte aligned, bypassing the caches.
static inline void streaming_store4(float *p, streaming_float4 v) {
    __builtin_nontemporal_store(v, (streaming_float4 *)p);
}

/// Stores 8 floats at `p`, which must be 32-byte aligned, bypassing the caches (one AVX store,
/// or two 16-byte ones on a baseline x86-64 build).
static inline void streaming_store8(float *p, streaming_float8 v) {
    __builtin_nontemporal_store(v, (streaming_float8 *)p);
}

typedef unsigned short streaming_ushort8 __attribute__((ext_vector_type(8)));

/// Stores 8 16-bit values (float16 or bfloat16 bits) at `p`, which must be 16-byte aligned,
/// bypassing the caches.
static inline void streaming_store_halves8(unsigned short *p, streaming_ushort8 v) {
    __builtin_nontemporal_store(v, (streaming_ushort8 *)p);
}

/// Asks the CPU to start loading the cache line holding `p` (a hint: never faults).
static inline void streaming_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

/// Asks the CPU to start loading the cache line holding `p` into the outer caches (L2), not L1:
/// for data a kernel needs after the block it works on in L1.
static inline void streaming_prefetch_outer(const void *p) {
    __builtin_prefetch(p, 0, 2);
}

/// Orders the streaming stores before any store that follows (call once a kernel is done).
static inline void streaming_fence(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_sfence();
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif
