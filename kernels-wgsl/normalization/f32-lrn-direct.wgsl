// f32 LRN across channels, one output element per invocation.
//
// op        LRN (src/backends/webgpu/lower/instance-lrn.ts)
// dtypes    f32 in and out; Σ x² over the window in f32
// layout    X [N, C, spatial...] row-major, seen as [N, C, inner]; the window for channel c is
//           [c − floor((size − 1) / 2), c + ceil((size − 1) / 2)] clipped to [0, C)
// math      Y = X / (bias + alpha / size · Σ x²)^beta, the power as exp2(beta · log2(·)) (the base is > 0 for
//           bias > 0, which the host requires), as src/ir/reference/normalization.ts lrn
// tile      64 invocations, one element each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference LRN (test/kernels-wgsl/instance-lrn.test.ts)
// #include common/dispatch.wgsl

struct Params {
  size: u32, channels: u32, inner: u32, before: u32,
  after: u32, alpha_over_size: f32, beta: f32, bias: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  let i = position % params.inner;
  let c = (position / params.inner) % params.channels;
  let plane_base = position - (c * params.inner + i);
  let first = select(0u, c - params.before, c >= params.before);
  let last = min(params.channels - 1u, c + params.after);
  var squares = 0.0;
  for (var k = first; k <= last; k++) {
    let v = x[plane_base + k * params.inner + i];
    squares += v * v;
  }
  let base = params.bias + params.alpha_over_size * squares;
  y[position] = x[position] / exp2(params.beta * log2(base));
}
