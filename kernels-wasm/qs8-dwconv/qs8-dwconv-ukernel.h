/*
 * Declaration of the qs8 depthwise micro-kernel (internal symbol) and its packed-weight geometry; see
 * qs8-dwconv-minmax-fp32-up16c-wasmsimd-dot16x2.c for the contract and qs8-dwconv.c for the exported driver.
 */
#ifndef WL_QS8_DWCONV_UKERNEL_H
#define WL_QS8_DWCONV_UKERNEL_H

#include "../qs8-gemm/qs8-gemm-ukernels.h"

#define WL_QS8_DWCONV_CT 16

/* Bytes of one packed 16-channel tile: bias, scale, ceil(taps/2) interleaved tap pairs of 16 channels (i16). */
WL_INLINE size_t wl_qs8_dwconv_tile_bytes(size_t taps) { return 128 + 64 * ((taps + 1) / 2); }

void wl_qs8_dwconv_minmax_fp32_ukernel_up16c__wasmsimd_dot16x2(size_t taps, size_t pixels, size_t channels,
                                                                const int8_t* const* indirection, size_t a_offset,
                                                                const int8_t* zero, const void* packed, int8_t* out,
                                                                const wl_qs8_requant* rq);

#endif
