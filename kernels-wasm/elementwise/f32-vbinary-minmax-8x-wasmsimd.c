/*
 * Op: f32 binary elementwise with broadcasting, y = act(op(a, b)), op ∈ wl_binary_op below.
 * Dtypes: f32 → f32. Layout: row-major; y is always dense.
 * Paths (one exported function each):
 *   same shape          a, b, y: n elements
 *   scalar              one operand is a single element
 *   channel             one operand is a [C] vector repeated over [rows, C] (NHWC bias/scale); `which` names it
 *   nd                  general strided: out dims (rank ≤ 6) + per-input element strides, 0 on broadcast axes
 * Tile: 8 elements per iteration (two v128), then 4; the last 1–3 through a zero-padded stack vector.
 *   Strided inner axes (stride ∉ {0, 1}) gather 4 lanes with scalar loads.
 * Reads/writes past the end: never. In place: y may equal a or b when that operand has y's shape.
 * Activation: MINMAX is applied in-register; other kinds run over each ≤ 2048-element block of y while it is in L1.
 * Precision: f32 (pow: exp(b·log|a|), see common/math.h; min/max propagate NaN).
 * Tested against: float64 JS references in test/kernels-wasm/elementwise.test.ts.
 *
 * Exports ([start, end) split the outermost dimension: elements, rows, or dims[0])
 *   void wl_f32_vbinary(int32 op, int32 start, int32 end, const float* a, const float* b, float* y, const wl_activation* act)
 *   void wl_f32_vbinary_scalar(int32 op, int32 start, int32 end, const float* a, const float* b, float* y, int32 which,
 *                              const wl_activation* act)             which = 1: a is the scalar, 2: b is the scalar
 *   void wl_f32_vbinary_channel(int32 op, int32 row_start, int32 row_end, int32 channels, const float* a,
 *                               const float* b, float* y, int32 which, const wl_activation* act)
 *                               which = 1: a is the [C] vector and b is [rows, C]; 2: b is the vector
 *   void wl_f32_vbinary_nd(int32 op, int32 start, int32 end, int32 rank, const int32* dims, const float* a,
 *                          const int32* a_strides, const float* b, const int32* b_strides, float* y, const wl_activation* act)
 * act may be 0 (none).
 */
#include "activation.h"

enum wl_binary_op {
  WL_BINARY_ADD = 0,
  WL_BINARY_SUB = 1,
  WL_BINARY_MUL = 2,
  WL_BINARY_DIV = 3,
  WL_BINARY_MIN = 4,
  WL_BINARY_MAX = 5,
  WL_BINARY_POW = 6,
  WL_BINARY_SQUARED_DIFFERENCE = 7, /* (a − b)² */
  WL_BINARY_PRELU = 8,              /* a < 0 ? a·b : a */
  WL_BINARY_OP_COUNT = 9,
};

/* Access patterns: contiguous/contiguous, contiguous/scalar, scalar/contiguous, gather/gather, and the channel
 * patterns where b (CB) or a (CA) is a vector of period C = the stride argument of the other operand. */
enum { VV, VS, SV, GG, CB, CA, PATTERNS };
typedef void (*span_fn)(size_t n, const float* a, ptrdiff_t sa, const float* b, ptrdiff_t sb, float* y, v128_t lo, v128_t hi);

WL_INLINE v128_t prelu_f32x4(v128_t a, v128_t b) { return wl_select(wasm_f32x4_lt(a, wasm_f32x4_splat(0.0f)), wasm_f32x4_mul(a, b), a); }
WL_INLINE v128_t sqdiff_f32x4(v128_t a, v128_t b) {
  v128_t d = wasm_f32x4_sub(a, b);
  return wasm_f32x4_mul(d, d);
}

#define CLAMP(v) wl_min_keepnan(wl_max_keepnan((v), lo), hi)
#define GATHER(p, s) wasm_f32x4_make((p)[0], (p)[s], (p)[2 * (s)], (p)[3 * (s)])

/* Tail of 1–3 elements through stack vectors; LOAD_A(k)/LOAD_B(k) give element k of each operand. */
#define TAIL(OP, m, LOAD_A, LOAD_B, yp)                                     \
  do {                                                                      \
    float ta[4] = {0, 0, 0, 0}, tb[4] = {0, 0, 0, 0};                       \
    for (size_t k = 0; k < (m); k++) ta[k] = LOAD_A(k), tb[k] = LOAD_B(k);  \
    wasm_v128_store(ta, CLAMP(OP(wasm_v128_load(ta), wasm_v128_load(tb)))); \
    for (size_t k = 0; k < (m); k++) (yp)[k] = ta[k];                       \
  } while (0)

/* vv core with either operand optionally a splat: A(i)/B(i) produce the v128 at element i. */
#define CORE(OP, n, A, B, y)                                        \
  do {                                                              \
    size_t i = 0;                                                   \
    for (; i + 8 <= (n); i += 8) {                                  \
      v128_t y0 = OP(A(i), B(i)), y1 = OP(A(i + 4), B(i + 4));      \
      wasm_v128_store((y) + i, CLAMP(y0));                          \
      wasm_v128_store((y) + i + 4, CLAMP(y1));                      \
    }                                                               \
    for (; i + 4 <= (n); i += 4) wasm_v128_store((y) + i, CLAMP(OP(A(i), B(i)))); \
    if (i < (n)) TAIL(OP, (n) - i, A##_AT, B##_AT, (y) + i);        \
  } while (0)

#define VA(i) wasm_v128_load(a + (i))
#define VA_AT(k) a[i + (k)]
#define VB(i) wasm_v128_load(b + (i))
#define VB_AT(k) b[i + (k)]
#define SA(i) sa_v
#define SA_AT(k) a[0]
#define SB(i) sb_v
#define SB_AT(k) b[0]

#define DEFINE_SPANS(name, OP)                                                                                      \
  static void name##_vv(size_t n, const float* a, ptrdiff_t sa, const float* b, ptrdiff_t sb, float* y, v128_t lo, v128_t hi) { \
    (void)sa, (void)sb;                                                                                             \
    CORE(OP, n, VA, VB, y);                                                                                         \
  }                                                                                                                 \
  static void name##_vs(size_t n, const float* a, ptrdiff_t sa, const float* b, ptrdiff_t sb, float* y, v128_t lo, v128_t hi) { \
    (void)sa, (void)sb;                                                                                             \
    const v128_t sb_v = wasm_v128_load32_splat(b);                                                                  \
    CORE(OP, n, VA, SB, y);                                                                                         \
  }                                                                                                                 \
  static void name##_sv(size_t n, const float* a, ptrdiff_t sa, const float* b, ptrdiff_t sb, float* y, v128_t lo, v128_t hi) { \
    (void)sa, (void)sb;                                                                                             \
    const v128_t sa_v = wasm_v128_load32_splat(a);                                                                  \
    CORE(OP, n, SA, VB, y);                                                                                         \
  }                                                                                                                 \
  static void name##_gg(size_t n, const float* a, ptrdiff_t sa, const float* b, ptrdiff_t sb, float* y, v128_t lo, v128_t hi) { \
    size_t i = 0;                                                                                                   \
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, CLAMP(OP(GATHER(a + i * sa, sa), GATHER(b + i * sb, sb)))); \
    if (i < n) TAIL(OP, n - i, GA_AT, GB_AT, y + i);                                                                \
  }                                                                                                                 \
  static void name##_cb(size_t n, const float* a, ptrdiff_t c, const float* b, ptrdiff_t sb, float* y, v128_t lo, v128_t hi) { \
    (void)sb;                                                                                                       \
    for (size_t r = 0; r < n; r += (size_t)c, a += c, y += c) CORE(OP, (size_t)c, VA, VB, y);                       \
  }                                                                                                                 \
  static void name##_ca(size_t n, const float* a, ptrdiff_t sa, const float* b, ptrdiff_t c, float* y, v128_t lo, v128_t hi) { \
    (void)sa;                                                                                                       \
    for (size_t r = 0; r < n; r += (size_t)c, b += c, y += c) CORE(OP, (size_t)c, VA, VB, y);                       \
  }
#define GA_AT(k) a[(i + (k)) * sa]
#define GB_AT(k) b[(i + (k)) * sb]

DEFINE_SPANS(add, wasm_f32x4_add)
DEFINE_SPANS(sub, wasm_f32x4_sub)
DEFINE_SPANS(mul, wasm_f32x4_mul)
DEFINE_SPANS(div, wasm_f32x4_div)
DEFINE_SPANS(min, wasm_f32x4_min)
DEFINE_SPANS(max, wasm_f32x4_max)
/* Out of line: pow is long, and the spans would otherwise inline it 24 times. */
__attribute__((noinline)) static v128_t pow_f32x4(v128_t a, v128_t b) { return wl_pow_f32x4(a, b); }

DEFINE_SPANS(pow, pow_f32x4)
DEFINE_SPANS(sqdiff, sqdiff_f32x4)
DEFINE_SPANS(prelu, prelu_f32x4)

#define ROW(name) {name##_vv, name##_vs, name##_sv, name##_gg, name##_cb, name##_ca}
static const span_fn spans[WL_BINARY_OP_COUNT][PATTERNS] = {
    ROW(add), ROW(sub), ROW(mul), ROW(div), ROW(min), ROW(max), ROW(pow), ROW(sqdiff), ROW(prelu),
};

/* pow with a scalar exponent in {0.5, 1, 2, 3, -1}: exact cheap forms. Returns 0 if not handled. */
static int pow_scalar_exponent(size_t n, const float* a, float e, float* y, v128_t lo, v128_t hi) {
  size_t i = 0;
#define POW_LOOP(EXPR)                                                                            \
  for (; i + 4 <= n; i += 4) { v128_t x = wasm_v128_load(a + i); wasm_v128_store(y + i, CLAMP(EXPR)); } \
  for (; i < n; i++) { v128_t x = wasm_f32x4_splat(a[i]); y[i] = wasm_f32x4_extract_lane(CLAMP(EXPR), 0); }
  if (e == 2.0f) { POW_LOOP(wasm_f32x4_mul(x, x)) }
  else if (e == 1.0f) { POW_LOOP(x) }
  else if (e == 3.0f) { POW_LOOP(wasm_f32x4_mul(wasm_f32x4_mul(x, x), x)) }
  else if (e == -1.0f) { POW_LOOP(wasm_f32x4_div(wasm_f32x4_splat(1.0f), x)) }
  else if (e == 0.5f) { POW_LOOP(wasm_f32x4_sqrt(x)) } /* differs from pow only at −0 and −inf */
  else return 0;
#undef POW_LOOP
  return 1;
}

/* Splits act into an in-register clamp and, for other kinds, a post-pass (returned as 1). */
static int prepare(const wl_activation* act, v128_t* lo, v128_t* hi) {
  *lo = WL_F32X4(-__builtin_inff());
  *hi = WL_F32X4(__builtin_inff());
  if (wl_activation_is_identity(act)) return 0;
  if (act->kind != WL_ACT_MINMAX) return 1;
  *lo = wasm_f32x4_splat(act->min);
  *hi = wasm_f32x4_splat(act->max);
  return 0;
}

#define BLOCK 2048

void WL_EXPORT(wl_f32_vbinary)(int32_t op, int32_t start, int32_t end, const float* a, const float* b, float* y,
                               const wl_activation* act) {
  if ((uint32_t)op >= WL_BINARY_OP_COUNT || end <= start) return;
  v128_t lo, hi;
  const int post = prepare(act, &lo, &hi);
  const span_fn f = spans[op][VV];
  for (int32_t c = start; c < end; c += BLOCK) {
    const size_t m = (size_t)WL_MIN(BLOCK, end - c);
    f(m, a + c, 1, b + c, 1, y + c, lo, hi);
    if (post) wl_activate_block_f32(y + c, m, act);
  }
}

void WL_EXPORT(wl_f32_vbinary_scalar)(int32_t op, int32_t start, int32_t end, const float* a, const float* b, float* y,
                                      int32_t which, const wl_activation* act) {
  if ((uint32_t)op >= WL_BINARY_OP_COUNT || end <= start) return;
  v128_t lo, hi;
  const int post = prepare(act, &lo, &hi);
  const span_fn f = spans[op][which == 1 ? SV : VS];
  const float* vector = which == 1 ? b : a;
  for (int32_t c = start; c < end; c += BLOCK) {
    const size_t m = (size_t)WL_MIN(BLOCK, end - c);
    if (!(op == WL_BINARY_POW && which == 2 && pow_scalar_exponent(m, a + c, b[0], y + c, lo, hi))) {
      if (which == 1) f(m, a, 0, vector + c, 1, y + c, lo, hi);
      else f(m, vector + c, 1, b, 0, y + c, lo, hi);
    }
    if (post) wl_activate_block_f32(y + c, m, act);
  }
}

void WL_EXPORT(wl_f32_vbinary_channel)(int32_t op, int32_t row_start, int32_t row_end, int32_t channels, const float* a,
                                       const float* b, float* y, int32_t which, const wl_activation* act) {
  if ((uint32_t)op >= WL_BINARY_OP_COUNT || row_end <= row_start || channels <= 0) return;
  v128_t lo, hi;
  const int post = prepare(act, &lo, &hi);
  const span_fn f = spans[op][which == 1 ? CA : CB];
  const int32_t rows_per_block = WL_MAX(1, BLOCK / channels);
  for (int32_t r = row_start; r < row_end; r += rows_per_block) {
    const size_t rows = (size_t)WL_MIN(rows_per_block, row_end - r);
    const size_t offset = (size_t)r * (size_t)channels, m = rows * (size_t)channels;
    if (which == 1) f(m, a, 0, b + offset, channels, y + offset, lo, hi);
    else f(m, a + offset, channels, b, 0, y + offset, lo, hi);
    if (post) wl_activate_block_f32(y + offset, m, act);
  }
}

void WL_EXPORT(wl_f32_vbinary_nd)(int32_t op, int32_t start, int32_t end, int32_t rank, const int32_t* dims, const float* a,
                                  const int32_t* a_strides, const float* b, const int32_t* b_strides, float* y,
                                  const wl_activation* act) {
  if ((uint32_t)op >= WL_BINARY_OP_COUNT || rank < 1 || rank > 6 || end <= start) return;
  v128_t lo, hi;
  const int post = prepare(act, &lo, &hi);
  /* Pad to 6 axes on the left; the inner axis is handled by one span call per row. */
  int32_t d[6], sa[6], sb[6], idx[6] = {0, 0, 0, 0, 0, 0};
  const int pad = 6 - rank;
  for (int k = 0; k < 6; k++) {
    d[k] = k < pad ? 1 : dims[k - pad];
    sa[k] = k < pad ? 0 : a_strides[k - pad];
    sb[k] = k < pad ? 0 : b_strides[k - pad];
  }
  if (rank == 1) { /* the range is over the inner axis itself */
    a += (ptrdiff_t)start * sa[5], b += (ptrdiff_t)start * sb[5], y += start;
    d[5] = end - start;
    start = 0, end = 1;
  }
  const size_t n = (size_t)d[5];
  const int pattern = sa[5] == 1 && sb[5] == 1 ? VV : sa[5] == 1 && sb[5] == 0 ? VS : sa[5] == 0 && sb[5] == 1 ? SV : GG;
  const span_fn f = spans[op][pattern];
  const int outer_axis = pad < 5 ? pad : 4; /* the axis [start, end) refers to (dims[0]) */
  size_t rows = (size_t)(end - start);
  for (int k = outer_axis + 1; k < 5; k++) rows *= (size_t)d[k];
  idx[outer_axis] = start;
  float* yp = y + (size_t)start * (n * (rows / (size_t)(end - start)));
  for (size_t r = 0; r < rows; r++, yp += n) {
    ptrdiff_t oa = 0, ob = 0;
    for (int k = 0; k < 5; k++) oa += (ptrdiff_t)idx[k] * sa[k], ob += (ptrdiff_t)idx[k] * sb[k];
    f(n, a + oa, sa[5], b + ob, sb[5], yp, lo, hi);
    if (post) wl_activate_block_f32(yp, n, act);
    for (int k = 4; k >= 0 && ++idx[k] == d[k] && k > outer_axis; k--) idx[k] = 0;
  }
}
