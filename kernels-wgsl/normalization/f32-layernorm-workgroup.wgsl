// f32 LayerNormalization over the trailing axes: one workgroup of 64 invocations per row.
//
// op        LayerNormalization with only its Y output (src/backends/webgpu/lower/normalization.ts)
// dtypes    f32 in, f32 out; mean, then Σ (x − mean)² (two passes, no cancellation), in f32 with workgroup trees
// layout    rows of `length` contiguous elements; scale and bias broadcast over the row: element i reads
//           scale[i % scale_size] (they are a trailing part of the normalised shape)
// variants  HAS_BIAS; HAS_STATISTICS: also write the optional Mean and InvStdDev outputs (one value per row)
// tile      workgroup 64; grid (rows spread over x/y)
// remainder invocations past the row's end contribute 0. No reads past the end.
// tested    against the reference LayerNormalization (test/kernels-wgsl/normalization.test.ts)
// #include common/workgroup-reduce.wgsl

struct Params {
  rows: u32, length: u32, scale_size: u32, bias_size: u32,
  epsilon: f32, _unused0: u32, _unused1: u32, _unused2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
// #if HAS_BIAS
@group(0) @binding(3) var<storage, read> bias: array<f32>;
// #endif
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
// #if HAS_STATISTICS
@group(0) @binding(5) var<storage, read_write> mean_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> inverse_std_out: array<f32>;
// #endif

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let row = workgroup.y * groups.x + workgroup.x;
  if (row >= params.rows) { return; }
  let base = row * params.length;
  var sum = 0.0;
  for (var i = local; i < params.length; i += REDUCE_SIZE) { sum += x[base + i]; }
  let mean = workgroup_sum(sum, local) / f32(params.length);
  var squares = 0.0;
  for (var i = local; i < params.length; i += REDUCE_SIZE) {
    let centered = x[base + i] - mean;
    squares += centered * centered;
  }
  let variance = workgroup_sum(squares, local) / f32(params.length);
  let inverse = 1.0 / sqrt(variance + params.epsilon);
  // #if HAS_STATISTICS
  if (local == 0u) {
    mean_out[row] = mean;
    inverse_std_out[row] = inverse;
  }
  // #endif
  for (var i = local; i < params.length; i += REDUCE_SIZE) {
    var value = (x[base + i] - mean) * inverse * scale[i % params.scale_size];
    // #if HAS_BIAS
    value += bias[i % params.bias_size];
    // #endif
    y[base + i] = value;
  }
}
