/**
 * References for the Reduce* family, canonical form `Reduce*(data, axes?)` with attrs keepdims and
 * noop_with_empty_axes. Floats (and 8–32-bit integers) accumulate in float64; int64/uint64 accumulate in BigInt so
 * sums and products stay exact and wrap modulo 2^64 like numpy. Reductions over an empty set give the identity of
 * the operation, as ONNX defines it (Sum 0, Prod 1, Max −∞ or the type's minimum, Mean NaN, LogSum −∞).
 *
 * Also home to the float64 read/write helpers the other references of this group share.
 */
import { WebliteError } from '../../errors.js';
import { type DType, type NumericArray, float16ToFloat32, float32ToFloat16, isBig, isFloat } from '../dtype.js';
import { broadcastIndexMap } from '../shape.js';
import { Tensor } from '../tensor.js';
import { required, toNumbers } from './util.js';
import type { Attrs } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';

export type ReduceOp =
  | 'ReduceL1' | 'ReduceL2' | 'ReduceLogSum' | 'ReduceLogSumExp' | 'ReduceMax' | 'ReduceMean' | 'ReduceMin'
  | 'ReduceProd' | 'ReduceSum' | 'ReduceSumSquare';

/** Every element as a float64 (float16 widened, int64 rounded to the nearest double, bool 0/1). */
export function readFloats(tensor: Tensor): Float64Array {
  const out = new Float64Array(tensor.size);
  if (tensor.type === 'string') throw new WebliteError('RUNTIME_ERROR', 'cannot read a string tensor as numbers');
  if (tensor.type === 'float16') {
    const bits = tensor.data as Uint16Array;
    for (let i = 0; i < out.length; i++) out[i] = float16ToFloat32(bits[i]!);
  } else if (isBig(tensor.type)) {
    const data = tensor.data as BigInt64Array | BigUint64Array;
    for (let i = 0; i < out.length; i++) out[i] = Number(data[i]!);
  } else {
    out.set(tensor.data as NumericArray); // native element conversion
  }
  return out;
}

const INTEGER_RANGES: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
  int32: [-2147483648, 2147483647], uint32: [0, 4294967295],
};

/**
 * A tensor of `type` from float64 values. Floats round to the element type (float16 by way of float32). Integers truncate toward zero (as
 * numpy's astype and onnxruntime do) and, by default, wrap modulo 2^bits (numpy's integer sums and products);
 * `overflow` 'clamp' saturates instead (for interpolated values, where cubic overshoot must not wrap around).
 * ±∞ become the type's extremes, which is what ONNX asks of an empty Max/Min over integers; NaN becomes 0.
 */
export function writeFloats(type: DType, values: Float64Array, dims: readonly number[], overflow: 'wrap' | 'clamp' = 'wrap'): Tensor {
  const out = Tensor.zeros(type, dims);
  const size = values.length;
  if (type === 'float32' || type === 'float64') {
    (out.data as Float32Array | Float64Array).set(values);
  } else if (type === 'float16') {
    const data = out.data as Uint16Array;
    for (let i = 0; i < size; i++) data[i] = float32ToFloat16(values[i]!);
  } else if (type === 'bool') {
    const data = out.data as Uint8Array;
    for (let i = 0; i < size; i++) data[i] = values[i] !== 0 ? 1 : 0; // NaN counts as true, as in numpy
  } else if (isBig(type)) {
    const data = out.data as BigInt64Array | BigUint64Array;
    const [low, high] = type === 'int64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    for (let i = 0; i < size; i++) {
      const v = integerOf(values[i]!);
      if (v === Infinity) data[i] = high;
      else if (v === -Infinity) data[i] = low;
      else {
        const integer = BigInt(v);
        // Without clamping, the BigInt64Array/BigUint64Array store wraps modulo 2^64.
        data[i] = overflow === 'clamp' ? (integer < low ? low : integer > high ? high : integer) : integer;
      }
    }
  } else if (type !== 'string') {
    const [low, high] = INTEGER_RANGES[type]!;
    const data = out.data as Int32Array;
    for (let i = 0; i < size; i++) {
      const v = integerOf(values[i]!);
      // Typed-array stores wrap finite numbers modulo 2^bits; only the extremes and clamping need care here.
      data[i] = v === Infinity ? high : v === -Infinity ? low : overflow === 'clamp' ? Math.min(high, Math.max(low, v)) : v;
    }
  } else {
    throw new WebliteError('RUNTIME_ERROR', `cannot store numbers in a string tensor`);
  }
  return out;
}

/** Truncated toward zero; ±∞ kept for the caller to saturate; NaN as 0. */
function integerOf(value: number): number {
  return Number.isNaN(value) ? 0 : Math.trunc(value);
}

/** Which axes a reduction folds, or undefined for the no-op case (empty axes with noop_with_empty_axes=1). */
export function reducedAxes(
  rank: number, axes: readonly number[], noopWithEmptyAxes: boolean, where: string, code: 'BAD_MODEL' | 'RUNTIME_ERROR',
): boolean[] | undefined {
  if (axes.length === 0) return noopWithEmptyAxes ? undefined : new Array<boolean>(rank).fill(true);
  const reduced = new Array<boolean>(rank).fill(false);
  for (const axis of axes) {
    const a = axis < 0 ? axis + rank : axis;
    if (!Number.isInteger(a) || a < 0 || a >= rank) {
      throw new WebliteError(code, `${where}: axis ${axis} is out of range for rank ${rank}`);
    }
    reduced[a] = true;
  }
  return reduced;
}

interface FloatReducer {
  initial: number;
  step(accumulator: number, x: number): number;
  finish(accumulator: number, count: number): number;
}

const sum = (a: number, x: number) => a + x;
const keep = (a: number) => a;
// NaN must win Max/Min (numpy propagates it); `x > a` alone would skip it.
const maximum = (a: number, x: number) => (x > a || Number.isNaN(x) ? x : a);
const minimum = (a: number, x: number) => (x < a || Number.isNaN(x) ? x : a);

const FLOAT_REDUCERS: Record<Exclude<ReduceOp, 'ReduceLogSumExp'>, FloatReducer> = {
  ReduceSum: { initial: 0, step: sum, finish: keep },
  ReduceMean: { initial: 0, step: sum, finish: (a, count) => a / count },
  ReduceProd: { initial: 1, step: (a, x) => a * x, finish: keep },
  ReduceL1: { initial: 0, step: (a, x) => a + Math.abs(x), finish: keep },
  ReduceL2: { initial: 0, step: (a, x) => a + x * x, finish: Math.sqrt },
  ReduceSumSquare: { initial: 0, step: (a, x) => a + x * x, finish: keep },
  ReduceLogSum: { initial: 0, step: sum, finish: Math.log },
  ReduceMax: { initial: -Infinity, step: maximum, finish: keep },
  ReduceMin: { initial: Infinity, step: minimum, finish: keep },
};

export function reduce(op: ReduceOp, inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = `node '${ctx.nodeName}' (${op})`;
  const data = required(inputs, 0, where);
  if (data.type === 'string') throw new WebliteError('RUNTIME_ERROR', `${where}: string tensors cannot be reduced`);
  const reduced = reducedAxes(data.dims.length, toNumbers(inputs[1]), attrs.noop_with_empty_axes === 1, where, 'RUNTIME_ERROR');
  if (!reduced) return [new Tensor(data.type, data.data.slice() as typeof data.data, data.dims)];

  const keptDims = data.dims.map((d, axis) => (reduced[axis] ? 1 : d));
  const outputDims = attrs.keepdims === 1 ? keptDims : data.dims.filter((_, axis) => !reduced[axis]);
  const outputSize = keptDims.reduce((a, b) => a * b, 1);
  const count = data.size / Math.max(outputSize, 1);
  // For each input element, the output element it folds into.
  const target = broadcastIndexMap(keptDims, data.dims);

  if (isBig(data.type) && op !== 'ReduceL2' && op !== 'ReduceLogSum' && op !== 'ReduceLogSumExp') {
    return [reduceBig(op, data as Tensor<'int64' | 'uint64'>, target, outputSize, count, outputDims)];
  }
  if (op === 'ReduceProd' && !isFloat(data.type) && data.type !== 'bool') {
    return [reduceIntegerProduct(data, target, outputSize, outputDims)];
  }
  const values = readFloats(data);
  const result = op === 'ReduceLogSumExp'
    ? logSumExp(values, target, outputSize)
    : foldFloats(FLOAT_REDUCERS[op], values, target, outputSize, count);
  return [writeFloats(data.type, result, outputDims)];
}

function foldFloats(reducer: FloatReducer, values: Float64Array, target: Int32Array, outputSize: number, count: number): Float64Array {
  const accumulators = new Float64Array(outputSize).fill(reducer.initial);
  for (let i = 0; i < values.length; i++) {
    const o = target[i]!;
    accumulators[o] = reducer.step(accumulators[o]!, values[i]!);
  }
  for (let o = 0; o < outputSize; o++) accumulators[o] = reducer.finish(accumulators[o]!, count);
  return accumulators;
}

/** log Σ exp(x), shifted by the maximum so large inputs do not overflow exp. An empty set gives −∞. */
function logSumExp(values: Float64Array, target: Int32Array, outputSize: number): Float64Array {
  const maxima = foldFloats(FLOAT_REDUCERS.ReduceMax, values, target, outputSize, 1);
  const sums = new Float64Array(outputSize);
  for (let i = 0; i < values.length; i++) {
    const o = target[i]!;
    // An infinite maximum would give ∞ − ∞ = NaN; the answer is then the maximum itself.
    if (Number.isFinite(maxima[o]!)) sums[o]! += Math.exp(values[i]! - maxima[o]!);
  }
  for (let o = 0; o < outputSize; o++) {
    const maximum = maxima[o]!;
    sums[o] = Number.isFinite(maximum) ? maximum + Math.log(sums[o]!) : maximum;
  }
  return sums;
}

/** 8–32-bit integer products wrap modulo 2^32 with Math.imul (exact), then modulo the type's width on store. */
function reduceIntegerProduct(data: Tensor, target: Int32Array, outputSize: number, outputDims: readonly number[]): Tensor {
  const products = new Int32Array(outputSize).fill(1);
  const values = data.data as ArrayLike<number>;
  for (let i = 0; i < values.length; i++) products[target[i]!] = Math.imul(products[target[i]!]!, values[i]!);
  const out = Tensor.zeros(data.type, outputDims);
  (out.data as Int32Array).set(products); // the typed-array store narrows modulo 2^bits
  return out;
}

function reduceBig(
  op: ReduceOp, data: Tensor<'int64' | 'uint64'>, target: Int32Array, outputSize: number, count: number, outputDims: readonly number[],
): Tensor {
  const signed = data.type === 'int64';
  const lowest = signed ? -(2n ** 63n) : 0n;
  const highest = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  const initial = op === 'ReduceProd' ? 1n : op === 'ReduceMax' ? lowest : op === 'ReduceMin' ? highest : 0n;
  const accumulators = new Array<bigint>(outputSize).fill(initial);
  const values = data.data;
  for (let i = 0; i < values.length; i++) {
    const o = target[i]!;
    const x = values[i]!;
    const a = accumulators[o]!;
    switch (op) {
      case 'ReduceMax': accumulators[o] = x > a ? x : a; break;
      case 'ReduceMin': accumulators[o] = x < a ? x : a; break;
      // Wrap as we go so products of many elements stay small; the result is the same modulo 2^64.
      case 'ReduceProd': accumulators[o] = BigInt.asIntN(64, a * x); break;
      case 'ReduceL1': accumulators[o] = a + (x < 0n ? -x : x); break;
      case 'ReduceSumSquare': accumulators[o] = BigInt.asIntN(64, a + x * x); break;
      default: accumulators[o] = a + x; // Sum, Mean
    }
  }
  const out = Tensor.zeros(data.type, outputDims);
  for (let o = 0; o < outputSize; o++) {
    let a = accumulators[o]!;
    // BigInt division truncates toward zero, like numpy's astype of the float mean. An empty mean is NaN → 0.
    if (op === 'ReduceMean') a = count === 0 ? 0n : a / BigInt(count);
    out.data[o] = a; // the BigInt64Array/BigUint64Array store wraps modulo 2^64
  }
  return out;
}
