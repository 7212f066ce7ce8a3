/**
 * References for Softmax, LogSoftmax and Hardmax with opset-13 semantics: one axis (default −1), the other
 * dims independent. X is viewed as [outer, axis size, inner]. The max is subtracted first so large inputs
 * do not overflow.
 */
import { WebliteError } from '../../errors.js';
import { isFloat } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { finishFloatOutput, floatData, floatOutput } from './matmul.js';

export type SoftmaxKind = 'Softmax' | 'LogSoftmax' | 'Hardmax';

export function softmax(x: Tensor, axis: number, kind: SoftmaxKind, where: string): Tensor {
  if (!isFloat(x.type)) throw new WebliteError('RUNTIME_ERROR', `${where}: ${kind} needs a float input, got ${x.type}`);
  const rank = x.dims.length;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(rank, 1)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: ${kind} axis ${axis} is out of range for rank ${rank}`);
  }
  const size = rank === 0 ? 1 : x.dims[a]!;
  const inner = x.dims.slice(a + 1).reduce((p, d) => p * d, 1);
  const outer = x.size / Math.max(size * inner, 1);
  const input = floatData(x);
  const output = floatOutput(x.type, x.dims);
  const values = output.values;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let max = -Infinity;
      let argmax = 0;
      for (let k = 0; k < size; k++) {
        const v = input[base + k * inner]!;
        if (v > max) {
          max = v;
          argmax = k;
        }
      }
      if (kind === 'Hardmax') {
        // The first maximum gets the 1 (values is zero-filled).
        if (size > 0) values[base + argmax * inner] = 1;
        continue;
      }
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp(input[base + k * inner]! - max);
      if (kind === 'Softmax') {
        for (let k = 0; k < size; k++) values[base + k * inner] = Math.exp(input[base + k * inner]! - max) / sum;
      } else {
        const logSum = Math.log(sum);
        for (let k = 0; k < size; k++) values[base + k * inner] = input[base + k * inner]! - max - logSum;
      }
    }
  }
  return finishFloatOutput(output);
}
