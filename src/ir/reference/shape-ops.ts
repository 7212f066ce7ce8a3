/**
 * References for ops that change only the shape, or make tensors from shapes: Reshape, Flatten, Squeeze,
 * Unsqueeze, Shape, Size, ConstantOfShape, Range. The dim resolvers work on maybe-symbolic dims so shape
 * inference (ops/movement.ts) and the references share one implementation of each rule.
 */
import { type ErrorCode, WebliteError } from '../../errors.js';
import { float16ToFloat32, float32ToFloat16, isBig } from '../dtype.js';
import type { Attrs, Dim } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';
import { Tensor, sizeOf } from '../tensor.js';
import { axisIn, concrete, copyWithDims, elementsOf, nodeLabel } from './movement.js';
import { required, tensorFromNumbers, toNumbers } from './util.js';

/** A dim that is never asked for: references only see concrete dims. */
export function noUnknownDims(): string {
  throw new Error('internal: a reference asked for a symbolic dim');
}

/** Splits dims into the product of the numeric ones and the list of symbols. */
function factor(dims: readonly Dim[]): { numeric: number; symbols: string[] } {
  let numeric = 1;
  const symbols: string[] = [];
  for (const d of dims) {
    if (typeof d === 'number') numeric *= d;
    else symbols.push(d);
  }
  return { numeric, symbols };
}

/** The product of dims: a number, the lone symbol of `[1, 'batch', 1]`, or a fresh unknown dim. */
export function productDim(dims: readonly Dim[], unknownDim: () => string): Dim {
  const { numeric, symbols } = factor(dims);
  if (symbols.length === 0 || numeric === 0) return numeric;
  if (symbols.length === 1 && numeric === 1) return symbols[0]!;
  return unknownDim();
}

/**
 * Reshape's output dims: 0 copies the input dim (unless allowzero), -1 takes what is left. With symbolic input
 * dims, symbols on both sides cancel, so `[batch, 3, 4]` reshaped by `[0, -1]` gives `[batch, 12]`; whatever
 * cannot be resolved becomes a fresh unknown dim.
 */
export function reshapeDims(
  input: readonly Dim[] | undefined, shape: readonly number[], allowzero: boolean,
  where: string, code: ErrorCode, unknownDim: () => string,
): Dim[] {
  const shown = `[${shape.join(', ')}]`;
  if (shape.some((d) => !Number.isInteger(d) || d < -1) || shape.filter((d) => d === -1).length > 1) {
    throw new WebliteError(code, `${where}: shape ${shown} must hold non-negative sizes and at most one -1`);
  }
  if (allowzero && shape.includes(-1) && shape.includes(0)) {
    throw new WebliteError(code, `${where}: shape ${shown} has both 0 and -1 while allowzero is set`);
  }
  const output: Dim[] = shape.map((d, i) => {
    if (d !== 0 || allowzero) return d;
    if (!input) return unknownDim();
    if (i >= input.length) throw new WebliteError(code, `${where}: shape ${shown} copies dim ${i} but the input has rank ${input.length}`);
    return input[i]!;
  });
  const inferred = shape.indexOf(-1);
  if (!input) {
    if (inferred >= 0) output[inferred] = unknownDim();
    return output;
  }
  const have = factor(input);
  const want = factor(output.filter((_, i) => i !== inferred));
  for (const symbol of [...want.symbols]) {
    const at = have.symbols.indexOf(symbol);
    if (at < 0) continue;
    have.symbols.splice(at, 1);
    want.symbols.splice(want.symbols.indexOf(symbol), 1);
  }
  const resolved = have.symbols.length === 0 && want.symbols.length === 0;
  const mismatch = `${where}: cannot reshape [${input.join(', ')}] to ${shown}`;
  if (inferred < 0) {
    if (resolved && have.numeric !== want.numeric) throw new WebliteError(code, mismatch);
    return output;
  }
  if (resolved) {
    if (want.numeric === 0 || have.numeric % want.numeric !== 0) throw new WebliteError(code, mismatch);
    output[inferred] = have.numeric / want.numeric;
  } else if (want.symbols.length === 0 && have.symbols.length === 1 && have.numeric === want.numeric) {
    output[inferred] = have.symbols[0]!;
  } else {
    output[inferred] = unknownDim();
  }
  return output;
}

export function reshapeReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Reshape', ctx.nodeName);
  const data = required(inputs, 0, where);
  const shape = toNumbers(required(inputs, 1, where));
  const dims = reshapeDims(data.dims, shape, attrs.allowzero !== 0, where, 'RUNTIME_ERROR', noUnknownDims);
  return [copyWithDims(data, concrete(dims))];
}

/** Flatten's split point, which (unlike other axes) may equal the rank. */
export function flattenAxis(axis: number, rank: number, where: string, code: ErrorCode): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved > rank) {
    throw new WebliteError(code, `${where}: axis ${axis} is out of range [${-rank}, ${rank}]`);
  }
  return resolved;
}

export function flattenReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Flatten', ctx.nodeName);
  const data = required(inputs, 0, where);
  const axis = flattenAxis(attrs.axis as number, data.dims.length, where, 'RUNTIME_ERROR');
  return [copyWithDims(data, [sizeOf(data.dims.slice(0, axis)), sizeOf(data.dims.slice(axis))])];
}

/**
 * The axes Squeeze removes: the given ones (each must be 1, or symbolic), or without axes every dim equal to 1.
 * undefined when that depends on symbolic dims.
 */
export function squeezeAxes(dims: readonly Dim[], axes: number[] | undefined, where: string, code: ErrorCode): number[] | undefined {
  if (!axes) {
    if (dims.some((d) => typeof d === 'string')) return undefined;
    return dims.flatMap((d, i) => (d === 1 ? [i] : []));
  }
  const resolved = axes.map((a) => axisIn(a, dims.length, where, code));
  for (const axis of resolved) {
    const d = dims[axis]!;
    if (typeof d === 'number' && d !== 1) {
      throw new WebliteError(code, `${where}: cannot squeeze axis ${axis} of size ${d} in [${dims.join(', ')}]`);
    }
  }
  return resolved;
}

export function squeezeReference(inputs: (Tensor | undefined)[], _attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Squeeze', ctx.nodeName);
  const data = required(inputs, 0, where);
  const axes = squeezeAxes(data.dims, inputs[1] ? toNumbers(inputs[1]) : undefined, where, 'RUNTIME_ERROR') ?? [];
  return [copyWithDims(data, data.dims.filter((_, i) => !axes.includes(i)))];
}

/** Unsqueeze's output dims: a 1 at each of `axes`, which index the output rank. */
export function unsqueezeDims(dims: readonly Dim[], axes: readonly number[], where: string, code: ErrorCode): Dim[] {
  const rank = dims.length + axes.length;
  const resolved = axes.map((a) => axisIn(a, rank, where, code));
  if (new Set(resolved).size !== resolved.length) throw new WebliteError(code, `${where}: axes [${axes.join(', ')}] repeat an axis`);
  const output: Dim[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) output.push(resolved.includes(i) ? 1 : dims[next++]!);
  return output;
}

export function unsqueezeReference(inputs: (Tensor | undefined)[], _attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Unsqueeze', ctx.nodeName);
  const data = required(inputs, 0, where);
  const dims = unsqueezeDims(data.dims, toNumbers(required(inputs, 1, where)), where, 'RUNTIME_ERROR');
  return [copyWithDims(data, concrete(dims))];
}

/** The [first, last) range of dims Shape returns; start/end are clamped to [0, rank] as opset 15 says. */
export function shapeRange(rank: number, start: number, end: number): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const first = clamp(start);
  return [first, Math.max(first, clamp(end))];
}

export function shapeReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const data = required(inputs, 0, nodeLabel('Shape', ctx.nodeName));
  const [first, last] = shapeRange(data.dims.length, attrs.start as number, attrs.end as number);
  return [tensorFromNumbers('int64', data.dims.slice(first, last), [last - first])];
}

export function sizeReference(inputs: (Tensor | undefined)[], _attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const data = required(inputs, 0, nodeLabel('Size', ctx.nodeName));
  return [new Tensor('int64', BigInt64Array.of(BigInt(data.size)), [])];
}

/** ConstantOfShape's fill: the `value` attribute, or float32 0 when it is absent. */
export function constantOfShapeValue(attrs: Attrs): Tensor {
  const value = attrs.value;
  return value instanceof Tensor ? value : new Tensor('float32', new Float32Array(1), [1]);
}

export function constantOfShapeReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('ConstantOfShape', ctx.nodeName);
  const dims = toNumbers(required(inputs, 0, where));
  const value = constantOfShapeValue(attrs);
  if (value.size !== 1) throw new WebliteError('RUNTIME_ERROR', `${where}: value must hold one element, got ${value.size}`);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: shape [${dims.join(', ')}] must hold non-negative integers`);
  }
  const output = Tensor.zeros(value.type, dims);
  const fill = elementsOf(value)[0]!;
  const target = elementsOf(output);
  for (let i = 0; i < output.size; i++) target[i] = fill;
  return [output];
}

/** Range's element count, max(ceil((limit - start) / delta), 0); exact in BigInt for 64-bit integers. */
export function rangeCount(start: number | bigint, limit: number | bigint, delta: number | bigint, where: string, code: ErrorCode): number {
  if (typeof start === 'bigint' || typeof limit === 'bigint' || typeof delta === 'bigint') {
    const [s, l, d] = [BigInt(start), BigInt(limit), BigInt(delta)];
    if (d === 0n) throw new WebliteError(code, `${where}: delta must not be 0`);
    const span = l - s;
    let count = span / d;
    if (span % d !== 0n && span > 0n === d > 0n) count += 1n;
    return count > 0n ? Number(count) : 0;
  }
  const count = Math.ceil((limit - start) / delta);
  if (!Number.isFinite(count) && !(count < 0)) {
    throw new WebliteError(code, `${where}: range(${start}, ${limit}, ${delta}) does not have a finite length`);
  }
  return Math.max(count, 0);
}

/** A scalar input's value: bigint for 64-bit integers, float16 bits decoded. */
export function scalarValue(tensor: Tensor, where: string, code: ErrorCode = 'RUNTIME_ERROR'): number | bigint {
  if (tensor.size !== 1) throw new WebliteError(code, `${where}: expected a scalar, got [${tensor.dims.join(', ')}]`);
  const value = elementsOf(tensor)[0]!;
  if (tensor.type === 'float16') return float16ToFloat32(value as number);
  if (typeof value === 'string') throw new WebliteError(code, `${where}: expected a number, got a string`);
  return value;
}

export function rangeReference(inputs: (Tensor | undefined)[], _attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Range', ctx.nodeName);
  const startTensor = required(inputs, 0, where);
  const [start, limit, delta] = [0, 1, 2].map((i) => scalarValue(required(inputs, i, where), where)) as [
    number | bigint, number | bigint, number | bigint,
  ];
  const count = rangeCount(start, limit, delta, where, 'RUNTIME_ERROR');
  const output = Tensor.zeros(startTensor.type, [count]);
  const target = elementsOf(output);
  for (let i = 0; i < count; i++) {
    if (isBig(output.type)) target[i] = BigInt(start) + BigInt(i) * BigInt(delta);
    else {
      const value = Number(start) + i * Number(delta);
      target[i] = output.type === 'float16' ? float32ToFloat16(value) : value;
    }
  }
  return [output];
}
