/*
 * f32 GEMM micro-kernel, MR x NR = 4 x 8, WebAssembly SIMD, "loadsplat" strategy.
 *
 * Op: C[mr x nc] = act(A[mr x kc] · W + bias (+ R)), mr <= 4, any nc (loops over 8-column panels), any kc.
 * Dtypes: f32 A, W, C, R. Layout: A, C, R row-major with strides in floats; W packed panels [8 bias][kc x 8]
 *   (gemm-ukernels.h, packed by wl_f32_gemm_pack).
 * Tile: 8 v128 accumulators (4 rows x 2 vectors) seeded with the panel's bias. Per k: 4 v128.load32_splat of A,
 *   2 loads of W, 8 multiply-adds (fused on the relaxed build). Why not "splat" (4-float A loads + shuffles, k
 *   unrolled by 4): clang hoists the 8 W loads of the unrolled body to its top and V8 does not reschedule, so the
 *   15 usable xmm registers spill; measured on this project's x64 machine, loadsplat ran at 44-50 GFLOP/s relaxed vs
 *   31-35 for splat (bench/kernels/gemm.bench.ts). The one-k body keeps 8 + 2 + 4 values live.
 * Remainders: mr < 4 by pointing the missing rows at the last valid row (they compute the same values and the
 *   epilogue stores them first); nc % 8 with partial stores (f32-4x8-epilogue.h). No k remainder (one k per step).
 * Activation: in registers before the store, except SIGMOID/SILU/GELU/TANH/ELU: one pass over the stored mr x nc
 *   block at the end of the call (activation-epilogue.h explains why).
 * Reads past the end: never (A reads stop at kc; W panels are padded by the packer).
 * Accumulation: f32, in k order per output, the same for every row, so any split of M gives identical results.
 * Reference: float64 GEMM in test/kernels-wasm/gemm.test.ts.
 */
#include "f32-4x8-epilogue.h"
#include "gemm-ukernels.h"

void wl_f32_gemm_minmax_ukernel_4x8__wasmsimd_loadsplat(size_t mr, size_t nc, size_t kc, const float* a,
                                                         size_t a_stride, const float* w, float* c, size_t c_stride,
                                                         const float* r, size_t r_stride, const wl_activation* act) {
  const float* a0 = a;
  float* c0 = c;
  const float* a1 = a0 + a_stride;
  float* c1 = c0 + c_stride;
  if (mr < 2) { a1 = a0; c1 = c0; }
  const float* a2 = a1 + a_stride;
  float* c2 = c1 + c_stride;
  if (mr <= 2) { a2 = a1; c2 = c1; }
  const float* a3 = a2 + a_stride;
  float* c3 = c2 + c_stride;
  if (mr != 4) { a3 = a2; c3 = c2; }
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

    v128_t vacc[8] = {vacc0x0123, vacc0x4567, vacc1x0123, vacc1x4567, vacc2x0123, vacc2x4567, vacc3x0123, vacc3x4567};
    wl_f32_4x8_epilogue(vacc, nc, c0, c1, c2, c3, r0, r1, r2, r3, &params);
    if (nc <= 8) break;
    nc -= 8;
    a0 -= kc; a1 -= kc; a2 -= kc; a3 -= kc;
    c0 += 8; c1 += 8; c2 += 8; c3 += 8;
    if (r0 != NULL) { r0 += 8; r1 += 8; r2 += 8; r3 += 8; }
  }
  wl_act_apply_rows(c, mr, n_total, c_stride, act); /* deferred (transcendental) kinds only */
}
