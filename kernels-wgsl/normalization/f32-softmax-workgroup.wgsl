// f32 Softmax / LogSoftmax along one axis: one workgroup of 64 invocations per row.
//
// op        Softmax, LogSoftmax (opset-13 form: one axis; src/backends/webgpu/lower/normalization.ts)
// dtypes    f32 in, f32 out; max and Σ exp(x − max) in f32 (strided partials, then a workgroup tree)
// layout    any: a row is `length` elements `inner` apart; row r starts at (r / inner)·length·inner + r % inner
// override  IS_LOG: x − max − log Σ instead of exp(x − max) / Σ
// tile      workgroup 64; grid (rows spread over x/y)
// remainder invocations past the row's end contribute −inf / 0. No reads past the end.
// tested    against the reference Softmax/LogSoftmax (test/kernels-wgsl/normalization.test.ts)
// #include common/math.wgsl
// #include common/workgroup-reduce.wgsl

struct Params {
  rows: u32, length: u32, inner: u32, _unused: u32,
}

override IS_LOG: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let row = workgroup.y * groups.x + workgroup.x;
  if (row >= params.rows) { return; }
  let base = (row / params.inner) * params.length * params.inner + row % params.inner;
  let step = params.inner;
  var best = -f32_infinity();
  for (var i = local; i < params.length; i += REDUCE_SIZE) {
    let value = x[base + i * step];
    best = select(best, value, value > best || value != value);
  }
  let row_max = workgroup_max(best, local);
  var sum = 0.0;
  for (var i = local; i < params.length; i += REDUCE_SIZE) { sum += exp(x[base + i * step] - row_max); }
  let total = workgroup_sum(sum, local);
  let log_total = log(total);
  for (var i = local; i < params.length; i += REDUCE_SIZE) {
    let shifted = x[base + i * step] - row_max;
    if (IS_LOG) {
      y[base + i * step] = shifted - log_total;
    } else {
      y[base + i * step] = exp(shifted) / total;
    }
  }
}
