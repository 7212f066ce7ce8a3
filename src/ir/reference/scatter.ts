/**
 * References for ScatterElements and ScatterND: a copy of `data` with `updates` written (or combined with
 * add/mul/max/min) at the indexed places. Updates apply in index order, so with duplicate indices and
 * reduction 'none' the last one wins, as in ONNX's own reference.
 */
import { type ErrorCode, WebliteError } from '../../errors.js';
import { type DType, float16ToFloat32, float32ToFloat16 } from '../dtype.js';
import type { Attrs, Dim } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';
import { stridesOf } from '../shape.js';
import { type Tensor, sizeOf } from '../tensor.js';
import { checkElementwiseIndices, checkedIndex, elementOffset } from './gather.js';
import { axisIn, copyWithDims, elementsOf, nodeLabel } from './movement.js';
import { required, toNumbers } from './util.js';

export const REDUCTIONS = ['none', 'add', 'mul', 'max', 'min'] as const;

type Stored = number | bigint | string;
type Combine = (current: Stored, update: Stored) => Stored;

function pick<T extends number | bigint>(reduction: string, a: T, b: T): T {
  switch (reduction) {
    case 'add': return (a as number) + (b as number) as T;
    case 'mul': return (a as number) * (b as number) as T;
    case 'max': return (a > b || a !== a ? a : b);
    default: return (a < b || a !== a ? a : b);
  }
}

/** How an update meets the value already there, computed in the dtype's own arithmetic. */
export function combiner(type: DType, reduction: string, where: string): Combine {
  if (reduction === 'none') return (_, update) => update;
  if (!(REDUCTIONS as readonly string[]).includes(reduction)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: unknown reduction '${reduction}' (expected ${REDUCTIONS.join(', ')})`);
  }
  if (type === 'string') throw new WebliteError('RUNTIME_ERROR', `${where}: reduction '${reduction}' does not apply to strings`);
  if (type === 'float16') {
    return (a, b) => float32ToFloat16(pick(reduction, float16ToFloat32(a as number), float16ToFloat32(b as number)));
  }
  if (type === 'bool') return (a, b) => (pick(reduction, a as number, b as number) !== 0 ? 1 : 0);
  // Typed-array stores wrap integers and round floats, matching the dtype's own overflow behaviour.
  return (a, b) => pick(reduction, a as number | bigint, b as number | bigint);
}

export function scatterElementsReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('ScatterElements', ctx.nodeName);
  const data = required(inputs, 0, where);
  const indices = required(inputs, 1, where);
  const updates = required(inputs, 2, where);
  const axis = axisIn(attrs.axis as number, data.dims.length, where, 'RUNTIME_ERROR');
  checkElementwiseIndices(data.dims, indices.dims, axis, where, 'RUNTIME_ERROR');
  if (updates.dims.join() !== indices.dims.join() || updates.type !== data.type) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: updates ${updates.type}[${updates.dims.join(', ')}] must match ` +
      `indices [${indices.dims.join(', ')}] and data type ${data.type}`);
  }
  const combine = combiner(data.type, attrs.reduction as string, where);
  const output = copyWithDims(data, data.dims);
  const target = elementsOf(output);
  const source = elementsOf(updates);
  const dataStrides = stridesOf(data.dims);
  const indexStrides = stridesOf(indices.dims);
  toNumbers(indices).forEach((index, flat) => {
    const offset = elementOffset(flat, index, axis, data.dims, dataStrides, indexStrides, where);
    target[offset] = combine(target[offset]!, source[flat]!);
  });
  return [output];
}

/** ScatterND's required updates dims: indices dims without the last, then the data dims the tuples leave. */
export function scatterNDUpdateDims(data: readonly Dim[], indices: readonly Dim[], where: string, code: ErrorCode): Dim[] | undefined {
  const tuple = indices[indices.length - 1];
  if (indices.length < 1 || data.length < 1) {
    throw new WebliteError(code, `${where}: data and indices must have rank ≥ 1`);
  }
  if (typeof tuple !== 'number') return undefined;
  if (tuple > data.length) {
    throw new WebliteError(code, `${where}: index tuples of length ${tuple} do not fit data [${data.join(', ')}]`);
  }
  return [...indices.slice(0, -1), ...data.slice(tuple)];
}

export function scatterNDReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('ScatterND', ctx.nodeName);
  const data = required(inputs, 0, where);
  const indices = required(inputs, 1, where);
  const updates = required(inputs, 2, where);
  const expected = scatterNDUpdateDims(data.dims, indices.dims, where, 'RUNTIME_ERROR')!;
  if (updates.dims.join() !== expected.join() || updates.type !== data.type) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: updates ${updates.type}[${updates.dims.join(', ')}] must be ` +
      `${data.type}[${expected.join(', ')}]`);
  }
  const combine = combiner(data.type, attrs.reduction as string, where);
  const output = copyWithDims(data, data.dims);
  const target = elementsOf(output);
  const source = elementsOf(updates);
  const tuple = indices.dims[indices.dims.length - 1]!;
  const strides = stridesOf(data.dims);
  const sliceSize = sizeOf(data.dims.slice(tuple));
  const tuples = sizeOf(indices.dims.slice(0, -1));
  const values = toNumbers(indices);
  for (let t = 0; t < tuples; t++) {
    let offset = 0;
    for (let j = 0; j < tuple; j++) offset += checkedIndex(values[t * tuple + j]!, data.dims[j]!, where) * strides[j]!;
    for (let i = 0; i < sliceSize; i++) target[offset + i] = combine(target[offset + i]!, source[t * sliceSize + i]!);
  }
  return [output];
}
