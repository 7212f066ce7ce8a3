// f32 InstanceNormalization: one workgroup of 64 invocations per (n, c) plane.
//
// op        InstanceNormalization (src/backends/webgpu/lower/instance-lrn.ts)
// dtypes    f32 in, scale, bias and out; mean, then Σ (x − mean)² (two passes, no cancellation), f32 accumulation
//           with strided partials and a workgroup tree — stays f32 under any precision setting
// layout    X [N, C, spatial...] row-major: plane p = n·C + c is `length` contiguous elements; scale[c], bias[c]
// math      Y = (X − mean) · scale[c] / sqrt(var + epsilon) + bias[c] (population variance), as
//           src/ir/reference/normalization.ts instanceNormalization
// tile      workgroup 64, invocation i handles elements i, i + 64, …; grid (planes spread over x/y)
// remainder invocations past the plane's end contribute 0. No reads past the end.
// tested    against the reference InstanceNormalization (test/kernels-wgsl/instance-lrn.test.ts)
// #include common/workgroup-reduce.wgsl

struct Params {
  planes: u32, length: u32, channels: u32, epsilon: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let plane = workgroup.y * groups.x + workgroup.x;
  if (plane >= params.planes) { return; }
  let base = plane * params.length;
  var sum = 0.0;
  for (var i = local; i < params.length; i += REDUCE_SIZE) { sum += x[base + i]; }
  let mean = workgroup_sum(sum, local) / f32(params.length);
  var squares = 0.0;
  for (var i = local; i < params.length; i += REDUCE_SIZE) {
    let d = x[base + i] - mean;
    squares += d * d;
  }
  let variance = workgroup_sum(squares, local) / f32(params.length);
  let c = plane % params.channels;
  let factor = scale[c] / sqrt(variance + params.epsilon);
  let shift = bias[c];
  for (var i = local; i < params.length; i += REDUCE_SIZE) { y[base + i] = (x[base + i] - mean) * factor + shift; }
}
