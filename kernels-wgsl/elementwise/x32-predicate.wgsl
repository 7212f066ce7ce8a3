// Bool-valued unary ops on 32-bit words, bool (0/1 as i32) out, one element per invocation.
//
// op        override OP: 0 Not (bool in), 1 IsNaN (f32 in), 2 IsInf (f32 in; DETECT_NEGATIVE / DETECT_POSITIVE)
//           (src/backends/webgpu/lower/predicate.ts)
// dtypes    x bool (i32 0/1) or f32, bound as u32 words; out bool as i32 (0/1)
// semantics as the references (src/ir/ops/elementwise.ts): NaN and infinities are recognised on the bits, since
//           WGSL lets an implementation assume floats are finite
// layout    dense, any shape (the input's words in order)
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end. Exact.
// tested    against the references (test/kernels-wgsl/predicate.test.ts)
// #include common/dispatch.wgsl

struct Params {
  size: u32, _unused0: u32, _unused1: u32, _unused2: u32,
}

override OP: u32 = 0u;
override DETECT_NEGATIVE: bool = true;
override DETECT_POSITIVE: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let word = x[position];
  var result = false;
  switch OP {
    case 0u: { result = word == 0u; }
    case 1u: { result = (word & 0x7fffffffu) > 0x7f800000u; }
    default: { result = (DETECT_POSITIVE && word == 0x7f800000u) || (DETECT_NEGATIVE && word == 0xff800000u); }
  }
  output[position] = select(0, 1, result);
}
