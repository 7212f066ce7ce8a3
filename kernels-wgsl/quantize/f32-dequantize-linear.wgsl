// DequantizeLinear from 8/16-bit integers held as i32 words to f32 (the f32 side of quantized models on the GPU).
//
// op        DequantizeLinear, per-tensor or per-axis (src/backends/webgpu/lower/quantize.ts)
// dtypes    x i32 words (int8/uint8/int16/uint16 values); zero point i32 words; scale f32; y f32
// math      y = f32(x − zero_point) · scale: the difference is an exact integer below 2^17 and the product is
//           correctly rounded, so results equal the reference's (src/ir/reference/quantize.ts) bit for bit
// layout    flat; the parameter of element p is scale[(p / inner) % count] (count 1: per-tensor)
// variants  HAS_ZERO_POINT
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference DequantizeLinear (test/kernels-wgsl/quantize.test.ts)
// #include common/dispatch.wgsl

struct Params {
  size: u32, inner: u32, count: u32, _unused: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
// #if HAS_ZERO_POINT
@group(0) @binding(3) var<storage, read> zero_point: array<i32>;
// #endif
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let p = (position / params.inner) % params.count;
  var zero = 0;
// #if HAS_ZERO_POINT
  zero = zero_point[p];
// #endif
  y[position] = f32(x[position] - zero) * scale[p];
}
