/*
 * Op: Transpose (any permutation, rank ≤ 6) for 1-, 2-, 4- and 8-byte elements, plus NCHW ↔ NHWC for 4-byte ones.
 * Dtypes: raw elements (x8: u8/i8/bool, x16: f16/i16, x32: f32/i32, x64: i64/f64). Layout: y dense in out_dims order;
 *   input element of y[i0, …, ir-1] is x[Σ ik·in_strides[k]] (in_strides[k]: input stride, in elements, of the input axis
 *   that becomes output axis k, i.e. in_strides[k] = input_strides[perm[k]]).
 * Algorithm: the [start, end) range is applied to axis 0, then size-1 axes are dropped and adjacent axes that stay
 *   contiguous are merged. Then: inner run contiguous in x → copy runs (memory.copy when ≥ 64 bytes);
 *   innermost two axes swapped (input stride 1 on axis r−2) → blocked 2-D transpose, 32×32 blocks of register tiles
 *   (x32: 4×4 by 8 shuffles; x64: 2×2; x8/x16: scalar within the block; x32 rows strided by a multiple of 128
 *   elements go through a stack buffer to dodge L1 set conflicts); anything else → strided gather.
 * Tile: 4×4 (x32), 2×2 (x64); edges of a block scalar.
 * Reads/writes past the end: never. y must not overlap x.
 * Precision: exact (bit copies).
 * Tested against: a JS index-mapping reference in test/kernels-wasm/transpose.test.ts.
 *
 * Exports ([start, end) over out_dims[0]; NCHW↔NHWC over the N·HW pixels)
 *   void wl_x{8,16,32,64}_transpose(int32 start, int32 end, int32 rank, const int32* out_dims, const int32* in_strides,
 *                                   const void* x, void* y)
 *   void wl_x32_nchw_to_nhwc(int32 start, int32 end, int32 channels, int32 hw, const uint32* x, uint32* y)
 *   void wl_x32_nhwc_to_nchw(int32 start, int32 end, int32 channels, int32 hw, const uint32* x, uint32* y)
 */
#include "weblite.h"

#define BLOCK 32

/* Applies [start, end) to axis 0 and simplifies; returns the new rank (≥ 1). */
static int simplify(int rank, const int32_t* dims, const int32_t* strides, int32_t start, int32_t end, int32_t* d,
                    int32_t* s, size_t* x_offset, size_t* y_offset) {
  size_t inner = 1;
  for (int k = 1; k < rank; k++) inner *= (size_t)dims[k];
  *x_offset = (size_t)start * (size_t)strides[0];
  *y_offset = (size_t)start * inner;
  int r = 0;
  for (int k = 0; k < rank; k++) {
    const int32_t dk = k == 0 ? end - start : dims[k];
    if (dk == 1) continue;
    if (r > 0 && s[r - 1] == strides[k] * dk) {
      d[r - 1] *= dk;
      s[r - 1] = strides[k];
    } else {
      d[r] = dk, s[r] = strides[k], r++;
    }
  }
  if (r == 0) d[0] = 1, s[0] = 1, r = 1;
  return r;
}

static void copy_run(void* dst, const void* src, size_t bytes) {
  if (bytes >= 64) {
    __builtin_memcpy(dst, src, bytes);
    return;
  }
  uint8_t* d = dst;
  const uint8_t* s = src;
  size_t i = 0;
  for (; i + 16 <= bytes; i += 16) wasm_v128_store(d + i, wasm_v128_load(s + i));
  for (; i < bytes; i++) d[i] = s[i];
}

/* 4×4 transpose of rows a..d (lanes 0..3) into columns. */
#define TRANSPOSE_4X4(r0, r1, r2, r3)                                                               \
  do {                                                                                              \
    v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7); \
    v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7); \
    r0 = wasm_i64x2_shuffle(t0, t2, 0, 2), r1 = wasm_i64x2_shuffle(t0, t2, 1, 3);                    \
    r2 = wasm_i64x2_shuffle(t1, t3, 0, 2), r3 = wasm_i64x2_shuffle(t1, t3, 1, 3);                    \
  } while (0)

/* dst[c·ds + r] = src[r·ss + c] for r < rows, c < cols; register tiles of 4×4 (x32) or 2×2 (x64). */
#define DEFINE_TRANSPOSE_2D(T, TILE, TILE_BODY)                                                                     \
  static void transpose2d_##T(const T* src, size_t ss, size_t rows, size_t cols, T* dst, size_t ds) {             \
    for (size_t r0 = 0; r0 < rows; r0 += BLOCK) {                                                                 \
      const size_t r1 = WL_MIN(rows, r0 + BLOCK);                                                                 \
      for (size_t c0 = 0; c0 < cols; c0 += BLOCK) {                                                               \
        const size_t c1 = WL_MIN(cols, c0 + BLOCK);                                                               \
        size_t r = r0;                                                                                            \
        for (; TILE > 1 && r + TILE <= r1; r += TILE) {                                                           \
          size_t c = c0;                                                                                          \
          for (; c + TILE <= c1; c += TILE) TILE_BODY;                                                            \
          for (; c < c1; c++)                                                                                     \
            for (size_t k = 0; k < TILE; k++) dst[c * ds + r + k] = src[(r + k) * ss + c];                        \
        }                                                                                                         \
        for (; r < r1; r++)                                                                                       \
          for (size_t c = c0; c < c1; c++) dst[c * ds + r] = src[r * ss + c];                                     \
      }                                                                                                           \
    }                                                                                                             \
  }

#define TILE_X32                                                                                          \
  do {                                                                                                    \
    v128_t a = wasm_v128_load(src + r * ss + c), b = wasm_v128_load(src + (r + 1) * ss + c);              \
    v128_t e = wasm_v128_load(src + (r + 2) * ss + c), f = wasm_v128_load(src + (r + 3) * ss + c);        \
    TRANSPOSE_4X4(a, b, e, f);                                                                            \
    wasm_v128_store(dst + c * ds + r, a), wasm_v128_store(dst + (c + 1) * ds + r, b);                     \
    wasm_v128_store(dst + (c + 2) * ds + r, e), wasm_v128_store(dst + (c + 3) * ds + r, f);               \
  } while (0)

#define TILE_X64                                                                                          \
  do {                                                                                                    \
    v128_t a = wasm_v128_load(src + r * ss + c), b = wasm_v128_load(src + (r + 1) * ss + c);              \
    wasm_v128_store(dst + c * ds + r, wasm_i64x2_shuffle(a, b, 0, 2));                                    \
    wasm_v128_store(dst + (c + 1) * ds + r, wasm_i64x2_shuffle(a, b, 1, 3));                              \
  } while (0)

DEFINE_TRANSPOSE_2D(uint8_t, 1, (void)0)
DEFINE_TRANSPOSE_2D(uint16_t, 1, (void)0)
DEFINE_TRANSPOSE_2D(uint32_t, 4, TILE_X32)
DEFINE_TRANSPOSE_2D(uint64_t, 2, TILE_X64)

/*
 * x32 with a row stride that is a multiple of 128 elements (512 bytes): the rows of a block share a few L1 sets, and
 * writing 16 bytes to each of 32 such rows per tile column thrashes them (1024×1024 ran at 10 GB/s against 47 for
 * 1000×1000). Full blocks go through a contiguous stack buffer instead, so every destination row is written as one
 * 128-byte run.
 */
static void transpose2d_x32(const uint32_t* src, size_t ss, size_t rows, size_t cols, uint32_t* dst, size_t ds) {
  if ((ss % 128 != 0 && ds % 128 != 0) || rows < BLOCK || cols < BLOCK) {
    transpose2d_uint32_t(src, ss, rows, cols, dst, ds);
    return;
  }
  uint32_t buffer[BLOCK * BLOCK] __attribute__((aligned(16)));
  const size_t full_rows = rows - rows % BLOCK, full_cols = cols - cols % BLOCK;
  for (size_t r0 = 0; r0 < full_rows; r0 += BLOCK) {
    for (size_t c0 = 0; c0 < full_cols; c0 += BLOCK) {
      transpose2d_uint32_t(src + r0 * ss + c0, ss, BLOCK, BLOCK, buffer, BLOCK);
      for (size_t c = 0; c < BLOCK; c++) {
        uint32_t* d = dst + (c0 + c) * ds + r0;
        const uint32_t* b = buffer + c * BLOCK;
        for (size_t k = 0; k < BLOCK; k += 8) {
          v128_t u = wasm_v128_load(b + k), v = wasm_v128_load(b + k + 4);
          wasm_v128_store(d + k, u), wasm_v128_store(d + k + 4, v);
        }
      }
    }
  }
  /* The ragged right and bottom edges. */
  if (full_cols < cols) transpose2d_uint32_t(src + full_cols, ss, rows, cols - full_cols, dst + full_cols * ds, ds);
  if (full_rows < rows) transpose2d_uint32_t(src + full_rows * ss, ss, rows - full_rows, full_cols, dst + full_rows, ds);
}

#define TRANSPOSE_2D_uint8_t transpose2d_uint8_t
#define TRANSPOSE_2D_uint16_t transpose2d_uint16_t
#define TRANSPOSE_2D_uint32_t transpose2d_x32
#define TRANSPOSE_2D_uint64_t transpose2d_uint64_t

/* The N-D driver: odometer over the outer axes, one run / 2-D block / gather per step. */
#define DEFINE_TRANSPOSE(name, T)                                                                                 \
  void WL_EXPORT(name)(int32_t start, int32_t end, int32_t rank, const int32_t* out_dims, const int32_t* in_strides, \
                       const T* x, T* y) {                                                                        \
    if (rank < 1 || rank > 6 || end <= start) return;                                                             \
    int32_t d[6], s[6];                                                                                           \
    size_t xo, yo;                                                                                                \
    const int r = simplify(rank, out_dims, in_strides, start, end, d, s, &xo, &yo);                               \
    x += xo, y += yo;                                                                                             \
    const int mode = s[r - 1] == 1 ? 0 : (r >= 2 && s[r - 2] == 1) ? 1 : 2; /* run, 2-D block, gather */         \
    const int outer_rank = mode == 1 ? r - 2 : r - 1;                                                             \
    const size_t n = (size_t)d[r - 1], block = mode == 1 ? n * (size_t)d[r - 2] : n;                             \
    size_t count = 1;                                                                                             \
    for (int k = 0; k < outer_rank; k++) count *= (size_t)d[k];                                                   \
    int32_t idx[6] = {0, 0, 0, 0, 0, 0};                                                                          \
    for (size_t step = 0; step < count; step++, y += block) {                                                     \
      ptrdiff_t off = 0;                                                                                          \
      for (int k = 0; k < outer_rank; k++) off += (ptrdiff_t)idx[k] * s[k];                                       \
      const T* xs = x + off;                                                                                      \
      if (mode == 0) copy_run(y, xs, n * sizeof(T));                                                              \
      else if (mode == 1) TRANSPOSE_2D_##T(xs, (size_t)s[r - 1], n, (size_t)d[r - 2], y, n);                       \
      else for (size_t i = 0; i < n; i++) y[i] = xs[(ptrdiff_t)i * s[r - 1]];                                     \
      for (int k = outer_rank - 1; k >= 0 && ++idx[k] == d[k]; k--) idx[k] = 0;                                  \
    }                                                                                                             \
  }

DEFINE_TRANSPOSE(wl_x8_transpose, uint8_t)
DEFINE_TRANSPOSE(wl_x16_transpose, uint16_t)
DEFINE_TRANSPOSE(wl_x32_transpose, uint32_t)
DEFINE_TRANSPOSE(wl_x64_transpose, uint64_t)

void WL_EXPORT(wl_x32_nchw_to_nhwc)(int32_t start, int32_t end, int32_t channels, int32_t hw, const uint32_t* x, uint32_t* y) {
  if (channels <= 0 || hw <= 0) return;
  const size_t c = (size_t)channels, plane = (size_t)hw;
  for (int32_t unit = start; unit < end;) {
    const size_t n = (size_t)unit / plane, p0 = (size_t)unit % plane;
    const size_t p1 = WL_MIN(plane, p0 + (size_t)(end - unit));
    transpose2d_x32(x + n * c * plane + p0, plane, c, p1 - p0, y + (n * plane + p0) * c, c);
    unit += (int32_t)(p1 - p0);
  }
}

void WL_EXPORT(wl_x32_nhwc_to_nchw)(int32_t start, int32_t end, int32_t channels, int32_t hw, const uint32_t* x, uint32_t* y) {
  if (channels <= 0 || hw <= 0) return;
  const size_t c = (size_t)channels, plane = (size_t)hw;
  for (int32_t unit = start; unit < end;) {
    const size_t n = (size_t)unit / plane, p0 = (size_t)unit % plane;
    const size_t p1 = WL_MIN(plane, p0 + (size_t)(end - unit));
    transpose2d_x32(x + (n * plane + p0) * c, c, p1 - p0, c, y + n * c * plane + p0, plane);
    unit += (int32_t)(p1 - p0);
  }
}
