// Comparisons and logical ops with numpy broadcasting, bool (0/1 as i32) out, one element per invocation.
//
// op        Equal, Less, LessOrEqual, Greater, GreaterOrEqual, And, Or, Xor (src/backends/webgpu/lower/compare.ts)
// dtypes    a and b both f32 words (float32) or both i32 words (int32/int16/uint16/int8/uint8/bool, int64 that fits);
//           out bool as i32 (0/1)
// semantics as the references (src/ir/reference/elementwise.ts): any comparison with a NaN is false (checked on the
//           bits: WGSL leaves NaN comparisons to the implementation), −0 equals +0; And/Or/Xor on 0/1 values
// override  OP: 0 Equal, 1 Less, 2 LessOrEqual, 3 Greater, 4 GreaterOrEqual, 5 And, 6 Or, 7 Xor; IS_FLOAT: f32 words
// layout    iteration over the output's dims (row-major); inputs through broadcast strides (common/indexing.wgsl)
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the references (test/kernels-wgsl/compare.test.ts)
// #include common/indexing.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, rank: u32, _unused0: u32, _unused1: u32,
  dims: Dims,
  a_strides: Strides,
  b_strides: Strides,
}

override OP: u32 = 0u;
override IS_FLOAT: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> output: array<i32>;

fn is_nan_bits(word: u32) -> bool {
  return (word & 0x7fffffffu) > 0x7f800000u;
}

// −1, 0 or 1 for a < b, a == b, a > b; 2 when unordered (a NaN).
fn order(x: u32, y: u32) -> i32 {
  if (IS_FLOAT) {
    if (is_nan_bits(x) || is_nan_bits(y)) { return 2; }
    let u = bitcast<f32>(x);
    let v = bitcast<f32>(y);
    return select(select(0, 1, u > v), -1, u < v);
  }
  let u = bitcast<i32>(x);
  let v = bitcast<i32>(y);
  return select(select(0, 1, u > v), -1, u < v);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let indices = indices_of(position, params.dims, params.rank);
  let x = a[offset_of(indices, params.a_strides, 0, params.rank)];
  let y = b[offset_of(indices, params.b_strides, 0, params.rank)];
  var result = false;
  switch OP {
    case 0u: { result = order(x, y) == 0; }
    case 1u: { result = order(x, y) == -1; }
    case 2u: { let o = order(x, y); result = o == -1 || o == 0; }
    case 3u: { result = order(x, y) == 1; }
    case 4u: { let o = order(x, y); result = o == 1 || o == 0; }
    case 5u: { result = x != 0u && y != 0u; }
    case 6u: { result = x != 0u || y != 0u; }
    default: { result = (x != 0u) != (y != 0u); }
  }
  output[position] = select(0, 1, result);
}
