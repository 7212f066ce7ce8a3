/*
 * f32 max pooling, NHWC, any number of taps (kernel size, stride, dilation and padding via the indirection),
 * 8 channels per tile. pmax (one instruction on x86). Remainder, no reads past a pixel's channels: pool-ukernel.h.
 * Reference: float64 max pooling in test/kernels-wasm/pool.test.ts.
 */
#include "pool-ukernel.h"

void wl_f32_maxpool_ukernel_up8c__wasmsimd(size_t taps, size_t pixels, size_t channels,
                                            const float* const* indirection, size_t a_offset, const float* zero,
                                            float* out) {
  wl_pool_rows(1, taps, pixels, channels, indirection, a_offset, zero, NULL, out);
}
