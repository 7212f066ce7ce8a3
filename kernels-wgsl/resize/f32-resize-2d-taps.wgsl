// f32 Resize of the two innermost axes from per-axis tap tables, one output per invocation.
//
// op        Resize, any mode whose taps the host computes with the reference's own axisTaps (nearest with every
//           nearest_mode, linear, cubic; every coordinate_transformation_mode without points outside the crop box)
//           (src/backends/webgpu/lower/resize.ts)
// dtypes    f32 in, f32 out; the separable weighted sum Σ_t Σ_u w_h[t]·w_w[u]·x in f32
// layout    NCHW-like: the leading axes (not resized) form planes of in_h × in_w
// table     f32 pairs (source index, weight): taps_h per output row, then from table_w_offset taps_w per output
//           column; source indices are already clamped into the input (edge padding)
// tile      64 invocations, one output each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference Resize (test/kernels-wgsl/resize.test.ts)
// #include common/dispatch.wgsl

struct Params {
  size: u32, out_h: u32, out_w: u32, in_h: u32,
  in_w: u32, taps_h: u32, taps_w: u32, table_w_offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let out_column = position % params.out_w;
  let out_row = (position / params.out_w) % params.out_h;
  let plane = position / (params.out_w * params.out_h);
  let x_base = plane * params.in_h * params.in_w;
  var sum = 0.0;
  for (var t = 0u; t < params.taps_h; t++) {
    let row_entry = (out_row * params.taps_h + t) * 2u;
    let row_weight = table[row_entry + 1u];
    if (row_weight == 0.0) { continue; }
    let row = u32(table[row_entry]);
    for (var u = 0u; u < params.taps_w; u++) {
      let column_entry = params.table_w_offset + (out_column * params.taps_w + u) * 2u;
      let weight = row_weight * table[column_entry + 1u];
      if (weight == 0.0) { continue; }
      sum += weight * x[x_base + row * params.in_w + u32(table[column_entry])];
    }
  }
  y[position] = sum;
}
