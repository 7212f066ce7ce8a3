// The fused activation every epilogue applies (included with `// #include common/activation.wgsl`; needs
// common/math.wgsl). Chosen per pipeline by override constants, so an unused activation costs nothing:
//   ACTIVATION   0 none, 1 Relu, 2 Clip, 3 HardSwish, 4 HardSigmoid, 5 Sigmoid, 6 Silu, 7 LeakyRelu, 8 Gelu (erf),
//                9 Gelu (tanh), 10 Tanh, 11 Elu — the `activation` attribute of FusedConv/FusedGemm/FusedMatMul
//                (src/ir/reference/activation.ts, the reference these are tested against);
//   ACTIVATION_ALPHA, ACTIVATION_BETA   HardSigmoid's alpha/beta, LeakyRelu's and Elu's alpha;
//   ACTIVATION_MIN / ACTIVATION_MAX     Clip's bounds, each only when ACTIVATION_HAS_MIN / _HAS_MAX (±∞ cannot be
//                                       an override value, and a finite stand-in would clamp infinities).
// Comparisons rather than min/max keep NaN inputs NaN (WGSL leaves min/max of NaN unspecified).

override ACTIVATION: u32 = 0u;
override ACTIVATION_ALPHA: f32 = 0.0;
override ACTIVATION_BETA: f32 = 0.0;
override ACTIVATION_HAS_MIN: bool = false;
override ACTIVATION_MIN: f32 = 0.0;
override ACTIVATION_HAS_MAX: bool = false;
override ACTIVATION_MAX: f32 = 0.0;

fn activate(x: f32) -> f32 {
  switch ACTIVATION {
    case 1u: { return select(x, 0.0, x < 0.0); }
    case 2u: {
      var y = x;
      if (ACTIVATION_HAS_MIN && y < ACTIVATION_MIN) { y = ACTIVATION_MIN; }
      if (ACTIVATION_HAS_MAX && y > ACTIVATION_MAX) { y = ACTIVATION_MAX; }
      return y;
    }
    case 3u: { return x * clamp(x / 6.0 + 0.5, 0.0, 1.0); }
    case 4u: { return clamp(ACTIVATION_ALPHA * x + ACTIVATION_BETA, 0.0, 1.0); }
    case 5u: { return sigmoid_f32(x); }
    case 6u: { return x * sigmoid_f32(x); }
    case 7u: { return select(x, ACTIVATION_ALPHA * x, x < 0.0); }
    case 8u: { return gelu_erf_f32(x); }
    case 9u: { return gelu_tanh_f32(x); }
    case 10u: { return tanh_f32(x); }
    case 11u: { return select(x, ACTIVATION_ALPHA * (exp(x) - 1.0), x < 0.0); }
    default: { return x; }
  }
}
