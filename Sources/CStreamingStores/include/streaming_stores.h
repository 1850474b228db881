// Non-temporal ("streaming") stores for the numeric kernels. A layer output of tens of MiB
// is written once and not read again soon: a normal store first reads each cache line it
// writes (read-for-ownership), a streaming store does not, so a memory-bound kernel moves a
// third fewer bytes. Swift has no spelling for them; clang's builtin does it on every
// architecture (a plain store where the CPU has no such instruction).
#ifndef STREAMING_STORES_H
#define STREAMING_STORES_H

typedef float streaming_float4 __attribute__((ext_vector_type(4)));

/// Stores 4 floats at `p`, which must be 16-byte aligned, bypassing the caches.
static inline void streaming_store4(float *p, streaming_float4 v) {
    __builtin_nontemporal_store(v, (streaming_float4 *)p);
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
