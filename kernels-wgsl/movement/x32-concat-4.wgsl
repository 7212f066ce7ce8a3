// 32-bit Concat of up to four inputs in one dispatch, one output element per invocation.
//
// op        Concat (src/backends/webgpu/lower/movement.ts); more than four inputs take one dispatch per four
// dtypes    any 32-bit element (bound as f32; values are moved, never computed on)
// layout    dense; the output is viewed as [outer, axis_total, inner]. This dispatch covers the axis range
//           [axis_start, axis_start + Σ lengths) — its inputs' part — and input i holds lengths[i] positions of it.
//           Fewer than four inputs: the host binds the last one again in the spare slots (never read).
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference Concat (test/kernels-wgsl/movement.test.ts)
// #include common/dispatch.wgsl

struct Params {
  size: u32, inner: u32, axis_total: u32, axis_start: u32,
  lengths: vec4<u32>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input0: array<f32>;
@group(0) @binding(2) var<storage, read> input1: array<f32>;
@group(0) @binding(3) var<storage, read> input2: array<f32>;
@group(0) @binding(4) var<storage, read> input3: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let span = params.lengths.x + params.lengths.y + params.lengths.z + params.lengths.w;
  let inner_index = position % params.inner;
  var along = (position / params.inner) % span;
  let outer = position / (params.inner * span);
  let target_offset = (outer * params.axis_total + params.axis_start + along) * params.inner + inner_index;
  var part = 0u;
  for (; part < 3u && along >= params.lengths[part]; part++) { along -= params.lengths[part]; }
  let source_offset = (outer * params.lengths[part] + along) * params.inner + inner_index;
  switch part {
    case 0u: { y[target_offset] = input0[source_offset]; }
    case 1u: { y[target_offset] = input1[source_offset]; }
    case 2u: { y[target_offset] = input2[source_offset]; }
    default: { y[target_offset] = input3[source_offset]; }
  }
}
