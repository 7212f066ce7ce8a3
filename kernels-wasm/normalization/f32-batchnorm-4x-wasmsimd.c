/*
 * Op: BatchNormalization in inference: y = x·scale[c] + shift[c] (+ optional activation), with scale and shift folded
 *   once from (gamma, beta, mean, var, ε) by wl_f32_batchnorm_fold.
 * Dtypes: f32 → f32. Layouts: NHWC ([rows, C], channel stride 1) and NCHW ([N·C planes, HW], plane p is channel p mod C).
 * Tile: 4 channels (NHWC) or 4 pixels (NCHW) per v128, 2× unrolled; tails of 1–3 scalar.
 * Reads/writes past the end: never. In place (x == y) is allowed.
 * Activation: MINMAX in-register, other kinds over each finished block of ≤ 2048 outputs.
 * Precision: f32; one multiply-add per element (fused in the relaxed build).
 * Tested against: float64 JS references in test/kernels-wasm/normalization.test.ts.
 *
 * Exports
 *   void wl_f32_batchnorm_fold(int32 channels, const float* gamma, const float* beta, const float* mean,
 *                              const float* var, float epsilon, float* scale, float* shift)
 *        scale = gamma/√(var + ε), shift = beta − mean·scale (gamma/beta may be NULL = 1 / 0)
 *   void wl_f32_batchnorm_nhwc(int32 row_start, int32 row_end, int32 channels, const float* x, const float* scale,
 *                              const float* shift, float* y, const wl_activation* act)     rows = N·H·W pixels
 *   void wl_f32_batchnorm_nchw(int32 start, int32 end, int32 channels, int32 hw, const float* x, const float* scale,
 *                              const float* shift, float* y, const wl_activation* act)     [start, end) over N·C planes
 */
#include "activation.h"

void WL_EXPORT(wl_f32_batchnorm_fold)(int32_t channels, const float* gamma, const float* beta, const float* mean,
                                      const float* var, float epsilon, float* scale, float* shift) {
  for (int32_t c = 0; c < channels; c++) {
    const float inv = wasm_f32x4_extract_lane(
        wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_sqrt(wasm_f32x4_splat(var[c] + epsilon))), 0);
    const float s = gamma ? gamma[c] * inv : inv;
    scale[c] = s;
    shift[c] = (beta ? beta[c] : 0.0f) - mean[c] * s;
  }
}

/* Splits act into an in-register clamp [lo, hi] and a post-pass flag. */
static int prepare(const wl_activation* act, v128_t* lo, v128_t* hi) {
  *lo = WL_F32X4(-__builtin_inff());
  *hi = WL_F32X4(__builtin_inff());
  if (wl_activation_is_identity(act)) return 0;
  if (act->kind != WL_ACT_MINMAX) return 1;
  *lo = wasm_f32x4_splat(act->min);
  *hi = wasm_f32x4_splat(act->max);
  return 0;
}

#define CLAMP(v) wl_min_keepnan(wl_max_keepnan((v), lo), hi)
#define SCALAR_CLAMP(v) wasm_f32x4_extract_lane(CLAMP(wasm_f32x4_splat(v)), 0)

void WL_EXPORT(wl_f32_batchnorm_nhwc)(int32_t row_start, int32_t row_end, int32_t channels, const float* x,
                                      const float* scale, const float* shift, float* y, const wl_activation* act) {
  if (channels <= 0) return;
  v128_t lo, hi;
  const int post = prepare(act, &lo, &hi);
  const size_t c_count = (size_t)channels;
  for (int32_t r = row_start; r < row_end; r++) {
    const float* xr = x + (size_t)r * c_count;
    float* yr = y + (size_t)r * c_count;
    size_t c = 0;
    for (; c + 8 <= c_count; c += 8) {
      v128_t y0 = wl_madd_f32x4(wasm_v128_load(xr + c), wasm_v128_load(scale + c), wasm_v128_load(shift + c));
      v128_t y1 = wl_madd_f32x4(wasm_v128_load(xr + c + 4), wasm_v128_load(scale + c + 4), wasm_v128_load(shift + c + 4));
      wasm_v128_store(yr + c, CLAMP(y0));
      wasm_v128_store(yr + c + 4, CLAMP(y1));
    }
    for (; c + 4 <= c_count; c += 4)
      wasm_v128_store(yr + c, CLAMP(wl_madd_f32x4(wasm_v128_load(xr + c), wasm_v128_load(scale + c), wasm_v128_load(shift + c))));
    for (; c < c_count; c++) yr[c] = SCALAR_CLAMP(xr[c] * scale[c] + shift[c]);
    if (post) wl_activate_block_f32(yr, c_count, act);
  }
}

void WL_EXPORT(wl_f32_batchnorm_nchw)(int32_t start, int32_t end, int32_t channels, int32_t hw, const float* x,
                                      const float* scale, const float* shift, float* y, const wl_activation* act) {
  if (channels <= 0 || hw <= 0) return;
  v128_t lo, hi;
  const int post = prepare(act, &lo, &hi);
  const size_t n = (size_t)hw;
  for (int32_t p = start; p < end; p++) {
    const float* xp = x + (size_t)p * n;
    float* yp = y + (size_t)p * n;
    const float s = scale[p % channels], t = shift[p % channels];
    const v128_t vs = wasm_f32x4_splat(s), vt = wasm_f32x4_splat(t);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      v128_t y0 = wl_madd_f32x4(wasm_v128_load(xp + i), vs, vt), y1 = wl_madd_f32x4(wasm_v128_load(xp + i + 4), vs, vt);
      wasm_v128_store(yp + i, CLAMP(y0));
      wasm_v128_store(yp + i + 4, CLAMP(y1));
    }
    for (; i + 4 <= n; i += 4) wasm_v128_store(yp + i, CLAMP(wl_madd_f32x4(wasm_v128_load(xp + i), vs, vt)));
    for (; i < n; i++) yp[i] = SCALAR_CLAMP(xp[i] * s + t);
    if (post) wl_activate_block_f32(yp, n, act);
  }
}
