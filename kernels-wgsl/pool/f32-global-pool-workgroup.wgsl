// f32 global average / max pooling: one workgroup of 64 invocations per (image, channel) plane.
//
// op        GlobalAveragePool, GlobalMaxPool over any number of spatial axes (src/backends/webgpu/lower/pool.ts)
// dtypes    f32 in, f32 out, f32 accumulation: strided partial sums per invocation, then a tree across the
//           workgroup (common/workgroup-reduce.wgsl)
//           variant F16 (common/precision.wgsl): f16 in and out, f32 accumulation as above
// layout    NC + spatial, dense; one output per plane
// override  IS_MAX
// tile      workgroup 64; grid (planes spread over x/y)
// remainder invocations past the plane's end contribute 0 (sum) or -inf (max). No reads past the end.
// tested    against the reference GlobalAveragePool/GlobalMaxPool (test/kernels-wgsl/pool.test.ts)
// #include common/precision.wgsl
// #include common/math.wgsl
// #include common/workgroup-reduce.wgsl

struct Params {
  planes: u32, plane_size: u32, _unused0: u32, _unused1: u32,
}

override IS_MAX: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<stored_float>;
@group(0) @binding(2) var<storage, read_write> y: array<stored_float>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let plane = workgroup.y * groups.x + workgroup.x;
  if (plane >= params.planes) { return; }
  let base = plane * params.plane_size;
  var result: f32;
  if (IS_MAX) {
    var best = -f32_infinity();
    for (var i = local; i < params.plane_size; i += REDUCE_SIZE) {
      let value = f32(x[base + i]);
      best = select(best, value, value > best || value != value);
    }
    result = workgroup_max(best, local);
  } else {
    var sum = 0.0;
    for (var i = local; i < params.plane_size; i += REDUCE_SIZE) { sum += f32(x[base + i]); }
    result = workgroup_sum(sum, local) / f32(params.plane_size);
  }
  if (local == 0u) { y[plane] = store_float(result); }
}
