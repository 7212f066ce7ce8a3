// 32-bit Trilu: keeps the upper or lower triangle of every trailing [rows, columns] matrix, zeroing the rest.
//
// op        Trilu (src/backends/webgpu/lower/trilu.ts)
// dtypes    any 32-bit element (bound as u32 words, values only moved or zeroed: f32, i32, bool), exact
// layout    x and y row-major with the same dims; a matrix is the last two dims, the leading ones are a batch
// semantics as the reference (src/ir/reference/movement.ts): upper keeps column − row ≥ k, lower keeps
//           column − row ≤ k. The host clamps k to [−rows, columns], which keeps every answer and fits i32.
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference Trilu (test/kernels-wgsl/trilu.test.ts)
// #include common/dispatch.wgsl

override UPPER: bool = true;

struct Params {
  size: u32, rows: u32, columns: u32, k: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let column = i32(position % params.columns);
  let row = i32((position / params.columns) % params.rows);
  let diagonal = column - row;
  let keep = select(diagonal <= params.k, diagonal >= params.k, UPPER);
  y[position] = select(0u, x[position], keep);
}
