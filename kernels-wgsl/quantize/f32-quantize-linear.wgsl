// QuantizeLinear from f32 to 8/16-bit integers held as i32 words: the quantized tensor stays on the GPU in a form
// the f32 kernels' neighbours (DequantizeLinear) read back exactly — quantized models run in f32 math on the GPU.
//
// op        QuantizeLinear, per-tensor or per-axis (src/backends/webgpu/lower/quantize.ts)
// dtypes    x f32; scale f32; zero point i32 words (int8/uint8/int16/uint16 values); y i32 words, in [LOW, HIGH]
// math      y = clamp(roundHalfToEven(x / scale) + zero_point, LOW, HIGH); NaN → zero_point, ±inf saturate; as
//           src/ir/reference/quantize.ts. WGSL's round() is half-to-even. x / scale is WGSL's f32 division (within
//           2.5 ulp; correctly rounded on SwiftShader): where x / scale lies within that of a rounding boundary a
//           GPU may land one step from the reference (never with power-of-two scales, whose quotients are exact)
// layout    flat; the parameter of element p is scale[(p / inner) % count] (count 1: per-tensor)
// variants  HAS_ZERO_POINT; override LOW, HIGH (the output type's range)
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference QuantizeLinear (test/kernels-wgsl/quantize.test.ts)
// #include common/dispatch.wgsl

struct Params {
  size: u32, inner: u32, count: u32, _unused: u32,
}

override LOW: f32 = 0.0;
override HIGH: f32 = 255.0;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
// #if HAS_ZERO_POINT
@group(0) @binding(3) var<storage, read> zero_point: array<i32>;
// #endif
@group(0) @binding(4) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let p = (position / params.inner) % params.count;
  var zero = 0.0;
// #if HAS_ZERO_POINT
  zero = f32(zero_point[p]);
// #endif
  let quotient = x[position] / scale[p];
  let is_nan = (bitcast<u32>(quotient) & 0x7fffffffu) > 0x7f800000u;
  // Clamping in f32 first keeps ±inf and huge quotients out of the (undefined) f32 → i32 conversion.
  let value = select(clamp(round(quotient) + zero, LOW, HIGH), clamp(zero, LOW, HIGH), is_nan);
  y[position] = i32(value);
}
