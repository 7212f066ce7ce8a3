/*
 * Exported qs8 NHWC depthwise convolution (groups == in_c == out_c, channel multiplier 1): weight packing and the
 * driver over qs8-dwconv-minmax-fp32-up16c-wasmsimd-dot16x2.c (one kernel for 3x3, 5x5 and any other tap count).
 *
 * Op: output[n][p][c] = clamp(round_half_even(f32(acc) · scale[c]) + out_zero_point, qmin, qmax),
 *   acc = bias[c] + Σ_t (input_tap(n, p, t)[c] − a_zero_point) · (W[c][t] − w_zero_point), padding taps adding 0,
 *   for output pixels q = n·out_pixels + p in [start, end) (threads split the range; any split gives results
 *   identical to one call). Stride, dilation and padding are in the indirection (wl_qs8_conv_indirection with
 *   in_c = channels); `zero` holds `channels` bytes equal to the input zero point.
 * Dtypes: int8 activations, int8/uint8 weights [channels][1][kernel_h][kernel_w] with a per-tensor zero point, i32
 *   bias, per-channel or per-tensor f32 weight scales; scale[c] = a_scale · w_scale[c] / out_scale in f32.
 * Packed weights: per tile of 16 channels [16 × i32 bias'][16 × f32 scale][ceil(T/2) × 32 × i16 tap pairs]
 *   (qs8-dwconv-ukernel.h), bias'[c] = bias[c] − a_zero_point · Σ_t (W[c][t] − w_zero_point); the last tile holds
 *   channels [channels − 16, channels) (see wl_qs8_tile_base in ../qs8-gemm/qs8-requantization.h).
 * Reference: test/kernels-wasm/qs8-dwconv.test.ts.
 */
#include "qs8-dwconv-ukernel.h"

/* Bytes of packed depthwise weights: ceil(channels / 16) · (128 + 64 · ceil(taps / 2)). */
size_t WL_EXPORT(wl_qs8_dwconv_packed_size)(size_t channels, size_t taps) {
  return (channels + WL_QS8_DWCONV_CT - 1) / WL_QS8_DWCONV_CT * wl_qs8_dwconv_tile_bytes(taps);
}

/* weights: [channels][taps] int8 (or uint8 when w_is_unsigned); bias: channels int32 or 0; w_scales: channels
   floats when per_channel != 0, else 1. */
WL_QS8_MINSIZE void WL_EXPORT(wl_qs8_dwconv_pack)(size_t channels, size_t taps, const uint8_t* weights,
                                                  int32_t w_is_unsigned, int32_t w_zero_point, const int32_t* bias,
                                                  int32_t a_zero_point, float a_scale, const float* w_scales,
                                                  int32_t per_channel, float out_scale, void* packed) {
  uint8_t* out = (uint8_t*)packed;
#define WL_QS8_W(c, t) wl_qs8_weight(weights, (c) * taps + (t), w_is_unsigned, w_zero_point)
  for (size_t c0 = 0; c0 < channels; c0 += WL_QS8_DWCONV_CT) {
    const ptrdiff_t base = wl_qs8_tile_base(c0, channels);
    int32_t* b = (int32_t*)out;
    float* scale = (float*)(out + 4 * WL_QS8_DWCONV_CT);
    int16_t* q = (int16_t*)(out + 8 * WL_QS8_DWCONV_CT);
    for (size_t j = 0; j < WL_QS8_DWCONV_CT; j++) {
      const ptrdiff_t c = base + (ptrdiff_t)j;
      int32_t sum = 0;
      for (size_t t = 0; c >= 0 && t < taps; t++) sum += WL_QS8_W(c, t);
      b[j] = c >= 0 ? (bias != NULL ? bias[c] : 0) - a_zero_point * sum : 0;
      scale[j] = c >= 0 ? a_scale * w_scales[per_channel ? c : 0] / out_scale : 0.0f;
      for (size_t t = 0; t < taps; t += 2) {
        q[16 * t + 2 * j] = (int16_t)(c >= 0 ? WL_QS8_W(c, t) : 0);
        q[16 * t + 2 * j + 1] = (int16_t)(c >= 0 && t + 1 < taps ? WL_QS8_W(c, t + 1) : 0);
      }
    }
    out += wl_qs8_dwconv_tile_bytes(taps);
  }
#undef WL_QS8_W
}

/* indirection: wl_qs8_conv_indirection over one image (taps entries per output pixel). */
WL_QS8_MINSIZE void WL_EXPORT(wl_qs8_dwconv_nhwc)(size_t batch, size_t in_pixels, size_t channels,
                                                  size_t out_pixels, size_t taps, const int8_t* const* indirection,
                                                  const int8_t* zero, const void* packed, int8_t* output,
                                                  int32_t out_zero_point, int32_t qmin, int32_t qmax, size_t start,
                                                  size_t end) {
  const wl_qs8_requant rq = wl_qs8_requant_init(out_zero_point, qmin, qmax);
  const size_t total = batch * out_pixels;
  if (end > total) end = total;
  for (size_t q = start; q < end;) {
    const size_t n = q / out_pixels, p = q - n * out_pixels;
    const size_t count = WL_MIN(out_pixels - p, end - q);
    wl_qs8_dwconv_minmax_fp32_ukernel_up16c__wasmsimd_dot16x2(taps, count, channels, indirection + p * taps,
                                                              n * in_pixels * channels, zero, packed,
                                                              output + q * channels, &rq);
    q += count;
  }
}
