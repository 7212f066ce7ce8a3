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
 * Rows [j, j_end) of a panel from weight element i0 on: rows are output channels of k = cg x taps floats, element
 * i = c*taps + t going to panel row t*cg + c (column j of 8).
 */
WL_MINSIZE static void pack_rows(size_t j, size_t j_end, size_t i0, size_t k, size_t cg, size_t taps, const float* rows,
                                 float* panel) {
  for (; j < j_end; j++) {
    size_t c = i0 / taps, t = i0 % taps;
    for (size_t i = i0; i < k; i++) {
      panel[(t * cg + c) * WL_GEMM_NR + j] = rows[j * k + i];
      if (++t == taps) t = 0, c++;
    }
  }
}

/*
 * Full panels: 4 weights of each of the 8 channels are loaded as vectors, transposed in registers (two 4x4
 * transposes) and stored as 4 panel rows of 8; K past a multiple of 4 and partial panels (zero-filled first) go one
 * float at a time. Run once per session, so minsize; still ~2x the scalar -O3 loop it replaces (resnet18's 11.2M
 * conv weights, copy into wasm memory included: 12.6 -> 7.9 ms on a 2-core EPYC, Node 20) at 1/30 of its size.
 */
WL_MINSIZE void wl_f32_pack_panels(size_t n, size_t cg, size_t taps, const float* weights, const float* bias,
                                   float* packed) {
  const size_t k = cg * taps, k4 = k & ~(size_t)3;
  for (size_t n0 = 0; n0 < n; n0 += WL_GEMM_NR, packed += k * WL_GEMM_NR) {
    const size_t nr = WL_MIN(n - n0, (size_t)WL_GEMM_NR);
    const float* rows = weights + n0 * k;
    for (size_t j = 0; j < WL_GEMM_NR; j++) *packed++ = (j < nr && bias != NULL) ? bias[n0 + j] : 0.0f;
    if (nr < WL_GEMM_NR) {
      __builtin_memset(packed, 0, k * WL_GEMM_NR * sizeof(float));
      pack_rows(0, nr, 0, k, cg, taps, rows, packed);
    } else {
      float* out[4];
      size_t c = 0, t = 0;
      for (size_t i = 0; i < k4; i += 4) {
        for (size_t q = 0; q < 4; q++) {
          out[q] = packed + (t * cg + c) * WL_GEMM_NR;
          if (++t == taps) t = 0, c++;
        }
        for (size_t half = 0; half < WL_GEMM_NR; half += 4) {
          const float* r = rows + half * k + i;
          const v128_t a = wasm_v128_load(r), b = wasm_v128_load(r + k);
          const v128_t x = wasm_v128_load(r + 2 * k), y = wasm_v128_load(r + 3 * k);
          const v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
          const v128_t xy_lo = wasm_i32x4_shuffle(x, y, 0, 4, 1, 5), xy_hi = wasm_i32x4_shuffle(x, y, 2, 6, 3, 7);
          wasm_v128_store(out[0] + half, wasm_i32x4_shuffle(ab_lo, xy_lo, 0, 1, 4, 5));
          wasm_v128_store(out[1] + half, wasm_i32x4_shuffle(ab_lo, xy_lo, 2, 3, 6, 7));
          wasm_v128_store(out[2] + half, wasm_i32x4_shuffle(ab_hi, xy_hi, 0, 1, 4, 5));
          wasm_v128_store(out[3] + half, wasm_i32x4_shuffle(ab_hi, xy_hi, 2, 3, 6, 7));
        }
      }
      pack_rows(0, WL_GEMM_NR, k4, k, cg, taps, rows, packed);
    }
  }
}

/*
 * Packs W (K x N row-major when w_is_kxn != 0, as MatMul's B; N x K row-major otherwise, as Gemm with transB or
 * conv weights) and bias (N floats, or 0 for none) into panels. `packed` holds wl_f32_gemm_packed_size(N, K) bytes.
 */
WL_MINSIZE void WL_EXPORT(wl_f32_gemm_pack)(size_t n, size_t k, const float* w, int32_t w_is_kxn, const float* bias,
                                 float* packed) {
  if (!w_is_kxn) {
    wl_f32_pack_panels(n, k, 1, w, bias, packed);
    return;
  }
  for (size_t n0 = 0; n0 < n; n0 += WL_GEMM_NR) {
    const size_t nr = WL_MIN(n - n0, (size_t)WL_GEMM_NR);
    for (size_t j = 0; j < WL_GEMM_NR; j++) *packed++ = (j < nr && bias != NULL) ? bias[n0 + j] : 0.0f;
    for (size_t kk = 0; kk < k; kk++) {
      for (size_t j = 0; j < WL_GEMM_NR; j++) *packed++ = j < nr ? w[kk * n + n0 + j] : 0.0f;
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
