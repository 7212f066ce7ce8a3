/** Shape arithmetic shared by shape inference and references. Symbolic dims are strings. */
import { WebliteError } from '../errors.js';
import type { Dim } from './graph.js';

export function normalizeAxis(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(rank, 1)) {
    throw new WebliteError('BAD_MODEL', `${where}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** Row-major strides. */
export function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= dims[i]!;
  }
  return strides;
}

/** Numpy-style broadcast of concrete shapes; throws BAD_MODEL/RUNTIME_ERROR naming `where` when incompatible. */
export function broadcastShapes(shapes: readonly (readonly number[])[], where: string): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) {
      const o = rank - shape.length + i;
      const d = shape[i]!;
      if (d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else if (out[o] !== d) {
        throw new WebliteError(
          'RUNTIME_ERROR',
          `${where}: shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(' and ')} cannot be broadcast`,
        );
      }
    }
  }
  return out;
}

/**
 * Broadcast with symbolic dims. Equal symbols stay; 1 yields to anything; a symbol against a number N>1 is N;
 * two different symbols give a fresh unknown dim.
 */
export function broadcastDims(shapes: readonly (readonly Dim[])[], where: string, unknownDim: () => string): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = new Array<Dim>(rank).fill(1);
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) {
      const o = rank - shape.length + i;
      const d = shape[i]!;
      const cur = out[o]!;
      if (d === 1 || d === cur) continue;
      if (cur === 1) out[o] = d;
      else if (typeof d === 'number' && typeof cur === 'number') {
        throw new WebliteError(
          'BAD_MODEL',
          `${where}: shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(' and ')} cannot be broadcast`,
        );
      } else if (typeof d === 'number') out[o] = d;
      else if (typeof cur === 'string') out[o] = unknownDim();
    }
  }
  return out;
}

/** All dims known? */
export function isStatic(dims: readonly Dim[] | undefined): dims is number[] {
  return dims !== undefined && dims.every((d) => typeof d === 'number');
}

/** For each output flat index, the flat index into an input broadcast to `outDims`. */
export function broadcastIndexMap(inDims: readonly number[], outDims: readonly number[]): Int32Array {
  const size = outDims.reduce((a, b) => a * b, 1);
  const map = new Int32Array(size);
  const rank = outDims.length;
  const inStrides = new Array<number>(rank).fill(0);
  const s = stridesOf(inDims);
  for (let i = 0; i < inDims.length; i++) {
    const o = rank - inDims.length + i;
    inStrides[o] = inDims[i] === 1 ? 0 : s[i]!;
  }
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let flat = 0; flat < size; flat++) {
    map[flat] = offset;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      offset += inStrides[d]!;
      if (index[d]! < outDims[d]!) break;
      offset -= inStrides[d]! * index[d]!;
      index[d] = 0;
    }
  }
  return map;
}
