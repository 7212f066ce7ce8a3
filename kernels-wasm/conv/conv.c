/*
 * Exported NHWC convolution driver (indirect GEMM) for Conv and ConvTranspose, any kernel size, stride, dilation,
 * asymmetric padding (all encoded in the indirection buffer), groups and batch.
 *
 * Op: output[n][p][g*Ng + j] = act(bias + sum_{t, c} input_tap(n, p, t)[g*Cg + c] · W[g][j][t][c] (+ residual)),
 *   for output pixels q = n*out_pixels + p in [start, end): threads split the pixel range (any split gives results
 *   identical to one call). Dtypes: f32. Layout: NHWC input (image stride in_pixels*in_c floats), output and
 *   residual NHWC with out_c floats per pixel; weights from wl_f32_conv_pack / wl_f32_deconv_pack; indirection
 *   from wl_f32_conv_indirection / wl_f32_deconv_indirection (one image; taps = kernel_h*kernel_w).
 * Tiles of 4 pixels never straddle two images (each image's pixels are tiled separately).
 * 1x1, stride 1, no padding convolutions should not come here: the TypeScript side calls wl_f32_gemm on the NHWC
 *   input directly (gemm.c). Depthwise (groups == in_c == out_c) goes to wl_f32_dwconv_nhwc.
 * Reference: test/kernels-wasm/conv.test.ts.
 */
#include "../gemm/gemm-ukernels.h"

/* residual: 0 for none, else NHWC like the output (may equal output: in-place add). act: a wl_activation. */
void WL_EXPORT(wl_f32_conv_nhwc)(size_t batch, size_t in_pixels, size_t in_c, size_t out_pixels, size_t out_c,
                                 size_t groups, size_t taps, const float* const* indirection, const float* zero,
                                 const float* packed, float* output, const float* residual, const wl_activation* act,
                                 size_t start, size_t end) {
  const size_t cg = in_c / groups, ng = out_c / groups;
  const size_t group_floats = wl_gemm_packed_floats(ng, taps * cg);
  const size_t total = batch * out_pixels;
  if (end > total) end = total;
  size_t q = start;
  while (q < end) {
    const size_t n = q / out_pixels;
    const size_t p_begin = q - n * out_pixels;
    const size_t p_end = WL_MIN(out_pixels, p_begin + (end - q));
    const size_t image_offset = n * in_pixels * in_c * sizeof(float);
    for (size_t p = p_begin; p < p_end; p += WL_GEMM_MR) {
      const size_t mr = WL_MIN(p_end - p, (size_t)WL_GEMM_MR);
      const size_t row = (n * out_pixels + p) * out_c;
      for (size_t g = 0; g < groups; g++) {
        wl_f32_igemm_minmax_ukernel_4x8__wasmsimd_loadsplat(
            mr, ng, cg, taps, indirection + p * taps, taps, image_offset + g * cg * sizeof(float), zero,
            packed + g * group_floats, output + row + g * ng, out_c, residual != NULL ? residual + row + g * ng : NULL,
            out_c, act);
      }
    }
    q += p_end - p_begin;
  }
}
