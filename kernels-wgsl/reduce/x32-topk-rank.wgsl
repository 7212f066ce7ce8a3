// TopK by rank: each element counts the elements of its lane that come before it in the sorted order, and if that
// rank is below K writes itself (value and index) at that position. One element per invocation.
//
// op        TopK (src/backends/webgpu/lower/topk.ts)
// dtypes    x f32; values f32; indices int64 as i32 words (an index along the axis)
// order     as the reference (src/ir/reference/topk.ts): preferred values first (LARGEST: larger), NaN after every
//           number, equal values (−0 equals +0) and NaNs by ascending index — a total order, so ranks are distinct
//           and every output position is written exactly once; sorted=0 gets the same order
// layout    x viewed as [outer, axis_dim, inner], outputs as [outer, k, inner], row-major
// tile      64 invocations, one input element each (axis_dim reads); grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return; an element ranked K or later writes nothing. No reads past the end.
// tested    against the reference TopK (test/kernels-wgsl/topk.test.ts); exact
// #include common/dispatch.wgsl

struct Params {
  size: u32, axis_dim: u32, inner: u32, k: u32,
}

override LARGEST: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> values: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

fn is_nan(value: f32) -> bool {
  return (bitcast<u32>(value) & 0x7fffffffu) > 0x7f800000u;
}

// Whether element (a, at a_index) comes before element (b, at b_index).
fn precedes(a: f32, a_index: u32, b: f32, b_index: u32) -> bool {
  let a_nan = is_nan(a);
  let b_nan = is_nan(b);
  if (a_nan || b_nan) { return select(!a_nan, a_index < b_index, a_nan && b_nan); }
  if (a != b) { return select((a < b), (a > b), LARGEST); }
  return a_index < b_index;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let i = position % params.inner;
  let j = (position / params.inner) % params.axis_dim;
  let o = position / (params.inner * params.axis_dim);
  let base = o * params.axis_dim * params.inner + i;
  let value = x[position];
  var rank = 0u;
  for (var other = 0u; other < params.axis_dim; other++) {
    if (precedes(x[base + other * params.inner], other, value, j)) { rank++; }
  }
  if (rank >= params.k) { return; }
  let destination = (o * params.k + rank) * params.inner + i;
  values[destination] = value;
  indices[destination] = i32(j);
}
