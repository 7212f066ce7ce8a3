// Storage type of float tensors, for kernels that have an fp16 variant (precision 'fp16',
// src/backends/webgpu/precision.ts).
//
// variant   F16: float tensors are stored as f16 (shaders.ts puts `enable f16;` first in the module);
//           otherwise — and with F16_EMULATED, which tests the fp16 plan on adapters without shader-f16 — f32.
// terms     `stored_float` is the element type of every float tensor binding of such a kernel (inputs, weights,
//           bias, residual, output). Kernels load with f32(…) or multiply in stored_float where f16 math is
//           intended, accumulate in f32, and store through store_float.
// range     store_float saturates to ±65504 (f16's largest finite value): an overflowing f16 activation becomes
//           the largest finite value, not inf (NaN propagates).
// #if F16
alias stored_float = f16;
const STORED_FLOAT_MAX: f32 = 65504.0;

fn store_float(value: f32) -> stored_float {
  return stored_float(select(clamp(value, -STORED_FLOAT_MAX, STORED_FLOAT_MAX), value, value != value));
}
// #else
alias stored_float = f32;

fn store_float(value: f32) -> stored_float {
  return value;
}
// #endif
