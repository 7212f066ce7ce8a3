// 32-bit Where with numpy broadcasting: output = condition ? x : y, one element per invocation.
//
// op        Where (src/backends/webgpu/lower/where.ts)
// dtypes    condition bool stored as i32 (0/1); x, y and output any one 32-bit element type (bound as u32 words,
//           values only moved)
// layout    iteration over the output's dims (row-major); each input read through its broadcast strides (0 on
//           broadcast axes, common/indexing.wgsl)
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference Where (test/kernels-wgsl/where-cast.test.ts)
// #include common/indexing.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, rank: u32, _unused0: u32, _unused1: u32,
  dims: Dims,
  condition_strides: Strides,
  x_strides: Strides,
  y_strides: Strides,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> condition: array<i32>;
@group(0) @binding(2) var<storage, read> x: array<u32>;
@group(0) @binding(3) var<storage, read> y: array<u32>;
@group(0) @binding(4) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let indices = indices_of(position, params.dims, params.rank);
  if (condition[offset_of(indices, params.condition_strides, 0, params.rank)] != 0) {
    output[position] = x[offset_of(indices, params.x_strides, 0, params.rank)];
  } else {
    output[position] = y[offset_of(indices, params.y_strides, 0, params.rank)];
  }
}
