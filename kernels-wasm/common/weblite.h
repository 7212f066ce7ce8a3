/*
 * Shared definitions for weblite's WebAssembly kernels.
 *
 * ABI: every exported function takes wasm32 pointers (byte offsets into the module's one linear memory) and
 * plain integers/floats. The TypeScript side (src/backends/wasm/) plans all memory: kernels never allocate.
 * Layout of activations is NHWC (channels last) unless a kernel says otherwise.
 * Work splitting: kernels that can be split across threads take a [start, end) range over their outermost
 * tile dimension, so a worker pool can hand out disjoint ranges of the same call.
 */
#ifndef WEBLITE_H
#define WEBLITE_H

#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define WL_EXPORT(name) __attribute__((export_name(#name))) name
#define WL_INLINE static inline __attribute__((always_inline))
#define WL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define WL_MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * Fused activation applied in a kernel's epilogue (after bias and residual). Kept in wasm memory by the planner;
 * kernels receive a pointer. Mirrors src/backends/wasm/abi.ts (ActivationKind).
 */
enum wl_activation_kind {
  WL_ACT_MINMAX = 0,      /* clamp to [min, max]: identity (±inf), Relu (0, inf), Relu6/Clip */
  WL_ACT_HARDSWISH = 1,   /* x * clamp(x/6 + 1/2, 0, 1) */
  WL_ACT_HARDSIGMOID = 2, /* clamp(alpha*x + beta, 0, 1) */
  WL_ACT_SIGMOID = 3,     /* 1 / (1 + exp(-x)) */
  WL_ACT_SILU = 4,        /* x * sigmoid(x) */
  WL_ACT_LEAKYRELU = 5,   /* x >= 0 ? x : alpha*x */
  WL_ACT_GELU = 6,        /* x/2 * (1 + erf(x/sqrt 2)) */
  WL_ACT_TANH = 7,        /* tanh(x) */
  WL_ACT_ELU = 8,         /* x >= 0 ? x : alpha*(exp(x)-1) */
};

typedef struct wl_activation {
  int32_t kind;
  float alpha;
  float beta;
  float min;
  float max;
} wl_activation;

/*
 * Single-instruction min/max on x86 hosts. f32x4.pmin/pmax return the first operand when either is NaN or when
 * comparing ±0, which is what a clamp against finite bounds needs (PERF-NOTES: plain f32x4.min/max lower to long
 * sequences on x64). Relaxed builds could use relaxed_min/max, but pmin/pmax are already one instruction.
 */
WL_INLINE v128_t wl_clamp_f32x4(v128_t x, v128_t lo, v128_t hi) {
  return wasm_f32x4_pmin(hi, wasm_f32x4_pmax(lo, x));
}

/* a*b + c: fused on relaxed-SIMD builds (WL_RELAXED), separate multiply and add otherwise. */
WL_INLINE v128_t wl_madd_f32x4(v128_t a, v128_t b, v128_t c) {
#if defined(WL_RELAXED)
  return wasm_f32x4_relaxed_madd(a, b, c);
#else
  return wasm_f32x4_add(wasm_f32x4_mul(a, b), c);
#endif
}

#endif
