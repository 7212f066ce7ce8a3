// f32 CumSum along one axis, inclusive or exclusive, forward or reverse; one lane per invocation.
//
// op        CumSum (src/backends/webgpu/lower/cumsum.ts)
// dtypes    f32 in, f32 out
// layout    x and y viewed as [outer, axis_dim, inner], row-major; a lane is one (outer, inner) pair
// semantics as the reference (src/ir/reference/cumsum.ts): y[k] sums x over the steps before k in summation order
//           (forward, or backward when REVERSE), plus x[k] itself unless EXCLUSIVE; the first exclusive step is 0
// precision the reference keeps a float64 running sum and rounds each output. Here the running sum is f32 with
//           Neumaier compensation (adds and subtracts only, so no contraction applies), which keeps it within about
//           an ulp of that: tested at 1e-6 relative. The compensation is skipped once the sum is ±∞ or NaN, so those
//           propagate as in the reference; a sum that overflows f32 but not float64 differs (±∞ here).
// tile      64 invocations, one lane each (axis_dim reads and writes, sequential); grid spread over x/y
//           (common/dispatch.wgsl). Few long lanes leave the GPU mostly idle: a workgroup scan would be the next step.
// remainder invocations past the last lane return. No reads past the end.
// tested    against the reference CumSum (test/kernels-wgsl/cumsum.test.ts)
// #include common/math.wgsl
// #include common/dispatch.wgsl

override EXCLUSIVE: bool = false;
override REVERSE: bool = false;

struct Params {
  lanes: u32, axis_dim: u32, inner: u32, _unused: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let lane = flat_position(workgroup, groups, local, 64u);
  if (lane >= params.lanes) { return; }
  let base = (lane / params.inner) * params.axis_dim * params.inner + lane % params.inner;
  var sum = 0.0f;
  var compensation = 0.0f;
  for (var step = 0u; step < params.axis_dim; step++) {
    let k = select(step, params.axis_dim - 1u - step, REVERSE);
    let at = base + k * params.inner;
    let value = x[at];
    if (EXCLUSIVE) { y[at] = sum + compensation; }
    let total = sum + value;
    if (abs(total) <= F32_MAX) {  // finite: the rounding error of this add is recoverable exactly
      if (abs(sum) >= abs(value)) {
        compensation += (sum - total) + value;
      } else {
        compensation += (value - total) + sum;
      }
    }
    sum = total;
    if (!EXCLUSIVE) { y[at] = sum + compensation; }
  }
}
