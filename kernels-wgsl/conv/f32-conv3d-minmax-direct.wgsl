// f32 3-D convolution (any group count), one output per invocation.
//
// op        Conv, FusedConv over three spatial axes (src/backends/webgpu/lower/conv.ts); 1-D and 2-D convolutions
//           take the implicit-GEMM and depthwise kernels instead
// dtypes    f32 in, f32 out, f32 accumulation in (input channel, depth, row, column) tap order
// layout    NCDHW input, output and residual; weights OIDHW as given (I = input channels per group)
// variants  HAS_BIAS, HAS_RESIDUAL
// tile      64 invocations, one output each; grid spread over x/y (common/dispatch.wgsl)
// remainder padding taps are skipped (never read); invocations past the end return. No reads past the end.
// epilogue  + bias, + Z, then the fused activation (common/activation.wgsl)
// tested    against the reference Conv/FusedConv (test/kernels-wgsl/conv.test.ts)
// #include common/math.wgsl
// #include common/activation.wgsl
// #include common/dispatch.wgsl

// Per-axis values are vec4s (x depth, y height, z width; w unused).
struct Params {
  size: u32, out_channels: u32, in_per_group: u32, out_per_group: u32,
  out_dims: vec4<u32>,
  in_dims: vec4<u32>,
  kernel: vec4<u32>,
  strides: vec4<u32>,
  dilations: vec4<u32>,
  pads_begin: vec4<u32>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
// #if HAS_BIAS
@group(0) @binding(3) var<storage, read> bias: array<f32>;
// #endif
// #if HAS_RESIDUAL
@group(0) @binding(4) var<storage, read> residual: array<f32>;
// #endif
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let out_dims = params.out_dims.xyz;
  let in_dims = params.in_dims.xyz;
  let kernel = params.kernel.xyz;
  let dilations = params.dilations.xyz;
  let out_plane = out_dims.x * out_dims.y * out_dims.z;
  let in_plane = in_dims.x * in_dims.y * in_dims.z;
  let taps = kernel.x * kernel.y * kernel.z;
  let out_index = vec3<u32>(position / (out_dims.y * out_dims.z) % out_dims.x, position / out_dims.z % out_dims.y,
                            position % out_dims.z);
  let channel = position / out_plane % params.out_channels;
  let batch = position / (out_plane * params.out_channels);
  let group = channel / params.out_per_group;
  let in_channels = params.in_per_group * (params.out_channels / params.out_per_group);
  let start = vec3<i32>(out_index * params.strides.xyz) - vec3<i32>(params.pads_begin.xyz);
  var sum = 0.0;
  for (var c = 0u; c < params.in_per_group; c++) {
    let x_base = (batch * in_channels + group * params.in_per_group + c) * in_plane;
    let w_base = (channel * params.in_per_group + c) * taps;
    for (var kd = 0u; kd < kernel.x; kd++) {
      let d = start.x + i32(kd * dilations.x);
      if (d < 0 || d >= i32(in_dims.x)) { continue; }
      for (var kh = 0u; kh < kernel.y; kh++) {
        let h = start.y + i32(kh * dilations.y);
        if (h < 0 || h >= i32(in_dims.y)) { continue; }
        let row = x_base + (u32(d) * in_dims.y + u32(h)) * in_dims.z;
        let w_row = w_base + (kd * kernel.y + kh) * kernel.z;
        for (var kw = 0u; kw < kernel.z; kw++) {
          let column = start.z + i32(kw * dilations.z);
          if (column < 0 || column >= i32(in_dims.z)) { continue; }
          sum += x[row + u32(column)] * w[w_row + kw];
        }
      }
    }
  }
  // #if HAS_BIAS
  sum += bias[channel];
  // #endif
  // #if HAS_RESIDUAL
  sum += residual[position];
  // #endif
  y[position] = activate(sum);
}
