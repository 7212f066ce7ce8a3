// 32-bit Split into up to four outputs in one dispatch, one element per invocation (the mirror of x32-concat-4).
//
// op        Split (src/backends/webgpu/lower/movement.ts); more than four outputs take one dispatch per four
// dtypes    any 32-bit element (bound as f32; values are moved, never computed on)
// layout    dense; the input is viewed as [outer, axis_total, inner]. This dispatch covers the axis range
//           [axis_start, axis_start + Σ lengths) — its outputs' part — and output i receives lengths[i] positions.
// variants  HAS_OUTPUT1, HAS_OUTPUT2, HAS_OUTPUT3: which of the optional output bindings exist (writable
//           bindings must not alias, so spare slots cannot repeat an output)
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference Split (test/kernels-wgsl/movement.test.ts)
// #include common/dispatch.wgsl

struct Params {
  size: u32, inner: u32, axis_total: u32, axis_start: u32,
  lengths: vec4<u32>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> output0: array<f32>;
// #if HAS_OUTPUT1
@group(0) @binding(3) var<storage, read_write> output1: array<f32>;
// #endif
// #if HAS_OUTPUT2
@group(0) @binding(4) var<storage, read_write> output2: array<f32>;
// #endif
// #if HAS_OUTPUT3
@group(0) @binding(5) var<storage, read_write> output3: array<f32>;
// #endif

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let span = params.lengths.x + params.lengths.y + params.lengths.z + params.lengths.w;
  let inner_index = position % params.inner;
  var along = (position / params.inner) % span;
  let outer = position / (params.inner * span);
  let value = x[(outer * params.axis_total + params.axis_start + along) * params.inner + inner_index];
  var part = 0u;
  for (; part < 3u && along >= params.lengths[part]; part++) { along -= params.lengths[part]; }
  let target_offset = (outer * params.lengths[part] + along) * params.inner + inner_index;
  switch part {
    // #if HAS_OUTPUT1
    case 1u: { output1[target_offset] = value; }
    // #endif
    // #if HAS_OUTPUT2
    case 2u: { output2[target_offset] = value; }
    // #endif
    // #if HAS_OUTPUT3
    case 3u: { output3[target_offset] = value; }
    // #endif
    default: { output0[target_offset] = value; }
  }
}
