/*
 * Exported qs8 NHWC convolution (indirect GEMM): byte-addressed indirection, OIHW weight packing and the driver
 * over the 4x8c2s4 micro-kernel (../qs8-gemm/qs8-igemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2.c). Any kernel size,
 * stride, dilation, asymmetric padding (all in the indirection), groups and batch.
 *
 * Op: output[n][p][g·Ng + j] = clamp(round_half_even(f32(acc) · scale[o]) + out_zero_point, qmin, qmax),
 *   acc = bias[o] + Σ_{t, c} (input_tap(n, p, t)[g·Cg + c] − a_zero_point) · (W[o][c][t] − w_zero_point), o = g·Ng + j,
 *   a padding tap reading the input zero point (so it adds nothing), for output pixels q = n·out_pixels + p in
 *   [start, end) (threads split the pixel range; any split gives results identical to one call).
 * Dtypes: int8 NHWC activations, int8/uint8 OIHW weights, i32 bias; see ../qs8-gemm/qs8-gemm.c for the scales.
 * Tiles of 4 pixels never straddle two images. 1x1 / stride 1 / no-pad convolutions go to wl_qs8_gemm on the NHWC
 *   input directly; depthwise (groups == in_c == out_c) to wl_qs8_dwconv_nhwc.
 * Speed (x64, one thread, bench/kernels/qs8-conv.bench.ts): 70-76 GOP/s on 3x3 64->64 / 512->512; 17 GOP/s on
 *   MobileNet's 3-channel stem, where every tap is a kc % 8 remainder block (3 of 8 k used), as in XNNPACK.
 * Reference: test/kernels-wasm/qs8-conv.test.ts.
 */
#include "../qs8-gemm/qs8-gemm-ukernels.h"

/* The f32 indirection builder (../conv/conv-indirection.c), reused with a byte rescale. */
void wl_f32_conv_indirection(const float** indirection, const float* input, const float* zero, size_t in_h,
                             size_t in_w, size_t in_c, size_t out_h, size_t out_w, size_t kernel_h, size_t kernel_w,
                             size_t stride_h, size_t stride_w, size_t dilation_h, size_t dilation_w, size_t pad_top,
                             size_t pad_left);

/*
 * Indirection for int8 NHWC inputs (conv, depthwise and pooling): the layout and arguments of
 * wl_f32_conv_indirection, with input pixels in_c bytes apart. Padding taps point at `zero`, which the caller fills
 * with the input zero point (at least in_c / groups bytes for conv, channels for depthwise and average pooling;
 * max pooling only compares against it). Runs the f32 builder with a sentinel for `zero` (input − 4, which no
 * pixel address input + 4·i·in_c can equal), then divides each pixel's byte offset by 4.
 */
WL_QS8_MINSIZE void WL_EXPORT(wl_qs8_conv_indirection)(const int8_t** indirection, const int8_t* input,
                                                       const int8_t* zero, size_t in_h, size_t in_w, size_t in_c,
                                                       size_t out_h, size_t out_w, size_t kernel_h, size_t kernel_w,
                                                       size_t stride_h, size_t stride_w, size_t dilation_h,
                                                       size_t dilation_w, size_t pad_top, size_t pad_left) {
  const int8_t* sentinel = input - 4;
  wl_f32_conv_indirection((const float**)indirection, (const float*)input, (const float*)sentinel, in_h, in_w, in_c,
                          out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top,
                          pad_left);
  const size_t count = out_h * out_w * kernel_h * kernel_w;
  for (size_t i = 0; i < count; i++) {
    const int8_t* p = indirection[i];
    indirection[i] = p == sentinel ? zero : input + ((uintptr_t)p - (uintptr_t)input) / 4;
  }
}

/* Bytes of packed weights: groups · ceil(Ng / 8) panels of 64 + 128 · taps · ceil(Cg / 8) bytes. */
size_t WL_EXPORT(wl_qs8_conv_packed_size)(size_t out_c, size_t in_c_per_group, size_t groups, size_t taps) {
  return groups * wl_qs8_packed_bytes(out_c / groups, taps, in_c_per_group);
}

/*
 * weights: OIHW [out_c][Cg][kernel_h][kernel_w] (taps = kernel_h·kernel_w), int8 or uint8 (w_is_unsigned) minus
 * w_zero_point; bias: out_c int32 or 0; w_scales: out_c floats (per_channel != 0) or 1; scale[o] =
 * a_scale · w_scale[o] / out_scale in f32. Layout: ../qs8-gemm/qs8-gemm-ukernels.h with taps outer, channels inner.
 */
WL_QS8_MINSIZE void WL_EXPORT(wl_qs8_conv_pack)(size_t out_c, size_t in_c_per_group, size_t groups, size_t taps,
                                                const uint8_t* weights, int32_t w_is_unsigned, int32_t w_zero_point,
                                                const int32_t* bias, int32_t a_zero_point, float a_scale,
                                                const float* w_scales, int32_t per_channel, float out_scale,
                                                void* packed) {
  wl_qs8_pack_panels(groups, out_c / groups, taps, in_c_per_group, weights, in_c_per_group * taps, taps, 1,
                     w_is_unsigned, w_zero_point, bias, a_zero_point, a_scale, w_scales, per_channel, out_scale,
                     packed);
}

/*
 * indirection: from wl_qs8_conv_indirection (one image, `taps` entries per output pixel); zero: the padding row.
 * out_zero_point, qmin, qmax: output zero point and the fused activation's quantized range.
 */
WL_QS8_MINSIZE void WL_EXPORT(wl_qs8_conv_nhwc)(size_t batch, size_t in_pixels, size_t in_c, size_t out_pixels,
                                                size_t out_c, size_t groups, size_t taps,
                                                const int8_t* const* indirection, const int8_t* zero,
                                                const void* packed, int8_t* output, int32_t out_zero_point,
                                                int32_t qmin, int32_t qmax, size_t start, size_t end) {
  const size_t cg = in_c / groups, ng = out_c / groups;
  const size_t group_bytes = wl_qs8_packed_bytes(ng, taps, cg);
  const wl_qs8_requant rq = wl_qs8_requant_init(out_zero_point, qmin, qmax);
  const size_t total = batch * out_pixels;
  if (end > total) end = total;
  size_t q = start;
  while (q < end) {
    const size_t n = q / out_pixels;
    const size_t p_begin = q - n * out_pixels;
    const size_t p_end = WL_MIN(out_pixels, p_begin + (end - q));
    for (size_t p = p_begin; p < p_end; p += WL_QS8_GEMM_MR) {
      const size_t mr = WL_MIN(p_end - p, (size_t)WL_QS8_GEMM_MR);
      int8_t* row = output + (n * out_pixels + p) * out_c;
      for (size_t g = 0; g < groups; g++) {
        wl_qs8_igemm_minmax_fp32_ukernel_4x8c2s4__wasmsimd_dot16x2(
            mr, ng, cg, taps, indirection + p * taps, taps, n * in_pixels * in_c + g * cg, zero,
            (const uint8_t*)packed + g * group_bytes, row + g * ng, out_c, &rq);
      }
    }
    q += p_end - p_begin;
  }
}
