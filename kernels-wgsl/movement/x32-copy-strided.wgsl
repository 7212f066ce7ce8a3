// 32-bit strided copy: target view ← source view over the same iteration shape, one element per invocation.
//
// op        Transpose (permuted source strides), Slice (start offset, step-scaled and possibly negative strides),
//           Expand (0 strides), Concat (one dispatch per input into the output's strided view)
//           (src/backends/webgpu/lower/movement.ts)
// dtypes    any 32-bit element (bound as f32; values are moved, never computed on)
// layout    iteration shape `dims` (row-major); element at source_base + Σ i·source_strides, written to
//           target_base + Σ i·target_strides (common/indexing.wgsl)
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end (the host checks the views' extents).
// tested    against the reference Transpose/Slice/Expand/Concat (test/kernels-wgsl/movement.test.ts)
// #include common/indexing.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, rank: u32, source_base: i32, target_base: i32,
  dims: Dims,
  source_strides: Strides,
  target_strides: Strides,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> source_data: array<f32>;
@group(0) @binding(2) var<storage, read_write> target_data: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let indices = indices_of(position, params.dims, params.rank);
  target_data[offset_of(indices, params.target_strides, params.target_base, params.rank)] =
    source_data[offset_of(indices, params.source_strides, params.source_base, params.rank)];
}
