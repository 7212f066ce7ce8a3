/**
 * References for ops that only move elements: Transpose, Concat, Split, Slice, Tile, Expand, DepthToSpace,
 * SpaceToDepth, Trilu. Most of them are one strided walk (`stridedCopy`) with different strides, so they work
 * for every dtype, strings included. The parameter resolvers (`resolvePerm`, `sliceAxes`, `splitSizes`…) are
 * shared with shape inference in ops/movement.ts so the two can never disagree.
 */
import { type ErrorCode, WebliteError } from '../../errors.js';
import type { Attrs, Dim } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';
import { broadcastShapes, normalizeAxis, stridesOf } from '../shape.js';
import { Tensor, sizeOf } from '../tensor.js';
import { numberAt, required, toNumbers } from './util.js';

/** Element storage of any dtype, seen loosely so one loop can copy numbers, bigints and strings alike. */
export type Elements = { [index: number]: number | bigint | string; length: number };

export function elementsOf(tensor: Tensor): Elements {
  return tensor.data as unknown as Elements;
}

/** "Gather 'node_3'": how every message names the failing node. */
export function nodeLabel(op: string, nodeName: string): string {
  return `${op} '${nodeName}'`;
}

/** Axis normalisation that reports with the caller's error code (BAD_MODEL in infer, RUNTIME_ERROR at run time). */
export function axisIn(axis: number, rank: number, where: string, code: ErrorCode): number {
  try {
    return normalizeAxis(axis, rank, where);
  } catch (error) {
    if (error instanceof WebliteError) throw new WebliteError(code, `${where}: axis ${axis} is out of range for rank ${rank}`);
    throw error;
  }
}

/** The dims of a reference input; references always see concrete dims. */
export function concrete(dims: readonly Dim[]): number[] {
  return dims as number[];
}

/** A fresh copy of `input` with new dims (same element count). */
export function copyWithDims(input: Tensor, dims: readonly number[]): Tensor {
  const output = Tensor.zeros(input.type, dims);
  const source = elementsOf(input);
  const target = elementsOf(output);
  for (let i = 0; i < output.size; i++) target[i] = source[i]!;
  return output;
}

/**
 * A new tensor of `outDims` whose element at multi-index i is input[offset + Σ i_k·strides_k].
 * Transpose, Slice, Split, Expand, Tile and DepthToSpace are all this walk with different strides
 * (stride 0 repeats an element, which is how broadcasting and tiling read).
 */
export function stridedCopy(input: Tensor, outDims: readonly number[], offset: number, strides: readonly number[]): Tensor {
  const output = Tensor.zeros(input.type, outDims);
  const size = output.size;
  if (size === 0) return output;
  const source = elementsOf(input);
  const target = elementsOf(output);
  const rank = outDims.length;
  const index = new Array<number>(rank).fill(0);
  let position = offset;
  for (let flat = 0; flat < size; flat++) {
    target[flat] = source[position]!;
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      position += strides[axis]!;
      if (index[axis]! < outDims[axis]!) break;
      position -= strides[axis]! * index[axis]!;
      index[axis] = 0;
    }
  }
  return output;
}

// ---- Transpose ----

/** The permutation Transpose applies: an empty `perm` reverses the axes. */
export function resolvePerm(perm: readonly number[], rank: number, where: string, code: ErrorCode): number[] {
  if (perm.length === 0) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const seen = new Set<number>();
  for (const p of perm) if (Number.isInteger(p) && p >= 0 && p < rank) seen.add(p);
  if (perm.length !== rank || seen.size !== rank) {
    throw new WebliteError(code, `${where}: perm [${perm.join(', ')}] is not a permutation of the ${rank} input axes`);
  }
  return [...perm];
}

export function transpose(input: Tensor, perm: readonly number[]): Tensor {
  const strides = stridesOf(input.dims);
  return stridedCopy(input, perm.map((p) => input.dims[p]!), 0, perm.map((p) => strides[p]!));
}

export function transposeReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Transpose', ctx.nodeName);
  const data = required(inputs, 0, where);
  return [transpose(data, resolvePerm(attrs.perm as number[], data.dims.length, where, 'RUNTIME_ERROR'))];
}

// ---- Concat ----

export function concatReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Concat', ctx.nodeName);
  const parts = inputs.filter((t): t is Tensor => t !== undefined);
  const first = parts[0];
  if (!first) throw new WebliteError('RUNTIME_ERROR', `${where}: needs at least one input`);
  const rank = first.dims.length;
  const axis = axisIn(attrs.axis as number, rank, where, 'RUNTIME_ERROR');
  if (rank === 0) throw new WebliteError('RUNTIME_ERROR', `${where}: cannot concatenate scalars`);
  let total = 0;
  for (const part of parts) {
    const same = part.dims.length === rank && part.dims.every((d, i) => i === axis || d === first.dims[i]);
    if (!same || part.type !== first.type) {
      throw new WebliteError('RUNTIME_ERROR', `${where}: input ${part.type}[${part.dims.join(', ')}] does not match ` +
        `${first.type}[${first.dims.join(', ')}] outside axis ${axis}`);
    }
    total += part.dims[axis]!;
  }
  const outDims = first.dims.map((d, i) => (i === axis ? total : d));
  const output = Tensor.zeros(first.type, outDims);
  const target = elementsOf(output);
  const outer = sizeOf(first.dims.slice(0, axis));
  let position = 0;
  for (let o = 0; o < outer; o++) {
    for (const part of parts) {
      const block = sizeOf(part.dims.slice(axis));
      const source = elementsOf(part);
      for (let i = o * block, end = i + block; i < end; i++) target[position++] = source[i]!;
    }
  }
  return [output];
}

// ---- Split ----

/**
 * Chunk sizes along the split axis: the `split` input if given, otherwise `count` chunks of ceil(dim / count)
 * with a smaller (possibly empty) last chunk, as opset 18 defines it.
 */
export function splitSizes(dim: number, split: readonly number[] | undefined, count: number, where: string, code: ErrorCode): number[] {
  if (split) {
    const total = split.reduce((a, b) => a + b, 0);
    if (split.length !== count || split.some((s) => !Number.isInteger(s) || s < 0) || total !== dim) {
      throw new WebliteError(code, `${where}: split [${split.join(', ')}] must be ${count} non-negative sizes summing to ${dim}`);
    }
    return [...split];
  }
  if (!Number.isInteger(count) || count < 1) throw new WebliteError(code, `${where}: cannot split into ${count} parts`);
  const chunk = Math.ceil(dim / count);
  return Array.from({ length: count }, (_, i) => Math.max(0, Math.min(chunk, dim - chunk * i)));
}

/** Number of Split outputs: the num_outputs attribute when set, otherwise the node's output count. */
export function splitCount(attrs: Attrs, outputCount: number): number {
  const declared = attrs.num_outputs as number;
  return declared > 0 ? declared : outputCount;
}

export function splitReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Split', ctx.nodeName);
  const data = required(inputs, 0, where);
  const axis = axisIn(attrs.axis as number, data.dims.length, where, 'RUNTIME_ERROR');
  const split = inputs[1] ? toNumbers(inputs[1]) : undefined;
  const count = splitCount(attrs, ctx.outputCount);
  const sizes = splitSizes(data.dims[axis]!, split, count, where, 'RUNTIME_ERROR');
  const strides = stridesOf(data.dims);
  let start = 0;
  return sizes.map((size) => {
    const dims = data.dims.map((d, i) => (i === axis ? size : d));
    const part = stridedCopy(data, dims, start * strides[axis]!, strides);
    start += size;
    return part;
  });
}

// ---- Slice ----

export interface SliceAxes {
  axes: number[];
  starts: number[];
  ends: number[];
  steps: number[];
}

/** Validates and normalises Slice's starts/ends/axes/steps (axes default to the leading ones, steps to 1). */
export function sliceAxes(
  rank: number, starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined,
  where: string, code: ErrorCode,
): SliceAxes {
  const resolvedAxes = (axes ?? starts.map((_, i) => i)).map((a) => axisIn(a, rank, where, code));
  const resolvedSteps = steps ?? starts.map(() => 1);
  const n = starts.length;
  if (ends.length !== n || resolvedAxes.length !== n || resolvedSteps.length !== n) {
    throw new WebliteError(code, `${where}: starts, ends, axes and steps must have the same length, got ` +
      `${n}, ${ends.length}, ${resolvedAxes.length}, ${resolvedSteps.length}`);
  }
  if (new Set(resolvedAxes).size !== n) throw new WebliteError(code, `${where}: axes [${axes?.join(', ')}] repeat an axis`);
  if (resolvedSteps.includes(0)) throw new WebliteError(code, `${where}: steps must not be 0`);
  if (![...starts, ...ends, ...resolvedSteps].every(Number.isInteger)) {
    throw new WebliteError(code, `${where}: starts, ends and steps must be integers`);
  }
  return { axes: resolvedAxes, starts, ends, steps: resolvedSteps };
}

/** First index and element count of one sliced axis, clamping out-of-range (even ±2⁶³) bounds as ONNX does. */
export function sliceRange(dim: number, start: number, end: number, step: number): { first: number; count: number } {
  let first = start < 0 ? start + dim : start;
  let last = end < 0 ? end + dim : end;
  if (step > 0) {
    first = Math.min(Math.max(first, 0), dim);
    last = Math.min(Math.max(last, 0), dim);
  } else {
    first = Math.min(Math.max(first, 0), dim - 1);
    last = Math.min(Math.max(last, -1), dim - 1);
  }
  return { first, count: Math.max(0, Math.ceil((last - first) / step)) };
}

export function sliceReference(inputs: (Tensor | undefined)[], _attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Slice', ctx.nodeName);
  const data = required(inputs, 0, where);
  const plan = sliceAxes(
    data.dims.length, toNumbers(required(inputs, 1, where)), toNumbers(required(inputs, 2, where)),
    inputs[3] ? toNumbers(inputs[3]) : undefined, inputs[4] ? toNumbers(inputs[4]) : undefined, where, 'RUNTIME_ERROR',
  );
  const dims = [...data.dims];
  const strides = stridesOf(data.dims);
  let offset = 0;
  plan.axes.forEach((axis, i) => {
    const { first, count } = sliceRange(dims[axis]!, plan.starts[i]!, plan.ends[i]!, plan.steps[i]!);
    dims[axis] = count;
    if (count > 0) offset += first * strides[axis]!;
    strides[axis] = strides[axis]! * plan.steps[i]!;
  });
  return [stridedCopy(data, dims, offset, strides)];
}

// ---- Tile and Expand ----

export function tileReference(inputs: (Tensor | undefined)[], _attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Tile', ctx.nodeName);
  const data = required(inputs, 0, where);
  const repeats = toNumbers(required(inputs, 1, where));
  if (repeats.length !== data.dims.length || repeats.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: repeats [${repeats.join(', ')}] must be ${data.dims.length} non-negative integers`);
  }
  // Read as [r0, d0, r1, d1, …] where the repeat axes have stride 0, then merge each pair.
  const strides = stridesOf(data.dims);
  const viewDims = data.dims.flatMap((d, i) => [repeats[i]!, d]);
  const viewStrides = strides.flatMap((s) => [0, s]);
  const outDims = data.dims.map((d, i) => d * repeats[i]!);
  return [stridedCopy(data, viewDims, 0, viewStrides).reshape(outDims)];
}

/** Stride-0 view strides that read `inDims` broadcast (right-aligned) to `outDims`. */
export function broadcastStrides(inDims: readonly number[], outDims: readonly number[]): number[] {
  const strides = stridesOf(inDims);
  const shift = outDims.length - inDims.length;
  return outDims.map((_, o) => {
    const i = o - shift;
    return i < 0 || inDims[i] === 1 ? 0 : strides[i]!;
  });
}

export function expandReference(inputs: (Tensor | undefined)[], _attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Expand', ctx.nodeName);
  const data = required(inputs, 0, where);
  const shape = toNumbers(required(inputs, 1, where));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: shape [${shape.join(', ')}] must hold non-negative integers`);
  }
  const outDims = broadcastShapes([data.dims, shape], where);
  return [stridedCopy(data, outDims, 0, broadcastStrides(data.dims, outDims))];
}

// ---- DepthToSpace and SpaceToDepth ----

/** Reads `input` reshaped to `viewDims`, transposed by `perm`, and returns it with `outDims`. */
function reshapeTransposeReshape(input: Tensor, viewDims: number[], perm: number[], outDims: number[]): Tensor {
  const strides = stridesOf(viewDims);
  return stridedCopy(input, perm.map((p) => viewDims[p]!), 0, perm.map((p) => strides[p]!)).reshape(outDims);
}

function blockInput(inputs: (Tensor | undefined)[], attrs: Attrs, where: string): { data: Tensor; block: number } {
  const data = required(inputs, 0, where);
  const block = attrs.blocksize as number;
  if (data.dims.length !== 4) throw new WebliteError('RUNTIME_ERROR', `${where}: expects a 4-D NCHW input, got [${data.dims.join(', ')}]`);
  if (!Number.isInteger(block) || block < 1) throw new WebliteError('RUNTIME_ERROR', `${where}: blocksize ${block} must be a positive integer`);
  return { data, block };
}

export function depthToSpaceReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('DepthToSpace', ctx.nodeName);
  const { data, block } = blockInput(inputs, attrs, where);
  const [n, c, h, w] = data.dims as [number, number, number, number];
  if (c % (block * block) !== 0) throw new WebliteError('RUNTIME_ERROR', `${where}: channels ${c} are not divisible by blocksize² ${block * block}`);
  const depth = c / (block * block);
  const outDims = [n, depth, h * block, w * block];
  // DCR: depth is the slowest of (block, block, depth); CRD: the fastest.
  if (attrs.mode === 'CRD') return [reshapeTransposeReshape(data, [n, depth, block, block, h, w], [0, 1, 4, 2, 5, 3], outDims)];
  return [reshapeTransposeReshape(data, [n, block, block, depth, h, w], [0, 3, 4, 1, 5, 2], outDims)];
}

export function spaceToDepthReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('SpaceToDepth', ctx.nodeName);
  const { data, block } = blockInput(inputs, attrs, where);
  const [n, c, h, w] = data.dims as [number, number, number, number];
  if (h % block !== 0 || w % block !== 0) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: height ${h} and width ${w} must be divisible by blocksize ${block}`);
  }
  const view = [n, c, h / block, block, w / block, block];
  return [reshapeTransposeReshape(data, view, [0, 3, 5, 1, 2, 4], [n, c * block * block, h / block, w / block])];
}

// ---- Trilu ----

export function triluReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Trilu', ctx.nodeName);
  const data = required(inputs, 0, where);
  const rank = data.dims.length;
  if (rank < 2) throw new WebliteError('RUNTIME_ERROR', `${where}: input must have rank ≥ 2, got [${data.dims.join(', ')}]`);
  const k = inputs[1] && inputs[1].size > 0 ? numberAt(inputs[1], 0) : 0;
  const upper = attrs.upper !== 0;
  const rows = data.dims[rank - 2]!;
  const columns = data.dims[rank - 1]!;
  const output = Tensor.zeros(data.type, data.dims);
  const source = elementsOf(data);
  const target = elementsOf(output);
  for (let flat = 0; flat < data.size; flat++) {
    const column = flat % columns;
    const row = Math.floor(flat / columns) % rows;
    const keep = upper ? column - row >= k : column - row <= k;
    if (keep) target[flat] = source[flat]!;
  }
  return [output];
}
