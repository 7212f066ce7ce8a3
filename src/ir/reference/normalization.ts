/**
 * References for BatchNormalization (inference), InstanceNormalization, LayerNormalization and LRN.
 * Statistics are computed in float64 whatever the float dtype; variances are the biased (divide by count) kind.
 */
import { WebliteError } from '../../errors.js';
import { type DType, isFloat } from '../dtype.js';
import { broadcastIndexMap } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { finishFloatOutput, floatData, floatOutput } from './matmul.js';

function requireFloat(t: Tensor, op: string, where: string): void {
  if (!isFloat(t.type)) throw new WebliteError('RUNTIME_ERROR', `${where}: ${op} needs float inputs, got ${t.type}`);
}

/** Channel-parameter data, checked to hold exactly `count` values. */
function channelValues(t: Tensor, count: number, name: string, op: string, where: string): ArrayLike<number> {
  requireFloat(t, op, where);
  if (t.size !== count) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: ${op} ${name} has ${t.size} values [${t.dims}], expected ${count} (one per channel)`);
  }
  return floatData(t);
}

/** Y = (X − mean[c]) / sqrt(var[c] + epsilon) · scale[c] + B[c], with c the dim-1 index (dim 0 for rank 1). */
export function batchNormalization(
  x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, epsilon: number, where: string,
): Tensor {
  requireFloat(x, 'BatchNormalization', where);
  const channels = x.dims.length >= 2 ? x.dims[1]! : 1;
  const inner = x.dims.slice(2).reduce((a, b) => a * b, 1);
  const scales = channelValues(scale, channels, 'scale', 'BatchNormalization', where);
  const biases = channelValues(bias, channels, 'B', 'BatchNormalization', where);
  const means = channelValues(mean, channels, 'mean', 'BatchNormalization', where);
  const variances = channelValues(variance, channels, 'var', 'BatchNormalization', where);
  const input = floatData(x);
  const output = floatOutput(x.type, x.dims);
  const outer = x.dims.length >= 2 ? x.dims[0]! : x.size;
  for (let n = 0; n < outer; n++) {
    for (let c = 0; c < channels; c++) {
      const factor = scales[c]! / Math.sqrt(variances[c]! + epsilon);
      const shift = biases[c]! - means[c]! * factor;
      const base = (n * channels + c) * inner;
      for (let i = base; i < base + inner; i++) output.values[i] = input[i]! * factor + shift;
    }
  }
  return finishFloatOutput(output);
}

/** Per (n, c) plane: Y = (X − mean) / sqrt(var + epsilon) · scale[c] + B[c]. */
export function instanceNormalization(x: Tensor, scale: Tensor, bias: Tensor, epsilon: number, where: string): Tensor {
  requireFloat(x, 'InstanceNormalization', where);
  if (x.dims.length < 2) throw new WebliteError('RUNTIME_ERROR', `${where}: InstanceNormalization needs rank ≥ 2, got [${x.dims}]`);
  const [batch, channels] = x.dims as [number, number];
  const inner = x.dims.slice(2).reduce((a, b) => a * b, 1);
  const scales = channelValues(scale, channels, 'scale', 'InstanceNormalization', where);
  const biases = channelValues(bias, channels, 'B', 'InstanceNormalization', where);
  const input = floatData(x);
  const output = floatOutput(x.type, x.dims);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const base = (n * channels + c) * inner;
      const { mean, inverseDeviation } = moments(input, base, inner, epsilon);
      const factor = scales[c]! * inverseDeviation;
      for (let i = base; i < base + inner; i++) output.values[i] = (input[i]! - mean) * factor + biases[c]!;
    }
  }
  return finishFloatOutput(output);
}

/** Mean and 1 / sqrt(variance + epsilon) of values[base, base + count), two-pass for accuracy. */
function moments(values: ArrayLike<number>, base: number, count: number, epsilon: number): { mean: number; inverseDeviation: number } {
  let sum = 0;
  for (let i = base; i < base + count; i++) sum += values[i]!;
  const mean = sum / count;
  let squares = 0;
  for (let i = base; i < base + count; i++) squares += (values[i]! - mean) ** 2;
  return { mean, inverseDeviation: 1 / Math.sqrt(squares / count + epsilon) };
}

/** LayerNormalization's stash_type (an ONNX TensorProto enum) as the dtype of Mean and InvStdDev. */
export function stashDType(stashType: number): DType | undefined {
  return ({ 1: 'float32', 10: 'float16', 11: 'float64' } as Record<number, DType>)[stashType];
}

/**
 * LayerNormalization: X is viewed as [outer, inner] split at `axis`; each row is normalised, then scaled and
 * shifted by Scale and B broadcast (numpy-style, unidirectionally) to the normalised shape X.dims[axis:].
 * Returns [Y, Mean, InvStdDev]; Mean and InvStdDev have dims X.dims[:axis] followed by ones.
 */
export function layerNormalization(
  x: Tensor, scale: Tensor, bias: Tensor | undefined, axis: number, epsilon: number, stashType: DType, where: string,
): Tensor[] {
  requireFloat(x, 'LayerNormalization', where);
  const rank = x.dims.length;
  const start = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(start) || start < 0 || start >= rank) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: LayerNormalization axis ${axis} is out of range for rank ${rank}`);
  }
  const normalizedDims = x.dims.slice(start);
  const inner = normalizedDims.reduce((a, b) => a * b, 1);
  const outer = x.size / Math.max(inner, 1);
  const scaleAt = parameterMap(scale, normalizedDims, 'Scale', where);
  const biasAt = bias ? parameterMap(bias, normalizedDims, 'B', where) : undefined;
  const scales = floatData(scale);
  const biases = bias ? floatData(bias) : undefined;
  const input = floatData(x);
  const output = floatOutput(x.type, x.dims);
  const statsDims = [...x.dims.slice(0, start), ...normalizedDims.map(() => 1)];
  const means = floatOutput(stashType, statsDims);
  const inverseDeviations = floatOutput(stashType, statsDims);
  for (let row = 0; row < outer; row++) {
    const base = row * inner;
    const { mean, inverseDeviation } = moments(input, base, inner, epsilon);
    means.values[row] = mean;
    inverseDeviations.values[row] = inverseDeviation;
    for (let j = 0; j < inner; j++) {
      const normalized = (input[base + j]! - mean) * inverseDeviation;
      output.values[base + j] = normalized * scales[scaleAt[j]!]! + (biases ? biases[biasAt![j]!]! : 0);
    }
  }
  return [finishFloatOutput(output), finishFloatOutput(means), finishFloatOutput(inverseDeviations)];
}

/** For each element of the normalised shape, the index into a parameter broadcast to it. */
function parameterMap(t: Tensor, normalizedDims: readonly number[], name: string, where: string): Int32Array {
  requireFloat(t, 'LayerNormalization', where);
  const fits = t.dims.length <= normalizedDims.length &&
    t.dims.every((d, i) => d === 1 || d === normalizedDims[normalizedDims.length - t.dims.length + i]);
  if (!fits) {
    throw new WebliteError('RUNTIME_ERROR',
      `${where}: LayerNormalization ${name} [${t.dims}] does not broadcast to the normalised shape [${normalizedDims}]`);
  }
  return broadcastIndexMap(t.dims, normalizedDims);
}

/**
 * LRN across channels: Y = X / (bias + alpha / size · Σ X²)^beta, the sum over channels
 * [c − floor((size − 1) / 2), c + ceil((size − 1) / 2)] clipped to the valid range.
 */
export function lrn(x: Tensor, attrs: { alpha: number; beta: number; bias: number; size: number }, where: string): Tensor {
  requireFloat(x, 'LRN', where);
  if (x.dims.length < 2) throw new WebliteError('RUNTIME_ERROR', `${where}: LRN needs rank ≥ 2, got [${x.dims}]`);
  const [batch, channels] = x.dims as [number, number];
  const inner = x.dims.slice(2).reduce((a, b) => a * b, 1);
  const before = Math.floor((attrs.size - 1) / 2);
  const after = Math.ceil((attrs.size - 1) / 2);
  const input = floatData(x);
  const output = floatOutput(x.type, x.dims);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const first = Math.max(0, c - before);
      const last = Math.min(channels - 1, c + after);
      for (let i = 0; i < inner; i++) {
        let squares = 0;
        for (let k = first; k <= last; k++) squares += input[(n * channels + k) * inner + i]! ** 2;
        const index = (n * channels + c) * inner + i;
        output.values[index] = input[index]! / (attrs.bias + (attrs.alpha / attrs.size) * squares) ** attrs.beta;
      }
    }
  }
  return finishFloatOutput(output);
}
