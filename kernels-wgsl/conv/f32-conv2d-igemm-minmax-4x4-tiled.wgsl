// f32 2-D convolution (grouped) as an implicit GEMM: per image and group, Y[co, pixel] = W[co, k] · X̂[k, pixel]
// with k = (input channel, kernel row, kernel column) and X̂ the im2col view of X, never materialised.
//
// op        Conv, FusedConv with bias, residual Z and activation (src/backends/webgpu/lower/conv.ts); 1-D
//           convolutions arrive as 2-D with height 1
// dtypes    f32 in, f32 out, f32 accumulation (in k order)
//           variant F16 (common/precision.wgsl): f16 operands, tiles and products, f32 accumulation and epilogue
// layout    NCHW input, output and residual; weights OIHW as given (row co of the GEMM is contiguous)
// variants  HAS_BIAS, HAS_RESIDUAL (extra bindings); override POINTWISE: 1×1, stride 1, no padding — X̂ is X.
//           VEC4_A (k a multiple of 4): W bound as array<vec4<stored_float>>, its tile loaded 4 k at a time.
//           VEC4_B (only with POINTWISE, pixels a multiple of 4): X bound as vec4 too, 4 pixels per load
//           (gemm/gemm-tile.wgsl; rows and group/image bases are then multiples of 4, bindings start at offset 0).
// tile      workgroup 8×8, tile 32 output channels × 32 pixels × 32 k (gemm/gemm-tile.wgsl);
//           grid (⌈pixels/32⌉, ⌈channels per group/32⌉, batch · groups)
// remainder padding taps and out-of-range tile positions read nothing (zero); stores masked. No reads past the end.
// epilogue  + bias[co], + Z, then the fused activation (common/activation.wgsl), in that order as the reference
// tested    against the reference Conv/FusedConv (test/kernels-wgsl/conv.test.ts)
// #include common/precision.wgsl
// #include common/math.wgsl
// #include common/activation.wgsl
// #include gemm/gemm-tile.wgsl

struct Params {
  m: u32, n: u32, k: u32, groups: u32,
  in_channels: u32, in_h: u32, in_w: u32, out_w: u32,
  kernel_h: u32, kernel_w: u32, stride_h: u32, stride_w: u32,
  dilation_h: u32, dilation_w: u32, pad_top: u32, pad_left: u32,
  in_channels_per_group: u32, out_channels: u32, _unused0: u32, _unused1: u32,
}

override POINTWISE: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
// #if VEC4_B
@group(0) @binding(1) var<storage, read> x: array<vec4<stored_float>>;
// #else
@group(0) @binding(1) var<storage, read> x: array<stored_float>;
// #endif
// #if VEC4_A
@group(0) @binding(2) var<storage, read> w: array<vec4<stored_float>>;
// #else
@group(0) @binding(2) var<storage, read> w: array<stored_float>;
// #endif
// #if HAS_BIAS
@group(0) @binding(3) var<storage, read> bias: array<stored_float>;
// #endif
// #if HAS_RESIDUAL
@group(0) @binding(4) var<storage, read> residual: array<stored_float>;
// #endif
@group(0) @binding(5) var<storage, read_write> y: array<stored_float>;

var<private> x_base: u32;
var<private> w_base: u32;

// #if VEC4_A
fn load_a4(row: u32, k: u32) -> vec4<stored_float> {
  return w[(w_base + row * params.k + k) / 4u];
}
// #else
fn load_a(row: u32, k: u32) -> stored_float {
  return w[w_base + row * params.k + k];
}
// #endif

// #if VEC4_B
fn load_b4(k: u32, column: u32) -> vec4<stored_float> {
  return x[(x_base + k * params.in_h * params.in_w + column) / 4u];
}
// #else
fn load_b(k: u32, column: u32) -> stored_float {
  let plane = params.in_h * params.in_w;
  if (POINTWISE) {
    return x[x_base + k * plane + column];
  }
  let taps = params.kernel_h * params.kernel_w;
  let channel = k / taps;
  let tap = k % taps;
  let out_row = column / params.out_w;
  let out_column = column % params.out_w;
  let in_row = i32(out_row * params.stride_h + (tap / params.kernel_w) * params.dilation_h) - i32(params.pad_top);
  let in_column = i32(out_column * params.stride_w + (tap % params.kernel_w) * params.dilation_w) - i32(params.pad_left);
  if (in_row < 0 || in_row >= i32(params.in_h) || in_column < 0 || in_column >= i32(params.in_w)) {
    return 0.0;
  }
  return x[x_base + channel * plane + u32(in_row) * params.in_w + u32(in_column)];
}
// #endif

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>,
        @builtin(local_invocation_index) local_index: u32) {
  let image = workgroup.z / params.groups;
  let group = workgroup.z % params.groups;
  x_base = (image * params.in_channels + group * params.in_channels_per_group) * params.in_h * params.in_w;
  w_base = group * params.m * params.k;
  let row0 = workgroup.y * TILE;
  let column0 = workgroup.x * TILE;
  let acc = gemm_tile(row0, column0, local.xy, local_index, params.m, params.n, params.k);
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + local.y * 4u + i;
    if (row >= params.m) { break; }
    let channel = group * params.m + row;
    let y_base = (image * params.out_channels + channel) * params.n;
    for (var j = 0u; j < 4u; j++) {
      let column = column0 + local.x * 4u + j;
      if (column >= params.n) { break; }
      var value = acc[i][j];
      // #if HAS_BIAS
      value += f32(bias[channel]);
      // #endif
      // #if HAS_RESIDUAL
      value += f32(residual[y_base + column]);
      // #endif
      y[y_base + column] = store_float(activate(value));
    }
  }
}
