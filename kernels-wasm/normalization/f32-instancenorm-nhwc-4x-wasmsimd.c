/*
 * Op: InstanceNormalization on NHWC data viewed as [N, HW, C]: per (n, c), mean and variance over the HW pixels,
 *   y = (x − mean)·(1/√(var + ε))·scale[c] + bias[c], then the optional activation.
 * Dtypes: f32 → f32. Layout: NHWC (channel stride 1, pixel stride C); scale/bias are [C] (either may be NULL).
 * Algorithm: channel blocks of ≤ 64 (16 v128 accumulators on the stack); three strided passes over the block's
 *   pixels: Σx, then the centred Σ(x − mean)², then normalise.
 * Tile: 4 channels per v128; a block's last 1–3 channels scalar.
 * Reads/writes past the end: never (loads touch only the block's channels). In place (x == y) is allowed.
 * Precision: f32, two-level: per-lane partial sums over chunks of 256 pixels, added into a running total (error
 *   ≲ (256 + HW/256)·6e-8 relative) of x − x[pixel 0] (shifted data: a large common offset costs no accuracy);
 *   the variance is centred on the shifted mean.
 * Tested against: float64 JS references in test/kernels-wasm/normalization.test.ts.
 *
 * Export ([start, end) over the N·C (n, c) pairs, flattened as n·C + c; any split is valid)
 *   void wl_f32_instancenorm_nhwc(int32 start, int32 end, int32 hw, int32 channels, const float* x, const float* scale,
 *                                 const float* bias, float* y, float epsilon, const wl_activation* act)
 */
#include "activation.h"

#define BLOCK 64
#define CHUNK 256
/* Channel tails compute through lane 0 of the same vector ops, so any split of the channels gives identical bits. */
#define LANE0(v) wasm_f32x4_extract_lane((v), 0)

/*
 * total[j] = Σ_p f(x[p·C + j] − x[j]) for j < w: the values are shifted by the first pixel's, so a large common offset
 * neither swamps the f32 sum nor the f32 mean; f(d) = d, or (d − center[j])² when center != NULL.
 */
static void block_sums(const float* x, size_t hw, size_t stride, size_t w, const float* center, float* total) {
  v128_t tot[BLOCK / 4], part[BLOCK / 4], shift[BLOCK / 4], ctr[BLOCK / 4];
  float tot_s[4] = {0, 0, 0, 0}, part_s[4], shift_s[4], ctr_s[4] = {0, 0, 0, 0};
  const size_t nv = w / 4, tail = w % 4;
  for (size_t j = 0; j < nv; j++) {
    tot[j] = wasm_f32x4_splat(0.0f);
    shift[j] = wasm_v128_load(x + 4 * j);
    ctr[j] = center ? wasm_v128_load(center + 4 * j) : wasm_f32x4_splat(0.0f);
  }
  for (size_t k = 0; k < tail; k++) shift_s[k] = x[4 * nv + k], ctr_s[k] = center ? center[4 * nv + k] : 0.0f;
  for (size_t p0 = 0; p0 < hw; p0 += CHUNK) {
    const size_t p1 = WL_MIN(hw, p0 + CHUNK);
    for (size_t j = 0; j < nv; j++) part[j] = wasm_f32x4_splat(0.0f);
    for (size_t k = 0; k < 4; k++) part_s[k] = 0;
    for (size_t p = p0; p < p1; p++) {
      const float* row = x + p * stride;
      if (center) {
        for (size_t j = 0; j < nv; j++) {
          v128_t d = wasm_f32x4_sub(wasm_f32x4_sub(wasm_v128_load(row + 4 * j), shift[j]), ctr[j]);
          part[j] = wl_madd_f32x4(d, d, part[j]);
        }
        for (size_t k = 0; k < tail; k++) {
          const v128_t d = wasm_f32x4_splat((row[4 * nv + k] - shift_s[k]) - ctr_s[k]);
          part_s[k] = LANE0(wl_madd_f32x4(d, d, wasm_f32x4_splat(part_s[k])));
        }
      } else {
        for (size_t j = 0; j < nv; j++) part[j] = wasm_f32x4_add(part[j], wasm_f32x4_sub(wasm_v128_load(row + 4 * j), shift[j]));
        for (size_t k = 0; k < tail; k++) part_s[k] += row[4 * nv + k] - shift_s[k];
      }
    }
    for (size_t j = 0; j < nv; j++) tot[j] = wasm_f32x4_add(tot[j], part[j]);
    for (size_t k = 0; k < tail; k++) tot_s[k] += part_s[k];
  }
  for (size_t j = 0; j < nv; j++) wasm_v128_store(total + 4 * j, tot[j]);
  for (size_t k = 0; k < tail; k++) total[4 * nv + k] = tot_s[k];
}

/* Channels [c0, c0 + w) of one image: y = ((x − x0) − mean')·a + b with mean' = mean − x0, a = scale/√(var + ε). */
static void normalize_block(const float* x, float* y, size_t hw, size_t stride, size_t w, const float* scale,
                            const float* bias, float epsilon, const wl_activation* act) {
  float shift[BLOCK], mean[BLOCK], var[BLOCK], a[BLOCK], b[BLOCK];
  const float inv_hw = 1.0f / (float)hw;
  for (size_t j = 0; j < w; j++) shift[j] = x[j]; /* x may equal y: keep pixel 0 */
  block_sums(x, hw, stride, w, NULL, mean);
  for (size_t j = 0; j < w; j++) mean[j] *= inv_hw;
  block_sums(x, hw, stride, w, mean, var);
  for (size_t j = 0; j < w; j++) {
    const float v = var[j] * inv_hw + epsilon;
    a[j] = LANE0(wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_sqrt(wasm_f32x4_splat(v))));
    if (scale) a[j] *= scale[j];
    b[j] = bias ? bias[j] : 0.0f;
  }
  const size_t nv = w / 4;
  for (size_t p = 0; p < hw; p++) {
    const float* xr = x + p * stride;
    float* yr = y + p * stride;
    for (size_t j = 0; j < nv; j++) {
      v128_t t = wasm_f32x4_sub(wasm_f32x4_sub(wasm_v128_load(xr + 4 * j), wasm_v128_load(shift + 4 * j)), wasm_v128_load(mean + 4 * j));
      t = wl_madd_f32x4(t, wasm_v128_load(a + 4 * j), wasm_v128_load(b + 4 * j));
      wasm_v128_store(yr + 4 * j, act ? wl_activate_f32x4(t, act) : t);
    }
    for (size_t j = 4 * nv; j < w; j++) {
      const v128_t t = wl_madd_f32x4(wasm_f32x4_splat((xr[j] - shift[j]) - mean[j]), wasm_f32x4_splat(a[j]), wasm_f32x4_splat(b[j]));
      yr[j] = LANE0(act ? wl_activate_f32x4(t, act) : t);
    }
  }
}

void WL_EXPORT(wl_f32_instancenorm_nhwc)(int32_t start, int32_t end, int32_t hw, int32_t channels, const float* x,
                                         const float* scale, const float* bias, float* y, float epsilon,
                                         const wl_activation* act) {
  if (channels <= 0 || hw <= 0 || end <= start) return;
  wl_activation local;
  if (!wl_activation_is_identity(act)) local = *act;
  const wl_activation* a = wl_activation_is_identity(act) ? NULL : &local;
  const size_t c_count = (size_t)channels, plane = (size_t)hw * c_count;
  for (int32_t unit = start; unit < end;) {
    const size_t n = (size_t)unit / c_count, c = (size_t)unit % c_count;
    const size_t w = WL_MIN((size_t)BLOCK, WL_MIN(c_count - c, (size_t)(end - unit)));
    normalize_block(x + n * plane + c, y + n * plane + c, (size_t)hw, c_count, w, scale ? scale + c : NULL,
                    bias ? bias + c : NULL, epsilon, a);
    unit += (int32_t)w;
  }
}
