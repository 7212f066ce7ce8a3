// Scalar math the WGSL builtins lack or do not guarantee (included with `// #include common/math.wgsl`).
// f32 throughout. Stated errors are absolute, against the float64 references in src/ir/reference.

const F32_MAX: f32 = 3.40282346638528859812e+38f;
const SQRT_HALF: f32 = 0.70710678118654752440f;
const SQRT_TWO_OVER_PI: f32 = 0.79788456080286535588f;

// Infinity and NaN cannot be constant expressions in WGSL (shader creation rejects them), so they come from a
// private variable's bits, which the compiler treats as run-time values.
var<private> special_bits: vec2<u32> = vec2<u32>(0x7f800000u, 0x7fc00000u);
fn f32_infinity() -> f32 { return bitcast<f32>(special_bits.x); }
fn f32_nan() -> f32 { return bitcast<f32>(special_bits.y); }

// erf: Taylor series below 0.5 (next term < 4e-7 · 1.13), Abramowitz–Stegun 7.1.26 above (error ≤ 1.5e-7).
fn erf_f32(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) {
    let x2 = x * x;
    return 1.1283791670955126f * x * (1.0 + x2 * (-0.3333333333f + x2 * (0.1f + x2 * (-0.0238095238f + x2 * 0.0046296296f))));
  }
  let t = 1.0 / (1.0 + 0.3275911f * a);
  let poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
  return sign(x) * (1.0 - poly * exp(-a * a));
}

// 1 / (1 + e^−x): exp overflows to +inf for x < −88 and the quotient is then exactly 0.
fn sigmoid_f32(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

// tanh from e^−2|x| (never overflows; some drivers' builtin tanh returns NaN for large |x|).
fn tanh_f32(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn gelu_erf_f32(x: f32) -> f32 {
  return 0.5 * x * (1.0 + erf_f32(x * SQRT_HALF));
}

fn gelu_tanh_f32(x: f32) -> f32 {
  return 0.5 * x * (1.0 + tanh_f32(SQRT_TWO_OVER_PI * (x + 0.044715 * x * x * x)));
}

// log(1 + e^x) without overflow: max(x, 0) + log(1 + e^−|x|).
fn softplus_f32(x: f32) -> f32 {
  return max(x, 0.0) + log(1.0 + exp(-abs(x)));
}

// x^y with ONNX/numpy semantics where WGSL's pow is undefined (x < 0 with integral y, x = 0).
fn power_f32(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (y == 1.0) { return x; }
  if (y == 2.0) { return x * x; }
  if (x == 0.0) { return select(0.0, f32_infinity(), y < 0.0); }
  let magnitude = exp2(y * log2(abs(x)));
  if (x > 0.0) { return magnitude; }
  if (trunc(y) != y) { return f32_nan(); }
  let odd = abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1;
  return select(magnitude, -magnitude, odd);
}

// sin and cos, Cephes' sinf/cosf: reduction by π/4 with π/4 split in three constants (exact products for
// |x| < 8192), then degree-7/8 polynomials; error a few ulps there. WGSL only promises 2^-11 absolute for its
// builtins (SwiftShader's are that loose), which is above the conformance tolerance near zero.
const FOUR_OVER_PI: f32 = 1.27323954473516f;
const PI_OVER_4_A: f32 = 0.78515625f;
const PI_OVER_4_B: f32 = 2.4187564849853515625e-4f;
const PI_OVER_4_C: f32 = 3.77489497744594108e-8f;

fn sin_polynomial(x: f32, z: f32) -> f32 {
  return ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * x + x;
}

fn cos_polynomial(z: f32) -> f32 {
  return ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z - 0.5 * z + 1.0;
}

// (reduced argument, octant in 0…3 after folding, sign flip) for |x|.
fn reduce_quarter_pi(a: f32) -> vec2<f32> {
  var octant = u32(a * FOUR_OVER_PI);
  var y = f32(octant);
  if ((octant & 1u) == 1u) { octant += 1u; y += 1.0; }
  return vec2<f32>(((a - y * PI_OVER_4_A) - y * PI_OVER_4_B) - y * PI_OVER_4_C, f32(octant & 7u));
}

fn sin_f32(x: f32) -> f32 {
  let reduced = reduce_quarter_pi(abs(x));
  var octant = u32(reduced.y);
  var sign = select(1.0, -1.0, x < 0.0);
  if (octant > 3u) { sign = -sign; octant -= 4u; }
  let r = reduced.x;
  let z = r * r;
  let value = select(sin_polynomial(r, z), cos_polynomial(z), octant == 1u || octant == 2u);
  return sign * value;
}

fn cos_f32(x: f32) -> f32 {
  let reduced = reduce_quarter_pi(abs(x));
  var octant = u32(reduced.y);
  var sign = 1.0;
  if (octant > 3u) { sign = -sign; octant -= 4u; }
  if (octant > 1u) { sign = -sign; }
  let r = reduced.x;
  let z = r * r;
  let value = select(cos_polynomial(z), sin_polynomial(r, z), octant == 1u || octant == 2u);
  return sign * value;
}

// acos through atan of the half-angle tangent (the builtin acos is ~6e-5 off on SwiftShader; atan is accurate).
fn acos_f32(x: f32) -> f32 {
  return 2.0 * atan(sqrt((1.0 - x) / (1.0 + x)));
}
