/**
 * The ops transformers spend their time in besides constant-weight GEMMs: Softmax/LogSoftmax and
 * LayerNormalization over the last axis, Transpose (N-D, 4×4 SIMD tiles), and MatMul whose right-hand side is an
 * activation (attention scores, attention × values): B is packed per batch at run time into a buffer planned once.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { normalizeAxis, stridesOf } from '../../../ir/shape.js';
import { IDENTITY, hasWasmEpilogue, nodeActivation, putActivation } from '../abi.js';
import { type Lowering, type LoweringContext, type Step, isFloat32, staticDims } from '../lowering.js';
import { gemmCall } from './gemm.js';

const allFloat = (node: Node, graph: Graph) =>
  [...node.inputs, ...node.outputs].filter((n) => n !== '').every((n) => isFloat32(graph, n) && staticDims(graph, n) !== undefined);

/** The softmax axis of a float Softmax/LogSoftmax node (normalised) and the input's rank, or undefined. */
function softmaxAxis(node: Node, graph: Graph): { axis: number; rank: number } | undefined {
  if ((node.op !== 'Softmax' && node.op !== 'LogSoftmax') || !allFloat(node, graph)) return undefined;
  const rank = staticDims(graph, node.inputs[0]!)!.length;
  return rank > 0 ? { axis: normalizeAxis(node.attrs.axis as number, rank, node.name), rank } : undefined;
}

/** One row kernel call: `rows` rows of `cols` contiguous values. */
function softmaxRows(node: Node, ctx: LoweringContext, rows: number, cols: number, suffix: string): Step {
  const log = node.op === 'LogSoftmax';
  const run = ctx.parallel(log ? 'wl_f32_log_softmax' : 'wl_f32_softmax', [0, 0, cols, ctx.ptr(node.inputs[0]!), ctx.ptr(node.outputs[0]!)], 0, rows, {
    minPerThread: Math.max(1, Math.ceil(2048 / cols)),
  });
  return { kernel: `f32-${log ? 'log-' : ''}softmax-8x-wasmsimd${suffix}`, run };
}

export const softmaxLowering: Lowering = {
  name: 'softmax',
  requires: ['wl_f32_softmax', 'wl_f32_log_softmax'],
  layout: 'nchw',
  supports(node, graph) {
    const found = softmaxAxis(node, graph);
    return found !== undefined && found.axis === found.rank - 1;
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const cols = dims[dims.length - 1]!;
    return softmaxRows(node, ctx, sizeOf(dims) / cols, cols, '');
  },
};

/**
 * Softmax / LogSoftmax over the channels of a 4-D tensor (axis 1: Caffe's Softmax, MTCNN's P-Net): in NHWC memory
 * the channels are the innermost axis, so the row kernel applies with rows = N·H·W.
 */
export const softmaxChannelsLowering: Lowering = {
  name: 'softmax-channels',
  requires: ['wl_f32_softmax', 'wl_f32_log_softmax'],
  layout: 'native',
  supports(node, graph) {
    const found = softmaxAxis(node, graph);
    return found !== undefined && found.rank === 4 && found.axis === 1;
  },
  build(node, ctx) {
    const [n, c, h, w] = ctx.dims(node.inputs[0]!) as [number, number, number, number];
    return softmaxRows(node, ctx, n * h * w, c, '-nhwc');
  },
};

export const layerNormLowering: Lowering = {
  name: 'layernorm',
  requires: ['wl_f32_layernorm'],
  layout: 'nchw',
  supports(node, graph) {
    if (node.op !== 'LayerNormalization' || node.outputs.slice(1).some((o) => o !== '') || !allFloat(node, graph)) return false;
    const dims = staticDims(graph, node.inputs[0]!)!;
    const axis = normalizeAxis(node.attrs.axis as number, dims.length, node.name);
    const cols = sizeOf(dims.slice(axis));
    const scale = graph.constant(node.inputs[1]!);
    const bias = node.inputs[2] ? graph.constant(node.inputs[2]) : undefined;
    return !!scale && scale.size === cols && (!node.inputs[2] || (!!bias && bias.size === cols));
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const axis = normalizeAxis(node.attrs.axis as number, dims.length, node.name);
    const cols = sizeOf(dims.slice(axis));
    const rows = sizeOf(dims) / cols;
    const scale = ctx.heap.putF32(ctx.constant(node.inputs[1]!)!.data as Float32Array, 'layernorm scale');
    const bias = node.inputs[2] ? ctx.heap.putF32(ctx.constant(node.inputs[2])!.data as Float32Array, 'layernorm bias') : 0;
    const act = putActivation(ctx.heap, IDENTITY);
    const x = ctx.ptr(node.inputs[0]!);
    const y = ctx.ptr(node.outputs[0]!);
    const epsilon = node.attrs.epsilon as number;
    const run = ctx.parallel('wl_f32_layernorm', [0, 0, cols, x, scale, bias, y, epsilon, act], 0, rows, { minPerThread: Math.max(1, Math.ceil(2048 / cols)) });
    return { kernel: 'f32-layernorm-8x-wasmsimd', run };
  },
};

export const transposeLowering: Lowering = {
  name: 'transpose',
  requires: ['wl_x32_transpose'],
  layout: 'nchw',
  supports(node, graph) {
    const dims = staticDims(graph, node.inputs[0]!);
    const type = graph.tensors.get(node.inputs[0]!)?.type;
    return node.op === 'Transpose' && !graph.constant(node.inputs[0]!) && !!dims && dims.length >= 1 && dims.length <= 6 && type === 'float32';
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const rank = dims.length;
    const given = node.attrs.perm as number[];
    const perm = given.length ? given : dims.map((_, i) => rank - 1 - i);
    const strides = stridesOf(dims);
    const outDims = ctx.heap.putI32(perm.map((p) => dims[p]!), 'transpose dims');
    const inStrides = ctx.heap.putI32(perm.map((p) => strides[p]!), 'transpose strides');
    const x = ctx.ptr(node.inputs[0]!);
    const y = ctx.ptr(node.outputs[0]!);
    const first = dims[perm[0]!]!;
    const run = ctx.parallel('wl_x32_transpose', [0, 0, rank, outDims, inStrides, x, y], 0, first, { minPerThread: Math.max(1, Math.ceil(4096 / (sizeOf(dims) / first))) });
    return { kernel: 'x32-transpose-4x4-wasmsimd', run };
  },
};

/** MatMul with a non-constant right-hand side: per batch, pack B into a planned buffer, then GEMM. */
function dynamicMatmulParts(node: Node, graph: Graph) {
  if ((node.op !== 'MatMul' && node.op !== 'FusedMatMul') || (node.inputs[2] ?? '') !== '') return undefined;
  const [a, b] = node.inputs as [string, string];
  if (graph.constant(b) || !allFloat(node, graph)) return undefined;
  const aDims = staticDims(graph, a)!;
  const bDims = staticDims(graph, b)!;
  const yDims = staticDims(graph, node.outputs[0]!)!;
  if (aDims.length < 2 || bDims.length < 2) return undefined;
  const [m, k] = aDims.slice(-2) as [number, number];
  const n = bDims[bDims.length - 1]!;
  const batches = sizeOf(yDims.slice(0, -2));
  // A must not broadcast; B either has the same batch dims or none (shared).
  if (sizeOf(aDims.slice(0, -2)) !== batches) return undefined;
  const bBatches = sizeOf(bDims.slice(0, -2));
  if (bBatches !== batches && bBatches !== 1) return undefined;
  return { a, b, m, k, n, batches, bShared: bBatches === 1 };
}

export const dynamicMatmulLowering: Lowering = {
  name: 'matmul-dynamic',
  requires: ['wl_f32_gemm', 'wl_f32_gemm_pack', 'wl_f32_gemm_packed_size'],
  layout: 'nchw',
  supports: (node, graph) => hasWasmEpilogue(node) && dynamicMatmulParts(node, graph) !== undefined,
  build(node, ctx) {
    const p = dynamicMatmulParts(node, ctx.graph)!;
    const packed = ctx.heap.alloc(ctx.kernels.fn('wl_f32_gemm_packed_size')(p.n, p.k), 'run-time packed matrix');
    const act = putActivation(ctx.heap, nodeActivation(node));
    const pack = ctx.kernels.fn('wl_f32_gemm_pack');
    const a = ctx.ptr(p.a);
    const b = ctx.ptr(p.b);
    const y = ctx.ptr(node.outputs[0]!);
    const bStride = p.k * p.n * 4;
    // One GEMM call per batch, each split across threads by rows.
    const calls = Array.from({ length: p.batches }, (_, i) =>
      gemmCall(ctx, [p.m, p.n, p.k, a + i * p.m * p.k * 4, p.k, packed, y + i * p.m * p.n * 4, p.n, 0, 0, act, 0, 0], p.m),
    );
    return {
      kernel: 'f32-gemm-minmax-4x8-wasmsimd-loadsplat+pack',
      run() {
        for (let i = 0; i < p.batches; i++) {
          if (i === 0 || !p.bShared) pack(p.n, p.k, b + (p.bShared ? 0 : i * bStride), 1, 0, packed);
          calls[i]!();
        }
      },
    };
  },
};
