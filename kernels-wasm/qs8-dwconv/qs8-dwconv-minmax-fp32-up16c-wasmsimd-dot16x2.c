/*
 * qs8 depthwise convolution, any number of taps (3x3, 5x5, 7x7, 3x1, ...: stride, dilation and padding via the
 * indirection), 16 channels per tile, WebAssembly SIMD, taps taken in pairs with i32x4.dot_i16x8_s ("dot16x2").
 *
 * Op: for each of `pixels` output pixels and channel c < channels:
 *   out[c] = requantize(bias'[c] + Σ_t in_t[c] · w'[c][t]) (fp32, ../qs8-gemm/qs8-requantization.h), in_t the tap's
 *   indirection entry (+ a_offset bytes unless it is `zero`, the padding row holding the input zero point).
 * Dtypes: int8 in/out, i16 packed weights, i32 accumulation (exact: |x·w'| ≤ 128·255).
 * Layout: NHWC; output pixels `channels` bytes apart. Weights packed per tile of 16 channels (qs8-dwconv.c):
 *   [16 × i32 bias'][16 × f32 scale][ceil(T/2) pairs × 32 × i16: c0t0 c0t1 c1t0 c1t1 … c15t0 c15t1] for the tile's
 *   16 channels base..base+15, zero for channels below 0 and for the odd tap of an odd T.
 * Tile: per tap pair, the two taps' 16 channels are loaded widened to i16 (4 × i16x8.load8x8_s), interleaved
 *   (punpcklwd / punpckhwd) and multiplied by the pre-interleaved weights with dot16: 4 dot16 + 4 adds per 32
 *   products, no separate widening of products (XNNPACK's "mul16" needs a multiply, two extends and two adds per 8
 *   products). The odd tap of an odd T pairs with itself (weights zero). 16 rather than 8 channels halves the
 *   per-pair pointer loads and loop overhead: 12-18 -> 16-23 GOP/s on MobileNetV2's 3x3 layers (x64, one thread,
 *   bench/kernels/qs8-conv.bench.ts; f32 depthwise: 11-18 GFLOP/s).
 * Remainder: no separate path. The last tile covers channels [channels − 16, channels) (wl_qs8_tile_base in
 *   ../qs8-gemm/qs8-requantization.h), overlapping the previous tile, whose channels it recomputes and stores again
 *   with identical values; below 16 channels it starts before the pixel (lanes with zero weights; up to 15 bytes
 *   read before the pixel's channels) and only its top `channels` lanes are stored. Never reads or writes past a
 *   pixel's channels; all loads are full i16x8.load8x8_s.
 * Tap pointers: offset once per pixel into a stack table (a variable-length array of taps + 1 pointers).
 * Reference: exact int32 + fp32 formula in test/kernels-wasm/qs8-dwconv.test.ts.
 */
#include "qs8-dwconv-ukernel.h"

WL_INLINE const int8_t* wl_qs8_dw_tap(const int8_t* p, size_t a_offset, const int8_t* zero) {
  return p == zero ? zero : p + a_offset;
}

#define WL_QS8_DW_PAIR(acc, x0, x1, w)                                                                             \
  do {                                                                                                             \
    acc##0 = wasm_i32x4_add(acc##0, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(x0, x1, 0, 8, 1, 9, 2, 10, 3, 11),     \
                                                         wasm_v128_load(w)));                                      \
    acc##1 = wasm_i32x4_add(acc##1, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(x0, x1, 4, 12, 5, 13, 6, 14, 7, 15),   \
                                                         wasm_v128_load((w) + 8)));                                \
  } while (0)

void wl_qs8_dwconv_minmax_fp32_ukernel_up16c__wasmsimd_dot16x2(size_t taps, size_t pixels, size_t channels,
                                                                const int8_t* const* indirection, size_t a_offset,
                                                                const int8_t* zero, const void* packed, int8_t* out,
                                                                const wl_qs8_requant* rq) {
  const int8_t* in[taps + 1]; /* on the stack: the tap pointers of one pixel, the last one repeated for odd taps */
  for (size_t p = 0; p < pixels; p++) {
#pragma clang loop vectorize(disable) unroll(disable)
    for (size_t t = 0; t < taps; t++) in[t] = wl_qs8_dw_tap(indirection[t], a_offset, zero);
    in[taps] = in[taps - 1];
    const uint8_t* w = (const uint8_t*)packed;
    for (size_t c = 0; c < channels; c += 16) {
      const ptrdiff_t base = wl_qs8_tile_base(c, channels);
      v128_t acca0 = wasm_v128_load(w), acca1 = wasm_v128_load(w + 16);
      v128_t accb0 = wasm_v128_load(w + 32), accb1 = wasm_v128_load(w + 48);
      const int16_t* wp = (const int16_t*)(w + 128);
      for (size_t t = 0; t < taps; t += 2) {
        const int8_t* i0 = in[t] + base;
        const int8_t* i1 = in[t + 1] + base;
        const v128_t x0a = wasm_i16x8_load8x8(i0), x0b = wasm_i16x8_load8x8(i0 + 8);
        const v128_t x1a = wasm_i16x8_load8x8(i1), x1b = wasm_i16x8_load8x8(i1 + 8);
        WL_QS8_DW_PAIR(acca, x0a, x1a, wp);
        WL_QS8_DW_PAIR(accb, x0b, x1b, wp + 16);
        wp += 32;
      }
      const v128_t y = wl_qs8_narrow(wl_qs8_scale_round(acca0, wasm_v128_load(w + 64), rq),
                                     wl_qs8_scale_round(acca1, wasm_v128_load(w + 80), rq),
                                     wl_qs8_scale_round(accb0, wasm_v128_load(w + 96), rq),
                                     wl_qs8_scale_round(accb1, wasm_v128_load(w + 112), rq), rq);
      wl_qs8_store_tile(out, base, channels, y);
      w = (const uint8_t*)wp;
    }
    indirection += taps;
    out += channels;
  }
}
