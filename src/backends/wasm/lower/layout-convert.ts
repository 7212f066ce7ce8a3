/** NCHW ↔ NHWC conversion steps inserted by the planner where a tensor's readers need the other layout. */
import type { Layout } from '../../../passes/layout.js';
import type { LoweringContext, Step } from '../lowering.js';

export function convertLayout(ctx: LoweringContext, dims: readonly number[], from: number, to: number, target: Layout, elementBytes = 4): Step {
  const [n, c, h, w] = dims as [number, number, number, number];
  const hw = h * w;
  const size = n * c * hw;
  if (elementBytes !== 4) return convertNarrow(ctx, n, c, hw, from, to, target, elementBytes);
  if (ctx.kernels.has('wl_x32_nchw_to_nhwc')) {
    const name = target === 'nhwc' ? 'wl_x32_nchw_to_nhwc' : 'wl_x32_nhwc_to_nchw';
    const run = ctx.parallel(name, [0, 0, c, hw, from, to], 0, n * hw, { granule: 4, minPerThread: 64 });
    return { kernel: `x32-transpose-4x4-wasmsimd-${target === 'nhwc' ? 'nchw-nhwc' : 'nhwc-nchw'}`, run };
  }
  return {
    kernel: `ts/transpose-${target === 'nhwc' ? 'nchw-nhwc' : 'nhwc-nchw'}`,
    run() {
      const src = ctx.heap.f32(from, size);
      const dst = ctx.heap.f32(to, size);
      for (let b = 0; b < n; b++) {
        const base = b * c * hw;
        for (let ch = 0; ch < c; ch++) {
          for (let p = 0; p < hw; p++) {
            if (target === 'nhwc') dst[base + p * c + ch] = src[base + ch * hw + p]!;
            else dst[base + ch * hw + p] = src[base + p * c + ch]!;
          }
        }
      }
    },
  };
}

/**
 * 8- and 16-bit tensors (quantized activations, static int8's int16 ones): a TypeScript loop (they are rare at layout
 * boundaries).
 */
function convertNarrow(ctx: LoweringContext, n: number, c: number, hw: number, from: number, to: number, target: Layout, bytes: number): Step {
  return {
    kernel: `ts/transpose-x${bytes * 8}-${target === 'nhwc' ? 'nchw-nhwc' : 'nhwc-nchw'}`,
    run() {
      const buffer = ctx.heap.kernels.memory.buffer;
      const View = bytes === 2 ? Uint16Array : Uint8Array;
      const src = new View(buffer, from, n * c * hw);
      const dst = new View(buffer, to, n * c * hw);
      for (let b = 0; b < n; b++) {
        const base = b * c * hw;
        for (let ch = 0; ch < c; ch++) {
          for (let p = 0; p < hw; p++) {
            if (target === 'nhwc') dst[base + p * c + ch] = src[base + ch * hw + p]!;
            else dst[base + ch * hw + p] = src[base + p * c + ch]!;
          }
        }
      }
    },
  };
}
