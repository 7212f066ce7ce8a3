/*
 * Op: Resize (ONNX Resize / TFLite ResizeNearestNeighbor, ResizeBilinear) on NHWC, 2-D (H and W axes).
 * Dtypes: nearest: any 4-byte element (x32); bilinear: f32. Layout: NHWC, x [N, in_h, in_w, C], y [N, out_h, out_w, C].
 * The caller owns the coordinate transform (half_pixel, align_corners, asymmetric, …) and rounding mode, and passes
 *   per-axis tables with every index already clamped to [0, in − 1]:
 *   nearest:  y_index[out_h], x_index[out_w]: source row / column of each output row / column.
 *   bilinear: y_index[2·out_h] (top, bottom rows), y_weight[out_h] (weight of bottom);
 *             x_index[2·out_w] (left, right columns), x_weight[out_w] (weight of right).
 *   out = top + wy·(bottom − top), top = p00 + wx·(p01 − p00), bottom = p10 + wx·(p11 − p10).
 * Tile: 4 channels per v128 (8 for nearest copies), channel tail of 1–3 scalar; an output row whose source row equals
 *   the previous output row's is copied from it (nearest).
 * Reads/writes past the end: never. y must not overlap x.
 * Precision: f32 (bilinear: three multiply-adds per element, fused in the relaxed build).
 * Tested against: float64 JS references in test/kernels-wasm/resize.test.ts.
 *
 * Exports ([start, end) over the N·out_h output rows)
 *   void wl_x32_resize_nearest_nhwc(int32 start, int32 end, int32 in_h, int32 in_w, int32 out_h, int32 out_w,
 *                                   int32 channels, const uint32* x, uint32* y, const int32* y_index, const int32* x_index)
 *   void wl_f32_resize_bilinear_nhwc(int32 start, int32 end, int32 in_h, int32 in_w, int32 out_h, int32 out_w,
 *                                    int32 channels, const float* x, float* y, const int32* y_index, const float* y_weight,
 *                                    const int32* x_index, const float* x_weight)
 */
#include "weblite.h"

WL_INLINE void copy_pixel(uint32_t* dst, const uint32_t* src, size_t c) {
  size_t i = 0;
  for (; i + 8 <= c; i += 8) {
    v128_t a = wasm_v128_load(src + i), b = wasm_v128_load(src + i + 4);
    wasm_v128_store(dst + i, a), wasm_v128_store(dst + i + 4, b);
  }
  for (; i + 4 <= c; i += 4) wasm_v128_store(dst + i, wasm_v128_load(src + i));
  for (; i < c; i++) dst[i] = src[i];
}

void WL_EXPORT(wl_x32_resize_nearest_nhwc)(int32_t start, int32_t end, int32_t in_h, int32_t in_w, int32_t out_h,
                                           int32_t out_w, int32_t channels, const uint32_t* x, uint32_t* y,
                                           const int32_t* y_index, const int32_t* x_index) {
  if (channels <= 0 || out_w <= 0 || out_h <= 0) return;
  const size_t c = (size_t)channels, in_row = (size_t)in_w * c, out_row = (size_t)out_w * c;
  for (int32_t row = start; row < end; row++) {
    const size_t n = (size_t)row / (size_t)out_h, oy = (size_t)row % (size_t)out_h;
    uint32_t* yr = y + (size_t)row * out_row;
    if (oy > 0 && row > start && y_index[oy] == y_index[oy - 1]) {
      __builtin_memcpy(yr, yr - out_row, out_row * sizeof(uint32_t));
      continue;
    }
    const uint32_t* xr = x + (n * (size_t)in_h + (size_t)y_index[oy]) * in_row;
    if (c == 1) {
      for (size_t ox = 0; ox < (size_t)out_w; ox++) yr[ox] = xr[x_index[ox]];
    } else {
      for (size_t ox = 0; ox < (size_t)out_w; ox++) copy_pixel(yr + ox * c, xr + (size_t)x_index[ox] * c, c);
    }
  }
}

void WL_EXPORT(wl_f32_resize_bilinear_nhwc)(int32_t start, int32_t end, int32_t in_h, int32_t in_w, int32_t out_h,
                                            int32_t out_w, int32_t channels, const float* x, float* y,
                                            const int32_t* y_index, const float* y_weight, const int32_t* x_index,
                                            const float* x_weight) {
  if (channels <= 0 || out_w <= 0 || out_h <= 0) return;
  const size_t c = (size_t)channels, in_row = (size_t)in_w * c, out_row = (size_t)out_w * c;
  for (int32_t row = start; row < end; row++) {
    const size_t n = (size_t)row / (size_t)out_h, oy = (size_t)row % (size_t)out_h;
    const float* top = x + (n * (size_t)in_h + (size_t)y_index[2 * oy]) * in_row;
    const float* bottom = x + (n * (size_t)in_h + (size_t)y_index[2 * oy + 1]) * in_row;
    const float wy = y_weight[oy];
    const v128_t vwy = wasm_f32x4_splat(wy);
    float* yr = y + (size_t)row * out_row;
    for (size_t ox = 0; ox < (size_t)out_w; ox++, yr += c) {
      const size_t left = (size_t)x_index[2 * ox] * c, right = (size_t)x_index[2 * ox + 1] * c;
      const float wx = x_weight[ox];
      const v128_t vwx = wasm_f32x4_splat(wx);
      size_t i = 0;
      for (; i + 4 <= c; i += 4) {
        const v128_t p00 = wasm_v128_load(top + left + i), p01 = wasm_v128_load(top + right + i);
        const v128_t p10 = wasm_v128_load(bottom + left + i), p11 = wasm_v128_load(bottom + right + i);
        const v128_t t = wl_madd_f32x4(wasm_f32x4_sub(p01, p00), vwx, p00);
        const v128_t b = wl_madd_f32x4(wasm_f32x4_sub(p11, p10), vwx, p10);
        wasm_v128_store(yr + i, wl_madd_f32x4(wasm_f32x4_sub(b, t), vwy, t));
      }
      for (; i < c; i++) {
        const float t = top[left + i] + wx * (top[right + i] - top[left + i]);
        const float b = bottom[left + i] + wx * (bottom[right + i] - bottom[left + i]);
        yr[i] = t + wy * (b - t);
      }
    }
  }
}
