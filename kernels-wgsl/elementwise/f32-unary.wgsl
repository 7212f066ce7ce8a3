// f32 unary elementwise ops, one output per invocation.
//
// op        override OP: 0 the fused-activation table (ACTIVATION… overrides, common/activation.wgsl: Relu, Clip,
//           HardSwish, HardSigmoid, Sigmoid, LeakyRelu, Gelu, Tanh, Elu), 1 Abs, 2 Neg, 3 Exp, 4 Log, 5 Sqrt,
//           6 Reciprocal, 7 Floor, 8 Ceil, 9 Round (half to even), 10 Sign, 11 Sin, 12 Cos, 13 Tan, 14 Asin,
//           15 Acos, 16 Atan, 17 Sinh, 18 Cosh, 19 Asinh, 20 Acosh, 21 Atanh, 22 Erf, 23 Softplus, 24 Softsign,
//           25 Selu (UNARY_ALPHA, UNARY_GAMMA), 26 Celu (UNARY_ALPHA), 27 copy, 28 Clip with bounds read from
//           buffers (variants MIN_BUFFER / MAX_BUFFER: Clip whose min/max are run-time tensors)
//           (src/backends/webgpu/lower/elementwise.ts)
// dtypes    f32 in, f32 out; Sin/Cos/Tan/Acos/Erf/Softplus from common/math.wgsl (accurate to a few ulps where
//           WGSL's builtins only promise 2^-11), the rest WGSL builtins
//           variant F16 (common/precision.wgsl): f16 in and out (Clip bounds too), the op in f32 registers
// layout    dense, any shape
// tile      64 invocations, one output each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference ops (test/kernels-wgsl/elementwise.test.ts)
// #include common/precision.wgsl
// #include common/math.wgsl
// #include common/activation.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, _unused0: u32, _unused1: u32, _unused2: u32,
}

override OP: u32 = 0u;
override UNARY_ALPHA: f32 = 0.0;
override UNARY_GAMMA: f32 = 0.0;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<stored_float>;
@group(0) @binding(2) var<storage, read_write> y: array<stored_float>;
// #if MIN_BUFFER
@group(0) @binding(3) var<storage, read> min_bound: array<stored_float>;
// #endif
// #if MAX_BUFFER
@group(0) @binding(4) var<storage, read> max_bound: array<stored_float>;
// #endif

// Clip with run-time bounds, raising to min first as the reference does (min > max gives max).
fn clip_buffers(v: f32) -> f32 {
  var y = v;
  // #if MIN_BUFFER
  if (y < f32(min_bound[0])) { y = f32(min_bound[0]); }
  // #endif
  // #if MAX_BUFFER
  if (y > f32(max_bound[0])) { y = f32(max_bound[0]); }
  // #endif
  return y;
}

fn apply(v: f32) -> f32 {
  switch OP {
    case 0u: { return activate(v); }
    case 1u: { return abs(v); }
    case 2u: { return -v; }
    case 3u: { return exp(v); }
    case 4u: { return log(v); }
    case 5u: { return sqrt(v); }
    case 6u: { return 1.0 / v; }
    case 7u: { return floor(v); }
    case 8u: { return ceil(v); }
    case 9u: { return round(v); }
    case 10u: { return sign(v); }
    case 11u: { return sin_f32(v); }
    case 12u: { return cos_f32(v); }
    case 13u: { return sin_f32(v) / cos_f32(v); }
    case 14u: { return asin(v); }
    case 15u: { return acos_f32(v); }
    case 16u: { return atan(v); }
    case 17u: { return sinh(v); }
    case 18u: { return cosh(v); }
    case 19u: { return asinh(v); }
    case 20u: { return acosh(v); }
    case 21u: { return atanh(v); }
    case 22u: { return erf_f32(v); }
    case 23u: { return softplus_f32(v); }
    case 24u: { return v / (1.0 + abs(v)); }
    case 25u: { return UNARY_GAMMA * select(v, UNARY_ALPHA * (exp(v) - 1.0), v <= 0.0); }
    case 26u: { return select(v, UNARY_ALPHA * (exp(v / UNARY_ALPHA) - 1.0), v < 0.0); }
    case 28u: { return clip_buffers(v); }
    default: { return v; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  y[position] = store_float(apply(f32(x[position])));
}
