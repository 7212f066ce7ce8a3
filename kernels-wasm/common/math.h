/*
 * Vectorised f32x4 transcendentals for freestanding wasm (no libm). All functions are `WL_INLINE`, take and return
 * four f32 lanes, and handle ±0, ±inf, NaN (propagated) and subnormal inputs/results.
 *
 * Methods (after XNNPACK's rr2-p5 family; coefficients fitted here by weighted minimax):
 *   exp      n = round(x·log2 e) by magic bias, r = x − n·ln2 (ln2 in two parts), exp r ≈ 1 + r·P5(r),
 *            2^n applied as two factors so subnormal results and x up to ln(FLT_MAX) are exact in range.
 *   expm1    same reduction, expm1 = 2·((2^(n−1) − ½) + 2^(n−1)·(r + r²·P4(r))): keeps full relative accuracy near 0.
 *   log      x = 2^e·m, m ∈ [√½, √2), s = (m−1)/(m+1), log m = 2s + s³·P3(s²).
 *   sigmoid  e = exp(−|x|), f = e/(1+e), 1−f for x > 0.
 *   tanh     e = expm1(−2|x|), tanh|x| = −e/(2+e), sign copied from x.
 *   erf      x·P5(x²)/Q5(x²) with |x| clamped to 3.925 (a rational fit like XNNPACK's; no exp).
 *   gelu     x·(½ + x·P5(x²)/Q5(x²)): the erf rational rescaled to x/√2, with ½ folded in (|x| clamped to 5.55).
 *            (An exp-based x/2·erfc(−x/√2) reached 9.3e-8·max(1, |x|) but ran at a third of the speed: 268 vs 900
 *            M elements/s, simd build; the rational is 10× inside XNNPACK's 5e-6 tolerance.)
 *   gelu_tanh  x·sigmoid(2·√(2/π)·(x + 0.044715x³)), identical to x/2·(1 + tanh(…)).
 *
 * Measured max error vs float64 (test/kernels-wasm/math.test.ts: a 1e5-point grid per function, log-spaced tiny
 * magnitudes, ~1e5 random float bit patterns in range, specials); the same to 2 digits in both builds (simd, relaxed/FMA):
 *   exp        relative 1.8e-7 for results ≥ FLT_MIN; subnormal results within 2^-148 absolute; exact ±inf/0/NaN
 *   expm1      relative 1.2e-7
 *   log        relative 1.7e-7 on (0, FLT_MAX] incl. subnormal x; absolute 1e-7 on [0.5, 2]
 *   sigmoid    absolute 8.4e-8, relative 2.7e-7 (XNNPACK's tests accept 5e-6 absolute)
 *   tanh       absolute 1.5e-7, relative 1.6e-7
 *   erf        absolute 3.1e-7, relative 3.3e-7
 *   gelu       |err| ≤ 1.9e-7 · max(1, |x|)
 *   gelu_tanh  |err| ≤ 9.2e-8 · max(1, |x|) (vs the tanh formula in float64)
 *   silu, mish |err| ≤ 1.0e-7 · max(1, |x|);  softplus 1.3e-7 · max(1, |x|) (relative 2.7e-7);  elu 4e-8
 * (The test asserts slightly looser bounds so that a different V8 lowering cannot flake it; see math.test.ts.)
 */
#ifndef WEBLITE_MATH_H
#define WEBLITE_MATH_H

#include "weblite.h"

#define WL_F32X4(c) wasm_f32x4_const_splat(c)
#define WL_I32X4(c) wasm_i32x4_const_splat(c)

/* Lane select (mask lanes are all-ones or all-zeros): one blendv on x86 in relaxed builds. */
WL_INLINE v128_t wl_select(v128_t mask, v128_t if_true, v128_t if_false) {
#if defined(WL_RELAXED)
  return wasm_i32x4_relaxed_laneselect(if_true, if_false, mask);
#else
  return wasm_v128_bitselect(if_true, if_false, mask);
#endif
}

/* max/min that return x when x is NaN (pmax(x, lo) = x < lo ? lo : x): one instruction on x86. */
WL_INLINE v128_t wl_max_keepnan(v128_t x, v128_t lo) { return wasm_f32x4_pmax(x, lo); }
WL_INLINE v128_t wl_min_keepnan(v128_t x, v128_t hi) { return wasm_f32x4_pmin(x, hi); }

WL_INLINE v128_t wl_abs_f32x4(v128_t x) { return wasm_v128_and(x, WL_I32X4(0x7FFFFFFF)); }
WL_INLINE v128_t wl_signbit_f32x4(v128_t x) { return wasm_v128_and(x, WL_I32X4((int32_t)0x80000000)); }

/*
 * Shared range reduction: returns r = x − n·ln2 and n as an integer (i32 lanes). Valid for |x| < 2^21.
 * The magic bias 1.5·2^23 puts round(x·log2 e) in the low mantissa bits.
 */
WL_INLINE v128_t wl_exp_reduce(v128_t x, v128_t* n_int) {
  const v128_t magic = WL_F32X4(0x1.8p23f);
  v128_t z = wl_madd_f32x4(x, WL_F32X4(0x1.715476p+0f), magic);
  *n_int = wasm_i32x4_sub(z, magic);
  v128_t n = wasm_f32x4_sub(z, magic);
  v128_t r = wl_madd_f32x4(n, WL_F32X4(-0x1.62E400p-1f), x);
  return wl_madd_f32x4(n, WL_F32X4(-0x1.7F7D1Cp-20f), r);
}

/* 2^n for integer lanes n ∈ [−126, 127]. */
WL_INLINE v128_t wl_exp2i(v128_t n) { return wasm_i32x4_shl(wasm_i32x4_add(n, WL_I32X4(127)), 23); }

/* exp(x) for x already clamped to [−104, 88.8] (or NaN). */
WL_INLINE v128_t wl_exp_f32x4_inrange(v128_t x) {
  v128_t n;
  v128_t r = wl_exp_reduce(x, &n);
  v128_t p = WL_F32X4(0x1.0FA834p-7f);
  p = wl_madd_f32x4(p, r, WL_F32X4(0x1.573A54p-5f));
  p = wl_madd_f32x4(p, r, WL_F32X4(0x1.555A6Ap-3f));
  p = wl_madd_f32x4(p, r, WL_F32X4(0x1.FFFDC6p-2f));
  p = wl_madd_f32x4(p, r, WL_F32X4(0x1.FFFFF6p-1f));
  p = wasm_f32x4_mul(p, r);
  /* n ∈ [−150, 128]: split 2^n = 2^n1 · 2^n2 with both factors normal. */
  v128_t n1 = wasm_i32x4_shr(n, 1);
  v128_t s1 = wl_exp2i(n1);
  v128_t s2 = wl_exp2i(wasm_i32x4_sub(n, n1));
  return wasm_f32x4_mul(wl_madd_f32x4(p, s1, s1), s2);
}

WL_INLINE v128_t wl_exp_f32x4(v128_t x) {
  x = wl_min_keepnan(wl_max_keepnan(x, WL_F32X4(-104.0f)), WL_F32X4(88.8f));
  return wl_exp_f32x4_inrange(x);
}

/* expm1(x) for x already clamped to [−17.5, 88.8] (or NaN). */
WL_INLINE v128_t wl_expm1_f32x4_inrange(v128_t x) {
  v128_t n;
  v128_t r = wl_exp_reduce(x, &n);
  v128_t p = WL_F32X4(0x1.6BEC08p-10f);
  p = wl_madd_f32x4(p, r, WL_F32X4(0x1.122768p-7f));
  p = wl_madd_f32x4(p, r, WL_F32X4(0x1.555674p-5f));
  p = wl_madd_f32x4(p, r, WL_F32X4(0x1.5554B0p-3f));
  p = wl_madd_f32x4(p, r, WL_F32X4(0x1.FFFFFEp-2f));
  p = wl_madd_f32x4(wasm_f32x4_mul(p, r), r, r); /* expm1(r) */
  v128_t half_scale = wl_exp2i(wasm_i32x4_sub(n, WL_I32X4(1))); /* 2^(n-1), n ≤ 128 */
  v128_t y = wl_madd_f32x4(half_scale, p, wasm_f32x4_sub(half_scale, WL_F32X4(0.5f)));
  return wasm_f32x4_add(y, y);
}

WL_INLINE v128_t wl_expm1_f32x4(v128_t x) {
  x = wl_min_keepnan(wl_max_keepnan(x, WL_F32X4(-17.5f)), WL_F32X4(88.8f));
  return wl_expm1_f32x4_inrange(x);
}

/* log(m) for m = 1 + f ∈ [√½, √2): s = f/(2+f); 2s + s·s²·P(s²). */
WL_INLINE v128_t wl_log_mantissa(v128_t f) {
  v128_t s = wasm_f32x4_div(f, wasm_f32x4_add(f, WL_F32X4(2.0f)));
  v128_t s2 = wasm_f32x4_mul(s, s);
  v128_t p = WL_F32X4(0x1.31E0E0p-2f);
  p = wl_madd_f32x4(p, s2, WL_F32X4(0x1.995ED0p-2f));
  p = wl_madd_f32x4(p, s2, WL_F32X4(0x1.55557Ap-1f));
  p = wasm_f32x4_mul(p, wasm_f32x4_mul(s2, s));
  return wasm_f32x4_add(wasm_f32x4_add(s, s), p);
}

WL_INLINE v128_t wl_log_f32x4(v128_t x) {
  /* Subnormal inputs: scale by 2^23 first. */
  v128_t tiny = wasm_f32x4_lt(x, WL_F32X4(0x1p-126f));
  v128_t xs = wl_select(tiny, wasm_f32x4_mul(x, WL_F32X4(0x1p23f)), x);
  v128_t ix = wasm_i32x4_sub(xs, WL_I32X4(0x3F3504F3)); /* bits(√½) */
  v128_t e = wasm_i32x4_shr(ix, 23);
  e = wasm_i32x4_sub(e, wasm_v128_and(tiny, WL_I32X4(23)));
  v128_t m = wasm_i32x4_add(wasm_v128_and(ix, WL_I32X4(0x007FFFFF)), WL_I32X4(0x3F3504F3));
  v128_t lm = wl_log_mantissa(wasm_f32x4_sub(m, WL_F32X4(1.0f)));
  v128_t ef = wasm_f32x4_convert_i32x4(e);
  v128_t y = wl_madd_f32x4(ef, WL_F32X4(0x1.7F7D1Cp-20f), lm);
  y = wl_madd_f32x4(ef, WL_F32X4(0x1.62E400p-1f), y);
  /* Specials: +inf → +inf, 0 → −inf, x < 0 or NaN → NaN. */
  y = wl_select(wasm_f32x4_eq(x, WL_F32X4(__builtin_inff())), x, y);
  y = wl_select(wasm_f32x4_eq(x, wasm_f32x4_splat(0.0f)), WL_F32X4(-__builtin_inff()), y);
  return wl_select(wasm_f32x4_ge(x, wasm_f32x4_splat(0.0f)), y, WL_F32X4(__builtin_nanf("")));
}

/* log(1 + e) for e ∈ [0, 1] (or NaN), accurate for tiny e. */
WL_INLINE v128_t wl_log1p_unit_f32x4(v128_t e) {
  v128_t big = wasm_f32x4_ge(e, WL_F32X4(0x1.A827A0p-2f)); /* 1 + e ≥ √2 */
  v128_t f = wl_select(big, wasm_f32x4_mul(wasm_f32x4_sub(e, WL_F32X4(1.0f)), WL_F32X4(0.5f)), e);
  v128_t y = wl_log_mantissa(f);
  return wasm_f32x4_add(y, wasm_v128_and(big, WL_F32X4(0x1.62E430p-1f)));
}

/* 1/(1 + exp(−x)). */
WL_INLINE v128_t wl_sigmoid_f32x4(v128_t x) {
  v128_t z = wl_max_keepnan(wasm_v128_or(x, WL_I32X4((int32_t)0x80000000)), WL_F32X4(-104.0f)); /* −|x| */
  v128_t e = wl_exp_f32x4_inrange(z);
  v128_t f = wasm_f32x4_div(e, wasm_f32x4_add(e, WL_F32X4(1.0f)));
  return wl_select(wasm_f32x4_gt(x, wasm_f32x4_splat(0.0f)), wasm_f32x4_sub(WL_F32X4(1.0f), f), f);
}

WL_INLINE v128_t wl_tanh_f32x4(v128_t x) {
  v128_t ax = wl_abs_f32x4(x);
  v128_t t = wl_max_keepnan(wasm_f32x4_mul(ax, WL_F32X4(-2.0f)), WL_F32X4(-17.5f));
  v128_t e = wl_expm1_f32x4_inrange(t);
  v128_t y = wasm_f32x4_div(e, wasm_f32x4_sub(WL_F32X4(-2.0f), e)); /* −e/(2+e) ≥ 0 */
  return wasm_v128_or(wl_abs_f32x4(y), wl_signbit_f32x4(x));
}

/* erf(x) = x·P(x²)/Q(x²), |x| clamped to 3.925 (where erf rounds to ±1); P, Q of degree 5, weighted-minimax fit. */
WL_INLINE v128_t wl_erf_f32x4(v128_t x) {
  const v128_t bound = WL_F32X4(0x1.F66666p+1f);
  v128_t xc = wl_min_keepnan(wl_max_keepnan(x, wasm_f32x4_neg(bound)), bound);
  v128_t t = wasm_f32x4_mul(xc, xc);
  v128_t p = WL_F32X4(0x1.1093A8p-19f);
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.2D74AAp-12f));
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.FC1354p-9f));
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.B2DDD2p-5f));
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.8B350Ep-3f));
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.20DD72p+0f));
  v128_t q = WL_F32X4(0x1.3F076Cp-15f);
  q = wl_madd_f32x4(q, t, WL_F32X4(0x1.37E254p-10f));
  q = wl_madd_f32x4(q, t, WL_F32X4(0x1.F1B0DAp-7f));
  q = wl_madd_f32x4(q, t, WL_F32X4(0x1.D7B9B0p-4f));
  q = wl_madd_f32x4(q, t, WL_F32X4(0x1.023A04p-1f));
  q = wl_madd_f32x4(q, t, WL_F32X4(1.0f));
  v128_t y = wasm_f32x4_div(wasm_f32x4_mul(xc, p), q);
  return wl_min_keepnan(wl_max_keepnan(y, WL_F32X4(-1.0f)), WL_F32X4(1.0f));
}

/*
 * x/2·(1 + erf(x/√2)) = x·(½ + x·P(x²)/Q(x²)) with |x| clamped to 3.925·√2 (where erf rounds to ±1), P and Q of
 * degree 5 (a weighted-minimax rational fit of erf, rescaled): no exp, one division.
 */
WL_INLINE v128_t wl_gelu_f32x4(v128_t x) {
  const v128_t bound = WL_F32X4(0x1.63401Ep+2f);
  v128_t xc = wl_min_keepnan(wl_max_keepnan(x, wasm_f32x4_neg(bound)), bound);
  v128_t t = wasm_f32x4_mul(xc, xc);
  v128_t p = WL_F32X4(0x1.817B56p-26f);
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.AA52A0p-18f));
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.67437Ep-13f));
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.337F3Ep-8f));
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.177426p-5f));
  p = wl_madd_f32x4(p, t, WL_F32X4(0x1.988450p-2f));
  v128_t q = WL_F32X4(0x1.3F076Cp-20f);
  q = wl_madd_f32x4(q, t, WL_F32X4(0x1.37E254p-14f));
  q = wl_madd_f32x4(q, t, WL_F32X4(0x1.F1B0DAp-10f));
  q = wl_madd_f32x4(q, t, WL_F32X4(0x1.D7B9B0p-6f));
  q = wl_madd_f32x4(q, t, WL_F32X4(0x1.023A04p-2f));
  q = wl_madd_f32x4(q, t, WL_F32X4(1.0f));
  v128_t phi = wasm_f32x4_add(WL_F32X4(0.5f), wasm_f32x4_div(wasm_f32x4_mul(xc, p), q));
  phi = wl_max_keepnan(phi, wasm_f32x4_splat(0.0f)); /* never a wrong-signed tail */
  return wasm_f32x4_mul(wl_max_keepnan(x, wasm_f32x4_neg(bound)), phi); /* −inf · 0 would be NaN */
}

/* x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))) = x·sigmoid(2√(2/π)·(x + 0.044715x³)). */
WL_INLINE v128_t wl_gelu_tanh_f32x4(v128_t x) {
  x = wl_max_keepnan(x, WL_F32X4(-13.0f)); /* below, the result rounds to −0 */
  v128_t x2 = wasm_f32x4_mul(x, x);
  v128_t inner = wl_madd_f32x4(x2, WL_F32X4(0.044715f * 1.5957691216057308f), WL_F32X4(1.5957691216057308f));
  return wasm_f32x4_mul(x, wl_sigmoid_f32x4(wasm_f32x4_mul(inner, x)));
}

/* x·sigmoid(x); −inf → −0. */
WL_INLINE v128_t wl_silu_f32x4(v128_t x) {
  return wasm_f32x4_mul(wl_max_keepnan(x, WL_F32X4(-110.0f)), wl_sigmoid_f32x4(x));
}

/* log(1 + exp(x)) = max(x, 0) + log1p(exp(−|x|)). */
WL_INLINE v128_t wl_softplus_f32x4(v128_t x) {
  v128_t z = wl_max_keepnan(wasm_v128_or(x, WL_I32X4((int32_t)0x80000000)), WL_F32X4(-104.0f));
  v128_t l = wl_log1p_unit_f32x4(wl_exp_f32x4_inrange(z));
  return wasm_f32x4_add(wl_max_keepnan(x, wasm_f32x4_splat(0.0f)), l);
}

/* x >= 0 ? x : alpha·expm1(x). */
WL_INLINE v128_t wl_elu_f32x4(v128_t x, v128_t alpha) {
  v128_t neg = wl_max_keepnan(wl_min_keepnan(x, wasm_f32x4_splat(0.0f)), WL_F32X4(-17.5f));
  v128_t e = wasm_f32x4_mul(alpha, wl_expm1_f32x4_inrange(neg));
  return wl_select(wasm_f32x4_gt(x, wasm_f32x4_splat(0.0f)), x, e);
}

/*
 * pow(a, b) = exp(b·log|a|) with C99 signs and specials: a < 0 needs an integer b (odd b keeps the sign, other
 * finite a < 0 give NaN); pow(a, ±0) = pow(1, b) = pow(−1, ±inf) = 1. Relative error ≈ 1.2e-7·(2 + |b·log a|).
 */
WL_INLINE v128_t wl_pow_f32x4(v128_t a, v128_t b) {
  v128_t y = wl_exp_f32x4(wasm_f32x4_mul(b, wl_log_f32x4(wl_abs_f32x4(a))));
  v128_t integer = wasm_f32x4_eq(wasm_f32x4_nearest(b), b);
  v128_t small = wasm_f32x4_lt(wl_abs_f32x4(b), WL_F32X4(0x1p24f));
  v128_t odd_bit = wasm_i32x4_shl(wasm_i32x4_trunc_sat_f32x4(wasm_v128_and(b, small)), 31);
  y = wasm_v128_or(y, wasm_v128_and(wasm_v128_and(odd_bit, integer), wl_signbit_f32x4(a)));
  v128_t negative_finite = wasm_v128_and(wasm_f32x4_lt(a, wasm_f32x4_splat(0.0f)), wasm_f32x4_gt(a, WL_F32X4(-__builtin_inff())));
  y = wl_select(wasm_v128_andnot(negative_finite, integer), WL_F32X4(__builtin_nanf("")), y);
  v128_t one = wasm_v128_or(wasm_f32x4_eq(b, wasm_f32x4_splat(0.0f)), wasm_f32x4_eq(a, WL_F32X4(1.0f)));
  one = wasm_v128_or(one, wasm_v128_and(wasm_f32x4_eq(a, WL_F32X4(-1.0f)), wasm_f32x4_eq(wl_abs_f32x4(b), WL_F32X4(__builtin_inff()))));
  return wl_select(one, WL_F32X4(1.0f), y);
}

/* Scalar helpers: lane 0 of the vector function, so scalar tails match vector lanes bit for bit. */
#define WL_SCALAR_OF(vector_fn, x) wasm_f32x4_extract_lane(vector_fn(wasm_f32x4_splat(x)), 0)

#endif
