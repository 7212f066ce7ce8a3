/*
 * f32 average pooling, NHWC, any number of taps (via the indirection), 8 channels per tile: f32 sum of the
 * non-padding taps times a per-output-pixel scale (1/divisor, from wl_f32_avgpool_scales), so count_include_pad and
 * ceil_mode windows are both just a scale. Remainder, no reads past a pixel's channels: pool-ukernel.h.
 * Reference: float64 average pooling in test/kernels-wasm/pool.test.ts.
 */
#include "pool-ukernel.h"

void wl_f32_avgpool_ukernel_up8c__wasmsimd(size_t taps, size_t pixels, size_t channels,
                                            const float* const* indirection, size_t a_offset, const float* zero,
                                            const float* scales, float* out) {
  wl_pool_rows(0, taps, pixels, channels, indirection, a_offset, zero, scales, out);
}
