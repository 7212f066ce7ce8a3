/**
 * The two loops every elementwise reference is built on: `mapUnary` (one input, same shape) and
 * `mapBroadcast` (any number of inputs, numpy multidirectional broadcasting). Ops supply per-element math
 * for each dtype family (`float`, 8–32-bit `int`, 64-bit `big`); elements are read as `Value`s (float16
 * widened to numbers, int64/uint64 as BigInt) and stored back with numpy's astype rules (elementwise-cast.ts),
 * so integer results wrap exactly as numpy's do.
 */
import { WebliteError } from '../../errors.js';
import { type DType, float16ToFloat32, isBig, isFloat } from '../dtype.js';
import { broadcastIndexMap, broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { type Value, float64ToFloat16, isTruthy, toBigInt, toNumber, toSmallInteger } from './elementwise-cast.js';

export type { Value };

/**
 * Per-element math for each dtype family. `int` (8/16/32-bit integers and bool) defaults to `float`, which
 * is exact there because results are truncated and wrapped when stored; `big` (int64/uint64) must be given
 * for ops that accept 64-bit integers, since float math would lose their low bits.
 */
export interface UnaryMath {
  float: (x: number) => number;
  int?: (x: number) => number;
  big?: (x: bigint) => bigint;
}

export interface BinaryMath {
  float: (a: number, b: number) => number;
  int?: (a: number, b: number) => number;
  big?: (a: bigint, b: bigint) => bigint;
}

/** The math for the family of `type`; throws when the op has none for it (infer rejects such models first). */
export function unaryMathFor(math: UnaryMath, type: DType, where: string): (x: Value) => Value {
  return pickFamily(math, type, where) as (x: Value) => Value;
}

export function binaryMathFor(math: BinaryMath, type: DType, where: string): (a: Value, b: Value) => Value {
  return pickFamily(math, type, where) as (a: Value, b: Value) => Value;
}

function pickFamily(math: UnaryMath | BinaryMath, type: DType, where: string): unknown {
  const chosen = isFloat(type) ? math.float : isBig(type) ? math.big : type === 'string' ? undefined : math.int ?? math.float;
  if (!chosen) throw new WebliteError('RUNTIME_ERROR', `${where}: inputs of type ${type} are not supported`);
  return chosen;
}

/** Reads element i of a tensor as a Value. */
export function readerOf(tensor: Tensor): (i: number) => Value {
  if (tensor.type === 'float16') {
    const data = tensor.data as Uint16Array;
    return (i) => float16ToFloat32(data[i]!);
  }
  const data = tensor.data as ArrayLike<Value>;
  return (i) => data[i]!;
}

/** Stores a Value into element i, converting it to the tensor's dtype like numpy's astype. */
export function writerOf(tensor: Tensor): (i: number, value: Value) => void {
  switch (tensor.type) {
    case 'float16': {
      const data = tensor.data as Uint16Array;
      return (i, value) => (data[i] = float64ToFloat16(toNumber(value)));
    }
    case 'float32':
    case 'float64': {
      const data = tensor.data as Float32Array;
      return (i, value) => (data[i] = toNumber(value));
    }
    case 'int64':
    case 'uint64': {
      const data = tensor.data as BigInt64Array;
      return (i, value) => (data[i] = toBigInt(value));
    }
    case 'bool': {
      const data = tensor.data as Uint8Array;
      return (i, value) => (data[i] = isTruthy(value) ? 1 : 0);
    }
    case 'string': {
      const data = tensor.data as string[];
      return (i, value) => (data[i] = String(value));
    }
    default: {
      const data = tensor.data as Int32Array;
      return (i, value) => (data[i] = toSmallInteger(value));
    }
  }
}

/** Applies `fn` to every element of `input`, producing a tensor of `outType` with the same dims. */
export function mapUnary(input: Tensor, outType: DType, fn: (x: Value) => Value): Tensor {
  const output = Tensor.zeros(outType, input.dims);
  const read = readerOf(input);
  const write = writerOf(output);
  for (let i = 0; i < output.size; i++) write(i, fn(read(i)));
  return output;
}

/** Applies `fn` elementwise to two inputs broadcast against each other. */
export function broadcastBinary(
  a: Tensor,
  b: Tensor,
  outType: DType,
  fn: (a: Value, b: Value) => Value,
  where: string,
): Tensor {
  return mapBroadcast([a, b], outType, (values) => fn(values[0]!, values[1]!), where);
}

/**
 * Applies `fn` elementwise to any number of inputs under numpy broadcasting. `fn` receives one value per
 * input; the array is reused between elements, so `fn` must not keep it.
 */
export function mapBroadcast(inputs: readonly Tensor[], outType: DType, fn: (values: Value[]) => Value, where: string): Tensor {
  const outDims = broadcastShapes(
    inputs.map((t) => t.dims),
    where,
  );
  const output = Tensor.zeros(outType, outDims);
  const readers = inputs.map(readerOf);
  // Inputs that already have the output's shape are read at the output index; only the others need a map.
  const indexMaps = inputs.map((t) => (sameDims(t.dims, outDims) ? undefined : broadcastIndexMap(t.dims, outDims)));
  const write = writerOf(output);
  const values = new Array<Value>(inputs.length);
  for (let i = 0; i < output.size; i++) {
    for (let k = 0; k < inputs.length; k++) values[k] = readers[k]!(indexMaps[k]?.[i] ?? i);
    write(i, fn(values));
  }
  return output;
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The first element of an optional scalar input (Clip's min/max, Dropout's ratio), undefined when omitted. */
export function scalarOf(tensor: Tensor | undefined, where: string, name: string): Value | undefined {
  if (!tensor) return undefined;
  if (tensor.size !== 1) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: ${name} must hold one element, got dims [${tensor.dims.join(', ')}]`);
  }
  return readerOf(tensor)(0);
}
