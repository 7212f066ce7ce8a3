/*
 * f32 indirect GEMM (convolution) micro-kernel, MR x NR = 4 x 8, WebAssembly SIMD, "loadsplat" strategy.
 *
 * Op: for 4 output pixels (rows) and nc output channels: C = act(sum over taps t of A_t[kc] · W_t + bias (+ R)),
 *   where row i's A_t is the pointer indirection[i * ind_stride + t] (see conv-indirection.c): the input pixel's
 *   channels, advanced by a_offset bytes (batch image and group channel offset) unless it equals `zero`, the shared
 *   zero row used for padding taps (never offset: it needs only kc zero floats).
 * Dtypes: f32. Layout: input NHWC via the indirection; C and R rows (output pixels) c_stride / r_stride floats
 *   apart; W packed per 8-column panel as [8 bias][ks taps x kc channels x 8] (conv-pack.c).
 * Tile: 8 v128 accumulators seeded with bias; per tap and channel 4 load32_splat, 2 W loads, 8 multiply-adds (the
 *   same body as f32-gemm-minmax-4x8-wasmsimd-loadsplat.c, whose header says why loadsplat rather than splat).
 *   A tap whose 4 row pointers are all `zero` is skipped (adds exact zeros; only the sign of a zero result may differ).
 * Remainders: mr < 4 by aliasing the missing rows to the last valid row (same indirection row, same output row);
 *   nc % 8 with partial stores (../gemm/f32-4x8-epilogue.h).
 * Activation: in registers before the store, except SIGMOID/SILU/GELU/TANH/ELU: one pass over the stored mr x nc
 *   block at the end of the call (activation-epilogue.h explains why).
 * Reads past the end: never. Accumulation: f32 in (tap, channel) order, identical for every row and any split.
 * Reference: float64 direct convolution in test/kernels-wasm/conv.test.ts.
 */
#include "../gemm/f32-4x8-epilogue.h"
#include "../gemm/gemm-ukernels.h"
#include "indirection.h"

void wl_f32_igemm_minmax_ukernel_4x8__wasmsimd_loadsplat(size_t mr, size_t nc, size_t kc, size_t ks,
                                                          const float* const* indirection, size_t ind_stride,
                                                          size_t a_offset, const float* zero, const float* w, float* c,
                                                          size_t c_stride, const float* r, size_t r_stride,
                                                          const wl_activation* act) {
  const float* const* ind0 = indirection;
  float* c0 = c;
  const float* const* ind1 = ind0 + ind_stride;
  float* c1 = c0 + c_stride;
  if (mr < 2) { ind1 = ind0; c1 = c0; }
  const float* const* ind2 = ind1 + ind_stride;
  float* c2 = c1 + c_stride;
  if (mr <= 2) { ind2 = ind1; c2 = c1; }
  const float* const* ind3 = ind2 + ind_stride;
  float* c3 = c2 + c_stride;
  if (mr != 4) { ind3 = ind2; c3 = c2; }
  const float *r0 = NULL, *r1 = NULL, *r2 = NULL, *r3 = NULL;
  if (r != NULL) {
    r0 = r;
    r1 = mr < 2 ? r0 : r0 + r_stride;
    r2 = mr <= 2 ? r1 : r1 + r_stride;
    r3 = mr != 4 ? r2 : r2 + r_stride;
  }
  const wl_act_vec params = wl_act_vec_load(act);
  const size_t n_total = nc;

  while (nc != 0) {
    v128_t vacc0x0123 = wasm_v128_load(w);
    v128_t vacc0x4567 = wasm_v128_load(w + 4);
    v128_t vacc1x0123 = vacc0x0123, vacc1x4567 = vacc0x4567;
    v128_t vacc2x0123 = vacc0x0123, vacc2x4567 = vacc0x4567;
    v128_t vacc3x0123 = vacc0x0123, vacc3x4567 = vacc0x4567;
    w += 8;

    for (size_t t = 0; t < ks; t++) {
      const float* a0 = ind0[t];
      const float* a1 = ind1[t];
      const float* a2 = ind2[t];
      const float* a3 = ind3[t];
      if (a0 == zero && a1 == zero && a2 == zero && a3 == zero) {
        w += kc * 8;
        continue;
      }
      a0 = wl_offset_input(a0, a_offset, zero);
      a1 = wl_offset_input(a1, a_offset, zero);
      a2 = wl_offset_input(a2, a_offset, zero);
      a3 = wl_offset_input(a3, a_offset, zero);
      for (size_t k = kc; k != 0; k--) {
        const v128_t vb0123 = wasm_v128_load(w);
        const v128_t vb4567 = wasm_v128_load(w + 4);
        w += 8;
        const v128_t va0 = wasm_v128_load32_splat(a0++);
        vacc0x0123 = wl_madd_f32x4(va0, vb0123, vacc0x0123);
        vacc0x4567 = wl_madd_f32x4(va0, vb4567, vacc0x4567);
        const v128_t va1 = wasm_v128_load32_splat(a1++);
        vacc1x0123 = wl_madd_f32x4(va1, vb0123, vacc1x0123);
        vacc1x4567 = wl_madd_f32x4(va1, vb4567, vacc1x4567);
        const v128_t va2 = wasm_v128_load32_splat(a2++);
        vacc2x0123 = wl_madd_f32x4(va2, vb0123, vacc2x0123);
        vacc2x4567 = wl_madd_f32x4(va2, vb4567, vacc2x4567);
        const v128_t va3 = wasm_v128_load32_splat(a3++);
        vacc3x0123 = wl_madd_f32x4(va3, vb0123, vacc3x0123);
        vacc3x4567 = wl_madd_f32x4(va3, vb4567, vacc3x4567);
      }
    }

    v128_t vacc[8] = {vacc0x0123, vacc0x4567, vacc1x0123, vacc1x4567, vacc2x0123, vacc2x4567, vacc3x0123, vacc3x4567};
    wl_f32_4x8_epilogue(vacc, nc, c0, c1, c2, c3, r0, r1, r2, r3, &params);
    if (nc <= 8) break;
    nc -= 8;
    c0 += 8; c1 += 8; c2 += 8; c3 += 8;
    if (r0 != NULL) { r0 += 8; r1 += 8; r2 += 8; r3 += 8; }
  }
  wl_act_apply_rows(c, mr, n_total, c_stride, act); /* deferred (transcendental) kinds only */
}
