// ScatterND / ScatterElements by search: each output element starts from data and folds in, in index order, every
// update that lands on it. One output element per invocation, so duplicate indices are deterministic (the last
// update wins under reduction 'none', as in the reference) and no atomics are needed.
//
// op        ScatterND (IS_ND), ScatterElements (src/backends/webgpu/lower/scatter.ts)
// dtypes    data, updates, output any 32-bit element as u32 words under REDUCTION 0 (none, values only moved);
//           f32 for REDUCTION 1 add, 2 mul, 3 max, 4 min (f32 arithmetic, as the float32 reference; max/min keep a
//           NaN already there and take a NaN update, as the reference's comparisons do)
//           indices i32 (int64 saturated on upload); negative ones count from the end; one outside its axis never
//           matches (the reference throws instead)
// layout    row-major. ND: updates as [count, slice], indices as [count, tuple], dims / strides the data's first
//           `tuple` axes. Elements: indices and updates of `dims` (rank), strides the data's, axis replaced by the
//           index.
// cost      count (× rank or tuple) index reads per output element: for small index sets (cache updates, masks)
// tile      64 invocations, one output element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference ScatterND / ScatterElements (test/kernels-wgsl/scatter.test.ts)
// #include common/indexing.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, rank: u32, count: u32, slice: u32,
  axis: u32, axis_dim: u32, _unused0: u32, _unused1: u32,
  dims: Dims,
  strides: Strides,
}

override IS_ND: bool = true;
override REDUCTION: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> data: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<i32>;
@group(0) @binding(3) var<storage, read> updates: array<u32>;
@group(0) @binding(4) var<storage, read_write> output: array<u32>;

fn is_nan(value: f32) -> bool {
  return (bitcast<u32>(value) & 0x7fffffffu) > 0x7f800000u;
}

fn combine(current: u32, update: u32) -> u32 {
  let a = bitcast<f32>(current);
  let b = bitcast<f32>(update);
  switch REDUCTION {
    case 0u: { return update; }
    case 1u: { return bitcast<u32>(a + b); }
    case 2u: { return bitcast<u32>(a * b); }
    case 3u: { return select(update, current, is_nan(a) || (!is_nan(b) && a > b)); }
    default: { return select(update, current, is_nan(a) || (!is_nan(b) && a < b)); }
  }
}

// The data offset index tuple `t` (ND) or index element `t` (Elements) writes to; -1 when an index is outside.
fn target_offset(t: u32) -> i32 {
  if (IS_ND) {
    var offset = 0;
    for (var j = 0u; j < params.rank; j++) {
      let dim = i32(dim_at(params.dims, j));
      var index = indices[t * params.rank + j];
      if (index < 0) { index += dim; }
      if (index < 0 || index >= dim) { return -1; }
      offset += index * stride_at(params.strides, j);
    }
    return offset;
  }
  var index = indices[t];
  let dim = i32(params.axis_dim);
  if (index < 0) { index += dim; }
  if (index < 0 || index >= dim) { return -1; }
  var coordinates = indices_of(t, params.dims, params.rank);
  coordinates[params.axis] = u32(index);
  return i32(offset_of(coordinates, params.strides, 0, params.rank));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  var value = data[position];
  if (IS_ND) {
    let i = position % params.slice;
    let slice_start = i32(position - i);
    for (var t = 0u; t < params.count; t++) {
      if (target_offset(t) == slice_start) { value = combine(value, updates[t * params.slice + i]); }
    }
  } else {
    for (var t = 0u; t < params.count; t++) {
      if (target_offset(t) == i32(position)) { value = combine(value, updates[t]); }
    }
  }
  output[position] = value;
}
