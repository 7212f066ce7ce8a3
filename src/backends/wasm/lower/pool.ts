/** NHWC max/average pooling (indirection-based) and global pooling on kernels-wasm/pool. */
import type { Graph, Node } from '../../../ir/graph.js';
import { type Lowering, isFloat32, staticDims } from '../lowering.js';
import { window2d } from '../../../ir/window.js';
import { is2d } from './spatial.js';

function poolParts(node: Node, graph: Graph) {
  if (node.op !== 'MaxPool' && node.op !== 'AveragePool') return undefined;
  if (node.outputs.length > 1 && node.outputs[1] !== '') return undefined; // MaxPool's Indices: reference
  const xDims = staticDims(graph, node.inputs[0]!);
  const yDims = staticDims(graph, node.outputs[0]!);
  if (!is2d(xDims) || !is2d(yDims) || !isFloat32(graph, node.inputs[0]!)) return undefined;
  const kernel = node.attrs.kernel_shape as number[] | undefined;
  if (!kernel || kernel.length !== 2) return undefined;
  const window = window2d(node, xDims, kernel);
  if (!window || window.outH !== yDims[2] || window.outW !== yDims[3]) return undefined;
  return { batch: xDims[0]!, channels: xDims[1]!, window };
}

export const poolLowering: Lowering = {
  name: 'pool',
  requires: ['wl_f32_maxpool_nhwc', 'wl_f32_avgpool_nhwc', 'wl_f32_avgpool_scales', 'wl_f32_conv_indirection'],
  layout: 'native',
  supports: (node, graph) => poolParts(node, graph) !== undefined,
  build(node, ctx) {
    const { batch, channels, window: w } = poolParts(node, ctx.graph)!;
    const taps = w.kernelH * w.kernelW;
    const outPixels = w.outH * w.outW;
    const x = ctx.ptr(node.inputs[0]!);
    const y = ctx.ptr(node.outputs[0]!);
    // Pooling kernels compare taps against `zero` and skip them; any address distinct from the input works.
    const zero = ctx.heap.alloc(64, 'padding marker');
    const indirection = ctx.heap.alloc(outPixels * taps * 4, 'pooling indirection');
    ctx.kernels.fn('wl_f32_conv_indirection')(indirection, x, zero, w.inH, w.inW, channels, w.outH, w.outW, w.kernelH, w.kernelW, w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft);
    const total = batch * outPixels;
    const inPixels = w.inH * w.inW;
    if (node.op === 'MaxPool') {
      const run = ctx.parallel('wl_f32_maxpool_nhwc', [batch, inPixels, channels, outPixels, taps, indirection, zero, y, 0, 0], 8, total, { minPerThread: 16 });
      return { kernel: 'f32-maxpool-up8c-wasmsimd', run };
    }
    const scales = ctx.heap.alloc(outPixels * 4, 'average pooling divisors');
    const countPad = (node.attrs.count_include_pad as number | undefined) ?? 0;
    ctx.kernels.fn('wl_f32_avgpool_scales')(scales, w.inH, w.inW, w.outH, w.outW, w.kernelH, w.kernelW, w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.padBottom, w.padRight, countPad);
    const run = ctx.parallel('wl_f32_avgpool_nhwc', [batch, inPixels, channels, outPixels, taps, indirection, zero, scales, y, 0, 0], 9, total, { minPerThread: 16 });
    return { kernel: 'f32-avgpool-up8c-wasmsimd', run };
  },
};

export const globalPoolLowering: Lowering = {
  name: 'global-pool',
  requires: ['wl_f32_global_avgpool_nhwc', 'wl_f32_global_maxpool_nhwc'],
  layout: 'native',
  supports(node, graph) {
    if (node.op !== 'GlobalAveragePool' && node.op !== 'GlobalMaxPool') return false;
    return is2d(staticDims(graph, node.inputs[0]!)) && isFloat32(graph, node.inputs[0]!);
  },
  build(node, ctx) {
    const [batch, channels, h, w] = ctx.dims(node.inputs[0]!) as [number, number, number, number];
    const x = ctx.ptr(node.inputs[0]!);
    const y = ctx.ptr(node.outputs[0]!);
    const max = node.op === 'GlobalMaxPool';
    const name = max ? 'wl_f32_global_maxpool_nhwc' : 'wl_f32_global_avgpool_nhwc';
    const run = ctx.parallel(name, [batch, h * w, channels, x, y, 0, 0], 5, channels, { granule: 16, minPerThread: 64 });
    return { kernel: `f32-global-${max ? 'maxpool' : 'avgpool'}-nhwc-wasmsimd`, run };
  },
};
