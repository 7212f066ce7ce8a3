// 32-bit Gather along one axis: output[o, j, i] = data[o, indices[j], i], one element per invocation.
//
// op        Gather (src/backends/webgpu/lower/gather.ts)
// dtypes    data and output any 32-bit element (bound as u32 words, values only moved); indices i32 (int32, or
//           int64 saturated to the i32 range on upload, which keeps an out-of-range index out of range)
// layout    data viewed as [outer, axis_dim, inner], output as [outer, index_count, inner], row-major
// indices   negative ones count from the end; one outside [−axis_dim, axis_dim) writes 0 (the reference throws
//           a RUNTIME_ERROR instead; a kernel cannot), never a read outside the data
// tile      64 invocations, one output element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference Gather (test/kernels-wgsl/gather.test.ts)
// #include common/dispatch.wgsl

struct Params {
  size: u32, inner: u32, axis_dim: u32, index_count: u32,
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
  let i = position % params.inner;
  let rest = position / params.inner;
  let j = rest % params.index_count;
  let o = rest / params.index_count;
  var index = indices[j];
  if (index < 0) { index += i32(params.axis_dim); }
  if (index < 0 || index >= i32(params.axis_dim)) {
    output[position] = 0u;
    return;
  }
  output[position] = data[(o * params.axis_dim + u32(index)) * params.inner + i];
}
