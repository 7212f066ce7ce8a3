/*
 * Weight packing for the indirect-GEMM convolution (f32-igemm-minmax-4x8-wasmsimd-loadsplat.c).
 *
 * Layout: per group g (groups blocks, one after the other), per panel of 8 output channels of that group:
 *   [8 bias][taps x Cg x 8 weights], tap t = ky*kernel_w + kx outer, input channel c inner, zero-padded past the
 *   group's Ng = out_c / groups output channels. Bytes: wl_f32_conv_packed_size. For groups = 1 and 1x1 kernels this
 *   is exactly wl_f32_gemm_pack(out_c, in_c, W, 0, bias) (gemm.c).
 * Reference: test/kernels-wasm/conv.test.ts.
 */
#include "../gemm/gemm-ukernels.h"

/* Bytes of packed weights: groups x ceil(Ng / 8) panels of (8 + 8 * taps * Cg) floats. */
size_t WL_EXPORT(wl_f32_conv_packed_size)(size_t out_c, size_t in_c_per_group, size_t groups, size_t taps) {
  return groups * wl_gemm_packed_floats(out_c / groups, taps * in_c_per_group) * sizeof(float);
}

/* Conv: weights in ONNX OIHW, [out_c][Cg][kernel_h][kernel_w] (taps = kernel_h*kernel_w); bias: out_c floats or 0. */
WL_MINSIZE void WL_EXPORT(wl_f32_conv_pack)(size_t out_c, size_t in_c_per_group, size_t groups, size_t taps,
                                            const float* weights, const float* bias, float* packed) {
  const size_t ng = out_c / groups, k = in_c_per_group * taps;
  for (size_t g = 0; g < groups; g++) {
    wl_f32_pack_panels(ng, in_c_per_group, taps, weights + g * ng * k, bias != NULL ? bias + g * ng : NULL, packed);
    packed += wl_gemm_packed_floats(ng, k);
  }
}

/*
 * ConvTranspose: weights in ONNX layout [in_c][out_c / groups][kernel_h][kernel_w], in_c = groups * Cg; same packed
 * layout (size: wl_f32_conv_packed_size(out_c, in_c / groups, groups, taps)). Runs with wl_f32_conv_nhwc and an
 * indirection from wl_f32_deconv_indirection. No kernel flip is needed in the gather form.
 */
WL_MINSIZE void WL_EXPORT(wl_f32_deconv_pack)(size_t out_c, size_t in_c_per_group, size_t groups, size_t taps,
                                   const float* weights, const float* bias, float* packed) {
  const size_t ng = out_c / groups, cg = in_c_per_group;
  for (size_t g = 0; g < groups; g++) {
    for (size_t n0 = 0; n0 < ng; n0 += WL_GEMM_NR) {
      const size_t nr = WL_MIN(ng - n0, (size_t)WL_GEMM_NR);
      for (size_t j = 0; j < WL_GEMM_NR; j++) *packed++ = (j < nr && bias != NULL) ? bias[g * ng + n0 + j] : 0.0f;
      for (size_t t = 0; t < taps; t++) {
        for (size_t c = 0; c < cg; c++) {
          for (size_t j = 0; j < WL_GEMM_NR; j++) {
            *packed++ = j < nr ? weights[((g * cg + c) * ng + n0 + j) * taps + t] : 0.0f;
          }
        }
      }
    }
  }
}
