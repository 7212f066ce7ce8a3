// Conversion between f32 and the stored float type: the copies the fp16 plan makes where an f16 tensor meets an f32
// kernel, a graph input or output, or the CPU (src/backends/webgpu/precision.ts).
//
// op        none of the op table: planned conversions (placement shows them under the node they follow/precede)
// dtypes    TO_F16: f32 in, stored_float out (saturated to ±65504); otherwise stored_float in, f32 out (exact)
// layout    dense, element for element
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past `size` return; no reads past the end of a buffer
// tested    test/backends/webgpu-fp16.test.ts (plan wiring with F16_EMULATED; the f16 arithmetic on a GPU with
//           shader-f16, and in bench/gpu.sh)
// #include common/precision.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, _unused0: u32, _unused1: u32, _unused2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// #if TO_F16
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<stored_float>;
// #else
@group(0) @binding(1) var<storage, read> x: array<stored_float>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
// #endif

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  // #if TO_F16
  y[position] = store_float(x[position]);
  // #else
  y[position] = f32(x[position]);
  // #endif
}
