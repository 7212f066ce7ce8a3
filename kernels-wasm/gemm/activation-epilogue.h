/*
 * Fused activation epilogue shared by the GEMM, IGEMM (convolution) and depthwise kernels.
 *
 * Op: y = act(x) for every wl_activation kind (weblite.h), after bias and residual, with the vector forms of
 *   kernels-wasm/common/activation.h and math.h (NaN propagates through every kind, MINMAX included).
 * In registers, before the store: MINMAX, HARDSWISH, HARDSIGMOID, LEAKYRELU (parameters splatted once per call,
 *   wl_act_vec; the kind is switched once per tile).
 * Deferred, over the stored rows (wl_act_apply_rows, out of line): SIGMOID, SILU, GELU, TANH, ELU. Why: any call
 *   inside a kernel's loops makes V8 spill every value live across it (all registers are caller-saved), and
 *   inlining the polynomials 8 times per kernel bloats the module; the rows are still in L1 when the pass runs.
 * min/max are read only for WL_ACT_MINMAX. Dtypes: f32. Accuracy: math.h (about 1e-7).
 * Reference: the float64 formulas in test/kernels-wasm/gemm.test.ts (activationReference).
 */
#ifndef WL_ACTIVATION_EPILOGUE_H
#define WL_ACTIVATION_EPILOGUE_H

#include "activation.h"

typedef struct wl_act_vec {
  int32_t kind;
  v128_t min, max, alpha, beta;
} wl_act_vec;

WL_INLINE wl_act_vec wl_act_vec_load(const wl_activation* act) {
  wl_act_vec p;
  p.kind = act->kind;
  p.min = wasm_f32x4_splat(act->min);
  p.max = wasm_f32x4_splat(act->max);
  p.alpha = wasm_f32x4_splat(act->alpha);
  p.beta = wasm_f32x4_splat(act->beta);
  return p;
}

/* True for the kinds applied by wl_act_apply_rows after the store. */
WL_INLINE int wl_act_is_deferred(int32_t kind) {
  return kind == WL_ACT_SIGMOID || kind == WL_ACT_SILU || kind == WL_ACT_GELU || kind == WL_ACT_TANH ||
         kind == WL_ACT_ELU;
}

/* Applies the in-register kinds to n vectors (n is a compile-time constant after inlining); deferred kinds: no-op. */
WL_INLINE void wl_act_apply_f32x4(v128_t* v, size_t n, const wl_act_vec* p) {
  switch (p->kind) {
    case WL_ACT_MINMAX:
      for (size_t i = 0; i < n; i++) v[i] = wl_act_minmax_f32x4(v[i], p->min, p->max);
      break;
    case WL_ACT_HARDSWISH:
      for (size_t i = 0; i < n; i++) v[i] = wl_act_hardswish_f32x4(v[i]);
      break;
    case WL_ACT_HARDSIGMOID:
      for (size_t i = 0; i < n; i++) v[i] = wl_act_hardsigmoid_f32x4(v[i], p->alpha, p->beta);
      break;
    case WL_ACT_LEAKYRELU:
      for (size_t i = 0; i < n; i++) v[i] = wl_act_leakyrelu_f32x4(v[i], p->alpha);
      break;
    default:
      break;
  }
}

/*
 * The deferred kinds in place over `rows` rows of `cols` floats, `stride` floats apart (reads and writes only
 * those); does nothing for the in-register kinds. Call it once per kernel call, after the stores.
 */
void wl_act_apply_rows(float* data, size_t rows, size_t cols, size_t stride, const wl_activation* act);

/* Loads n (0 < n < 4) floats into the low lanes, zeros elsewhere, without reading past p[n-1]. */
WL_INLINE v128_t wl_load_partial_f32x4(const float* p, size_t n) {
  if (n == 1) return wasm_v128_load32_zero(p);
  const v128_t v = wasm_v128_load64_zero(p);
  return n == 2 ? v : wasm_f32x4_replace_lane(v, 2, p[2]);
}

/* Stores the low n (0 < n < 4) lanes of v. */
WL_INLINE void wl_store_partial_f32x4(float* p, size_t n, v128_t v) {
  if (n & 2) {
    wasm_v128_store64_lane(p, v, 0);
    v = wasm_i64x2_shuffle(v, v, 1, 1);
    p += 2;
  }
  if (n & 1) wasm_v128_store32_lane(p, v, 0);
}

#endif
