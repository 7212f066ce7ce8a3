/*
 * int8 pooling, NHWC, 16 channels per tile, WebAssembly SIMD: average pooling over an indirection buffer and global
 * average pooling with fp32 requantization (../qs8-gemm/qs8-requantization.h), and max pooling (s8, no
 * requantization). One out-of-line pixel routine serves all three exports (pooling is memory-bound and rare in
 * int8 models; one copy keeps the module small).
 *
 * Op:
 *   average:  y[c] = clamp(round_half_even(f32(f32(Σ_t x_t[c] − T·in_zero_point) · m)) + out_zero_point, qmin, qmax)
 *             T = taps; padding taps point at `zero`, which holds `channels` bytes equal to in_zero_point (so they
 *             add nothing); m = f32(scale · inv_divisor[p]) with inv_divisor from wl_f32_avgpool_scales (1/divisor,
 *             the divisor counting padding or not: count_include_pad; TFLite excludes it).
 *   global:   the same with T = pixels (H·W) and m = f32(scale · f32(1 / pixels)).
 *             scale = in_scale / out_scale (f32; TFLite requires them equal, ONNX QLinearAveragePool does not).
 *   max:      y[c] = clamp(max over the non-padding taps of x_t[c], qmin, qmax): TFLite's int8 MaxPool2D keeps the
 *             input's scale and zero point. Taps equal to `zero` are skipped (never read); a pixel whose every tap
 *             is padding gives qmin.
 * Dtypes: int8 in/out; average sums exact: i16 partial sums over at most 256 inputs (|Σ| ≤ 256·128), then i32.
 * Remainder: the last tile moved back to end at the last channel (wl_qs8_tile_base: overlapping tiles store
 *   identical values twice; below 16 channels it reads up to 15 bytes before a pixel's channels, never past them,
 *   and stores only the valid lanes). Global pooling tiles [c_start, c_end) the same way.
 * Rounding vs TFLite's reference interpreter (integer division of the sum with ties away from zero): ties
 *   (Σ − T·zp)/divisor = k + ½ may differ by one unit, and f32 rounding of m (not of the exact ratio) near ties.
 * Reference: test/kernels-wasm/qs8-pool.test.ts (exact).
 *
 * Exports (output pixels q = n·out_pixels + p in [start, end); indirection: wl_qs8_conv_indirection, one image):
 *   void wl_qs8_avgpool_nhwc(size_t batch, size_t in_pixels, size_t channels, size_t out_pixels, size_t taps,
 *        const int8* const* indirection, const int8* zero, const float* inv_divisors, float scale,
 *        int32 in_zero_point, int32 out_zero_point, int32 qmin, int32 qmax, int8* output, size_t start, size_t end)
 *   void wl_qs8_global_avgpool_nhwc(size_t batch, size_t pixels, size_t channels, const int8* input, int8* output,
 *        float scale, int32 in_zero_point, int32 out_zero_point, int32 qmin, int32 qmax, size_t c_start,
 *        size_t c_end)         output[n][c] for c in [c_start, c_end) (threads split channels)
 *   void wl_s8_maxpool_nhwc(size_t batch, size_t in_pixels, size_t channels, size_t out_pixels, size_t taps,
 *        const int8* const* indirection, const int8* zero, int32 qmin, int32 qmax, int8* output, size_t start,
 *        size_t end)
 */
#include "../qs8-gemm/qs8-gemm-ukernels.h" /* WL_QS8_MINSIZE */

/*
 * One output pixel: `width` channels (tiles of 16, wl_qs8_tile_base) pooled over `count` inputs. Input i is
 * indirection[i] (+ a_offset unless it is `zero`), or base + i·stride when indirection is NULL. is_max: max pooling
 * (zero taps skipped, lanes start at qmin), else average.
 */
__attribute__((noinline)) WL_QS8_MINSIZE static void wl_qs8_pool_pixel(int is_max, size_t count,
                                                                       const int8_t* const* indirection,
                                                                       size_t a_offset, const int8_t* zero,
                                                                       const int8_t* base, size_t stride,
                                                                       size_t width, int32_t in_zero_point, float m,
                                                                       int32_t out_zero_point, int32_t qmin,
                                                                       int32_t qmax, int8_t* out) {
  const wl_qs8_requant requant = wl_qs8_requant_init(out_zero_point, qmin, qmax);
  const wl_qs8_requant* rq = &requant;
  const v128_t vm = wasm_f32x4_splat(m);
  for (size_t c = 0; c < width; c += 16) {
    const ptrdiff_t tile = wl_qs8_tile_base(c, width);
    v128_t acc0 = wasm_i32x4_splat(-(int32_t)count * in_zero_point);
    v128_t acc1 = acc0, acc2 = acc0, acc3 = acc0;
    v128_t max = wasm_i8x16_splat((int8_t)qmin);
    for (size_t i0 = 0; i0 < count; i0 += 256) {
      const size_t i1 = WL_MIN(count, i0 + 256);
      v128_t lo = wasm_i16x8_splat(0), hi = lo;
      for (size_t i = i0; i < i1; i++) {
        const int8_t* p = base + i * stride;
        if (indirection != NULL) {
          p = indirection[i] == zero ? zero : indirection[i] + a_offset;
          if (is_max && p == zero) continue;
        }
        const v128_t x = wasm_v128_load(p + tile);
        max = wasm_i8x16_max(max, x);
        lo = wasm_i16x8_add(lo, wasm_i16x8_extend_low_i8x16(x));
        hi = wasm_i16x8_add(hi, wasm_i16x8_extend_high_i8x16(x));
      }
      acc0 = wasm_i32x4_add(acc0, wasm_i32x4_extend_low_i16x8(lo));
      acc1 = wasm_i32x4_add(acc1, wasm_i32x4_extend_high_i16x8(lo));
      acc2 = wasm_i32x4_add(acc2, wasm_i32x4_extend_low_i16x8(hi));
      acc3 = wasm_i32x4_add(acc3, wasm_i32x4_extend_high_i16x8(hi));
    }
    v128_t y = wasm_i8x16_min(max, rq->qmax);
    if (!is_max) {
      y = wl_qs8_narrow(wl_qs8_scale_round(acc0, vm, rq), wl_qs8_scale_round(acc1, vm, rq),
                        wl_qs8_scale_round(acc2, vm, rq), wl_qs8_scale_round(acc3, vm, rq), rq);
    }
    wl_qs8_store_tile(out, tile, width, y);
  }
}

/* is_max: 1 for wl_s8_maxpool_nhwc (inv_divisors, scale and zero points unused), 0 for wl_qs8_avgpool_nhwc. */
WL_QS8_MINSIZE static void wl_qs8_pool_nhwc(int is_max, size_t batch, size_t in_pixels, size_t channels,
                                            size_t out_pixels, size_t taps, const int8_t* const* indirection,
                                            const int8_t* zero, const float* inv_divisors, float scale,
                                            int32_t in_zero_point, int32_t out_zero_point, int32_t qmin,
                                            int32_t qmax, int8_t* output, size_t start, size_t end) {
  const size_t total = batch * out_pixels;
  if (end > total) end = total;
  for (size_t q = start; q < end; q++) {
    const size_t n = q / out_pixels, p = q - n * out_pixels;
    wl_qs8_pool_pixel(is_max, taps, indirection + p * taps, n * in_pixels * channels, zero, NULL, 0, channels,
                      in_zero_point, is_max ? 0.0f : scale * inv_divisors[p], out_zero_point, qmin, qmax,
                      output + q * channels);
  }
}

WL_QS8_MINSIZE void WL_EXPORT(wl_qs8_avgpool_nhwc)(size_t batch, size_t in_pixels, size_t channels, size_t out_pixels,
                                                   size_t taps, const int8_t* const* indirection, const int8_t* zero,
                                                   const float* inv_divisors, float scale, int32_t in_zero_point,
                                                   int32_t out_zero_point, int32_t qmin, int32_t qmax, int8_t* output,
                                                   size_t start, size_t end) {
  wl_qs8_pool_nhwc(0, batch, in_pixels, channels, out_pixels, taps, indirection, zero, inv_divisors, scale,
                   in_zero_point, out_zero_point, qmin, qmax, output, start, end);
}

WL_QS8_MINSIZE void WL_EXPORT(wl_s8_maxpool_nhwc)(size_t batch, size_t in_pixels, size_t channels, size_t out_pixels,
                                                  size_t taps, const int8_t* const* indirection, const int8_t* zero,
                                                  int32_t qmin, int32_t qmax, int8_t* output, size_t start,
                                                  size_t end) {
  wl_qs8_pool_nhwc(1, batch, in_pixels, channels, out_pixels, taps, indirection, zero, NULL, 0.0f, 0, 0, qmin, qmax,
                   output, start, end);
}

WL_QS8_MINSIZE void WL_EXPORT(wl_qs8_global_avgpool_nhwc)(size_t batch, size_t pixels, size_t channels,
                                                          const int8_t* input, int8_t* output, float scale,
                                                          int32_t in_zero_point, int32_t out_zero_point, int32_t qmin,
                                                          int32_t qmax, size_t c_start, size_t c_end) {
  if (c_end > channels) c_end = channels;
  if (c_end <= c_start) return;
  const float m = scale * (1.0f / (float)pixels);
  for (size_t n = 0; n < batch; n++) {
    wl_qs8_pool_pixel(0, pixels, NULL, 0, NULL, input + n * pixels * channels + c_start, channels, c_end - c_start,
                      in_zero_point, m, out_zero_point, qmin, qmax, output + n * channels + c_start);
  }
}
