// f32 depthwise 2-D convolution (group = input channels, any channel multiplier), one output per invocation.
//
// op        Conv, FusedConv whose weights are [C·multiplier, 1, KH, KW] (src/backends/webgpu/lower/conv.ts)
// dtypes    f32 in, f32 out, f32 accumulation (row-major tap order)
//           variant F16 (common/precision.wgsl): f16 operands and products, f32 accumulation and epilogue
// layout    NCHW input, output and residual; weights as given
// variants  HAS_BIAS, HAS_RESIDUAL; overrides KERNEL_H, KERNEL_W fix the tap loops so the compiler can unroll them
// tile      64 invocations, one output each; grid spread over x/y (common/dispatch.wgsl)
// remainder padding taps are skipped (never read); invocations past the end return. No reads past the end.
// epilogue  + bias, + Z, then the fused activation
// tested    against the reference Conv/FusedConv (test/kernels-wgsl/conv.test.ts)
// #include common/precision.wgsl
// #include common/math.wgsl
// #include common/activation.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, out_channels: u32, out_h: u32, out_w: u32,
  in_h: u32, in_w: u32, multiplier: u32, stride_h: u32,
  stride_w: u32, dilation_h: u32, dilation_w: u32, pad_top: u32,
  pad_left: u32, _unused0: u32, _unused1: u32, _unused2: u32,
}

override KERNEL_H: u32 = 3u;
override KERNEL_W: u32 = 3u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<stored_float>;
@group(0) @binding(2) var<storage, read> w: array<stored_float>;
// #if HAS_BIAS
@group(0) @binding(3) var<storage, read> bias: array<stored_float>;
// #endif
// #if HAS_RESIDUAL
@group(0) @binding(4) var<storage, read> residual: array<stored_float>;
// #endif
@group(0) @binding(5) var<storage, read_write> y: array<stored_float>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let out_column = position % params.out_w;
  let out_row = (position / params.out_w) % params.out_h;
  let plane = position / (params.out_w * params.out_h);  // image · out_channels + channel
  let channel = plane % params.out_channels;
  let image = plane / params.out_channels;
  let in_channels = params.out_channels / params.multiplier;
  let x_base = (image * in_channels + channel / params.multiplier) * params.in_h * params.in_w;
  let w_base = channel * KERNEL_H * KERNEL_W;
  let row0 = i32(out_row * params.stride_h) - i32(params.pad_top);
  let column0 = i32(out_column * params.stride_w) - i32(params.pad_left);
  var sum = 0.0;
  for (var kh = 0u; kh < KERNEL_H; kh++) {
    let in_row = row0 + i32(kh * params.dilation_h);
    if (in_row < 0 || in_row >= i32(params.in_h)) { continue; }
    for (var kw = 0u; kw < KERNEL_W; kw++) {
      let in_column = column0 + i32(kw * params.dilation_w);
      if (in_column < 0 || in_column >= i32(params.in_w)) { continue; }
      sum += f32(x[x_base + u32(in_row) * params.in_w + u32(in_column)] * w[w_base + kh * KERNEL_W + kw]);
    }
  }
  // #if HAS_BIAS
  sum += f32(bias[channel]);
  // #endif
  // #if HAS_RESIDUAL
  sum += f32(residual[position]);
  // #endif
  y[position] = store_float(activate(sum));
}
