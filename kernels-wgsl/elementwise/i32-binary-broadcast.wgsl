// Integer binary elementwise ops with numpy broadcasting, one output per invocation.
//
// op        override OP: 0 Add, 1 Sub, 2 Mul, 3 Max, 4 Min, 5 Div, 6 Mod (override FMOD), 7 Pow
//           (src/backends/webgpu/lower/integer-binary.ts)
// dtypes    i32 words in and out: int32, int16, uint16, int8, uint8, and int64 (Max/Min/Mod only, whose results
//           are bounded by their inputs, so they fit when those do). Exact.
// semantics as the references (src/ir/reference/elementwise-math.ts) and numpy: WGSL's i32 +, − and × wrap modulo
//           2^32 (the reference's int32 results and Math.imul); override BITS < 32 then wraps to the storage width,
//           sign-extending when SIGNED (int8, int16) and masking otherwise (uint8, uint16), as numpy's astype does.
//           Div truncates toward zero, Mod with FMOD takes the dividend's sign (C's fmod), without it the divisor's
//           (Python's %); both give 0 for a zero divisor, and −2^31 / −1 wraps to −2^31 as the int32 store does.
//           Pow squares and multiplies (wrapping) for exponents ≥ 0; a negative exponent gives the truncated
//           real power: 1 for base 1, ±1 for base −1 (by the exponent's parity), 0 otherwise (0^−n = ∞ stores as 0)
// layout    variant BROADCAST: each operand is a strided view of the output's shape (stride 0 on broadcast axes,
//           common/indexing.wgsl); without it both operands have the output's shape and are read at the same offset
// tile      64 invocations, one output each; grid spread over x/y (common/dispatch.wgsl)
// remainder invocations past the end return. No reads past the end.
// tested    against the reference Add/Sub/Mul/Max/Min/Div/Mod/Pow (test/kernels-wgsl/integer-binary.test.ts)
// #include common/indexing.wgsl
// #include common/dispatch.wgsl

struct Params {
  size: u32, rank: u32, _unused0: u32, _unused1: u32,
  dims: Dims,
  a_strides: Strides,
  b_strides: Strides,
}

override OP: u32 = 0u;
override FMOD: bool = false;
override BITS: u32 = 32u;
override SIGNED: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<i32>;
@group(0) @binding(2) var<storage, read> b: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

fn apply(x: i32, z: i32) -> i32 {
  switch OP {
    case 0u: { return x + z; }
    case 1u: { return x - z; }
    case 2u: { return x * z; }
    case 3u: { return max(x, z); }
    case 4u: { return min(x, z); }
    case 5u: { return divide(x, z); }
    case 6u: { return modulo(x, z); }
    case 7u: { return power(x, z); }
    default: { return x; }
  }
}

fn divide(x: i32, z: i32) -> i32 {
  if (z == 0) { return 0; }
  if (z == -1) { return 0 - x; } // −(−2^31) wraps to −2^31; WGSL's own i32 / leaves this case to e1
  return x / z;
}

fn modulo(x: i32, z: i32) -> i32 {
  if (z == 0 || z == -1) { return 0; }
  let remainder = x % z; // truncated: the dividend's sign
  if (FMOD || remainder == 0 || (remainder < 0) == (z < 0)) { return remainder; }
  return remainder + z;
}

fn power(base: i32, exponent: i32) -> i32 {
  if (exponent < 0) {
    if (base == 1) { return 1; }
    if (base == -1) { return select(1, -1, (exponent & 1) == 1); }
    return 0;
  }
  var result = 1;
  var square = base;
  var rest = u32(exponent);
  while (rest > 0u) {
    if ((rest & 1u) == 1u) { result = result * square; }
    square = square * square;
    rest = rest >> 1u;
  }
  return result;
}

// The low BITS bits of `value`, as the narrow type's value widened back to i32. Every shift stays below 32 (a
// shift by 32 in an override expression fails pipeline creation), and BITS = 32 returns `value` unchanged.
fn wrap(value: i32) -> i32 {
  let shift = 32u - BITS;
  if (SIGNED) { return bitcast<i32>(bitcast<u32>(value) << shift) >> shift; }
  return bitcast<i32>(bitcast<u32>(value) & (0xffffffffu >> shift));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) local: u32) {
  let position = flat_position(workgroup, groups, local, 64u);
  if (position >= params.size) { return; }
  // #if BROADCAST
  let a_offset = view_offset(position, params.dims, params.a_strides, 0, params.rank);
  let b_offset = view_offset(position, params.dims, params.b_strides, 0, params.rank);
  // #else
  let a_offset = position;
  let b_offset = position;
  // #endif
  y[position] = wrap(apply(a[a_offset], b[b_offset]));
}
