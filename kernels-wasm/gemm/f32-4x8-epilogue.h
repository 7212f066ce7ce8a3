/*
 * Epilogue of the 4x8 f32 GEMM/IGEMM micro-kernels: + residual, activation, store.
 *
 * Op: C[r][0..nc) = act(acc[r] + residual[r]) for the 4 rows of one 8-column panel (acc already holds bias + A·W).
 * Dtypes: f32. Layout: rows c0..c3 (any stride); acc[2r] holds columns 0..3 of row r, acc[2r+1] columns 4..7.
 * Remainders: rows beyond mr alias a valid row (the caller clamps the pointers) and hold identical values, so their
 *   stores are harmless; they are written last-row-first so a valid row's store lands last. N remainder (nc < 8):
 *   4/2/1-lane partial loads of the residual and partial stores; never reads or writes past column nc.
 * In place: residual may equal C (same element): every residual load of the tile precedes its stores.
 * Precision: f32. Reference: test/kernels-wasm/gemm.test.ts and conv.test.ts.
 */
#ifndef WL_F32_4X8_EPILOGUE_H
#define WL_F32_4X8_EPILOGUE_H

#include "activation-epilogue.h"

WL_INLINE void wl_f32_4x8_add_residual_row(v128_t* lo, v128_t* hi, const float* r, size_t nc) {
  if (nc >= 8) {
    *lo = wasm_f32x4_add(*lo, wasm_v128_load(r));
    *hi = wasm_f32x4_add(*hi, wasm_v128_load(r + 4));
  } else if (nc > 4) {
    *lo = wasm_f32x4_add(*lo, wasm_v128_load(r));
    *hi = wasm_f32x4_add(*hi, wl_load_partial_f32x4(r + 4, nc - 4));
  } else if (nc == 4) {
    *lo = wasm_f32x4_add(*lo, wasm_v128_load(r));
  } else {
    *lo = wasm_f32x4_add(*lo, wl_load_partial_f32x4(r, nc));
  }
}

WL_INLINE void wl_f32_4x8_store_row(float* c, v128_t lo, v128_t hi, size_t nc) {
  if (nc >= 8) {
    wasm_v128_store(c, lo);
    wasm_v128_store(c + 4, hi);
    return;
  }
  if (nc & 4) {
    wasm_v128_store(c, lo);
    lo = hi;
    c += 4;
  }
  if (nc & 3) wl_store_partial_f32x4(c, nc & 3, lo);
}

/* r0..r3 are NULL when there is no residual. nc may exceed 8 (only the first 8 columns are written). */
WL_INLINE void wl_f32_4x8_epilogue(v128_t* vacc, size_t nc, float* c0, float* c1, float* c2, float* c3,
                                   const float* r0, const float* r1, const float* r2, const float* r3,
                                   const wl_act_vec* params) {
  if (r0 != NULL) {
    wl_f32_4x8_add_residual_row(&vacc[0], &vacc[1], r0, nc);
    wl_f32_4x8_add_residual_row(&vacc[2], &vacc[3], r1, nc);
    wl_f32_4x8_add_residual_row(&vacc[4], &vacc[5], r2, nc);
    wl_f32_4x8_add_residual_row(&vacc[6], &vacc[7], r3, nc);
  }
  wl_act_apply_f32x4(vacc, 8, params);
  wl_f32_4x8_store_row(c3, vacc[6], vacc[7], nc);
  wl_f32_4x8_store_row(c2, vacc[4], vacc[5], nc);
  wl_f32_4x8_store_row(c1, vacc[2], vacc[3], nc);
  wl_f32_4x8_store_row(c0, vacc[0], vacc[1], nc);
}

#endif
