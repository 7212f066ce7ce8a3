/*
 * Exported f32 GEMM: weight packing and the driver over the 4x8 micro-kernel.
 *
 * Op: C[M x N] = act(A[M x K] · W[K x N] + bias (+ residual)), rows [m_start, m_end) only, so a thread pool can
 *   split M into disjoint ranges (any split point, not only multiples of 4: results are identical to one call).
 * Dtypes: f32. Layout: A, C, residual row-major, strides (lda, ldc, ldr) in floats; W packed once by
 *   wl_f32_gemm_pack into panels of 8 columns: [8 bias][K x 8 weights], zero-padded past N.
 * Also used for: 1x1 / stride 1 / no-pad convolution on NHWC (A = input with M = batch*H*W, K = in_c, lda = in_c;
 *   W = ONNX [out_c][in_c][1][1] packed with w_is_kxn = 0); grouped 1x1 as one call per group (A + g*Cg, lda = in_c,
 *   C + g*Ng, ldc = out_c, that group's packed weights); MatMul with a non-constant B: pack B at run time into
 *   scratch with wl_f32_gemm_pack(N, K, B, 1, 0, scratch), once per batch matrix, then call wl_f32_gemm.
 * Reference: test/kernels-wasm/gemm.test.ts.
 */
#include "gemm-ukernels.h"

/*
 * Columns are processed in blocks whose packed weights take at most this many bytes (at least one panel), all rows
 * of the range per block, so a block stays cache-resident while the A rows stream past it. Measured (relaxed, one
 * thread, bench/kernels/gemm.bench.ts): 128x4096x1024 (16 MiB of W) 20-30 -> 44-46 GFLOP/s; CNN shapes, whose
 * packed weights fit in one block, are unchanged (blocks of 64-256 KiB cost them 2-6%).
 */
#define WL_GEMM_BLOCK_BYTES (1024 * 1024)

/* Bytes of packed weights for an N-column, K-row weight matrix. */
size_t WL_EXPORT(wl_f32_gemm_packed_size)(size_t n, size_t k) { return wl_gemm_packed_floats(n, k) * sizeof(float); }

/*
 * Packs W (K x N row-major when w_is_kxn != 0, as MatMul's B; N x K row-major otherwise, as Gemm with transB or
 * conv weights) and bias (N floats, or 0 for none) into panels. `packed` holds wl_f32_gemm_packed_size(N, K) bytes.
 */
WL_MINSIZE void WL_EXPORT(wl_f32_gemm_pack)(size_t n, size_t k, const float* w, int32_t w_is_kxn, const float* bias,
                                 float* packed) {
  for (size_t n0 = 0; n0 < n; n0 += WL_GEMM_NR) {
    const size_t nr = WL_MIN(n - n0, (size_t)WL_GEMM_NR);
    for (size_t j = 0; j < WL_GEMM_NR; j++) *packed++ = (j < nr && bias != NULL) ? bias[n0 + j] : 0.0f;
    for (size_t kk = 0; kk < k; kk++) {
      for (size_t j = 0; j < WL_GEMM_NR; j++) {
        float value = 0.0f;
        if (j < nr) value = w_is_kxn ? w[kk * n + n0 + j] : w[(n0 + j) * k + kk];
        *packed++ = value;
      }
    }
  }
}

/*
 * residual: 0 for none, else M x N with row stride ldr (may equal C with ldr == ldc: in-place residual add).
 * act: pointer to a wl_activation. m_end is clamped to M.
 */
void WL_EXPORT(wl_f32_gemm)(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* packed, float* c,
                            size_t ldc, const float* residual, size_t ldr, const wl_activation* act, size_t m_start,
                            size_t m_end) {
  if (m_end > m) m_end = m;
  const size_t panel_floats = wl_gemm_panel_floats(k);
  size_t block_panels = WL_GEMM_BLOCK_BYTES / (panel_floats * sizeof(float));
  if (block_panels == 0) block_panels = 1;
  const size_t block_columns = block_panels * WL_GEMM_NR;
  for (size_t n0 = 0; n0 < n; n0 += block_columns) {
    const size_t nc = WL_MIN(n - n0, block_columns);
    const float* w = packed + n0 / WL_GEMM_NR * panel_floats;
    for (size_t m0 = m_start; m0 < m_end; m0 += WL_GEMM_MR) {
      const size_t mr = WL_MIN(m_end - m0, (size_t)WL_GEMM_MR);
      wl_f32_gemm_minmax_ukernel_4x8__wasmsimd_loadsplat(mr, nc, k, a + m0 * lda, lda, w, c + m0 * ldc + n0, ldc,
                                                          residual != NULL ? residual + m0 * ldr + n0 : NULL, ldr,
                                                          act);
    }
  }
}
