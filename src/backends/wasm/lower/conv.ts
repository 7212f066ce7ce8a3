/**
 * NHWC convolutions on the indirect-GEMM kernel (kernels-wasm/conv) and depthwise convolutions on the direct
 * depthwise kernels (kernels-wasm/dwconv). The indirection buffer (one pointer per output pixel and tap into the
 * input's NHWC pixels, padding taps → a zero row) is built once per plan, since the input's address is fixed.
 * Bias, residual (FusedConv's Z) and activation run in the epilogue.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import type { Tensor } from '../../../ir/tensor.js';
import { hasWasmEpilogue, nodeActivation, putActivation } from '../abi.js';
import { type Lowering, type LoweringContext, isFloat32, staticDims } from '../lowering.js';
import { objectId, packPanels } from './gemm.js';
import { window2d } from '../../../ir/window.js';
import { type Window, is2d } from './spatial.js';

function convParts(node: Node, graph: Graph) {
  if (node.op !== 'Conv' && node.op !== 'FusedConv') return undefined;
  const [x, w, b, z] = node.inputs;
  const weights = graph.constant(w!);
  const xDims = staticDims(graph, x!);
  const yDims = staticDims(graph, node.outputs[0]!);
  if (!weights || weights.type !== 'float32' || weights.dims.length !== 4 || !is2d(xDims) || !is2d(yDims) || !isFloat32(graph, x!)) return undefined;
  const bias = b ? graph.constant(b) : undefined;
  if (b && (!bias || bias.type !== 'float32')) return undefined;
  if (z && !isFloat32(graph, z)) return undefined;
  const groups = (node.attrs.group as number | undefined) ?? 1;
  const [outC, cinPerGroup, kernelH, kernelW] = weights.dims as [number, number, number, number];
  const inC = xDims[1]!;
  const depthwise = groups === inC && groups === outC && cinPerGroup === 1;
  const window = window2d(node, xDims, [kernelH, kernelW]);
  // The geometry must agree with the planned output (it is the reference's own arithmetic).
  if (!window || window.outH !== yDims[2] || window.outW !== yDims[3]) return undefined;
  return { x: x!, weights, bias, residual: z, groups, inC, outC, cinPerGroup, depthwise, batch: xDims[0]!, window };
}

function buildIndirection(ctx: LoweringContext, input: number, zero: number, channels: number, w: Window): number {
  const taps = w.kernelH * w.kernelW;
  const indirection = ctx.heap.alloc(w.outH * w.outW * taps * 4, 'convolution indirection');
  ctx.kernels.fn('wl_f32_conv_indirection')(indirection, input, zero, w.inH, w.inW, channels, w.outH, w.outW, w.kernelH, w.kernelW, w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft);
  return indirection;
}

/** A zeroed row of `floats` floats (padding taps read it). */
function zeroRow(ctx: LoweringContext, floats: number): number {
  const ptr = ctx.heap.alloc(floats * 4, 'zero padding row');
  ctx.heap.f32(ptr, floats).fill(0);
  return ptr;
}

function pack(ctx: LoweringContext, kind: 'conv' | 'dwconv', weights: Tensor, bias: Tensor | undefined, sizes: number[]): number {
  return ctx.cached(weights, `${kind}:${sizes.join('x')}:${objectId(bias)}`, () => {
    const { heap, kernels } = ctx;
    const bytes = kind === 'conv' ? kernels.fn('wl_f32_conv_packed_size')(...sizes) : kernels.fn('wl_f32_dwconv_packed_size')(...sizes);
    const packed = heap.alloc(bytes, `packed ${kind} weights ${weights.dims.join('x')}`);
    if (kind === 'conv') {
      const [outC, cg, groups, taps] = sizes as [number, number, number, number];
      packPanels(ctx, weights.data as Float32Array, bias?.data as Float32Array | undefined, outC, cg, groups, taps, packed);
      return packed;
    }
    const scratch = heap.scratch((weights.size + (bias?.size ?? 0)) * 4, 'weights being packed');
    heap.f32(scratch, weights.size).set(weights.data as Float32Array);
    const biasPtr = bias ? scratch + weights.size * 4 : 0;
    if (bias) heap.f32(biasPtr, bias.size).set(bias.data as Float32Array);
    kernels.fn('wl_f32_dwconv_pack')(...sizes, scratch, biasPtr, packed);
    return packed;
  });
}

export const convLowering: Lowering = {
  name: 'conv',
  requires: ['wl_f32_conv_nhwc', 'wl_f32_conv_pack', 'wl_f32_conv_packed_size', 'wl_f32_conv_indirection', 'wl_f32_dwconv_nhwc', 'wl_f32_dwconv_pack', 'wl_f32_dwconv_packed_size'],
  layout: 'native',
  supports: (node, graph) => hasWasmEpilogue(node) && convParts(node, graph) !== undefined,
  build(node, ctx) {
    const p = convParts(node, ctx.graph)!;
    const w = p.window;
    const taps = w.kernelH * w.kernelW;
    const inPixels = w.inH * w.inW;
    const outPixels = w.outH * w.outW;
    const x = ctx.ptr(p.x);
    const y = ctx.ptr(node.outputs[0]!);
    const z = p.residual ? ctx.ptr(p.residual) : 0;
    const act = putActivation(ctx.heap, nodeActivation(node));
    const total = p.batch * outPixels;
    if (p.depthwise) {
      const packed = pack(ctx, 'dwconv', p.weights, p.bias, [p.inC, taps]);
      const zero = zeroRow(ctx, p.inC);
      const indirection = buildIndirection(ctx, x, zero, p.inC, w);
      const tile = taps === 9 ? '9p8c' : taps === 25 ? '25p8c' : 'up8c';
      const run = ctx.parallel('wl_f32_dwconv_nhwc', [p.batch, inPixels, p.inC, outPixels, taps, indirection, zero, packed, y, z, act, 0, 0], 11, total, { minPerThread: 16 });
      return { kernel: `f32-dwconv-minmax-${tile}-wasmsimd`, run };
    }
    const packed = pack(ctx, 'conv', p.weights, p.bias, [p.outC, p.cinPerGroup, p.groups, taps]);
    const zero = zeroRow(ctx, p.cinPerGroup);
    const indirection = buildIndirection(ctx, x, zero, p.inC, w);
    const args = [p.batch, inPixels, p.inC, outPixels, p.outC, p.groups, taps, indirection, zero, packed, y, z, act, 0, 0];
    return { kernel: 'f32-igemm-minmax-4x8-wasmsimd-loadsplat', run: ctx.parallel('wl_f32_conv_nhwc', args, 13, total, { granule: 4, minPerThread: 16 }) };
  },
};
