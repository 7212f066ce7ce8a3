/**
 * References for the indexing ops: Gather, GatherElements, GatherND and OneHot. Indices may be negative
 * (counted from the end); an index outside the axis is a RUNTIME_ERROR naming the node, never a bad read.
 */
import { type ErrorCode, WebliteError } from '../../errors.js';
import { float16ToFloat32 } from '../dtype.js';
import type { Attrs, Dim } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';
import { stridesOf } from '../shape.js';
import { Tensor, sizeOf } from '../tensor.js';
import { axisIn, elementsOf, nodeLabel } from './movement.js';
import { scalarValue } from './shape-ops.js';
import { required, toNumbers } from './util.js';

/** `index` resolved against an axis of size `dim`, or a RUNTIME_ERROR when it is outside [-dim, dim - 1]. */
export function checkedIndex(index: number, dim: number, where: string): number {
  const resolved = index < 0 ? index + dim : index;
  if (!(resolved >= 0 && resolved < dim)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: index ${index} is out of range [${-dim}, ${dim - 1}]`);
  }
  return resolved;
}

/** Index values as numbers (float16 bits decoded, in case a model indexes with floats). */
function indexValues(indices: Tensor): number[] {
  const values = toNumbers(indices);
  return indices.type === 'float16' ? values.map(float16ToFloat32) : values;
}

// ---- Gather ----

/** Gather's output dims: data dims with the gathered axis replaced by all of the indices' dims. */
export function gatherDims(data: readonly Dim[], indices: readonly Dim[], axis: number): Dim[] {
  return [...data.slice(0, axis), ...indices, ...data.slice(axis + 1)];
}

export function gatherReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Gather', ctx.nodeName);
  const data = required(inputs, 0, where);
  const indices = required(inputs, 1, where);
  if (data.dims.length === 0) throw new WebliteError('RUNTIME_ERROR', `${where}: data must have rank ≥ 1`);
  const axis = axisIn(attrs.axis as number, data.dims.length, where, 'RUNTIME_ERROR');
  const axisDim = data.dims[axis]!;
  const positions = indexValues(indices).map((index) => checkedIndex(index, axisDim, where));
  const output = Tensor.zeros(data.type, gatherDims(data.dims, indices.dims, axis) as number[]);
  const source = elementsOf(data);
  const target = elementsOf(output);
  const outer = sizeOf(data.dims.slice(0, axis));
  const inner = sizeOf(data.dims.slice(axis + 1));
  let next = 0;
  for (let o = 0; o < outer; o++) {
    for (const position of positions) {
      const base = (o * axisDim + position) * inner;
      for (let i = 0; i < inner; i++) target[next++] = source[base + i]!;
    }
  }
  return [output];
}

// ---- GatherElements ----

export function gatherElementsReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('GatherElements', ctx.nodeName);
  const data = required(inputs, 0, where);
  const indices = required(inputs, 1, where);
  const rank = data.dims.length;
  const axis = axisIn(attrs.axis as number, rank, where, 'RUNTIME_ERROR');
  checkElementwiseIndices(data.dims, indices.dims, axis, where, 'RUNTIME_ERROR');
  const output = Tensor.zeros(data.type, indices.dims);
  const source = elementsOf(data);
  const target = elementsOf(output);
  const dataStrides = stridesOf(data.dims);
  const indexStrides = stridesOf(indices.dims);
  const values = indexValues(indices);
  for (let flat = 0; flat < values.length; flat++) {
    target[flat] = source[elementOffset(flat, values[flat]!, axis, data.dims, dataStrides, indexStrides, where)]!;
  }
  return [output];
}

/** GatherElements/ScatterElements: indices have the data's rank and fit inside it on every other axis. */
export function checkElementwiseIndices(
  data: readonly Dim[], indices: readonly Dim[], axis: number, where: string, code: ErrorCode,
): void {
  const fits = indices.length === data.length && indices.every((d, i) =>
    i === axis || typeof d !== 'number' || typeof data[i] !== 'number' || d <= (data[i] as number));
  if (!fits) {
    throw new WebliteError(code, `${where}: indices [${indices.join(', ')}] must have the rank of data [${data.join(', ')}] ` +
      `and fit inside it outside axis ${axis}`);
  }
}

/** Data offset of the element that indices[flat] (= `index` along `axis`) addresses. */
export function elementOffset(
  flat: number, index: number, axis: number, dataDims: readonly number[],
  dataStrides: readonly number[], indexStrides: readonly number[], where: string,
): number {
  let offset = 0;
  let rest = flat;
  for (let k = 0; k < indexStrides.length; k++) {
    const coordinate = Math.floor(rest / indexStrides[k]!);
    rest -= coordinate * indexStrides[k]!;
    offset += (k === axis ? checkedIndex(index, dataDims[k]!, where) : coordinate) * dataStrides[k]!;
  }
  return offset;
}

// ---- GatherND ----

/** GatherND's output dims: indices dims without the last, then the data dims the index tuples do not cover. */
export function gatherNDDims(data: readonly Dim[], indices: readonly Dim[], batchDims: number, where: string, code: ErrorCode): Dim[] {
  const tuple = indices[indices.length - 1];
  const fail = (why: string): never => {
    throw new WebliteError(code, `${where}: ${why} (data [${data.join(', ')}], indices [${indices.join(', ')}], batch_dims ${batchDims})`);
  };
  if (indices.length < 1 || data.length < 1) fail('data and indices must have rank ≥ 1');
  if (!Number.isInteger(batchDims) || batchDims < 0 || batchDims >= Math.min(data.length, indices.length)) {
    fail('batch_dims must be below both ranks');
  }
  if (typeof tuple !== 'number') return fail('the last indices dim must be known');
  if (tuple < 1 || tuple > data.length - batchDims) fail(`index tuples of length ${tuple} do not fit the data rank`);
  for (let i = 0; i < batchDims; i++) {
    if (typeof data[i] === 'number' && typeof indices[i] === 'number' && data[i] !== indices[i]) fail(`batch dim ${i} differs`);
  }
  return [...indices.slice(0, -1), ...data.slice(batchDims + tuple)];
}

export function gatherNDReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('GatherND', ctx.nodeName);
  const data = required(inputs, 0, where);
  const indices = required(inputs, 1, where);
  const batchDims = attrs.batch_dims as number;
  const output = Tensor.zeros(data.type, gatherNDDims(data.dims, indices.dims, batchDims, where, 'RUNTIME_ERROR') as number[]);
  const tuple = indices.dims[indices.dims.length - 1]!;
  const batches = sizeOf(indices.dims.slice(0, batchDims));
  const tuplesPerBatch = sizeOf(indices.dims.slice(batchDims, -1));
  const sliceSize = sizeOf(data.dims.slice(batchDims + tuple));
  const batchStride = sizeOf(data.dims.slice(batchDims));
  const strides = stridesOf(data.dims).slice(batchDims, batchDims + tuple);
  const values = indexValues(indices);
  const source = elementsOf(data);
  const target = elementsOf(output);
  let next = 0;
  for (let batch = 0; batch < batches; batch++) {
    for (let t = 0; t < tuplesPerBatch; t++) {
      const first = (batch * tuplesPerBatch + t) * tuple;
      let offset = batch * batchStride;
      for (let j = 0; j < tuple; j++) offset += checkedIndex(values[first + j]!, data.dims[batchDims + j]!, where) * strides[j]!;
      for (let i = 0; i < sliceSize; i++) target[next++] = source[offset + i]!;
    }
  }
  return [output];
}

// ---- OneHot ----

export function oneHotReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('OneHot', ctx.nodeName);
  const indices = required(inputs, 0, where);
  const depth = Math.trunc(Number(scalarValue(required(inputs, 1, where), where)));
  const values = required(inputs, 2, where);
  if (values.size !== 2) throw new WebliteError('RUNTIME_ERROR', `${where}: values must be [off, on], got ${values.size} elements`);
  if (!(depth >= 1 && Number.isFinite(depth))) throw new WebliteError('RUNTIME_ERROR', `${where}: depth ${depth} must be positive`);
  const axis = axisIn(attrs.axis as number, indices.dims.length + 1, where, 'RUNTIME_ERROR');
  const outDims = [...indices.dims.slice(0, axis), depth, ...indices.dims.slice(axis)];
  const output = Tensor.zeros(values.type, outDims);
  const [off, on] = [elementsOf(values)[0]!, elementsOf(values)[1]!];
  const target = elementsOf(output);
  for (let i = 0; i < output.size; i++) target[i] = off;
  const inner = sizeOf(indices.dims.slice(axis));
  // Indices outside [-depth, depth - 1] leave their row all "off", as the spec says.
  indexValues(indices).forEach((raw, flat) => {
    const index = Math.trunc(raw) < 0 ? Math.trunc(raw) + depth : Math.trunc(raw);
    if (!(index >= 0 && index < depth)) return;
    const outer = Math.floor(flat / inner);
    target[(outer * depth + index) * inner + (flat % inner)] = on;
  });
  return [output];
}
