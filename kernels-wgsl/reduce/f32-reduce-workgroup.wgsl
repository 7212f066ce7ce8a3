// f32 Reduce* over any set of axes: one workgroup of 64 invocations per output element.
//
// op        override OP: 0 ReduceSum, 1 ReduceMean, 2 ReduceMax, 3 ReduceMin, 4 ReduceProd, 5 ReduceL1, 6 ReduceL2,
//           7 ReduceLogSum, 8 ReduceLogSumExp, 9 ReduceSumSquare (src/backends/webgpu/lower/reduce.ts)
// dtypes    f32 in, f32 out, f32 accumulation: strided partials per invocation, then a workgroup tree
//           (common/workgroup-reduce.wgsl); LogSumExp subtracts the maximum first (two passes)
// layout    the input viewed twice: output element o is position o of the kept axes (kept_dims / kept_strides),
//           and the elements folded into it are the positions of the reduced axes (reduced_dims / reduced_strides)
//           from there (common/indexing.wgsl). keepdims only changes the output's dims, not its order.
// tile      workgroup 64; grid (outputs spread over x/y)
// remainder invocations past the reduced count contribute the identity. No reads past the end.
// tested    against the reference Reduce* (test/kernels-wgsl/reduce.test.ts)
// #include common/math.wgsl
// #include common/indexing.wgsl
// #include common/workgroup-reduce.wgsl

struct Params {
  outputs: u32, count: u32, kept_rank: u32, reduced_rank: u32,
  kept_dims: Dims,
  kept_strides: Strides,
  reduced_dims: Dims,
  reduced_strides: Strides,
}

override OP: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<private> base: u32;

fn element(r: u32) -> f32 {
  return x[view_offset(r, params.reduced_dims, params.reduced_strides, i32(base), params.reduced_rank)];
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let output = workgroup.y * groups.x + workgroup.x;
  if (output >= params.outputs) { return; }
  base = view_offset(output, params.kept_dims, params.kept_strides, 0, params.kept_rank);
  var result: f32;
  switch OP {
    case 2u: {
      var best = -f32_infinity();
      for (var r = local; r < params.count; r += REDUCE_SIZE) { let v = element(r); best = select(best, v, v > best || v != v); }
      result = workgroup_max(best, local);
    }
    case 3u: {
      var best = f32_infinity();
      for (var r = local; r < params.count; r += REDUCE_SIZE) { let v = element(r); best = select(best, v, v < best || v != v); }
      result = workgroup_min(best, local);
    }
    case 4u: {
      var product = 1.0;
      for (var r = local; r < params.count; r += REDUCE_SIZE) { product *= element(r); }
      result = workgroup_product(product, local);
    }
    case 8u: {
      var best = -f32_infinity();
      for (var r = local; r < params.count; r += REDUCE_SIZE) { let v = element(r); best = select(best, v, v > best || v != v); }
      let maximum = workgroup_max(best, local);
      var sum = 0.0;
      for (var r = local; r < params.count; r += REDUCE_SIZE) { sum += exp(element(r) - maximum); }
      let total = workgroup_sum(sum, local);
      // An infinite maximum would give inf - inf = NaN; the answer is then the maximum itself.
      result = select(maximum + log(total), maximum, abs(maximum) == f32_infinity());
    }
    default: {
      var sum = 0.0;
      for (var r = local; r < params.count; r += REDUCE_SIZE) {
        let v = element(r);
        switch OP {
          case 5u: { sum += abs(v); }
          case 6u, 9u: { sum += v * v; }
          default: { sum += v; }
        }
      }
      let total = workgroup_sum(sum, local);
      switch OP {
        case 1u: { result = total / f32(params.count); }
        case 6u: { result = sqrt(total); }
        case 7u: { result = log(total); }
        default: { result = total; }
      }
    }
  }
  if (local == 0u) { y[output] = result; }
}
