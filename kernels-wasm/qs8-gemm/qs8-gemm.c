/*
 * Exported qs8 GEMM: weight packing (shared with ../qs8-conv/) and the driver over the 4x8c2s4 micro-kernel.
 *
 * Op (TFLite FullyConnected / 1x1 conv / ONNX QLinearMatMul with constant B):
 *   C[m][n] = clamp(round_half_even(f32(acc) · scale[n]) + out_zero_point, qmin, qmax),
 *   acc = bias[n] + Σ_k (A[m][k] − a_zero_point) · (W[k][n] − w_zero_point), for rows [m_start, m_end) (threads
 *   split M at any row: results are identical to one call).
 * Dtypes: int8 activations (uint8 ones: subtract 128 from the data and from a_zero_point / out_zero_point at the
 *   model's edges), int8 or uint8 weights with a per-tensor zero point (0 for TFLite's symmetric int8), per-channel
 *   or per-tensor f32 weight scales, i32 bias. Layout: A, C row-major, strides lda, ldc in elements (bytes).
 * Also used for: 1x1 / stride 1 / no-pad convolution on NHWC (A = input, M = batch·H·W, K = in_c; W = OIHW packed
 *   with w_is_kxn = 0).
 * Reference: test/kernels-wasm/qs8-gemm.test.ts.
 */
#include "qs8-gemm-ukernels.h"

__attribute__((noinline)) WL_QS8_MINSIZE void wl_qs8_store_tail(int8_t* p, size_t n, v128_t v) {
  int8_t lanes[16];
  wasm_v128_store(lanes, v);
  for (size_t i = 0; i < n; i++) p[i] = lanes[i];
}

/* A weight as an integer, minus its zero point: w[i] read as uint8 (w_is_unsigned) or int8. */
__attribute__((noinline)) WL_QS8_MINSIZE int32_t wl_qs8_weight(const uint8_t* w, size_t i, int32_t w_is_unsigned,
                                                               int32_t w_zero_point) {
  return (w_is_unsigned ? (int32_t)w[i] : (int32_t)(int8_t)w[i]) - w_zero_point;
}

WL_QS8_MINSIZE void wl_qs8_pack_panels(size_t groups, size_t ng, size_t taps, size_t kc, const uint8_t* w, size_t so,
                                       size_t sk, size_t st, int32_t w_is_unsigned, int32_t w_zero_point,
                                       const int32_t* bias, int32_t a_zero_point, float a_scale, const float* w_scales,
                                       int32_t per_channel, float out_scale, void* packed) {
  const size_t blocks = (kc + 7) / 8;
  uint8_t* out = (uint8_t*)packed;
#define WL_QS8_W(o, t, k) wl_qs8_weight(w, (o) * so + (k) * sk + (t) * st, w_is_unsigned, w_zero_point)
  for (size_t g = 0; g < groups; g++) {
    for (size_t n0 = 0; n0 < ng; n0 += WL_QS8_GEMM_NR) {
      const size_t nr = WL_MIN(ng - n0, (size_t)WL_QS8_GEMM_NR);
      const size_t o0 = g * ng + n0;
      int32_t* b = (int32_t*)out;
      float* scale = (float*)(out + 32);
      for (size_t j = 0; j < WL_QS8_GEMM_NR; j++) {
        int32_t sum = 0;
        if (j < nr) {
          for (size_t t = 0; t < taps; t++)
            for (size_t k = 0; k < kc; k++) sum += WL_QS8_W(o0 + j, t, k);
        }
        b[j] = j < nr ? (bias != NULL ? bias[o0 + j] : 0) - a_zero_point * sum : 0;
        scale[j] = j < nr ? a_scale * w_scales[per_channel ? o0 + j : 0] / out_scale : 0.0f;
      }
      int16_t* q = (int16_t*)(out + 64);
      for (size_t t = 0; t < taps; t++) {
        for (size_t block = 0; block < blocks; block++) {
          for (size_t s = 0; s < 4; s++) {
            for (size_t j = 0; j < WL_QS8_GEMM_NR; j++) {
              for (size_t e = 0; e < 2; e++) {
                const size_t k = block * 8 + 2 * ((j + s) % 4) + e;
                *q++ = (int16_t)(j < nr && k < kc ? WL_QS8_W(o0 + j, t, k) : 0);
              }
            }
          }
        }
      }
      out = (uint8_t*)q;
    }
  }
#undef WL_QS8_W
}

/* Bytes of packed weights for N columns and K rows: ceil(N / 8) · (64 + 128 · ceil(K / 8)). */
size_t WL_EXPORT(wl_qs8_gemm_packed_size)(size_t n, size_t k) { return wl_qs8_packed_bytes(n, 1, k); }

/*
 * Packs W (K x N row-major when w_is_kxn != 0, as MatMul's B; N x K otherwise, as FullyConnected or OIHW 1x1
 * weights). w_is_unsigned: uint8 weights (else int8); w_zero_point: subtracted from every weight. bias: N int32
 * (scale a_scale · w_scale) or 0. w_scales: N floats when per_channel != 0, else 1. scale[n] = a_scale · w_scale[n]
 * / out_scale, evaluated in f32 in that order. `packed` holds wl_qs8_gemm_packed_size(N, K) bytes.
 */
WL_QS8_MINSIZE void WL_EXPORT(wl_qs8_gemm_pack)(size_t n, size_t k, const uint8_t* w, int32_t w_is_kxn,
                                                int32_t w_is_unsigned, int32_t w_zero_point, const int32_t* bias,
                                                int32_t a_zero_point, float a_scale, const float* w_scales,
                                                int32_t per_channel, float out_scale, void* packed) {
  wl_qs8_pack_panels(1, n, 1, k, w, w_is_kxn ? 1 : k, w_is_kxn ? n : 1, 0, w_is_unsigned, w_zero_point, bias,
                     a_zero_point, a_scale, w_scales, per_channel, out_scale, packed);
}

/*
 * C = requantized A · W for rows [m_start, m_end) (m_end clamped to M). out_zero_point, qmin, qmax: the output's
 * zero point and the fused activation's quantized range (no activation: -128, 127).
 */
WL_QS8_MINSIZE void WL_EXPORT(wl_qs8_gemm)(size_t m, size_t n, size_t k, const int8_t* a, size_t lda,
                                           const void* packed, int8_t* c, size_t ldc, int32_t out_zero_point,
                                           int32_t qmin, int32_t qmax, size_t m_start, size_t m_end) {
  if (m_end > m) m_end = m;
  const wl_qs8_requant rq = wl_qs8_requant_init(out_zero_point, qmin, qmax);
  for (size_t m0 = m_start; m0 < m_end; m0 += WL_QS8_GEMM_MR) {
    const size_t mr = WL_MIN(m_end - m0, (size_t)WL_QS8_GEMM_MR);
    const int8_t* rows[WL_QS8_GEMM_MR];
    for (size_t i = 0; i < mr; i++) rows[i] = a + (m0 + i) * lda;
    wl_qs8_igemm_minmax_fp32_ukernel_4x8c2s4__wasmsimd_dot16x2(mr, n, k, 1, rows, 1, 0, NULL, packed, c + m0 * ldc,
                                                               ldc, &rq);
  }
}
