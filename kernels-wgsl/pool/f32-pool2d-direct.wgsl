// f32 2-D max / average pooling, one output per invocation.
//
// op        MaxPool (without the Indices output), AveragePool (src/backends/webgpu/lower/pool.ts); 1-D pools
//           arrive as 2-D with height 1
// dtypes    f32 in, f32 out; average sums in f32 in row-major tap order
//           variant F16 (common/precision.wgsl): f16 in and out, f32 sums
// layout    NCHW
// overrides IS_MAX; COUNT_INCLUDE_PAD (average: divide by the taps inside the padded input — taps past the end
//           padding, which ceil_mode can add, never count — instead of the taps inside the input)
// tile      64 invocations, one output each; grid spread over x/y (common/dispatch.wgsl)
// remainder padding taps are skipped (never read); invocations past the end return. No reads past the end.
// tested    against the reference MaxPool/AveragePool (test/kernels-wgsl/pool.test.ts)
// #include common/precision.wgsl
// #include common/math.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, out_h: u32, out_w: u32, in_h: u32,
  in_w: u32, kernel_h: u32, kernel_w: u32, stride_h: u32,
  stride_w: u32, dilation_h: u32, dilation_w: u32, pad_top: u32,
  pad_left: u32, pad_bottom: u32, pad_right: u32, _unused: u32,
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
  let out_column = position % params.out_w;
  let out_row = (position / params.out_w) % params.out_h;
  let plane = position / (params.out_w * params.out_h);
  let x_base = plane * params.in_h * params.in_w;
  let row0 = i32(out_row * params.stride_h) - i32(params.pad_top);
  let column0 = i32(out_column * params.stride_w) - i32(params.pad_left);
  var best = -f32_infinity();  // -inf: a window entirely in the padding yields -inf, as the reference
  var sum = 0.0;
  for (var kh = 0u; kh < params.kernel_h; kh++) {
    let in_row = row0 + i32(kh * params.dilation_h);
    if (in_row < 0 || in_row >= i32(params.in_h)) { continue; }
    for (var kw = 0u; kw < params.kernel_w; kw++) {
      let in_column = column0 + i32(kw * params.dilation_w);
      if (in_column < 0 || in_column >= i32(params.in_w)) { continue; }
      let value = f32(x[x_base + u32(in_row) * params.in_w + u32(in_column)]);
      best = select(best, value, value > best);
      sum += value;
    }
  }
  if (IS_MAX) {
    y[position] = store_float(best);
    return;
  }
  var rows: u32;
  var columns: u32;
  if (COUNT_INCLUDE_PAD) {
    rows = taps_inside(row0, params.kernel_h, params.dilation_h, -i32(params.pad_top), i32(params.in_h + params.pad_bottom));
    columns = taps_inside(column0, params.kernel_w, params.dilation_w, -i32(params.pad_left), i32(params.in_w + params.pad_right));
  } else {
    rows = taps_inside(row0, params.kernel_h, params.dilation_h, 0, i32(params.in_h));
    columns = taps_inside(column0, params.kernel_w, params.dilation_w, 0, i32(params.in_w));
  }
  y[position] = store_float(sum / f32(rows * columns));
}
