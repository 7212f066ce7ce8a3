/*
 * f32 depthwise convolution, any number of taps (up to 25 with per-pixel cached pointers, more with pointers
 * resolved per channel tile), 8 channels per tile, WebAssembly SIMD. NHWC, channel multiplier 1, bias + residual +
 * activation fused. Used for kernel shapes other than 3x3 and 5x5 (e.g. 7x7, 3x1).
 * Tile, remainder, no reads past a pixel's channels, f32 accumulation: see dwconv-ukernel.h.
 * Reference: float64 depthwise loops in test/kernels-wasm/dwconv.test.ts.
 */
#include "dwconv-ukernel.h"

void wl_f32_dwconv_minmax_ukernel_up8c__wasmsimd(size_t taps, size_t pixels, size_t channels,
                                                  const float* const* indirection, size_t a_offset, const float* zero,
                                                  const float* w, float* out, const float* r,
                                                  const wl_activation* act) {
  wl_dwconv_rows(taps, pixels, channels, indirection, a_offset, zero, w, out, r, act);
}
