// f32 binary elementwise ops with numpy broadcasting, one output per invocation.
//
// op        override OP: 0 Add, 1 Sub, 2 Mul, 3 Div, 4 Pow, 5 Max, 6 Min, 7 PRelu (a < 0 ? b·a : a), 8 Mean of two
//           (src/backends/webgpu/lower/elementwise.ts)
// dtypes    f32 in, f32 out
//           variant F16 (common/precision.wgsl): f16 in and out, the op itself in f32 registers (exact for
//           Add/Sub/Mul/Max/Min up to the f16 rounding of the result; Pow/Div keep f32 accuracy)
// layout    variant BROADCAST: each operand is a strided view of the output's shape (stride 0 on broadcast axes,
//           common/indexing.wgsl); without it both operands have the output's shape and are read at the same offset
// tile      64 invocations, one output each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// semantics Pow follows numpy for negative bases and zero (common/math.wgsl power_f32); Max/Min propagate NaN
// tested    against the reference Add/Sub/Mul/Div/Pow/Max/Min/PRelu/Mean (test/kernels-wgsl/elementwise.test.ts)
// #include common/precision.wgsl
// #include common/math.wgsl
// #include common/indexing.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, rank: u32, _unused0: u32, _unused1: u32,
  dims: Dims,
  a_strides: Strides,
  b_strides: Strides,
}

override OP: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<stored_float>;
@group(0) @binding(2) var<storage, read> b: array<stored_float>;
@group(0) @binding(3) var<storage, read_write> y: array<stored_float>;

fn apply(x: f32, z: f32) -> f32 {
  switch OP {
    case 0u: { return x + z; }
    case 1u: { return x - z; }
    case 2u: { return x * z; }
    case 3u: { return x / z; }
    case 4u: { return power_f32(x, z); }
    case 5u: { return select(z, x, x > z || x != x); }
    case 6u: { return select(z, x, x < z || x != x); }
    case 7u: { return select(x, z * x, x < 0.0); }
    case 8u: { return (x + z) * 0.5; }
    default: { return x; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  // #if BROADCAST
  let a_offset = view_offset(position, params.dims, params.a_strides, 0, params.rank);
  let b_offset = view_offset(position, params.dims, params.b_strides, 0, params.rank);
  // #else
  let a_offset = position;
  let b_offset = position;
  // #endif
  y[position] = store_float(apply(f32(a[a_offset]), f32(b[b_offset])));
}
