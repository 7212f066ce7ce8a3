// f32 max / average pooling over up to three spatial axes, one output per invocation.
//
// op        MaxPool (without the Indices output), AveragePool (src/backends/webgpu/lower/pool.ts); 1-D and 2-D pools
//           arrive lifted to 3-D (leading axes of size 1, kernel 1, stride 1, no padding)
// dtypes    f32 in, f32 out; average sums in f32 in row-major tap order
//           variant F16 (common/precision.wgsl): f16 in and out, f32 sums
// layout    NCDHW (NCHW / NCW lifted)
// overrides IS_MAX; COUNT_INCLUDE_PAD (average: divide by the taps inside the padded input — taps past the end
//           padding, which ceil_mode can add, never count — instead of the taps inside the input)
// tile      64 invocations, one output each; grid spread over x/y (common/dispatch.wgsl)
// remainder padding taps are skipped (never read); invocations past the end return. No reads past the end.
// tested    against the reference MaxPool/AveragePool (test/kernels-wgsl/pool.test.ts)
// #include common/precision.wgsl
// #include common/math.wgsl
// #include common/dispatch.wgsl

// Per-axis values are vec4s (x depth, y height, z width; w unused).
struct Params {
  size: u32, _unused0: u32, _unused1: u32, _unused2: u32,
  out_dims: vec4<u32>,
  in_dims: vec4<u32>,
  kernel: vec4<u32>,
  strides: vec4<u32>,
  dilations: vec4<u32>,
  pads_begin: vec4<u32>,
  pads_end: vec4<u32>,
}

override IS_MAX: bool = true;
override COUNT_INCLUDE_PAD: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<stored_float>;
@group(0) @binding(2) var<storage, read_write> y: array<stored_float>;

// Taps along one axis that land inside [low, high).
fn taps_inside(start: i32, kernel: u32, dilation: u32, low: i32, high: i32) -> u32 {
  var count = 0u;
  for (var k = 0u; k < kernel; k++) {
    let i = start + i32(k * dilation);
    if (i >= low && i < high) { count++; }
  }
  return count;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let out_dims = params.out_dims.xyz;
  let in_dims = params.in_dims.xyz;
  let out_index = vec3<u32>(position / (out_dims.y * out_dims.z) % out_dims.x, position / out_dims.z % out_dims.y,
                            position % out_dims.z);
  let plane = position / (out_dims.x * out_dims.y * out_dims.z);
  let x_base = plane * in_dims.x * in_dims.y * in_dims.z;
  let start = vec3<i32>(out_index * params.strides.xyz) - vec3<i32>(params.pads_begin.xyz);
  let kernel = params.kernel.xyz;
  let dilations = params.dilations.xyz;
  var best = -f32_infinity();  // -inf: a window entirely in the padding yields -inf, as the reference
  var sum = 0.0;
  for (var kd = 0u; kd < kernel.x; kd++) {
    let d = start.x + i32(kd * dilations.x);
    if (d < 0 || d >= i32(in_dims.x)) { continue; }
    for (var kh = 0u; kh < kernel.y; kh++) {
      let h = start.y + i32(kh * dilations.y);
      if (h < 0 || h >= i32(in_dims.y)) { continue; }
      let row = x_base + (u32(d) * in_dims.y + u32(h)) * in_dims.z;
      for (var kw = 0u; kw < kernel.z; kw++) {
        let w = start.z + i32(kw * dilations.z);
        if (w < 0 || w >= i32(in_dims.z)) { continue; }
        let value = f32(x[row + u32(w)]);
        best = select(best, value, value > best);
        sum += value;
      }
    }
  }
  if (IS_MAX) {
    y[position] = store_float(best);
    return;
  }
  var taps = 1u;
  for (var axis = 0u; axis < 3u; axis++) {
    var low = 0;
    var high = i32(in_dims[axis]);
    if (COUNT_INCLUDE_PAD) {
      low = -i32(params.pads_begin[axis]);
      high += i32(params.pads_end[axis]);
    }
    taps *= taps_inside(start[axis], kernel[axis], dilations[axis], low, high);
  }
  y[position] = store_float(sum / f32(taps));
}
