/*
 * Fused activations (wl_activation, see weblite.h) for kernel epilogues.
 *
 *   v128_t wl_activate_f32x4(v128_t x, const wl_activation* act)   four lanes; act must not be NULL
 *   float  wl_activate_f32(float x, const wl_activation* act)       lane 0 of the vector form (identical results)
 *   void   wl_activate_block_f32(float* y, size_t n, const wl_activation* act)
 *          in place over n floats, dispatching once per call (for kernels that compute a block, then activate it).
 *
 * Every kind: MINMAX (clamp [min, max]; identity with ±inf; Relu; Relu6; Clip), HARDSWISH, HARDSIGMOID (alpha, beta),
 * SIGMOID, SILU, LEAKYRELU (alpha), GELU (erf form), TANH, ELU (alpha). Accuracy: see math.h.
 * NaN: propagated by every kind, including MINMAX (pmax(x, lo) then pmin(x, hi), with x first, keeps a NaN x)
 * and HARDSWISH/HARDSIGMOID. Callers that hoist the struct into a local copy let the compiler unswitch loops.
 */
#ifndef WEBLITE_ACTIVATION_H
#define WEBLITE_ACTIVATION_H

#include "math.h"

WL_INLINE v128_t wl_act_minmax_f32x4(v128_t x, v128_t lo, v128_t hi) {
  return wl_min_keepnan(wl_max_keepnan(x, lo), hi);
}

/* x·clamp(x/6 + 1/2, 0, 1) */
WL_INLINE v128_t wl_act_hardswish_f32x4(v128_t x) {
  v128_t g = wl_madd_f32x4(x, WL_F32X4(1.0f / 6.0f), WL_F32X4(0.5f));
  g = wl_min_keepnan(wl_max_keepnan(g, wasm_f32x4_splat(0.0f)), WL_F32X4(1.0f));
  return wasm_f32x4_mul(x, g);
}

/* clamp(alpha·x + beta, 0, 1) */
WL_INLINE v128_t wl_act_hardsigmoid_f32x4(v128_t x, v128_t alpha, v128_t beta) {
  v128_t g = wl_madd_f32x4(x, alpha, beta);
  return wl_min_keepnan(wl_max_keepnan(g, wasm_f32x4_splat(0.0f)), WL_F32X4(1.0f));
}

/* x < 0 ? alpha·x : x */
WL_INLINE v128_t wl_act_leakyrelu_f32x4(v128_t x, v128_t alpha) {
  return wl_select(wasm_f32x4_lt(x, wasm_f32x4_splat(0.0f)), wasm_f32x4_mul(x, alpha), x);
}

WL_INLINE v128_t wl_activate_f32x4(v128_t x, const wl_activation* act) {
  switch (act->kind) {
    case WL_ACT_MINMAX: return wl_act_minmax_f32x4(x, wasm_f32x4_splat(act->min), wasm_f32x4_splat(act->max));
    case WL_ACT_HARDSWISH: return wl_act_hardswish_f32x4(x);
    case WL_ACT_HARDSIGMOID: return wl_act_hardsigmoid_f32x4(x, wasm_f32x4_splat(act->alpha), wasm_f32x4_splat(act->beta));
    case WL_ACT_SIGMOID: return wl_sigmoid_f32x4(x);
    case WL_ACT_SILU: return wl_silu_f32x4(x);
    case WL_ACT_LEAKYRELU: return wl_act_leakyrelu_f32x4(x, wasm_f32x4_splat(act->alpha));
    case WL_ACT_GELU: return wl_gelu_f32x4(x);
    case WL_ACT_TANH: return wl_tanh_f32x4(x);
    case WL_ACT_ELU: return wl_elu_f32x4(x, wasm_f32x4_splat(act->alpha));
    default: return x;
  }
}

WL_INLINE float wl_activate_f32(float x, const wl_activation* act) {
  return wasm_f32x4_extract_lane(wl_activate_f32x4(wasm_f32x4_splat(x), act), 0);
}

/* True when act is NULL or a MINMAX with both bounds infinite. */
WL_INLINE int wl_activation_is_identity(const wl_activation* act) {
  return !act || (act->kind == WL_ACT_MINMAX && act->min == -__builtin_inff() && act->max == __builtin_inff());
}

/* Applies one vector form over y[0, n), 4 lanes at a time, the tail through a zero-padded vector. */
#define WL_ACTIVATE_LOOP(y, n, expr)                                   \
  do {                                                                 \
    size_t i_ = 0;                                                     \
    for (; i_ + 4 <= (n); i_ += 4) {                                   \
      v128_t x = wasm_v128_load((y) + i_);                             \
      wasm_v128_store((y) + i_, (expr));                               \
    }                                                                  \
    if (i_ < (n)) {                                                    \
      float t_[4] = {0, 0, 0, 0};                                      \
      for (size_t j_ = 0; i_ + j_ < (n); j_++) t_[j_] = (y)[i_ + j_];  \
      v128_t x = wasm_v128_load(t_);                                   \
      wasm_v128_store(t_, (expr));                                     \
      for (size_t j_ = 0; i_ + j_ < (n); j_++) (y)[i_ + j_] = t_[j_];  \
    }                                                                  \
  } while (0)

/* In place over y[0, n); does nothing for an identity activation. Reads and writes only y[0, n). */
static inline void wl_activate_block_f32(float* y, size_t n, const wl_activation* act) {
  if (wl_activation_is_identity(act)) return;
  const wl_activation a = *act;
  const v128_t alpha = wasm_f32x4_splat(a.alpha), beta = wasm_f32x4_splat(a.beta);
  const v128_t lo = wasm_f32x4_splat(a.min), hi = wasm_f32x4_splat(a.max);
  switch (a.kind) {
    case WL_ACT_MINMAX: WL_ACTIVATE_LOOP(y, n, wl_act_minmax_f32x4(x, lo, hi)); break;
    case WL_ACT_HARDSWISH: WL_ACTIVATE_LOOP(y, n, wl_act_hardswish_f32x4(x)); break;
    case WL_ACT_HARDSIGMOID: WL_ACTIVATE_LOOP(y, n, wl_act_hardsigmoid_f32x4(x, alpha, beta)); break;
    case WL_ACT_SIGMOID: WL_ACTIVATE_LOOP(y, n, wl_sigmoid_f32x4(x)); break;
    case WL_ACT_SILU: WL_ACTIVATE_LOOP(y, n, wl_silu_f32x4(x)); break;
    case WL_ACT_LEAKYRELU: WL_ACTIVATE_LOOP(y, n, wl_act_leakyrelu_f32x4(x, alpha)); break;
    case WL_ACT_GELU: WL_ACTIVATE_LOOP(y, n, wl_gelu_f32x4(x)); break;
    case WL_ACT_TANH: WL_ACTIVATE_LOOP(y, n, wl_tanh_f32x4(x)); break;
    case WL_ACT_ELU: WL_ACTIVATE_LOOP(y, n, wl_elu_f32x4(x, alpha)); break;
    default: break;
  }
}

#endif
