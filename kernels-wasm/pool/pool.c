/*
 * Exported NHWC pooling drivers: max and average pooling over an indirection buffer, their divisor table, and
 * global average / max pooling.
 *
 * Max/average: output pixels q = n*out_pixels + p in [start, end) (threads split the range); `taps` =
 *   kernel_h*kernel_w; indirection from wl_f32_conv_indirection(ind, input, zero, in_h, in_w, channels, ...) with the
 *   pooling's strides, dilations and begin pads; `zero` is any address distinct from the input (never read).
 *   ceil_mode only changes out_h/out_w, which the caller computes. Padding taps are skipped: MaxPool ignores them;
 *   AveragePool divides by the per-pixel divisor baked into `scales` (wl_f32_avgpool_scales).
 * Global: output[n][c] = max or mean over the image's pixels, channels [c_start, c_end) (threads split channels).
 * Dtypes: f32. Reference: test/kernels-wasm/pool.test.ts.
 */
#include "../gemm/gemm-ukernels.h" /* WL_MINSIZE */
#include "pool-ukernel.h"

void WL_EXPORT(wl_f32_maxpool_nhwc)(size_t batch, size_t in_pixels, size_t channels, size_t out_pixels, size_t taps,
                                    const float* const* indirection, const float* zero, float* output, size_t start,
                                    size_t end) {
  const size_t total = batch * out_pixels;
  if (end > total) end = total;
  for (size_t q = start; q < end;) {
    const size_t n = q / out_pixels, p = q - n * out_pixels;
    const size_t count = WL_MIN(out_pixels - p, end - q);
    wl_f32_maxpool_ukernel_up8c__wasmsimd(taps, count, channels, indirection + p * taps,
                                          n * in_pixels * channels * sizeof(float), zero, output + q * channels);
    q += count;
  }
}

/* scales: out_pixels floats from wl_f32_avgpool_scales (the same for every image). */
void WL_EXPORT(wl_f32_avgpool_nhwc)(size_t batch, size_t in_pixels, size_t channels, size_t out_pixels, size_t taps,
                                    const float* const* indirection, const float* zero, const float* scales,
                                    float* output, size_t start, size_t end) {
  const size_t total = batch * out_pixels;
  if (end > total) end = total;
  for (size_t q = start; q < end;) {
    const size_t n = q / out_pixels, p = q - n * out_pixels;
    const size_t count = WL_MIN(out_pixels - p, end - q);
    wl_f32_avgpool_ukernel_up8c__wasmsimd(taps, count, channels, indirection + p * taps,
                                          n * in_pixels * channels * sizeof(float), zero, scales + p,
                                          output + q * channels);
    q += count;
  }
}

/* Taps of one axis whose coordinate lies in [lo, hi). */
static size_t wl_pool_count(size_t o, size_t kernel, size_t stride, size_t dilation, size_t pad_begin, int32_t lo,
                            int32_t hi) {
  size_t count = 0;
  for (size_t k = 0; k < kernel; k++) {
    const int32_t i = (int32_t)(o * stride + k * dilation) - (int32_t)pad_begin;
    count += i >= lo && i < hi;
  }
  return count;
}

/*
 * scales[oy*out_w + ox] = 1 / divisor. count_include_pad != 0: the taps inside the padded input
 * [-pad_top, in_h + pad_bottom) x [-pad_left, in_w + pad_right) (a ceil_mode window's part beyond the end padding
 * is not counted, as in PyTorch); 0: the taps inside the input. A divisor of 0 gives scale 0.
 */
WL_MINSIZE void WL_EXPORT(wl_f32_avgpool_scales)(float* scales, size_t in_h, size_t in_w, size_t out_h, size_t out_w,
                                      size_t kernel_h, size_t kernel_w, size_t stride_h, size_t stride_w,
                                      size_t dilation_h, size_t dilation_w, size_t pad_top, size_t pad_left,
                                      size_t pad_bottom, size_t pad_right, int32_t count_include_pad) {
  const int32_t y_lo = count_include_pad ? -(int32_t)pad_top : 0;
  const int32_t y_hi = (int32_t)in_h + (count_include_pad ? (int32_t)pad_bottom : 0);
  const int32_t x_lo = count_include_pad ? -(int32_t)pad_left : 0;
  const int32_t x_hi = (int32_t)in_w + (count_include_pad ? (int32_t)pad_right : 0);
  for (size_t oy = 0; oy < out_h; oy++) {
    const size_t rows = wl_pool_count(oy, kernel_h, stride_h, dilation_h, pad_top, y_lo, y_hi);
    for (size_t ox = 0; ox < out_w; ox++) {
      const size_t divisor = rows * wl_pool_count(ox, kernel_w, stride_w, dilation_w, pad_left, x_lo, x_hi);
      *scales++ = divisor != 0 ? 1.0f / (float)divisor : 0.0f;
    }
  }
}

/* is_max: 1 for max, 0 for mean. Channel blocks of 16 (4 independent chains), then 4, then 1..3. */
static void wl_global_pool(int is_max, size_t batch, size_t pixels, size_t channels, const float* input,
                           float* output, size_t c_start, size_t c_end) {
  if (c_end > channels) c_end = channels;
  const v128_t init = is_max ? wasm_f32x4_const_splat(-__builtin_inff()) : wasm_f32x4_const_splat(0.0f);
  const v128_t scale = wasm_f32x4_splat(is_max ? 1.0f : 1.0f / (float)pixels);
  for (size_t n = 0; n < batch; n++) {
    const float* image = input + n * pixels * channels;
    float* out = output + n * channels;
    size_t c = c_start;
    while (c < c_end) {
      const size_t left = c_end - c;
      const size_t width = left >= 16 ? 16 : left >= 4 ? 4 : left;
      v128_t acc[4] = {init, init, init, init};
      const float* x = image + c;
      for (size_t p = 0; p < pixels; p++, x += channels) {
        const size_t vectors = width == 16 ? 4 : 1;
        for (size_t v = 0; v < vectors; v++) {
          const v128_t value = width >= 4 ? wasm_v128_load(x + 4 * v) : wl_load_partial_f32x4(x, width);
          acc[v] = is_max ? wasm_f32x4_pmax(acc[v], value) : wasm_f32x4_add(acc[v], value);
        }
      }
      if (width >= 4) {
        for (size_t v = 0; v < width / 4; v++) wasm_v128_store(out + c + 4 * v, wasm_f32x4_mul(acc[v], scale));
      } else {
        wl_store_partial_f32x4(out + c, width, wasm_f32x4_mul(acc[0], scale));
      }
      c += width;
    }
  }
}

/* output[n][c] = mean over the pixels (pixels = H*W) of input[n][.][c], for c in [c_start, c_end). */
void WL_EXPORT(wl_f32_global_avgpool_nhwc)(size_t batch, size_t pixels, size_t channels, const float* input,
                                           float* output, size_t c_start, size_t c_end) {
  wl_global_pool(0, batch, pixels, channels, input, output, c_start, c_end);
}

/* output[n][c] = max over the pixels of input[n][.][c], for c in [c_start, c_end). */
void WL_EXPORT(wl_f32_global_maxpool_nhwc)(size_t batch, size_t pixels, size_t channels, const float* input,
                                           float* output, size_t c_start, size_t c_end) {
  wl_global_pool(1, batch, pixels, channels, input, output, c_start, c_end);
}
