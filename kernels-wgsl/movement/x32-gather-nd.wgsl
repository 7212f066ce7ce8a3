// 32-bit GatherND: output[b, t, i] = data[b, indices[b, t, 0..tuple), i], one output element per invocation.
//
// op        GatherND (src/backends/webgpu/lower/scatter.ts)
// dtypes    data and output any 32-bit element (u32 words, values only moved); indices i32 (int64 saturated on
//           upload, so an out-of-range index stays out of range)
// layout    output viewed as [batches, tuples, slice]; data as [batches, data_dims[0..tuple), slice]; indices as
//           [batches, tuples, tuple], all row-major. data_dims / data_strides hold the tuple axes (strides in
//           elements of the whole data, batch offset excluded)
// indices   negative ones count from the end; one outside its axis writes 0 (the reference throws instead)
// tile      64 invocations, one output element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end. Exact.
// tested    against the reference GatherND (test/kernels-wgsl/scatter.test.ts)
// #include common/indexing.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, tuple: u32, slice: u32, tuples: u32,
  batch_stride: u32, _unused0: u32, _unused1: u32, _unused2: u32,
  data_dims: Dims,
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
  let i = position % params.slice;
  let row = position / params.slice;  // batch · tuples + t
  let batch = row / params.tuples;
  var offset = i32(batch * params.batch_stride + i);
  for (var j = 0u; j < params.tuple; j++) {
    let dim = i32(dim_at(params.data_dims, j));
    var index = indices[row * params.tuple + j];
    if (index < 0) { index += dim; }
    if (index < 0 || index >= dim) {
      output[position] = 0u;
      return;
    }
    offset += index * stride_at(params.data_strides, j);
  }
  output[position] = data[offset];
}
