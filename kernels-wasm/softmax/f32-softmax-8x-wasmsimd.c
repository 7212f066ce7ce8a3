/*
 * Op: Softmax and LogSoftmax over the innermost axis of a [rows, cols] view (ONNX opset ≥ 13 semantics after the
 * caller moves the axis last / flattens).
 * Dtypes: f32 → f32. Layout: row-major, rows contiguous (row r at x + r·cols).
 * Algorithm: stable three passes per row: m = max(x); softmax: y = exp(x − m), s = Σy, y ·= 1/s;
 *   log-softmax: s = Σ exp(x − m), y = (x − m) − log s.
 * Tile: 8 elements per iteration (two v128, two partial-sum vectors); tails of 1–3 through a stack vector padded
 *   with −inf (exp → 0).
 * Reads/writes past the end: never. In place (x == y) is allowed.
 * Precision: f32 everywhere; the sum uses 8 partial lanes (relative error ≲ cols/8 · 6e-8 worst case); exp/log as in
 *   common/math.h. A row containing NaN or +inf gives NaN; a row of all −inf gives NaN (as 0/0).
 * Tested against: float64 JS references in test/kernels-wasm/softmax.test.ts.
 *
 * Exports ([row_start, row_end) split rows across threads)
 *   void wl_f32_softmax(int32 row_start, int32 row_end, int32 cols, const float* x, float* y)
 *   void wl_f32_log_softmax(int32 row_start, int32 row_end, int32 cols, const float* x, float* y)
 */
#include "math.h"

static float row_max(const float* x, size_t n) {
  v128_t m0 = WL_F32X4(-__builtin_inff()), m1 = m0;
  size_t i = 0;
  /* pmax skips NaN here; NaN still reaches the sum through exp(NaN − m). */
  for (; i + 8 <= n; i += 8) {
    m0 = wasm_f32x4_pmax(m0, wasm_v128_load(x + i));
    m1 = wasm_f32x4_pmax(m1, wasm_v128_load(x + i + 4));
  }
  for (; i + 4 <= n; i += 4) m0 = wasm_f32x4_pmax(m0, wasm_v128_load(x + i));
  m0 = wasm_f32x4_pmax(m0, m1);
  m0 = wasm_f32x4_pmax(m0, wasm_i32x4_shuffle(m0, m0, 2, 3, 0, 1));
  m0 = wasm_f32x4_pmax(m0, wasm_i32x4_shuffle(m0, m0, 1, 0, 3, 2));
  float m = wasm_f32x4_extract_lane(m0, 0);
  for (; i < n; i++) m = x[i] > m ? x[i] : m;
  return m;
}

WL_INLINE float horizontal_sum(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

/* Σ exp(x − m); stores the exponentials to y when y != NULL. */
static float sum_exp(const float* x, size_t n, float m, float* y) {
  const v128_t vm = wasm_f32x4_splat(m);
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v128_t e0 = wl_exp_f32x4(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    v128_t e1 = wl_exp_f32x4(wasm_f32x4_sub(wasm_v128_load(x + i + 4), vm));
    if (y) wasm_v128_store(y + i, e0), wasm_v128_store(y + i + 4, e1);
    s0 = wasm_f32x4_add(s0, e0);
    s1 = wasm_f32x4_add(s1, e1);
  }
  for (; i + 4 <= n; i += 4) {
    v128_t e = wl_exp_f32x4(wasm_f32x4_sub(wasm_v128_load(x + i), vm));
    if (y) wasm_v128_store(y + i, e);
    s0 = wasm_f32x4_add(s0, e);
  }
  if (i < n) {
    float t[4] = {-__builtin_inff(), -__builtin_inff(), -__builtin_inff(), -__builtin_inff()};
    for (size_t k = 0; i + k < n; k++) t[k] = x[i + k];
    v128_t e = wl_exp_f32x4(wasm_f32x4_sub(wasm_v128_load(t), vm));
    s1 = wasm_f32x4_add(s1, e);
    wasm_v128_store(t, e);
    if (y) for (size_t k = 0; i + k < n; k++) y[i + k] = t[k];
  }
  return horizontal_sum(wasm_f32x4_add(s0, s1));
}

/* y ·= s in place. */
static void scale_row(float* y, size_t n, float s) {
  const v128_t vs = wasm_f32x4_splat(s);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    wasm_v128_store(y + i, wasm_f32x4_mul(wasm_v128_load(y + i), vs));
    wasm_v128_store(y + i + 4, wasm_f32x4_mul(wasm_v128_load(y + i + 4), vs));
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_mul(wasm_v128_load(y + i), vs));
  for (; i < n; i++) y[i] *= s;
}

void WL_EXPORT(wl_f32_softmax)(int32_t row_start, int32_t row_end, int32_t cols, const float* x, float* y) {
  if (cols <= 0) return;
  const size_t n = (size_t)cols;
  for (int32_t r = row_start; r < row_end; r++) {
    const float* xr = x + (size_t)r * n;
    float* yr = y + (size_t)r * n;
    const float m = row_max(xr, n);
    const float s = sum_exp(xr, n, m, yr);
    scale_row(yr, n, 1.0f / s);
  }
}

void WL_EXPORT(wl_f32_log_softmax)(int32_t row_start, int32_t row_end, int32_t cols, const float* x, float* y) {
  if (cols <= 0) return;
  const size_t n = (size_t)cols;
  for (int32_t r = row_start; r < row_end; r++) {
    const float* xr = x + (size_t)r * n;
    float* yr = y + (size_t)r * n;
    const float m = row_max(xr, n);
    const float log_sum = WL_SCALAR_OF(wl_log_f32x4, sum_exp(xr, n, m, NULL));
    /* (x − m) − log s: subtracting m first keeps the result exact for x near the max. */
    const v128_t vm = wasm_f32x4_splat(m), vl = wasm_f32x4_splat(log_sum);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(yr + i, wasm_f32x4_sub(wasm_f32x4_sub(wasm_v128_load(xr + i), vm), vl));
    for (; i < n; i++) yr[i] = (xr[i] - m) - log_sum;
  }
}
