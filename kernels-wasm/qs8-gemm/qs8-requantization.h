/*
 * fp32 requantization and int8 tail loads/stores shared by every qs8 kernel (qs8-gemm, qs8-conv, qs8-dwconv,
 * qs8-elementwise, qs8-pool).
 *
 * Op: y = min(max(round_half_even(v) + zero_point, qmin), qmax) for an f32 lane v (the int32 accumulator converted
 *   to f32 and multiplied by the f32 requantization scale, both rounded to nearest even), as XNNPACK's "fp32"
 *   requantization: v + 1.5·2^23 puts round_half_even(v) in the low mantissa bits (exact for |v| < 2^22; beyond,
 *   the result saturates to qmin or qmax like the exact formula), an i32 max with the bits of 1.5·2^23 + (qmin − zp)
 *   applies the lower clamp, subtracting (bits(1.5·2^23) − zp) leaves v + zp, and two saturating narrows
 *   (i32→i16→i8) plus an i8 min with qmax finish the clamp. No FMA anywhere: both builds give identical bits.
 * Dtypes: i32/f32 in, int8 out. qmin, qmax ∈ [−128, 127] (the fused activation's quantized range, qmin ≤ qmax).
 * Reference: requantize() in test/kernels-wasm/qs8-gemm.test.ts (and the other qs8 tests).
 */
#ifndef WL_QS8_REQUANTIZATION_H
#define WL_QS8_REQUANTIZATION_H

#include "weblite.h"

typedef struct wl_qs8_requant {
  v128_t magic_min;          /* i32 bits of 1.5·2^23 + (qmin − zero_point) */
  v128_t magic_less_zero;    /* i32 bits of 1.5·2^23, minus zero_point */
  v128_t qmax;               /* i8 lanes */
} wl_qs8_requant;

#define WL_QS8_MAGIC_BITS 0x4B400000 /* bits(1.5·2^23): ulp 1, so bits(1.5·2^23 + j) = WL_QS8_MAGIC_BITS + j */

WL_INLINE wl_qs8_requant wl_qs8_requant_init(int32_t zero_point, int32_t qmin, int32_t qmax) {
  wl_qs8_requant q;
  q.magic_min = wasm_i32x4_splat(WL_QS8_MAGIC_BITS + qmin - zero_point);
  q.magic_less_zero = wasm_i32x4_splat(WL_QS8_MAGIC_BITS - zero_point);
  q.qmax = wasm_i8x16_splat((int8_t)qmax);
  return q;
}

/* Scaled f32 lanes -> i32 lanes round_half_even(v) + zero_point, already >= qmin (the upper clamp comes later). */
WL_INLINE v128_t wl_qs8_round(v128_t v, const wl_qs8_requant* q) {
  v = wasm_f32x4_add(v, wasm_f32x4_const_splat(12582912.0f));
  return wasm_i32x4_sub(wasm_i32x4_max(v, q->magic_min), q->magic_less_zero);
}

/* i32 accumulators × f32 scale -> rounded i32 lanes (wl_qs8_round). */
WL_INLINE v128_t wl_qs8_scale_round(v128_t acc, v128_t scale, const wl_qs8_requant* q) {
  return wl_qs8_round(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc), scale), q);
}

/* Four rounded i32 vectors -> 16 int8 lanes (a, b, c, d in order), saturated and clamped to qmax. */
WL_INLINE v128_t wl_qs8_narrow(v128_t a, v128_t b, v128_t c, v128_t d, const wl_qs8_requant* q) {
  const v128_t lo = wasm_i16x8_narrow_i32x4(a, b), hi = wasm_i16x8_narrow_i32x4(c, d);
  return wasm_i8x16_min(wasm_i8x16_narrow_i16x8(lo, hi), q->qmax);
}

/*
 * Loads the n (0 < n < 16) bytes at p into the low lanes, zeros above, with one 16-byte load that ENDS at p + n
 * (so it never reads past p[n-1]; it reads up to 15 bytes before p, always inside wasm memory, whose first bytes
 * hold the module's data and stack) and a swizzle that moves the bytes down (indices >= 16 give 0).
 */
WL_INLINE v128_t wl_qs8_load_tail(const int8_t* p, size_t n) {
  const v128_t index = wasm_i8x16_add(wasm_i8x16_const(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                      wasm_i8x16_splat((int8_t)(16 - n)));
  return wasm_i8x16_swizzle(wasm_v128_load(p + n - 16), index);
}

/* Loads min(n, 16) bytes (n > 0), zeros above. */
WL_INLINE v128_t wl_qs8_load(const int8_t* p, size_t n) {
  return n >= 16 ? wasm_v128_load(p) : wl_qs8_load_tail(p, n);
}

/* Stores the low n (0 < n < 16) byte lanes of v. Out of line (../qs8-gemm/qs8-gemm.c): remainders only. */
void wl_qs8_store_tail(int8_t* p, size_t n, v128_t v);

/* Stores the low n (n > 0) byte lanes of v: a full vector when n >= 16. */
WL_INLINE void wl_qs8_store(int8_t* p, size_t n, v128_t v) {
  if (n >= 16) wasm_v128_store(p, v);
  else wl_qs8_store_tail(p, n, v);
}

/*
 * Channel tiles of 16 over a pixel's `channels` without a remainder path (depthwise conv and pooling): the tile
 * that starts at c (a multiple of 16) reads from wl_qs8_tile_base, which moves the last tile back to end at the
 * last channel (channels − 16: it recomputes and stores again some channels of the previous tile, with identical
 * values; negative below 16 channels, reading up to 15 bytes before the pixel, always inside wasm memory).
 * wl_qs8_store_tile stores such a tile: 16 lanes, or only the top `channels` lanes below 16 channels.
 */
WL_INLINE ptrdiff_t wl_qs8_tile_base(size_t c, size_t channels) {
  return c + 16 <= channels ? (ptrdiff_t)c : (ptrdiff_t)channels - 16;
}

WL_INLINE void wl_qs8_store_tile(int8_t* row, ptrdiff_t base, size_t channels, v128_t y) {
  if (channels >= 16) {
    wasm_v128_store(row + base, y);
  } else {
    const v128_t index = wasm_i8x16_add(wasm_i8x16_const(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                        wasm_i8x16_splat((int8_t)(16 - channels)));
    wl_qs8_store_tail(row, channels, wasm_i8x16_swizzle(y, index));
  }
}

#endif
