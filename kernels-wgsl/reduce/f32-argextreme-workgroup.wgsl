// f32 ArgMax / ArgMin along one axis, index written as i32 (an int64 output: the index is below the axis size).
//
// op        ArgMax, ArgMin, with select_last_index (src/backends/webgpu/lower/argextreme.ts)
// dtypes    f32 in; i32 out (int64 stored as i32, storage.ts)
// layout    any: row r (r = o·inner + i) is `length` elements `inner` apart from o·length·inner + i; output[r]
//           (keepdims or not, the flat layout is the same)
// semantics as src/ir/reference/topk.ts argExtreme (np.argmax): the first NaN wins (the last one with
//           select_last_index); otherwise the extreme value, ties to the first (last) index; −0 ties with +0
// override  IS_MIN: ArgMin; SELECT_LAST: select_last_index = 1; PER_INVOCATION: one row per invocation (short
//           rows, many of them) instead of one workgroup of 64 per row (long rows)
// tile      workgroup 64; PER_INVOCATION: 64 rows per workgroup; otherwise invocation j scans elements j, j + 64, …
//           of its row, then a workgroup tree combines the 64 candidates; grid spread over x/y
// remainder invocations past the end (or past the row) hold no candidate. No reads past the end.
// tested    against the reference ArgMax/ArgMin (test/kernels-wgsl/argextreme.test.ts)
// #include common/dispatch.wgsl

struct Params {
  rows: u32, length: u32, inner: u32, _unused: u32,
}

override IS_MIN: bool = false;
override SELECT_LAST: bool = false;
override PER_INVOCATION: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<i32>;

const NONE: u32 = 0xffffffffu;

struct Candidate { value: f32, index: u32 }

fn is_nan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// Does candidate `a` win over `b`? Works for any two disjoint sets of indices, in any order.
fn wins(a: Candidate, b: Candidate) -> bool {
  if (b.index == NONE) { return a.index != NONE; }
  if (a.index == NONE) { return false; }
  let a_nan = is_nan(a.value);
  let b_nan = is_nan(b.value);
  let earlier = select((a.index < b.index), (a.index > b.index), SELECT_LAST);
  if (a_nan || b_nan) { return a_nan && (!b_nan || earlier); }
  if (a.value == b.value) { return earlier; }
  return select((a.value > b.value), (a.value < b.value), IS_MIN);
}

fn row_base(row: u32) -> u32 {
  return (row / params.inner) * params.length * params.inner + row % params.inner;
}

var<workgroup> scratch_value: array<f32, 64>;
var<workgroup> scratch_index: array<u32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  if (PER_INVOCATION) {
    // No early return here: the workgroup path below must stay in uniform control flow.
    let row = flat_position(workgroup, groups, local, 64u);
    if (row < params.rows) {
      let base = row_base(row);
      var best = Candidate(x[base], 0u);
      for (var k = 1u; k < params.length; k++) {
        let candidate = Candidate(x[base + k * params.inner], k);
        if (wins(candidate, best)) { best = candidate; }
      }
      y[row] = i32(best.index);
    }
    return;
  }
  let row = workgroup.y * groups.x + workgroup.x;
  if (row >= params.rows) { return; }
  let base = row_base(row);
  var best = Candidate(0.0, NONE);
  for (var k = local; k < params.length; k += 64u) {
    let candidate = Candidate(x[base + k * params.inner], k);
    if (wins(candidate, best)) { best = candidate; }
  }
  scratch_value[local] = best.value;
  scratch_index[local] = best.index;
  workgroupBarrier();
  for (var half = 32u; half > 0u; half = half / 2u) {
    if (local < half) {
      let other = Candidate(scratch_value[local + half], scratch_index[local + half]);
      if (wins(other, Candidate(scratch_value[local], scratch_index[local]))) {
        scratch_value[local] = other.value;
        scratch_index[local] = other.index;
      }
    }
    workgroupBarrier();
  }
  if (local == 0u) { y[row] = i32(scratch_index[0]); }
}
