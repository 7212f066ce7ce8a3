/*
 * Declarations of the f32 GEMM / IGEMM micro-kernels (internal symbols, not exported from the module) and the
 * packed-weight geometry they share. See each kernel's file for its contract.
 *
 * Packed weights ("panels"): for every group of NR = 8 output columns, [8 bias][K rows of 8 weights], zero-padded
 * past N (bias and weights), so a panel is (8 + 8K) floats and the kernels always load full 8-wide rows of W.
 */
#ifndef WL_GEMM_UKERNELS_H
#define WL_GEMM_UKERNELS_H

#include "weblite.h"

/* For run-once code (packing, indirection and scale tables): optimise for size, not speed. */
#define WL_MINSIZE __attribute__((minsize))

#define WL_GEMM_MR 4
#define WL_GEMM_NR 8

/* Floats in one packed panel of K rows. */
WL_INLINE size_t wl_gemm_panel_floats(size_t k) { return WL_GEMM_NR + WL_GEMM_NR * k; }
/* Floats of packed weights for N columns and K rows. */
WL_INLINE size_t wl_gemm_packed_floats(size_t n, size_t k) {
  return (n + WL_GEMM_NR - 1) / WL_GEMM_NR * wl_gemm_panel_floats(k);
}

/*
 * Panels for n output channels of one group: weights [n][cg][taps] (row-major, as ONNX OIHW or a GEMM's N x K with
 * taps = 1), bias n floats or NULL; row r of a panel is tap t = r / cg, input channel c = r % cg. Writes
 * wl_gemm_packed_floats(n, cg * taps) floats. (gemm.c; used by wl_f32_gemm_pack and wl_f32_conv_pack.)
 */
void wl_f32_pack_panels(size_t n, size_t cg, size_t taps, const float* weights, const float* bias, float* packed);

/* C[mr x nc] = act(A[mr x kc] · W + bias (+ R)); strides in floats; r = NULL for no residual. */
void wl_f32_gemm_minmax_ukernel_4x8__wasmsimd_loadsplat(size_t mr, size_t nc, size_t kc, const float* a,
                                                         size_t a_stride, const float* w, float* c, size_t c_stride,
                                                         const float* r, size_t r_stride, const wl_activation* act);

/*
 * Indirect GEMM: row i reads, for tap t, kc floats at indirection[i * ind_stride + t] (+ a_offset bytes unless the
 * pointer equals `zero`); W holds ks taps x kc rows per panel.
 */
void wl_f32_igemm_minmax_ukernel_4x8__wasmsimd_loadsplat(size_t mr, size_t nc, size_t kc, size_t ks,
                                                          const float* const* indirection, size_t ind_stride,
                                                          size_t a_offset, const float* zero, const float* w, float* c,
                                                          size_t c_stride, const float* r, size_t r_stride,
                                                          const wl_activation* act);

#endif
