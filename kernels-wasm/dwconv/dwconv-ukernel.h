/*
 * Depthwise convolution row kernel shared by the f32-dwconv-minmax-*-wasmsimd files, which instantiate it with a
 * compile-time tap count (9, 25) or a run-time one (any).
 *
 * Op: for each of `pixels` output pixels: out[c] = act(bias[c] + sum_t in_t[c] · k_t[c] (+ residual[c])),
 *   c < channels, where in_t is the tap's indirection entry (+ a_offset bytes unless it is `zero`).
 * Dtypes: f32. Layout: NHWC; output and residual rows `channels` floats apart (consecutive pixels); weights
 *   packed per tile of 8 channels as [8 bias][tap0: 8]...[tap(T-1): 8] (wl_f32_dwconv_pack, dwconv.c), zero-padded
 *   past `channels`.
 * Tile: 8 channels (2 v128 accumulators) per step; remainder (wl_dwconv_remainder, out of line): one step with full
 *   4-lane loads for the first 4 and 2/1-lane loads for the rest, partial stores: never reads or writes past
 *   `channels` of a pixel. Deferred activations (activation-epilogue.h) run once over all the call's pixels.
 * Accumulation: f32, bias then taps in order. Reference: float64 depthwise loops in test/kernels-wasm/dwconv.test.ts.
 */
#ifndef WL_DWCONV_UKERNEL_H
#define WL_DWCONV_UKERNEL_H

#include "../conv/indirection.h"
#include "../gemm/activation-epilogue.h"

#define WL_DWCONV_CT 8

/* Loads n (1..8) floats as two vectors (zero lanes past n). */
WL_INLINE void wl_dwconv_load_partial(const float* p, size_t n, v128_t* lo, v128_t* hi) {
  if (n >= 4) {
    *lo = wasm_v128_load(p);
    *hi = n > 4 ? wl_load_partial_f32x4(p + 4, n - 4) : wasm_f32x4_const_splat(0.0f);
  } else {
    *lo = wl_load_partial_f32x4(p, n);
    *hi = wasm_f32x4_const_splat(0.0f);
  }
}

/*
 * The last channels % 8 channels (n in 1..7) of one pixel, starting at channel offset `c` of every tap pointer:
 * 4-lane then 2/1-lane loads, partial stores. Out of line (dwconv.c), shared by the three kernels: it runs at most
 * once per pixel and is long.
 */
void wl_dwconv_remainder(size_t taps, const float* const* in, int resolve, size_t a_offset, const float* zero, size_t c,
                         size_t n, const float* w, float* out, const float* r, const wl_act_vec* params);

/*
 * One output pixel. in[t]: the tap's pointer, already offset when `resolve` is 0; when `resolve` is 1 it is the raw
 * indirection entry, offset here on every use (the any-tap kernel, which keeps no per-tap locals).
 */
WL_INLINE void wl_dwconv_pixel(size_t taps, const float* const* in, int resolve, size_t a_offset, const float* zero,
                               size_t channels, const float* w, float* out, const float* r, const wl_act_vec* params) {
  size_t c = 0;
  for (; c + WL_DWCONV_CT <= channels; c += WL_DWCONV_CT) {
    /* Named accumulators: the array handed to the activation must not exist during the tap loop (its address
       would escape and clang would store it after every multiply-add). The tap loop stays rolled: unrolled, V8's
       scheduler hoists all its loads above the multiply-adds and spills them. Measured alternatives that did not
       help on x64 (bench/kernels/conv.bench.ts, ~15 GFLOP/s either way): even/odd partial sums, 16-channel steps,
       fully unrolled XNNPACK-style 9-pointer kernels (10-12 GFLOP/s). */
    v128_t acc0 = wasm_v128_load(w), acc1 = wasm_v128_load(w + 4);
#pragma clang loop unroll(disable)
    for (size_t t = 0; t < taps; t++) {
      const float* i = (resolve ? wl_offset_input(in[t], a_offset, zero) : in[t]) + c;
      acc0 = wl_madd_f32x4(wasm_v128_load(i), wasm_v128_load(w + 8 + 8 * t), acc0);
      acc1 = wl_madd_f32x4(wasm_v128_load(i + 4), wasm_v128_load(w + 12 + 8 * t), acc1);
    }
    w += 8 + 8 * taps;
    v128_t v[2] = {acc0, acc1};
    if (r != NULL) {
      v[0] = wasm_f32x4_add(v[0], wasm_v128_load(r + c));
      v[1] = wasm_f32x4_add(v[1], wasm_v128_load(r + c + 4));
    }
    wl_act_apply_f32x4(v, 2, params);
    wasm_v128_store(out + c, v[0]);
    wasm_v128_store(out + c + 4, v[1]);
  }
  if (c != channels) {
    wl_dwconv_remainder(taps, in, resolve, a_offset, zero, c, channels - c, w, out + c, r != NULL ? r + c : NULL,
                        params);
  }
}

/*
 * Rows of `pixels` output pixels; indirection holds `taps` entries per pixel. With a constant `taps` (<= 25) the
 * offset pointers are computed once per pixel into locals; otherwise (resolve) per channel tile.
 */
WL_INLINE void wl_dwconv_rows(size_t taps, size_t pixels, size_t channels, const float* const* indirection,
                              size_t a_offset, const float* zero, const float* w, float* out, const float* r,
                              const wl_activation* act) {
  const wl_act_vec params = wl_act_vec_load(act);
  float* const out_begin = out;
  const float* in[25];
  const int resolve = taps > 25;
  for (size_t p = 0; p < pixels; p++) {
    if (resolve) {
      wl_dwconv_pixel(taps, indirection, 1, a_offset, zero, channels, w, out, r, &params);
    } else {
      for (size_t t = 0; t < taps; t++) in[t] = wl_offset_input(indirection[t], a_offset, zero);
      wl_dwconv_pixel(taps, in, 0, a_offset, zero, channels, w, out, r, &params);
    }
    indirection += taps;
    out += channels;
    if (r != NULL) r += channels;
  }
  wl_act_apply_rows(out_begin, pixels, channels, channels, act); /* deferred (transcendental) kinds only */
}

void wl_f32_dwconv_minmax_ukernel_9p8c__wasmsimd(size_t pixels, size_t channels, const float* const* indirection,
                                                  size_t a_offset, const float* zero, const float* w, float* out,
                                                  const float* r, const wl_activation* act);
void wl_f32_dwconv_minmax_ukernel_25p8c__wasmsimd(size_t pixels, size_t channels, const float* const* indirection,
                                                   size_t a_offset, const float* zero, const float* w, float* out,
                                                   const float* r, const wl_activation* act);
/* Any tap count (offset pointers cached per pixel up to 25 taps, resolved per channel tile beyond). */
void wl_f32_dwconv_minmax_ukernel_up8c__wasmsimd(size_t taps, size_t pixels, size_t channels,
                                                  const float* const* indirection, size_t a_offset, const float* zero,
                                                  const float* w, float* out, const float* r, const wl_activation* act);

#endif
