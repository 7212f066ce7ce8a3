// f32 Hardmax along one axis: 1 at the first maximum of each lane, 0 elsewhere; one lane per invocation.
//
// op        Hardmax (src/backends/webgpu/lower/predicate.ts)
// dtypes    f32 in, f32 out (exact)
// layout    x and y viewed as [outer, axis_dim, inner], row-major; a lane is one (outer, inner) pair
// semantics as the reference (src/ir/reference/softmax.ts): strict `>` from −∞, so NaNs never win and a lane of
//           NaNs or −∞ marks index 0
// tile      64 invocations, one lane each (axis_dim reads and writes); grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the last lane return. No reads past the end.
// tested    against the reference Hardmax (test/kernels-wgsl/predicate.test.ts)
// #include common/math.wgsl
// #include common/dispatch.wgsl

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
  var best = -f32_infinity();
  var best_index = 0u;
  for (var k = 0u; k < params.axis_dim; k++) {
    let value = x[base + k * params.inner];
    let is_nan = (bitcast<u32>(value) & 0x7fffffffu) > 0x7f800000u;  // checked on the bits (see the header)
    if (!is_nan && value > best) {
      best = value;
      best_index = k;
    }
  }
  for (var k = 0u; k < params.axis_dim; k++) {
    y[base + k * params.inner] = select(0.0, 1.0, k == best_index);
  }
}
