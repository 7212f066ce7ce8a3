/*
 * Op: f32 unary elementwise y = f(x) for every kind in `wl_unary_kind` below, and a standalone wl_activation pass.
 * Dtypes: f32 → f32. Layout: flat, elements [start, end) of x and y (threads split the range).
 * Tile: 4 elements per iteration (one v128: a 2× unroll showed no clear gain on a shared host and doubled the
 *   code); the last 1–3 elements go through the same loop on a zero-padded stack vector.
 * Reads/writes past the end: never. In place (x == y) is allowed; partial overlap is not.
 * Precision: f32, accuracy of the transcendentals as stated in common/math.h.
 * Tested against: float64 JS references in test/kernels-wasm/unary.test.ts and math.test.ts.
 *
 * Exports
 *   void wl_f32_unary(int32 kind, int32 start, int32 end, const float* x, float* y, float alpha, float beta)
 *     (kinds 30–31 round to a quantization grid: tested bit-exact against the TypeScript Q/DQ loops in
 *     test/backends/wasm-qs8.test.ts)
 *   void wl_f32_activation(int32 start, int32 end, const float* x, float* y, const wl_activation* act)
 */
#include "activation.h"

/* Mirrors the TypeScript UnaryKind table; parameters in (alpha, beta) where noted. */
enum wl_unary_kind {
  WL_UNARY_RELU = 0,
  WL_UNARY_CLIP = 1,        /* clamp to [alpha, beta] */
  WL_UNARY_SIGMOID = 2,
  WL_UNARY_TANH = 3,
  WL_UNARY_EXP = 4,
  WL_UNARY_LOG = 5,
  WL_UNARY_SQRT = 6,
  WL_UNARY_ABS = 7,
  WL_UNARY_NEG = 8,
  WL_UNARY_ERF = 9,
  WL_UNARY_GELU = 10,       /* erf form */
  WL_UNARY_GELU_TANH = 11,  /* tanh approximation */
  WL_UNARY_HARDSWISH = 12,
  WL_UNARY_HARDSIGMOID = 13, /* clamp(alpha·x + beta, 0, 1) */
  WL_UNARY_LEAKYRELU = 14,  /* alpha */
  WL_UNARY_ELU = 15,        /* alpha */
  WL_UNARY_SILU = 16,
  WL_UNARY_SOFTPLUS = 17,
  WL_UNARY_RECIPROCAL = 18,
  WL_UNARY_SQUARE = 19,
  WL_UNARY_RSQRT = 20,
  WL_UNARY_FLOOR = 21,
  WL_UNARY_CEIL = 22,
  WL_UNARY_ROUND = 23,      /* half to even (ONNX Round) */
  WL_UNARY_SIGN = 24,
  WL_UNARY_EXPM1 = 25,
  WL_UNARY_SELU = 26,       /* beta·(x > 0 ? x : alpha·expm1(x)): alpha, gamma in beta */
  WL_UNARY_MISH = 27,       /* x·tanh(softplus(x)) */
  WL_UNARY_SOFTSIGN = 28,   /* x / (1 + |x|) */
  WL_UNARY_TRUNC = 29,
  WL_UNARY_QROUND_S16 = 30, /* QuantizeLinear → DequantizeLinear onto the int16 grid: scale alpha, zero point beta */
  WL_UNARY_QROUND_S8 = 31,  /* … onto the int8 grid (uint8 pairs are retyped to int8 before lowering) */
};

#define ZERO wasm_f32x4_splat(0.0f)
#define ONE WL_F32X4(1.0f)

/* expr is an expression of `x` (v128_t); n is a multiple of 4 here (see wl_f32_unary for the tail). */
#define UNARY_LOOP(expr)                              \
  for (size_t i = 0; i < n; i += 4) {                 \
    v128_t x = wasm_v128_load(xp + i);                \
    wasm_v128_store(yp + i, (expr));                  \
  }

WL_INLINE v128_t mish_f32x4(v128_t x) {
  v128_t e = wl_exp_f32x4(wl_min_keepnan(x, WL_F32X4(20.0f)));
  v128_t n = wasm_f32x4_mul(e, wasm_f32x4_add(e, WL_F32X4(2.0f))); /* (1+e)² − 1 */
  v128_t t = wasm_f32x4_div(n, wasm_f32x4_add(n, WL_F32X4(2.0f)));  /* tanh(softplus x) */
  return wasm_f32x4_mul(wl_max_keepnan(x, WL_F32X4(-110.0f)), t);
}

WL_INLINE v128_t sign_f32x4(v128_t x) {
  v128_t s = wasm_v128_or(wasm_v128_and(wasm_f32x4_gt(x, ZERO), ONE), wasm_v128_and(wasm_f32x4_lt(x, ZERO), WL_F32X4(-1.0f)));
  return wl_select(wasm_f32x4_ne(x, x), x, s);
}

WL_INLINE v128_t softsign_f32x4(v128_t x) {
  v128_t y = wasm_f32x4_div(x, wasm_f32x4_add(wl_abs_f32x4(x), ONE));
  v128_t inf = wasm_f32x4_eq(wl_abs_f32x4(x), WL_F32X4(__builtin_inff()));
  return wl_select(inf, wasm_v128_or(ONE, wl_signbit_f32x4(x)), y);
}

/*
 * (clamp(round_half_even(x / scale) + zp, lo, hi) − zp) · scale, written as clamp(q, lo − zp, hi − zp) · scale (the
 * same numbers: every step is an exact integer in f32 below 2^24, and a larger q clamps either way). NaN gives 0
 * (QuantizeLinear maps NaN to the zero point); + 0 turns a rounded −0 into +0, as the integer round trip gives.
 * f32 division and multiplication are correctly rounded, so this equals the TypeScript reference bit for bit.
 */
WL_INLINE v128_t qround_f32x4(v128_t x, v128_t scale, v128_t lo, v128_t hi) {
  v128_t q = wasm_f32x4_add(wasm_f32x4_nearest(wasm_f32x4_div(x, scale)), ZERO);
  q = wasm_v128_and(q, wasm_f32x4_eq(q, q));
  return wasm_f32x4_mul(wasm_f32x4_pmin(hi, wasm_f32x4_pmax(lo, q)), scale);
}

/* y[0, n) = f(x[0, n)) for n a multiple of 4. One instance of each expression keeps the module small. */
static void unary_body(int32_t kind, const float* xp, float* yp, size_t n, float alpha, float beta) {
  const v128_t va = wasm_f32x4_splat(alpha), vb = wasm_f32x4_splat(beta);
  switch (kind) {
    case WL_UNARY_RELU: UNARY_LOOP(wl_max_keepnan(x, ZERO)); break;
    case WL_UNARY_CLIP: UNARY_LOOP(wl_act_minmax_f32x4(x, va, vb)); break;
    case WL_UNARY_SIGMOID: UNARY_LOOP(wl_sigmoid_f32x4(x)); break;
    case WL_UNARY_TANH: UNARY_LOOP(wl_tanh_f32x4(x)); break;
    case WL_UNARY_EXP: UNARY_LOOP(wl_exp_f32x4(x)); break;
    case WL_UNARY_LOG: UNARY_LOOP(wl_log_f32x4(x)); break;
    case WL_UNARY_SQRT: UNARY_LOOP(wasm_f32x4_sqrt(x)); break;
    case WL_UNARY_ABS: UNARY_LOOP(wl_abs_f32x4(x)); break;
    case WL_UNARY_NEG: UNARY_LOOP(wasm_f32x4_neg(x)); break;
    case WL_UNARY_ERF: UNARY_LOOP(wl_erf_f32x4(x)); break;
    case WL_UNARY_GELU: UNARY_LOOP(wl_gelu_f32x4(x)); break;
    case WL_UNARY_GELU_TANH: UNARY_LOOP(wl_gelu_tanh_f32x4(x)); break;
    case WL_UNARY_HARDSWISH: UNARY_LOOP(wl_act_hardswish_f32x4(x)); break;
    case WL_UNARY_HARDSIGMOID: UNARY_LOOP(wl_act_hardsigmoid_f32x4(x, va, vb)); break;
    case WL_UNARY_LEAKYRELU: UNARY_LOOP(wl_act_leakyrelu_f32x4(x, va)); break;
    case WL_UNARY_ELU: UNARY_LOOP(wl_elu_f32x4(x, va)); break;
    case WL_UNARY_SILU: UNARY_LOOP(wl_silu_f32x4(x)); break;
    case WL_UNARY_SOFTPLUS: UNARY_LOOP(wl_softplus_f32x4(x)); break;
    case WL_UNARY_RECIPROCAL: UNARY_LOOP(wasm_f32x4_div(ONE, x)); break;
    case WL_UNARY_SQUARE: UNARY_LOOP(wasm_f32x4_mul(x, x)); break;
    case WL_UNARY_RSQRT: UNARY_LOOP(wasm_f32x4_div(ONE, wasm_f32x4_sqrt(x))); break;
    case WL_UNARY_FLOOR: UNARY_LOOP(wasm_f32x4_floor(x)); break;
    case WL_UNARY_CEIL: UNARY_LOOP(wasm_f32x4_ceil(x)); break;
    case WL_UNARY_ROUND: UNARY_LOOP(wasm_f32x4_nearest(x)); break;
    case WL_UNARY_SIGN: UNARY_LOOP(sign_f32x4(x)); break;
    case WL_UNARY_EXPM1: UNARY_LOOP(wl_expm1_f32x4(x)); break;
    case WL_UNARY_SELU: UNARY_LOOP(wasm_f32x4_mul(vb, wl_elu_f32x4(x, va))); break;
    case WL_UNARY_MISH: UNARY_LOOP(mish_f32x4(x)); break;
    case WL_UNARY_SOFTSIGN: UNARY_LOOP(softsign_f32x4(x)); break;
    case WL_UNARY_TRUNC: UNARY_LOOP(wasm_f32x4_trunc(x)); break;
    case WL_UNARY_QROUND_S16:
    case WL_UNARY_QROUND_S8: {
      const float lo = kind == WL_UNARY_QROUND_S16 ? -32768.0f : -128.0f;
      const float hi = kind == WL_UNARY_QROUND_S16 ? 32767.0f : 127.0f;
      const v128_t vlo = wasm_f32x4_splat(lo - beta), vhi = wasm_f32x4_splat(hi - beta);
      UNARY_LOOP(qround_f32x4(x, va, vlo, vhi));
      break;
    }
    default: break;
  }
}

void WL_EXPORT(wl_f32_unary)(int32_t kind, int32_t start, int32_t end, const float* x, float* y, float alpha, float beta) {
  if (end <= start) return;
  const size_t n = (size_t)(end - start), body = n & ~(size_t)3;
  unary_body(kind, x + start, y + start, body, alpha, beta);
  if (body < n) {
    float t[4] = {0, 0, 0, 0};
    for (size_t k = 0; body + k < n; k++) t[k] = x[start + body + k];
    unary_body(kind, t, t, 4, alpha, beta);
    for (size_t k = 0; body + k < n; k++) y[start + body + k] = t[k];
  }
}

/*
 * y = act(x) through wl_activate_f32x4 / wl_activate_f32 exactly as GEMM epilogues call them (the switch sits in
 * the loop; the struct is copied so the compiler may hoist it).
 */
void WL_EXPORT(wl_f32_activation)(int32_t start, int32_t end, const float* x, float* y, const wl_activation* act) {
  const wl_activation a = *act;
  int32_t i = start;
  for (; i + 4 <= end; i += 4) wasm_v128_store(y + i, wl_activate_f32x4(wasm_v128_load(x + i), &a));
  for (; i < end; i++) y[i] = wl_activate_f32(x[i], &a);
}
