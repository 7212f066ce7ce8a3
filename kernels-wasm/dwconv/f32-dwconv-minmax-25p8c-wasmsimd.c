/*
 * f32 depthwise convolution with 25 taps (a 5x5 kernel; stride, dilation and padding via the indirection),
 * 8 channels per tile, WebAssembly SIMD. NHWC, channel multiplier 1, bias + residual + activation fused.
 * Tile, remainder (channels % 8: 4-lane then 2/1-lane loads, partial stores), no reads past a pixel's channels,
 * f32 accumulation: see dwconv-ukernel.h. The tap count is a compile-time constant (fixed-size pointer table, fixed
 * trip count): about 8% faster than the any-tap kernel on 3x3 layers (bench/kernels/conv.bench.ts).
 * Reference: float64 depthwise loops in test/kernels-wasm/dwconv.test.ts.
 */
#include "dwconv-ukernel.h"

void wl_f32_dwconv_minmax_ukernel_25p8c__wasmsimd(size_t pixels, size_t channels, const float* const* indirection,
                                                  size_t a_offset, const float* zero, const float* w, float* out,
                                                  const float* r, const wl_activation* act) {
  wl_dwconv_rows(25, pixels, channels, indirection, a_offset, zero, w, out, r, act);
}
