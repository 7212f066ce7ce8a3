/*
 * Indirection buffers for NHWC convolution, transposed convolution, depthwise convolution and pooling.
 *
 * Op: for every output pixel (oy, ox) of ONE image and every kernel tap (ky, kx), the address of the input pixel's
 *   first channel, or `zero` where the tap falls in the padding (or, for ConvTranspose, on no input pixel).
 * Layout: indirection[(oy * out_w + ox) * kernel_h * kernel_w + ky * kernel_w + kx], one wasm32 pointer each
 *   (out_h * out_w * kernel_h * kernel_w * 4 bytes). Input pixels are in_c floats apart (NHWC, image 0).
 * Use: built once per (node, input address) at plan time; kernels add the batch-image offset (and the group's
 *   channel offset) to every entry that is not `zero`, so one buffer serves every image and group. Rebuild when the
 *   input's address or shape changes. `zero` must hold at least as many zero floats as a kernel reads per tap
 *   (conv: in_c / groups; depthwise: channels); pooling kernels only compare against it and never read it.
 * Reads past the end: n/a (no input is read). Reference: the direct loops in test/kernels-wasm/conv.test.ts.
 */
#include "../gemm/gemm-ukernels.h" /* WL_MINSIZE */

/* Convolution, depthwise convolution, max and average pooling: iy = oy*stride_h - pad_top + ky*dilation_h. */
WL_MINSIZE void WL_EXPORT(wl_f32_conv_indirection)(const float** indirection, const float* input, const float* zero,
                                                   size_t in_h, size_t in_w, size_t in_c, size_t out_h, size_t out_w,
                                                   size_t kernel_h, size_t kernel_w, size_t stride_h, size_t stride_w,
                                                   size_t dilation_h, size_t dilation_w, size_t pad_top,
                                                   size_t pad_left) {
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      for (size_t ky = 0; ky < kernel_h; ky++) {
        /* Unsigned arithmetic: a coordinate above the padding wraps to a huge value and fails the < in_h test. */
        const size_t iy = oy * stride_h + ky * dilation_h - pad_top;
        for (size_t kx = 0; kx < kernel_w; kx++) {
          const size_t ix = ox * stride_w + kx * dilation_w - pad_left;
          *indirection++ = (iy < in_h && ix < in_w) ? input + (iy * in_w + ix) * in_c : zero;
        }
      }
    }
  }
}

/*
 * ConvTranspose (gather form): output (oy, ox) receives input (iy, ix) through tap (ky, kx) when
 * oy + pad_top - ky*dilation_h = iy*stride_h (and likewise for x). Taps with no such input pixel point at `zero`.
 * output_padding only enlarges out_h/out_w, which the caller computes.
 */
WL_MINSIZE void WL_EXPORT(wl_f32_deconv_indirection)(const float** indirection, const float* input,
                                                     const float* zero, size_t in_h, size_t in_w, size_t in_c,
                                                     size_t out_h, size_t out_w, size_t kernel_h, size_t kernel_w,
                                                     size_t stride_h, size_t stride_w, size_t dilation_h,
                                                     size_t dilation_w, size_t pad_top, size_t pad_left) {
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      for (size_t ky = 0; ky < kernel_h; ky++) {
        const size_t y = oy + pad_top - ky * dilation_h; /* wraps when negative: fails the range test */
        const size_t iy = y / stride_h;
        const int valid_y = y < in_h * stride_h && iy * stride_h == y;
        for (size_t kx = 0; kx < kernel_w; kx++) {
          const size_t x = ox + pad_left - kx * dilation_w;
          const size_t ix = x / stride_w;
          const int valid = valid_y && x < in_w * stride_w && ix * stride_w == x;
          *indirection++ = valid ? input + (iy * in_w + ix) * in_c : zero;
        }
      }
    }
  }
}
