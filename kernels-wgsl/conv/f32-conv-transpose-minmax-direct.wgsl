// f32 ConvTranspose (1-, 2- and 3-D, grouped, strided, dilated, padded, output_padding), optional fused bias and
// activation, computed output-stationary: one output element per invocation gathers every input that scatters into
// it, so no atomics and no zero-fill pass.
//
// op        ConvTranspose (src/backends/webgpu/lower/conv-transpose.ts)
// dtypes    f32 in, weights, bias and out; f32 accumulation
// layout    X [N, C, inD, inH, inW], W [C, M/group, kD, kH, kW] (ONNX), Y [N, M, outD, outH, outW], all row-major;
//           1-D and 2-D convolutions arrive with their missing leading spatial axes of size 1
// math      Y[n, m, o] = B[m] + Σ_{c in m's group} Σ_k W[c, m mod (M/group), k] · X[n, c, i] over kernel offsets k with
//           o = i·stride − pad + k·dilation, i.e. i = (o + pad − k·dilation) / stride when that divides exactly and
//           lies in [0, in) — the reference's scatter (src/ir/reference/conv.ts convTranspose), inverted
// variants  HAS_BIAS; override ACTIVATION (common/activation.wgsl; 0 for a plain ConvTranspose)
// tile      64 invocations, one output element each; the kernel offsets are the outer loop (one divisibility test
//           each), the group's input channels the inner one; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end (input coordinates are range-checked).
// tested    against the reference ConvTranspose (test/kernels-wgsl/conv-transpose.test.ts)
// #include common/math.wgsl
// #include common/activation.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, channels: u32, group_channels: u32, group_out_channels: u32,
  in_size: vec4<u32>,     // D, H, W, out_channels
  out_size: vec4<u32>,    // D, H, W, -
  kernel: vec4<u32>,      // D, H, W, -
  stride: vec4<u32>,
  dilation: vec4<u32>,
  pad: vec4<i32>,         // begin pads (may be negative when output_shape asks for more than the input gives)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
// #if HAS_BIAS
@group(0) @binding(3) var<storage, read> bias: array<f32>;
// #endif
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// The input coordinate that output coordinate `o` reads at kernel offset `k` along one axis, or −1.
fn source(o: u32, k: u32, axis: u32) -> i32 {
  let shifted = i32(o) + params.pad[axis] - i32(k * params.dilation[axis]);
  let stride = i32(params.stride[axis]);
  if (shifted < 0 || shifted % stride != 0) { return -1; }
  let i = shifted / stride;
  return select(-1, i, i < i32(params.in_size[axis]));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let out_spatial = params.out_size.x * params.out_size.y * params.out_size.z;
  let in_spatial = params.in_size.x * params.in_size.y * params.in_size.z;
  let kernel_size = params.kernel.x * params.kernel.y * params.kernel.z;
  let ow = position % params.out_size.z;
  let oh = (position / params.out_size.z) % params.out_size.y;
  let od = (position / (params.out_size.z * params.out_size.y)) % params.out_size.x;
  let m = (position / out_spatial) % params.in_size.w;
  let n = position / (out_spatial * params.in_size.w);
  let group = m / params.group_out_channels;
  let m_in_group = m % params.group_out_channels;
  let first_channel = group * params.group_channels;

  var sum = 0.0;
  for (var kd = 0u; kd < params.kernel.x; kd++) {
    let id = source(od, kd, 0u);
    if (id < 0) { continue; }
    for (var kh = 0u; kh < params.kernel.y; kh++) {
      let ih = source(oh, kh, 1u);
      if (ih < 0) { continue; }
      for (var kw = 0u; kw < params.kernel.z; kw++) {
        let iw = source(ow, kw, 2u);
        if (iw < 0) { continue; }
        let spatial = (u32(id) * params.in_size.y + u32(ih)) * params.in_size.z + u32(iw);
        let k = (kd * params.kernel.y + kh) * params.kernel.z + kw;
        var x_at = (n * params.channels + first_channel) * in_spatial + spatial;
        var w_at = (first_channel * params.group_out_channels + m_in_group) * kernel_size + k;
        for (var c = 0u; c < params.group_channels; c++) {
          sum += w[w_at] * x[x_at];
          x_at += in_spatial;
          w_at += params.group_out_channels * kernel_size;
        }
      }
    }
  }
// #if HAS_BIAS
  sum += bias[m];
// #endif
  y[position] = activate(sum);
}
