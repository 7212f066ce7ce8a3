/**
 * Logical (NCHW) → physical (as stored) shapes for layout-transparent ops. A 4-D tensor kept NHWC is stored as
 * [N, H, W, C]; constants that broadcast against it are re-laid out once into the heap in the same order.
 */
import { Tensor, sizeOf } from '../../../ir/tensor.js';
import { stridesOf } from '../../../ir/shape.js';
import type { Layout } from '../../../passes/layout.js';
import type { LoweringContext } from '../lowering.js';

/** NCHW axis → position in NHWC storage. */
export const NHWC_POSITION = [0, 3, 1, 2];

/** Physical dims of a rank-4 (after left-padding with 1s) shape in the given layout. */
export function physicalDims(dims: readonly number[], rank: number, layout: Layout): number[] {
  const padded = [...new Array<number>(rank - dims.length).fill(1), ...dims];
  if (layout !== 'nhwc' || rank !== 4) return padded;
  return [padded[0]!, padded[2]!, padded[3]!, padded[1]!];
}

/** A constant in wasm memory in the physical order of `layout` (cached per constant and layout). */
export function constantInHeap(ctx: LoweringContext, value: Tensor, rank: number, layout: Layout): number {
  return ctx.cached(value, `f32:${layout}:${rank}`, () => {
    const data = value.type === 'float32' ? (value.data as Float32Array) : Float32Array.from(value.data as ArrayLike<number>, Number);
    const logical = [...new Array<number>(rank - value.dims.length).fill(1), ...value.dims];
    if (layout !== 'nhwc' || rank !== 4 || (logical[1] === 1 || logical[2]! * logical[3]! === 1)) {
      return ctx.heap.putF32(data, `constant ${value.dims.join('x')}`);
    }
    const [n, c, h, w] = logical as [number, number, number, number];
    const out = new Float32Array(sizeOf(logical));
    for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[(b * h * w + p) * c + ch] = data[(b * c + ch) * h * w + p]!;
    return ctx.heap.putF32(out, `constant ${value.dims.join('x')} (NHWC)`);
  });
}

/** Element strides of `dims` broadcast to `out` (0 on broadcast axes). */
export function broadcastStrides(dims: readonly number[], out: readonly number[]): number[] {
  const strides = stridesOf(dims);
  return out.map((d, i) => (dims[i] === 1 && d !== 1 ? 0 : strides[i]!));
}

export { Tensor };
