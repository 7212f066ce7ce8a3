// Reductions across one workgroup of REDUCE_SIZE (64) invocations (included with
// `// #include common/workgroup-reduce.wgsl`). Every invocation of the workgroup must call them, in uniform
// control flow; each returns the result to all invocations. Tree order: the sum is not sequential-order exact
// (the references sum in float64; errors stay within f32 rounding of the row's magnitude).

const REDUCE_SIZE: u32 = 64u;
var<workgroup> reduce_scratch: array<f32, 64>;

fn workgroup_sum(value: f32, local: u32) -> f32 {
  reduce_scratch[local] = value;
  workgroupBarrier();
  for (var half = REDUCE_SIZE / 2u; half > 0u; half = half / 2u) {
    if (local < half) { reduce_scratch[local] = reduce_scratch[local] + reduce_scratch[local + half]; }
    workgroupBarrier();
  }
  let result = reduce_scratch[0];
  workgroupBarrier();
  return result;
}

// Maximum; a NaN anywhere wins (as the references' max does).
fn workgroup_max(value: f32, local: u32) -> f32 {
  reduce_scratch[local] = value;
  workgroupBarrier();
  for (var half = REDUCE_SIZE / 2u; half > 0u; half = half / 2u) {
    if (local < half) {
      let a = reduce_scratch[local];
      let b = reduce_scratch[local + half];
      reduce_scratch[local] = select(a, b, b > a || b != b);
    }
    workgroupBarrier();
  }
  let result = reduce_scratch[0];
  workgroupBarrier();
  return result;
}

// Minimum; a NaN anywhere wins.
fn workgroup_min(value: f32, local: u32) -> f32 {
  reduce_scratch[local] = value;
  workgroupBarrier();
  for (var half = REDUCE_SIZE / 2u; half > 0u; half = half / 2u) {
    if (local < half) {
      let a = reduce_scratch[local];
      let b = reduce_scratch[local + half];
      reduce_scratch[local] = select(a, b, b < a || b != b);
    }
    workgroupBarrier();
  }
  let result = reduce_scratch[0];
  workgroupBarrier();
  return result;
}

fn workgroup_product(value: f32, local: u32) -> f32 {
  reduce_scratch[local] = value;
  workgroupBarrier();
  for (var half = REDUCE_SIZE / 2u; half > 0u; half = half / 2u) {
    if (local < half) { reduce_scratch[local] = reduce_scratch[local] * reduce_scratch[local + half]; }
    workgroupBarrier();
  }
  let result = reduce_scratch[0];
  workgroupBarrier();
  return result;
}
