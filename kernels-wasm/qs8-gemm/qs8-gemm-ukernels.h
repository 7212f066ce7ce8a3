/*
 * Declarations of the qs8 GEMM / IGEMM micro-kernel (internal symbol) and the packed-weight geometry shared by
 * qs8-gemm.c (which also packs) and ../qs8-conv/.
 *
 * Packed weights ("panels"), per group of NR = 8 output columns:
 *   [8 × i32 bias'] [8 × f32 scale] [taps × ceil(kc/8) k-blocks × 4 steps × (cols 0-3, cols 4-7) × 4 cols × 2 k: i16]
 *   bias'[j] = bias[j] − a_zero_point · Σ_k w'[k][j] and w' = w − w_zero_point (int8 or uint8 weights widened to
 *   i16 at packing: a uint8 weight minus its zero point needs 9 bits), scale[j] = a_scale · w_scale[j] / out_scale
 *   in f32. "c2s4" k-blocking: within a block of 8 k, step s's i32 lane j (column j of a 4-column half) holds the k
 *   pair p = (j + s) mod 4, i.e. k = 8·block + 2p + {0, 1}; the kernel rotates A by one i32 lane between steps.
 *   Columns past N and k past kc are zero (weights, bias and scale), so the kernel always reads whole blocks.
 * Bytes per panel: 64 + 128 · taps · ceil(kc / 8).
 */
#ifndef WL_QS8_GEMM_UKERNELS_H
#define WL_QS8_GEMM_UKERNELS_H

#include "qs8-requantization.h"

#define WL_QS8_MINSIZE __attribute__((minsize))
#define WL_QS8_GEMM_MR 4
#define WL_QS8_GEMM_NR 8

WL_INLINE size_t wl_qs8_panel_bytes(size_t taps, size_t kc) { return 64 + 128 * taps * ((kc + 7) / 8); }
WL_INLINE size_t wl_qs8_packed_bytes(size_t n, size_t taps, size_t kc) {
  return (n + WL_QS8_GEMM_NR - 1) / WL_QS8_GEMM_NR * wl_qs8_panel_bytes(taps, kc);
}

/*
 * Indirect GEMM over mr (<= 4) rows and nc columns: row i reads, for tap t < ks, kc int8 values at
 * indirection[i * ind_stride + t] (+ a_offset bytes unless the pointer equals `zero`); c rows c_stride bytes apart.
 * A plain GEMM passes its 4 row pointers as the indirection (ks = 1, ind_stride = 1).
 */
void wl_qs8_igemm_minmax_fp32_ukernel_4x8c2s4__wasmsimd_dot16x2(size_t mr, size_t nc, size_t kc, size_t ks,
                                                                const int8_t* const* indirection, size_t ind_stride,
                                                                size_t a_offset, const int8_t* zero,
                                                                const void* packed, int8_t* c, size_t c_stride,
                                                                const wl_qs8_requant* rq);

/* A weight as an integer, minus its zero point: w[i] read as uint8 (w_is_unsigned) or int8. */
int32_t wl_qs8_weight(const uint8_t* w, size_t i, int32_t w_is_unsigned, int32_t w_zero_point);

/*
 * Packs groups × ng output columns: weight (o, t, k) at w[o·so + k·sk + t·st] (o = g·ng + j, the global column),
 * w_is_unsigned: uint8 weights, else int8; w_zero_point subtracted from every weight; bias (i32, may be NULL);
 * w_scales: one per column when per_channel != 0, else one.
 */
void wl_qs8_pack_panels(size_t groups, size_t ng, size_t taps, size_t kc, const uint8_t* w, size_t so, size_t sk,
                        size_t st, int32_t w_is_unsigned, int32_t w_zero_point, const int32_t* bias,
                        int32_t a_zero_point, float a_scale, const float* w_scales, int32_t per_channel,
                        float out_scale, void* packed);

#endif
