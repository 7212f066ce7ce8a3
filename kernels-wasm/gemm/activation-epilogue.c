/*
 * Deferred part of the fused activation epilogue (activation-epilogue.h): SIGMOID, SILU, GELU (erf form), TANH and
 * ELU in place over stored rows, with wl_activate_block_f32 (kernels-wasm/common/activation.h, vector math.h).
 * Reads and writes only the `cols` floats of each row. Dtypes: f32. Accuracy: math.h.
 * Reference: activationReference in test/kernels-wasm/gemm.test.ts.
 */
#include "activation-epilogue.h"

void wl_act_apply_rows(float* data, size_t rows, size_t cols, size_t stride, const wl_activation* act) {
  if (!wl_act_is_deferred(act->kind)) return;
  if (stride == cols) {
    wl_activate_block_f32(data, rows * cols, act);
    return;
  }
  for (size_t r = 0; r < rows; r++) wl_activate_block_f32(data + r * stride, cols, act);
}
