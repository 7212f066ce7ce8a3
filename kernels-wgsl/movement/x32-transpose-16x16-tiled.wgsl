// 32-bit batched 2-D transpose through a 16×16 tile in workgroup memory: Y[b, c, r] = X[b, r, c].
//
// op        Transpose whose permutation, after dropping unit axes and merging axes that stay adjacent, swaps the
//           last two axes of [batch, rows, columns] (e.g. NCHW → NHWC is [N, C, HW] → [N, HW, C]); other
//           permutations use movement/x32-copy-strided.wgsl (src/backends/webgpu/lower/transpose.ts)
// dtypes    any 32-bit element (bound as f32; values are moved, never computed on)
// layout    X dense [batch, rows, columns], Y dense [batch, columns, rows]
// tile      workgroup 16×16; each invocation reads one element of a 16×16 tile along X's rows (coalesced), the
//           tile is stored with a padded stride of 17 (no bank conflicts on the transposed read) and written
//           back along Y's rows (coalesced). Grid (⌈columns/16⌉, ⌈rows/16⌉, batch).
// remainder edge tiles are partial: out-of-range invocations load nothing and store nothing, but still reach
//           the barrier (it must be in uniform control flow). No reads or writes past the end of a buffer.
// tested    against the reference Transpose (test/kernels-wgsl/movement.test.ts), tile-sized, multiple, below
//           and above the tile, and permutations that reduce to this form

const TILE: u32 = 16u;

struct Params {
  rows: u32, columns: u32, _unused0: u32, _unused1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> tile: array<f32, 272>; // 16 rows of 17

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
  let plane = workgroup.z * params.rows * params.columns;
  let row = workgroup.y * TILE + local.y;
  let column = workgroup.x * TILE + local.x;
  if (row < params.rows && column < params.columns) {
    tile[local.y * 17u + local.x] = x[plane + row * params.columns + column];
  }
  workgroupBarrier();
  // The same tile, now walked along Y's rows: invocation (local.x, local.y) writes Y[column', row'] with
  // row' = tile row local.x and column' = tile column local.y.
  let out_row = workgroup.x * TILE + local.y; // an X column
  let out_column = workgroup.y * TILE + local.x; // an X row
  if (out_row < params.columns && out_column < params.rows) {
    y[plane + out_row * params.rows + out_column] = tile[local.x * 17u + local.y];
  }
}
