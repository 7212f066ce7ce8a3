/**
 * Transpose: a permutation that reduces to a batched 2-D transpose runs on the tiled kernel
 * kernels-wgsl/movement/x32-transpose-16x16-tiled.wgsl (reads and writes both coalesced); any other one is a
 * strided copy (movement.ts), whose innermost output axis then still reads a contiguous input axis or is small.
 */
import { sizeOf } from '../../../ir/tensor.js';
import { stridesOf } from '../../../ir/shape.js';
import type { Dispatch } from '../lowering.js';
import { MAX_GROUPS_PER_DIMENSION, Uniforms } from '../uniforms.js';

export const TRANSPOSE_TILED_KERNEL = 'movement/x32-transpose-16x16-tiled.wgsl';
const TILE = 16;

/**
 * The permutation with unit axes dropped and runs of axes that stay adjacent (and in order) merged: the same data
 * movement on fewer, larger axes. `perm[i]` is the input axis that output axis i takes.
 */
export function reducePermutation(dims: readonly number[], perm: readonly number[]): { dims: number[]; perm: number[] } {
  const kept = dims.flatMap((d, axis) => (d === 1 ? [] : [axis]));
  const order = perm.filter((axis) => dims[axis] !== 1);
  // Groups of input axes, in output order, each a run a, a+1, … that the output keeps together.
  const groups: number[][] = [];
  for (const axis of order) {
    const last = groups[groups.length - 1];
    const previous = last?.[last.length - 1];
    if (last && previous !== undefined && kept.indexOf(axis) === kept.indexOf(previous) + 1) last.push(axis);
    else groups.push([axis]);
  }
  // Renumber the groups by their position in the input.
  const byInput = [...groups].sort((a, b) => a[0]! - b[0]!);
  return {
    dims: byInput.map((group) => sizeOf(group.map((axis) => dims[axis]!))),
    perm: groups.map((group) => byInput.indexOf(group)),
  };
}

/** The batched 2-D transpose [batch, rows, columns] → [batch, columns, rows] that `perm` is, if it is one. */
export function asBatchedTranspose(dims: readonly number[], perm: readonly number[]): { batch: number; rows: number; columns: number } | undefined {
  const reduced = reducePermutation(dims, perm);
  const rank = reduced.perm.length;
  if (rank < 2 || reduced.perm[rank - 1] !== rank - 2 || reduced.perm[rank - 2] !== rank - 1) return undefined;
  if (reduced.perm.slice(0, rank - 2).some((axis, i) => axis !== i)) return undefined;
  const [rows, columns] = reduced.dims.slice(rank - 2) as [number, number];
  const batch = sizeOf(reduced.dims.slice(0, rank - 2));
  const fits = [Math.ceil(columns / TILE), Math.ceil(rows / TILE), batch].every((groups) => groups <= MAX_GROUPS_PER_DIMENSION);
  return fits ? { batch, rows, columns } : undefined;
}

/** The dispatch of Transpose(x) → y: tiled when the permutation allows, else `stridedCopy` of the permuted view. */
export function transposeDispatch(
  x: string,
  y: string,
  dims: readonly number[],
  perm: readonly number[],
  stridedCopy: (dims: number[], strides: number[]) => Dispatch,
): Dispatch {
  const tiled = asBatchedTranspose(dims, perm);
  if (tiled) {
    const { batch, rows, columns } = tiled;
    return {
      shader: { file: TRANSPOSE_TILED_KERNEL },
      uniforms: new Uniforms().u32(rows, columns, 0, 0),
      bindings: [x, y],
      grid: [Math.ceil(columns / TILE), Math.ceil(rows / TILE), batch],
    };
  }
  const strides = stridesOf([...dims]);
  return stridedCopy(perm.map((p) => dims[p]!), perm.map((p) => strides[p]!));
}
