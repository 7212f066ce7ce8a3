/**
 * Further NHWC/contiguous ops on the wasm kernels: ConvTranspose (gather-form indirect GEMM), InstanceNormalization,
 * reductions over a contiguous block of axes, and Resize (nearest / linear) over H and W — whose source indices and
 * weights come from the reference's own per-axis arithmetic (src/ir/reference/resize-taps.ts), so the kernel
 * samples exactly where the reference does.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { normalizeAxis } from '../../../ir/shape.js';
import { axisTaps } from '../../../ir/reference/resize-taps.js';
import { optionalValues, resizeAxes, resizeTargets } from '../../../ir/reference/resize.js';
import { toNumbers } from '../../../ir/reference/util.js';
import { IDENTITY, nodeActivation, putActivation } from '../abi.js';
import { type Lowering, isFloat32, staticDims } from '../lowering.js';
import { objectId } from './gemm.js';
import { is2d } from './spatial.js';

function convTransposeParts(node: Node, graph: Graph) {
  if (node.op !== 'ConvTranspose') return undefined;
  const [x, w, b] = node.inputs;
  const weights = graph.constant(w!);
  const xDims = staticDims(graph, x!);
  const yDims = staticDims(graph, node.outputs[0]!);
  if (!weights || weights.type !== 'float32' || weights.dims.length !== 4 || !is2d(xDims) || !is2d(yDims) || !isFloat32(graph, x!)) return undefined;
  const autoPad = (node.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  if ((autoPad !== 'NOTSET' && autoPad !== 'VALID') || ((node.attrs.output_shape as number[] | undefined) ?? []).length > 0) return undefined;
  const bias = b ? graph.constant(b) : undefined;
  if (b && (!bias || bias.type !== 'float32')) return undefined;
  const groups = (node.attrs.group as number | undefined) ?? 1;
  const [inC, outPerGroup, kernelH, kernelW] = weights.dims as [number, number, number, number];
  const pads = autoPad === 'VALID' ? [] : ((node.attrs.pads as number[] | undefined) ?? []);
  const strides = (node.attrs.strides as number[] | undefined) ?? [];
  const dilations = (node.attrs.dilations as number[] | undefined) ?? [];
  return {
    x: x!, weights, bias, groups, inC, outC: outPerGroup * groups, kernelH, kernelW, batch: xDims[0]!,
    inH: xDims[2]!, inW: xDims[3]!, outH: yDims[2]!, outW: yDims[3]!,
    strideH: strides[0] ?? 1, strideW: strides[1] ?? 1, dilationH: dilations[0] ?? 1, dilationW: dilations[1] ?? 1,
    padTop: pads[0] ?? 0, padLeft: pads[1] ?? 0,
  };
}

export const convTransposeLowering: Lowering = {
  name: 'conv-transpose',
  requires: ['wl_f32_conv_nhwc', 'wl_f32_deconv_pack', 'wl_f32_conv_packed_size', 'wl_f32_deconv_indirection'],
  layout: 'native',
  supports: (node, graph) => convTransposeParts(node, graph) !== undefined,
  build(node, ctx) {
    const p = convTransposeParts(node, ctx.graph)!;
    const taps = p.kernelH * p.kernelW;
    const cg = p.inC / p.groups;
    const packed = ctx.cached(p.weights, `deconv:${p.groups}:${objectId(p.bias)}`, () => {
      const { heap, kernels } = ctx;
      const out = heap.alloc(kernels.fn('wl_f32_conv_packed_size')(p.outC, cg, p.groups, taps), 'packed ConvTranspose weights');
      const scratch = heap.scratch((p.weights.size + p.outC) * 4, 'weights being packed');
      heap.f32(scratch, p.weights.size).set(p.weights.data as Float32Array);
      const biasPtr = p.bias ? scratch + p.weights.size * 4 : 0;
      if (p.bias) heap.f32(biasPtr, p.outC).set(p.bias.data as Float32Array);
      kernels.fn('wl_f32_deconv_pack')(p.outC, cg, p.groups, taps, scratch, biasPtr, out);
      return out;
    });
    const x = ctx.ptr(p.x);
    const y = ctx.ptr(node.outputs[0]!);
    const zero = ctx.heap.alloc(cg * 4, 'zero padding row');
    ctx.heap.f32(zero, cg).fill(0);
    const indirection = ctx.heap.alloc(p.outH * p.outW * taps * 4, 'ConvTranspose indirection');
    ctx.kernels.fn('wl_f32_deconv_indirection')(indirection, x, zero, p.inH, p.inW, p.inC, p.outH, p.outW, p.kernelH, p.kernelW, p.strideH, p.strideW, p.dilationH, p.dilationW, p.padTop, p.padLeft);
    const act = putActivation(ctx.heap, IDENTITY);
    const outPixels = p.outH * p.outW;
    const args = [p.batch, p.inH * p.inW, p.inC, outPixels, p.outC, p.groups, taps, indirection, zero, packed, y, 0, act, 0, 0];
    return { kernel: 'f32-igemm-minmax-4x8-wasmsimd-loadsplat-deconv', run: ctx.parallel('wl_f32_conv_nhwc', args, 13, p.batch * outPixels, { granule: 4, minPerThread: 16 }) };
  },
};

export const instanceNormLowering: Lowering = {
  name: 'instancenorm',
  requires: ['wl_f32_instancenorm_nhwc'],
  layout: 'native',
  supports(node, graph) {
    if (node.op !== 'InstanceNormalization' || !is2d(staticDims(graph, node.inputs[0]!)) || !isFloat32(graph, node.inputs[0]!)) return false;
    return !!graph.constant(node.inputs[1]!) && !!graph.constant(node.inputs[2]!);
  },
  build(node, ctx) {
    const [n, c, h, w] = ctx.dims(node.inputs[0]!) as [number, number, number, number];
    const scale = ctx.heap.putF32(ctx.constant(node.inputs[1]!)!.data as Float32Array, 'instancenorm scale');
    const bias = ctx.heap.putF32(ctx.constant(node.inputs[2]!)!.data as Float32Array, 'instancenorm bias');
    const act = putActivation(ctx.heap, nodeActivation(node));
    const args = [0, 0, h * w, c, ctx.ptr(node.inputs[0]!), scale, bias, ctx.ptr(node.outputs[0]!), node.attrs.epsilon as number, act];
    return { kernel: 'f32-instancenorm-nhwc-4x-wasmsimd', run: ctx.parallel('wl_f32_instancenorm_nhwc', args, 0, n * c) };
  },
};

/** enum of wl_f32_reduce */
const REDUCE: Partial<Record<string, number>> = {
  ReduceSum: 0, ReduceMean: 1, ReduceMax: 2, ReduceMin: 3, ReduceSumSquare: 4, ReduceL1: 5, ReduceL2: 6, ReduceLogSumExp: 7, ReduceProd: 8, ReduceLogSum: 9,
};

/** [outer, reduce, inner] when the reduced axes form one contiguous block. */
function reduceView(node: Node, graph: Graph): [number, number, number] | undefined {
  if (REDUCE[node.op] === undefined || !isFloat32(graph, node.inputs[0]!) || !isFloat32(graph, node.outputs[0]!)) return undefined;
  const dims = staticDims(graph, node.inputs[0]!);
  if (!dims || dims.length === 0) return undefined;
  const axesName = node.inputs[1] ?? '';
  const axesValue = axesName ? graph.constant(axesName) : undefined;
  if (axesName && !axesValue) return undefined;
  let axes = toNumbers(axesValue).map((a) => normalizeAxis(a, dims.length, node.name));
  if (axes.length === 0) {
    if (node.attrs.noop_with_empty_axes) return undefined;
    axes = dims.map((_, i) => i);
  }
  axes = [...new Set(axes)].sort((a, b) => a - b);
  if (axes[axes.length - 1]! - axes[0]! + 1 !== axes.length) return undefined;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  return [sizeOf(dims.slice(0, first)), sizeOf(dims.slice(first, last + 1)), sizeOf(dims.slice(last + 1))];
}

export const reduceLowering: Lowering = {
  name: 'reduce',
  requires: ['wl_f32_reduce'],
  layout: 'nchw',
  supports: (node, graph) => reduceView(node, graph) !== undefined,
  build(node, ctx) {
    const [outer, reduce, inner] = reduceView(node, ctx.graph)!;
    const args = [REDUCE[node.op]!, 0, 0, reduce, inner, ctx.ptr(node.inputs[0]!), ctx.ptr(node.outputs[0]!)];
    return { kernel: `f32-${node.op.slice(6).toLowerCase()}-16x-wasmsimd`, run: ctx.parallel('wl_f32_reduce', args, 1, outer * inner, { minPerThread: Math.max(1, Math.ceil(4096 / reduce)) }) };
  },
};

/** Per-axis (H, W) taps of a 4-D Resize that keeps N and C, or undefined when the kernel cannot do it. */
function resizePlan(node: Node, graph: Graph) {
  if (node.op !== 'Resize') return undefined;
  const x = node.inputs[0]!;
  const dims = staticDims(graph, x);
  const out = staticDims(graph, node.outputs[0]!);
  if (!is2d(dims) || !is2d(out) || !isFloat32(graph, x)) return undefined;
  const mode = node.attrs.mode as string;
  const coordinate = node.attrs.coordinate_transformation_mode as string;
  if ((mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') || coordinate === 'tf_crop_and_resize') return undefined;
  const constant = (i: number) => (node.inputs[i] ? graph.constant(node.inputs[i]!) : undefined);
  if ((node.inputs[2] && !constant(2)) || (node.inputs[3] && !constant(3))) return undefined;
  try {
    const axes = resizeAxes(4, (node.attrs.axes as number[] | undefined) ?? [], node.name, 'BAD_MODEL');
    const targets = resizeTargets(dims, axes, optionalValues(constant(2)), optionalValues(constant(3)), node.attrs.keep_aspect_ratio_policy as string, node.name, 'BAD_MODEL');
    if (targets.scales[0] !== 1 || targets.scales[1] !== 1 || targets.outputDims.some((d, i) => d !== out[i])) return undefined;
    const taps = [2, 3].map((axis) =>
      axisTaps({ inputLength: dims[axis]!, outputLength: out[axis]!, scale: targets.scales[axis]!, resizedLength: targets.resizedLengths[axis]!, roiStart: 0, roiEnd: 1 }, node.attrs),
    );
    // The SIMD kernels take 1 (nearest) or 2 (linear) taps per axis; cubic and antialiased filters (more taps)
    // run as a separable TypeScript pass on the same NHWC memory.
    const separable = mode === 'cubic' || taps.some((t) => t.count !== (mode === 'nearest' ? 1 : 2));
    return { dims, out, mode, separable, taps: taps as [ReturnType<typeof axisTaps>, ReturnType<typeof axisTaps>] };
  } catch {
    return undefined;
  }
}

export const resizeLowering: Lowering = {
  name: 'resize',
  requires: ['wl_x32_resize_nearest_nhwc', 'wl_f32_resize_bilinear_nhwc'],
  layout: 'native',
  supports: (node, graph) => resizePlan(node, graph) !== undefined,
  build(node, ctx) {
    const { dims, out, mode, separable, taps } = resizePlan(node, ctx.graph)!;
    const [n, c, inH, inW] = dims as [number, number, number, number];
    const [outH, outW] = [out[2]!, out[3]!];
    const x = ctx.ptr(node.inputs[0]!);
    const y = ctx.ptr(node.outputs[0]!);
    const [th, tw] = taps;
    if (separable) {
      const memory = ctx.heap.kernels.memory;
      const row = new Float64Array(inW * c);
      const acc = new Float64Array(c);
      return {
        kernel: `ts/resize-${mode}-separable-nhwc`,
        run() {
          const src = new Float32Array(memory.buffer, x, n * inH * inW * c);
          const dst = new Float32Array(memory.buffer, y, n * outH * outW * c);
          for (let b = 0; b < n; b++) {
            const image = b * inH * inW * c;
            for (let oy = 0; oy < outH; oy++) {
              // Rows first: the weighted sum of this output row's source rows, then columns of that.
              row.fill(0);
              for (let i = 0; i < th.count; i++) {
                const weight = th.weights[oy * th.count + i]!;
                if (weight === 0) continue;
                const base = image + th.sources[oy * th.count + i]! * inW * c;
                for (let k = 0; k < inW * c; k++) row[k]! += weight * src[base + k]!;
              }
              const outRow = ((b * outH + oy) * outW) * c;
              for (let ox = 0; ox < outW; ox++) {
                acc.fill(0);
                for (let j = 0; j < tw.count; j++) {
                  const weight = tw.weights[ox * tw.count + j]!;
                  if (weight === 0) continue;
                  const base = tw.sources[ox * tw.count + j]! * c;
                  for (let k = 0; k < c; k++) acc[k]! += weight * row[base + k]!;
                }
                dst.set(acc, outRow + ox * c);
              }
            }
          }
        },
      };
    }
    if (mode === 'nearest') {
      const yIndex = ctx.heap.putI32(th.sources, 'resize row indices');
      const xIndex = ctx.heap.putI32(tw.sources, 'resize column indices');
      const args = [0, 0, inH, inW, outH, outW, c, x, y, yIndex, xIndex];
      return { kernel: 'x32-resize-nearest-nhwc-4x-wasmsimd', run: ctx.parallel('wl_x32_resize_nearest_nhwc', args, 0, n * outH) };
    }
    // The kernel takes index pairs and the weight of the second index of each pair.
    const second = (t: typeof th) => Float32Array.from({ length: t.sources.length / 2 }, (_, p) => t.weights[2 * p + 1]!);
    const yIndex = ctx.heap.putI32(th.sources, 'resize row indices');
    const yWeight = ctx.heap.putF32(second(th), 'resize row weights');
    const xIndex = ctx.heap.putI32(tw.sources, 'resize column indices');
    const xWeight = ctx.heap.putF32(second(tw), 'resize column weights');
    const args = [0, 0, inH, inW, outH, outW, c, x, y, yIndex, yWeight, xIndex, xWeight];
    return { kernel: 'f32-resize-bilinear-nhwc-4x-wasmsimd', run: ctx.parallel('wl_f32_resize_bilinear_nhwc', args, 0, n * outH) };
  },
};
