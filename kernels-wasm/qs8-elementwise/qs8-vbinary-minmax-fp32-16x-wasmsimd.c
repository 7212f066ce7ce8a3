/*
 * Op: qs8 binary elementwise with broadcasting and per-input requantization (TFLite ADD / SUB / MUL on int8, ONNX
 *   QLinearAdd / QLinearMul), fp32 method (../qs8-gemm/qs8-requantization.h):
 *   add: y = requantize(f32(f32((a − a_zp) · a_multiplier) + f32((b − b_zp) · b_multiplier)))
 *        a_multiplier = a_scale / out_scale, b_multiplier = b_scale / out_scale (f32); SUB is ADD with
 *        b_multiplier = −b_scale / out_scale.
 *   mul: y = requantize(f32((a − a_zp) · (b − b_zp)) · a_multiplier), a_multiplier = a_scale · b_scale / out_scale
 *        (f32, in that order); the product is exact in i32 and f32 (|·| ≤ 255²); b_multiplier is unused.
 *   requantize(v) = clamp(round_half_even(v) + out_zero_point, qmin, qmax).
 * Dtypes: int8 → int8 (uint8 tensors: offset by 128 at the model's edges, zero points too).
 * Layout: the output is dense, elements [start, end) (threads split anywhere). Each input is dense (mode 0: element
 *   i), a scalar (mode 1: element 0) or a channel vector (mode 2: element i mod `channels`, e.g. a [1,1,1,C] operand
 *   against [N,H,W,C]: squeeze-excite's multiply). Other broadcasts: one call per dense row with mode 0/1/2.
 * Tile: 16 elements per step (one v128 of int8): widen to i16, subtract zero points, widen to i32 (mul: i16 × i16
 *   extended multiply), f32 convert, multiply (add: and add), round, narrow. The last 1–15 through zero-padded
 *   loads that end at the last element (up to 15 bytes read before it, never past it: wl_qs8_load_tail) and
 *   partial stores. In place: y may equal a dense a or b.
 * Precision: exactly the formula above (no FMA on either build); it can differ from TFLite's reference interpreter
 *   (fixed-point multipliers, ties away from zero) by one unit.
 * Tested against: the exact formula in test/kernels-wasm/qs8-elementwise.test.ts.
 *
 * Export ([start, end) over output elements):
 *   void wl_qs8_vbinary(int32 op, size_t start, size_t end, size_t channels, const int8* a, int32 a_mode,
 *                       const int8* b, int32 b_mode, int8* y, const wl_qs8_binary_params* params)   op: 0 add, 1 mul
 */
#include "../qs8-gemm/qs8-requantization.h"

/* In wasm memory (28 bytes), written by the caller. */
typedef struct wl_qs8_binary_params {
  float a_multiplier;
  float b_multiplier;
  int32_t a_zero_point;
  int32_t b_zero_point;
  int32_t out_zero_point;
  int32_t qmin;
  int32_t qmax;
} wl_qs8_binary_params;

enum { WL_QS8_ADD = 0, WL_QS8_MUL = 1 };
enum { WL_QS8_DENSE = 0, WL_QS8_SCALAR = 1, WL_QS8_CHANNEL = 2 };

typedef struct wl_qs8_binary_vec {
  v128_t a_zero, b_zero; /* i16 lanes */
  v128_t a_mul, b_mul;   /* f32 lanes */
  wl_qs8_requant rq;
} wl_qs8_binary_vec;

/* Lanes 0-3 (LO) or 4-7 (HI) of an i16 vector -> f32. */
#define WL_QS8_LO32(v) wasm_f32x4_convert_i32x4(wasm_i32x4_extend_low_i16x8(v))
#define WL_QS8_HI32(v) wasm_f32x4_convert_i32x4(wasm_i32x4_extend_high_i16x8(v))

/* 8 lanes (i16, zero points removed) of each input -> 8 rounded i32 lanes as two vectors. */
WL_INLINE void wl_qs8_binary8(int32_t op, v128_t a, v128_t b, const wl_qs8_binary_vec* p, v128_t* lo, v128_t* hi) {
  if (op == WL_QS8_MUL) {
    *lo = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extmul_low_i16x8(a, b)), p->a_mul);
    *hi = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_extmul_high_i16x8(a, b)), p->a_mul);
  } else {
    *lo = wasm_f32x4_add(wasm_f32x4_mul(WL_QS8_LO32(a), p->a_mul), wasm_f32x4_mul(WL_QS8_LO32(b), p->b_mul));
    *hi = wasm_f32x4_add(wasm_f32x4_mul(WL_QS8_HI32(a), p->a_mul), wasm_f32x4_mul(WL_QS8_HI32(b), p->b_mul));
  }
  *lo = wl_qs8_round(*lo, &p->rq);
  *hi = wl_qs8_round(*hi, &p->rq);
}

/* 16 int8 lanes of each input -> 16 int8 outputs. */
WL_INLINE v128_t wl_qs8_binary16(int32_t op, v128_t a, v128_t b, const wl_qs8_binary_vec* p) {
  v128_t r0, r1, r2, r3;
  wl_qs8_binary8(op, wasm_i16x8_sub(wasm_i16x8_extend_low_i8x16(a), p->a_zero),
                 wasm_i16x8_sub(wasm_i16x8_extend_low_i8x16(b), p->b_zero), p, &r0, &r1);
  wl_qs8_binary8(op, wasm_i16x8_sub(wasm_i16x8_extend_high_i8x16(a), p->a_zero),
                 wasm_i16x8_sub(wasm_i16x8_extend_high_i8x16(b), p->b_zero), p, &r2, &r3);
  return wl_qs8_narrow(r0, r1, r2, r3, &p->rq);
}

/* n elements; a_splat / b_splat: that input is the value at its pointer repeated, else contiguous. */
static void wl_qs8_span(int32_t op, size_t n, const int8_t* a, int a_splat, const int8_t* b, int b_splat, int8_t* y,
                        const wl_qs8_binary_vec* p) {
  const v128_t va_splat = wasm_v128_load8_splat(a), vb_splat = wasm_v128_load8_splat(b);
  for (size_t i = 0; i < n; i += 16) {
    const size_t m = n - i;
    const v128_t va = a_splat ? va_splat : wl_qs8_load(a + i, m);
    const v128_t vb = b_splat ? vb_splat : wl_qs8_load(b + i, m);
    wl_qs8_store(y + i, m, wl_qs8_binary16(op, va, vb, p));
  }
}

void WL_EXPORT(wl_qs8_vbinary)(int32_t op, size_t start, size_t end, size_t channels, const int8_t* a, int32_t a_mode,
                               const int8_t* b, int32_t b_mode, int8_t* y, const wl_qs8_binary_params* params) {
  if (end <= start || channels == 0) return;
  wl_qs8_binary_vec p;
  p.a_zero = wasm_i16x8_splat((int16_t)params->a_zero_point);
  p.b_zero = wasm_i16x8_splat((int16_t)params->b_zero_point);
  p.a_mul = wasm_f32x4_splat(params->a_multiplier);
  p.b_mul = wasm_f32x4_splat(params->b_multiplier);
  p.rq = wl_qs8_requant_init(params->out_zero_point, params->qmin, params->qmax);
  const int by_row = a_mode == WL_QS8_CHANNEL || b_mode == WL_QS8_CHANNEL;
  for (size_t i = start; i < end;) {
    const size_t c = i % channels;
    const size_t n = by_row ? WL_MIN(end - i, channels - c) : end - i;
    const int8_t* pa = a_mode == WL_QS8_SCALAR ? a : a + (a_mode == WL_QS8_CHANNEL ? c : i);
    const int8_t* pb = b_mode == WL_QS8_SCALAR ? b : b + (b_mode == WL_QS8_CHANNEL ? c : i);
    wl_qs8_span(op, n, pa, a_mode == WL_QS8_SCALAR, pb, b_mode == WL_QS8_SCALAR, y + i, &p);
    i += n;
  }
}
