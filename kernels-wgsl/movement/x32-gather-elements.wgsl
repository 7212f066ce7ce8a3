// 32-bit GatherElements: output[p] = data[p's indices with the `axis` coordinate replaced by indices[p]].
//
// op        GatherElements (src/backends/webgpu/lower/gather.ts)
// dtypes    data and output any 32-bit element (bound as u32 words, values only moved); indices i32 (int32, or
//           int64 saturated on upload)
// layout    output and indices share `index_dims` (row-major); data addressed through `data_strides`
// indices   negative ones count from the end; one outside [−axis_dim, axis_dim) writes 0 (the reference throws)
// tile      64 invocations, one output element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end (indices dims fit inside data, checked by the host).
// tested    against the reference GatherElements (test/kernels-wgsl/gather.test.ts)
// #include common/indexing.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, rank: u32, axis: u32, axis_dim: u32,
  index_dims: Dims,
  data_strides: Strides,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<i32>;
@group(0) @binding(3) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  var index = indices[position];
  if (index < 0) { index += i32(params.axis_dim); }
  if (index < 0 || index >= i32(params.axis_dim)) {
    output[position] = 0u;
    return;
  }
  var coordinates = indices_of(position, params.index_dims, params.rank);
  coordinates[params.axis] = u32(index);
  output[position] = data[offset_of(coordinates, params.data_strides, 0, params.rank)];
}
