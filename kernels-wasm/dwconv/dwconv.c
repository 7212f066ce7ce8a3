/*
 * Exported NHWC depthwise convolution (groups == in_c == out_c, channel multiplier 1): weight packing and the driver.
 *
 * Op: output[n][p][c] = act(bias[c] + sum_t input_tap(n, p, t)[c] · W[c][t] (+ residual[n][p][c])) for output pixels
 *   q = n*out_pixels + p in [start, end) (threads split the range; any split gives results identical to one call).
 * Kernels: 9 taps -> 9p8c (3x3), 25 taps -> 25p8c (5x5), anything else -> up8c. Stride, dilation and padding are
 *   in the indirection (wl_f32_conv_indirection with in_c = channels); `zero` must hold `channels` zero floats.
 * Packed weights: per tile of 8 channels, [8 bias][tap0: 8 weights]...[tap(T-1): 8 weights], zero-padded past
 *   `channels` (ceil(channels/8) * (8 + 8*taps) floats).
 * Reference: test/kernels-wasm/dwconv.test.ts.
 */
#include "../gemm/gemm-ukernels.h" /* WL_MINSIZE */
#include "dwconv-ukernel.h"

void wl_dwconv_remainder(size_t taps, const float* const* in, int resolve, size_t a_offset, const float* zero, size_t c,
                         size_t n, const float* w, float* out, const float* r, const wl_act_vec* params) {
  v128_t acc0 = wasm_v128_load(w), acc1 = wasm_v128_load(w + 4);
  for (size_t t = 0; t < taps; t++) {
    v128_t lo, hi;
    wl_dwconv_load_partial((resolve ? wl_offset_input(in[t], a_offset, zero) : in[t]) + c, n, &lo, &hi);
    acc0 = wl_madd_f32x4(lo, wasm_v128_load(w + 8 + 8 * t), acc0);
    acc1 = wl_madd_f32x4(hi, wasm_v128_load(w + 12 + 8 * t), acc1);
  }
  v128_t v[2] = {acc0, acc1};
  if (r != NULL) {
    v128_t lo, hi;
    wl_dwconv_load_partial(r, n, &lo, &hi);
    v[0] = wasm_f32x4_add(v[0], lo);
    v[1] = wasm_f32x4_add(v[1], hi);
  }
  wl_act_apply_f32x4(v, 2, params);
  if (n >= 4) {
    wasm_v128_store(out, v[0]);
    if (n > 4) wl_store_partial_f32x4(out + 4, n - 4, v[1]);
  } else {
    wl_store_partial_f32x4(out, n, v[0]);
  }
}

/* Bytes of packed depthwise weights. */
size_t WL_EXPORT(wl_f32_dwconv_packed_size)(size_t channels, size_t taps) {
  return (channels + WL_DWCONV_CT - 1) / WL_DWCONV_CT * (WL_DWCONV_CT + WL_DWCONV_CT * taps) * sizeof(float);
}

/* weights: ONNX [channels][1][kernel_h][kernel_w] (taps = kernel_h*kernel_w); bias: channels floats or 0. */
WL_MINSIZE void WL_EXPORT(wl_f32_dwconv_pack)(size_t channels, size_t taps, const float* weights, const float* bias,
                                   float* packed) {
  for (size_t c0 = 0; c0 < channels; c0 += WL_DWCONV_CT) {
    const size_t cr = WL_MIN(channels - c0, (size_t)WL_DWCONV_CT);
    for (size_t j = 0; j < WL_DWCONV_CT; j++) *packed++ = (j < cr && bias != NULL) ? bias[c0 + j] : 0.0f;
    for (size_t t = 0; t < taps; t++) {
      for (size_t j = 0; j < WL_DWCONV_CT; j++) *packed++ = j < cr ? weights[(c0 + j) * taps + t] : 0.0f;
    }
  }
}

/* residual: 0 for none, else NHWC like the output (may equal output). act: a wl_activation. */
void WL_EXPORT(wl_f32_dwconv_nhwc)(size_t batch, size_t in_pixels, size_t channels, size_t out_pixels, size_t taps,
                                   const float* const* indirection, const float* zero, const float* packed,
                                   float* output, const float* residual, const wl_activation* act, size_t start,
                                   size_t end) {
  const size_t total = batch * out_pixels;
  if (end > total) end = total;
  size_t q = start;
  while (q < end) {
    const size_t n = q / out_pixels;
    const size_t p = q - n * out_pixels;
    const size_t count = WL_MIN(out_pixels - p, end - q);
    const size_t a_offset = n * in_pixels * channels * sizeof(float);
    const float* const* ind = indirection + p * taps;
    float* out = output + q * channels;
    const float* r = residual != NULL ? residual + q * channels : NULL;
    if (taps == 9) {
      wl_f32_dwconv_minmax_ukernel_9p8c__wasmsimd(count, channels, ind, a_offset, zero, packed, out, r, act);
    } else if (taps == 25) {
      wl_f32_dwconv_minmax_ukernel_25p8c__wasmsimd(count, channels, ind, a_offset, zero, packed, out, r, act);
    } else {
      wl_f32_dwconv_minmax_ukernel_up8c__wasmsimd(taps, count, channels, ind, a_offset, zero, packed, out, r, act);
    }
    q += count;
  }
}
