/*
 * qs8 indirect GEMM micro-kernel (also the plain GEMM: its rows passed as a 1-tap indirection), MR x NR = 4 x 8,
 * WebAssembly SIMD, "c2s4" k-blocking with i32x4.dot_i16x8_s ("dot16x2").
 *
 * Op: for 4 rows (output pixels) and nc columns: c = requantize(bias' + Σ_t Σ_k A_t[k] · w'[t][k][n]) with A_t the
 *   row's tap pointer (indirection[i·ind_stride + t], + a_offset bytes unless it equals `zero`, the padding row,
 *   which the caller fills with the input zero point so that padding contributes a_zero_point·w, cancelled by bias').
 * Dtypes: int8 A and C, i16 packed weights (qs8-gemm-ukernels.h), i32 accumulation: exact while
 *   |bias'| + kc·ks·128·|w'|max < 2^31 (int8 weights: kc·ks up to ~131000; uint8 weights, |w'| ≤ 255: ~65000),
 *   fp32 requantization (qs8-requantization.h).
 * Tile: 8 i32x4 accumulators (4 rows x 2 halves of 4 columns). Per block of 8 k: 4 i16x8.load8x8_s of A (int8 ->
 *   i16), then 4 steps of {2 weight loads, 8 dot16 + add} with A rotated one i32 lane (pshufd) between steps, so
 *   no horizontal reduction is needed at the end. This is XNNPACK's 4x4c2s4 wasmsimd scheme with NR = 8 (each
 *   rotated A feeds two weight vectors) and weights pre-widened to i16 at packing (no extends of B in the loop).
 *   The step loop stays rolled: unrolled, clang hoists the block's 8 weight loads above the dot products and V8
 *   (which does not reschedule) spilled accumulators; rolled, V8 keeps all 15 values in registers. Measured on
 *   MobileNetV2 1x1 shapes (bench/kernels/qs8-gemm.bench.ts, x64, one thread): 45-61 -> 70-79 GOP/s.
 * Remainders: mr < 4 aliases the missing rows to the last valid one (same pointers, identical results); nc % 8 with
 *   partial stores (out of line); kc % 8 with one last block whose A bytes past kc are loaded as zeros (weights
 *   there are zero too).
 * Reads past the end: never (A: up to kc bytes per tap, the kc % 8 tail with a 16-byte load ending at the row's
 *   end, i.e. up to 15 bytes before it, see wl_qs8_load_tail; W: whole panels, as packed).
 * Relaxed build: the same code. i32x4.relaxed_dot_i8x16_i7x16_add_s is exact only with one operand in [0, 127];
 *   int8 activations and weights are 8-bit (uint8 data too, shifted or not). The exact split (7 low bits + sign
 *   bit: two relaxed dots per 16 products) issues as many dot instructions as dot16, and V8 on x64 without AVX-VNNI
 *   (the bench machine is a Zen 4) lowers each to pmaddubsw + pmaddwd + paddd. Besides, Node 20's V8 rejects
 *   clang-19's encoding of the instruction ("not enough arguments on the stack for i32x4.dot_i8x16_i7x16_add_s"):
 *   the whole relaxed module would fail to compile there.
 * Reference: int32 GEMM + the fp32 requantization formula in test/kernels-wasm/qs8-gemm.test.ts (exact).
 */
#include "qs8-gemm-ukernels.h"

#define WL_QS8_DOT(acc, va, vb) acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(va, vb))
#define WL_QS8_ROTATE(v) v = wasm_i32x4_shuffle(v, v, 1, 2, 3, 0)

/* One step s of a block: weights for columns 0-3 and 4-7 at w, w + 8 (i16). */
#define WL_QS8_STEP(w)                                        \
  do {                                                        \
    const v128_t vb0 = wasm_v128_load(w);                     \
    const v128_t vb1 = wasm_v128_load((w) + 8);               \
    WL_QS8_DOT(vacc0x0, va0, vb0); WL_QS8_DOT(vacc0x1, va0, vb1); \
    WL_QS8_DOT(vacc1x0, va1, vb0); WL_QS8_DOT(vacc1x1, va1, vb1); \
    WL_QS8_DOT(vacc2x0, va2, vb0); WL_QS8_DOT(vacc2x1, va2, vb1); \
    WL_QS8_DOT(vacc3x0, va3, vb0); WL_QS8_DOT(vacc3x1, va3, vb1); \
  } while (0)

WL_INLINE const int8_t* wl_qs8_tap(const int8_t* p, size_t a_offset, const int8_t* zero) {
  return p == zero ? zero : p + a_offset;
}

void wl_qs8_igemm_minmax_fp32_ukernel_4x8c2s4__wasmsimd_dot16x2(size_t mr, size_t nc, size_t kc, size_t ks,
                                                                const int8_t* const* indirection, size_t ind_stride,
                                                                size_t a_offset, const int8_t* zero,
                                                                const void* packed, int8_t* c, size_t c_stride,
                                                                const wl_qs8_requant* rq) {
  const int8_t* const* ind0 = indirection;
  int8_t* c0 = c;
  const int8_t* const* ind1 = ind0 + ind_stride;
  int8_t* c1 = c0 + c_stride;
  if (mr < 2) { ind1 = ind0; c1 = c0; }
  const int8_t* const* ind2 = ind1 + ind_stride;
  int8_t* c2 = c1 + c_stride;
  if (mr <= 2) { ind2 = ind1; c2 = c1; }
  const int8_t* const* ind3 = ind2 + ind_stride;
  int8_t* c3 = c2 + c_stride;
  if (mr != 4) { ind3 = ind2; c3 = c2; }
  const uint8_t* panel = (const uint8_t*)packed;

  while (nc != 0) {
    v128_t vacc0x0 = wasm_v128_load(panel);
    v128_t vacc0x1 = wasm_v128_load(panel + 16);
    v128_t vacc1x0 = vacc0x0, vacc1x1 = vacc0x1;
    v128_t vacc2x0 = vacc0x0, vacc2x1 = vacc0x1;
    v128_t vacc3x0 = vacc0x0, vacc3x1 = vacc0x1;
    const v128_t vscale0 = wasm_v128_load(panel + 32);
    const v128_t vscale1 = wasm_v128_load(panel + 48);
    const int16_t* w = (const int16_t*)(panel + 64);

    for (size_t t = 0; t < ks; t++) {
      const int8_t* a0 = wl_qs8_tap(ind0[t], a_offset, zero);
      const int8_t* a1 = wl_qs8_tap(ind1[t], a_offset, zero);
      const int8_t* a2 = wl_qs8_tap(ind2[t], a_offset, zero);
      const int8_t* a3 = wl_qs8_tap(ind3[t], a_offset, zero);
      for (size_t k = kc; k != 0;) {
        v128_t va0, va1, va2, va3;
        if (k >= 8) {
          va0 = wasm_i16x8_load8x8(a0); a0 += 8;
          va1 = wasm_i16x8_load8x8(a1); a1 += 8;
          va2 = wasm_i16x8_load8x8(a2); a2 += 8;
          va3 = wasm_i16x8_load8x8(a3); a3 += 8;
          k -= 8;
        } else {
          va0 = wasm_i16x8_extend_low_i8x16(wl_qs8_load_tail(a0, k));
          va1 = wasm_i16x8_extend_low_i8x16(wl_qs8_load_tail(a1, k));
          va2 = wasm_i16x8_extend_low_i8x16(wl_qs8_load_tail(a2, k));
          va3 = wasm_i16x8_extend_low_i8x16(wl_qs8_load_tail(a3, k));
          k = 0;
        }
        /* Rolled on purpose (see the header). The 4th rotation restores A; it is not needed. */
#pragma clang loop unroll(disable)
        for (size_t s = 0; s < 4; s++) {
          WL_QS8_STEP(w);
          WL_QS8_ROTATE(va0); WL_QS8_ROTATE(va1); WL_QS8_ROTATE(va2); WL_QS8_ROTATE(va3);
          w += 16;
        }
      }
    }
    panel = (const uint8_t*)w;

#define WL_QS8_ROUND(acc, scale) wl_qs8_scale_round(acc, scale, rq)
    const v128_t vout01 = wl_qs8_narrow(WL_QS8_ROUND(vacc0x0, vscale0), WL_QS8_ROUND(vacc0x1, vscale1),
                                        WL_QS8_ROUND(vacc1x0, vscale0), WL_QS8_ROUND(vacc1x1, vscale1), rq);
    const v128_t vout23 = wl_qs8_narrow(WL_QS8_ROUND(vacc2x0, vscale0), WL_QS8_ROUND(vacc2x1, vscale1),
                                        WL_QS8_ROUND(vacc3x0, vscale0), WL_QS8_ROUND(vacc3x1, vscale1), rq);
    /* Rows 1 and 3 sit in the high halves. Aliased rows hold identical values, so store order does not matter. */
    if (nc >= 8) {
      wasm_v128_store64_lane(c3, vout23, 1);
      wasm_v128_store64_lane(c2, vout23, 0);
      wasm_v128_store64_lane(c1, vout01, 1);
      wasm_v128_store64_lane(c0, vout01, 0);
      c0 += 8; c1 += 8; c2 += 8; c3 += 8;
      nc -= 8;
    } else {
      wl_qs8_store_tail(c3, nc, wasm_i64x2_shuffle(vout23, vout23, 1, 1));
      wl_qs8_store_tail(c2, nc, vout23);
      wl_qs8_store_tail(c1, nc, wasm_i64x2_shuffle(vout01, vout01, 1, 1));
      wl_qs8_store_tail(c0, nc, vout01);
      nc = 0;
    }
  }
}
