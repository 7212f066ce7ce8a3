/**
 * References for weblite's fused ops. The main product (Conv, Gemm, MatMul) is the unfused op's own reference;
 * this file adds the epilogue the backends' kernels fuse after it: + bias over the last dim (FusedMatMul),
 * + residual of the output's shape (FusedConv), then the activation (reference/activation.ts).
 *
 * Rounding follows the unfused graph: the product is stored in the output dtype, then each epilogue step is
 * computed in float64 and rounded to the output dtype again, exactly as a separate Add and activation node would.
 * So the fused reference reproduces the graph it replaced bit for bit (Silu, two unfused nodes, rounds once less).
 */
import { WebliteError } from '../../errors.js';
import { float16ToFloat32, float32ToFloat16 } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { activationFunction } from './activation.js';
import { finishFloatOutput, floatData, floatOutput } from './matmul.js';

export interface Epilogue {
  /** 1-D, added along the last dim (FusedMatMul's bias). */
  bias?: Tensor;
  /** Same dims as the product (FusedConv's Z). */
  residual?: Tensor;
  activation: string;
  activationParams: readonly number[];
}

/** Rounds a float64 value to what the dtype stores. */
function rounderFor(type: string): (x: number) => number {
  if (type === 'float32') return Math.fround;
  if (type === 'float16') return (x) => float16ToFloat32(float32ToFloat16(x));
  return (x) => x;
}

/** `product` with the epilogue applied, as a new tensor of the same dtype and dims. */
export function applyEpilogue(product: Tensor, epilogue: Epilogue, where: string): Tensor {
  const { bias, residual } = epilogue;
  const act = activationFunction(epilogue.activation, epilogue.activationParams, where);
  if (!bias && !residual && !act) return product;
  for (const [name, extra] of [['bias', bias], ['residual', residual]] as const) {
    if (extra && extra.type !== product.type) {
      throw new WebliteError('RUNTIME_ERROR', `${where}: ${name} is ${extra.type}, the product is ${product.type}`);
    }
  }
  const last = product.dims.length > 0 ? product.dims[product.dims.length - 1]! : 1;
  if (bias && (bias.dims.length !== 1 || bias.size !== last)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: bias [${bias.dims}] must be 1-D with the output's last dim ${last} (output [${product.dims}])`);
  }
  if (residual && residual.dims.join() !== product.dims.join()) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: residual Z [${residual.dims}] must have the output's shape [${product.dims}]`);
  }
  const round = rounderFor(product.type);
  const input = floatData(product);
  const biases = bias ? floatData(bias) : undefined;
  const residuals = residual ? floatData(residual) : undefined;
  const output = floatOutput(product.type, product.dims);
  for (let i = 0; i < input.length; i++) {
    let value = input[i]!;
    if (biases) value = round(value + biases[i % last]!);
    if (residuals) value = round(value + residuals[i]!);
    output.values[i] = act ? act(value) : value;
  }
  return finishFloatOutput(output);
}
