/*
 * Row kernel shared by the NHWC max and average pooling files (f32-maxpool-up8c-wasmsimd.c,
 * f32-avgpool-up8c-wasmsimd.c).
 *
 * Op: for each output pixel, reduce (max, or sum then multiply by that pixel's scale) the taps' channel vectors,
 *   skipping taps whose indirection entry equals `zero` (padding / outside the image: max ignores them, the average
 *   divisor is in the scale). A pixel whose every tap is padding yields -inf (max) or 0 (average).
 * Dtypes: f32. Layout: NHWC, input pixels and output pixels `channels` floats apart; indirection from
 *   wl_f32_conv_indirection (`taps` entries per output pixel, + a_offset bytes for the batch image).
 * Tile: 8 channels (2 v128) per step, then one 1..7-channel step with 4/2/1-lane loads and partial stores; never
 *   reads or writes past a pixel's channels; `zero` itself is never read.
 * Precision: max is exact; average sums in f32 in tap order. Reference: test/kernels-wasm/pool.test.ts.
 */
#ifndef WL_POOL_UKERNEL_H
#define WL_POOL_UKERNEL_H

#include "../conv/indirection.h"
#include "../gemm/activation-epilogue.h"

/* Loads n (1..8) floats as two vectors; lanes past n are `fill`. */
WL_INLINE void wl_pool_load(const float* p, size_t n, v128_t fill, v128_t* lo, v128_t* hi) {
  if (n >= 8) {
    *lo = wasm_v128_load(p);
    *hi = wasm_v128_load(p + 4);
  } else if (n >= 4) {
    *lo = wasm_v128_load(p);
    *hi = n > 4 ? wl_load_partial_f32x4(p + 4, n - 4) : fill;
  } else {
    *lo = wl_load_partial_f32x4(p, n);
    *hi = fill;
  }
}

WL_INLINE void wl_pool_store(float* o, size_t n, v128_t lo, v128_t hi) {
  if (n >= 8) {
    wasm_v128_store(o, lo);
    wasm_v128_store(o + 4, hi);
  } else if (n >= 4) {
    wasm_v128_store(o, lo);
    if (n > 4) wl_store_partial_f32x4(o + 4, n - 4, hi);
  } else {
    wl_store_partial_f32x4(o, n, lo);
  }
}

/* is_max: 1 for max pooling, 0 for average (scales: one multiplier per output pixel of this row). */
WL_INLINE void wl_pool_rows(int is_max, size_t taps, size_t pixels, size_t channels, const float* const* indirection,
                            size_t a_offset, const float* zero, const float* scales, float* out) {
  const v128_t init = is_max ? wasm_f32x4_const_splat(-__builtin_inff()) : wasm_f32x4_const_splat(0.0f);
  for (size_t p = 0; p < pixels; p++) {
    for (size_t c = 0; c < channels; c += 8) {
      const size_t n = WL_MIN(channels - c, (size_t)8);
      v128_t lo = init, hi = init;
      for (size_t t = 0; t < taps; t++) {
        const float* i = indirection[t];
        if (i == zero) continue;
        i = (const float*)((uintptr_t)i + a_offset) + c;
        v128_t xlo, xhi;
        wl_pool_load(i, n, init, &xlo, &xhi);
        if (is_max) {
          lo = wasm_f32x4_pmax(lo, xlo);
          hi = wasm_f32x4_pmax(hi, xhi);
        } else {
          lo = wasm_f32x4_add(lo, xlo);
          hi = wasm_f32x4_add(hi, xhi);
        }
      }
      if (!is_max) {
        const v128_t scale = wasm_f32x4_splat(scales[p]);
        lo = wasm_f32x4_mul(lo, scale);
        hi = wasm_f32x4_mul(hi, scale);
      }
      wl_pool_store(out + c, n, lo, hi);
    }
    indirection += taps;
    out += channels;
  }
}

void wl_f32_maxpool_ukernel_up8c__wasmsimd(size_t taps, size_t pixels, size_t channels,
                                            const float* const* indirection, size_t a_offset, const float* zero,
                                            float* out);
void wl_f32_avgpool_ukernel_up8c__wasmsimd(size_t taps, size_t pixels, size_t channels,
                                            const float* const* indirection, size_t a_offset, const float* zero,
                                            const float* scales, float* out);

#endif
