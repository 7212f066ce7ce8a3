/**
 * Float32 elementwise ops on kernels-wasm/elementwise and kernels-wasm/unary, in whichever layout their 4-D inputs
 * share (layout-transparent): binary ops with broadcasting (same shape, scalar, per-channel vector, general N-D),
 * activations through the shared activation epilogue, and the other unary math.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { ActivationKind, IDENTITY, putActivation, type Activation } from '../abi.js';
import { type Lowering, type LoweringContext, isFloat32, staticDims } from '../lowering.js';
import { broadcastStrides, constantInHeap, physicalDims } from './physical.js';

/** enum wl_binary_op */
const BINARY: Partial<Record<string, number>> = { Add: 0, Sub: 1, Mul: 2, Div: 3, Min: 4, Max: 5, Pow: 6, PRelu: 8 };

function binaryInputs(node: Node): string[] {
  return node.op === 'PRelu' ? node.inputs : node.inputs.slice(0, 2);
}

function supportsBinary(node: Node, graph: Graph): boolean {
  if (BINARY[node.op] === undefined || node.inputs.length !== 2) return false;
  const out = staticDims(graph, node.outputs[0]!);
  if (!out || out.length > 6 || !isFloat32(graph, node.outputs[0]!)) return false;
  return binaryInputs(node).every((name) => {
    const dims = staticDims(graph, name);
    if (!dims || !isFloat32(graph, name)) return false;
    // Non-constant operands of lower rank than the output would be misread in NHWC storage.
    return !!graph.constant(name) || dims.length === out.length || sizeOf(dims) === 1;
  });
}

function operandPointer(ctx: LoweringContext, name: string, rank: number, layout: 'nchw' | 'nhwc'): number {
  const value = ctx.constant(name);
  return value ? constantInHeap(ctx, value, rank, layout) : ctx.ptr(name);
}

export const binaryLowering: Lowering = {
  name: 'binary',
  requires: ['wl_f32_vbinary', 'wl_f32_vbinary_scalar', 'wl_f32_vbinary_channel', 'wl_f32_vbinary_nd'],
  layout: 'transparent',
  supports: supportsBinary,
  build(node, ctx) {
    const op = BINARY[node.op]!;
    const [aName, bName] = binaryInputs(node) as [string, string];
    const outName = node.outputs[0]!;
    const logicalOut = ctx.dims(outName);
    const rank = logicalOut.length;
    const layout = ctx.layout(outName);
    const out = physicalDims(logicalOut, rank, layout);
    const aDims = physicalDims(ctx.dims(aName), rank, layout);
    const bDims = physicalDims(ctx.dims(bName), rank, layout);
    const a = operandPointer(ctx, aName, rank, layout);
    const b = operandPointer(ctx, bName, rank, layout);
    const y = ctx.ptr(outName);
    const size = sizeOf(out);
    const same = (d: number[]) => d.every((v, i) => v === out[i]);
    const channels = out[rank - 1]!;
    const isChannel = (d: number[]) => d[rank - 1] === channels && sizeOf(d) === channels && rank > 1;
    const name = `f32-v${node.op.toLowerCase()}-minmax-8x-wasmsimd`;
    const flat = { granule: 16, minPerThread: 4096 };
    if (same(aDims) && same(bDims)) return { kernel: name, run: ctx.parallel('wl_f32_vbinary', [op, 0, 0, a, b, y, 0], 1, size, flat) };
    if (same(aDims) && sizeOf(bDims) === 1) return { kernel: `${name}-scalar`, run: ctx.parallel('wl_f32_vbinary_scalar', [op, 0, 0, a, b, y, 2, 0], 1, size, flat) };
    if (same(bDims) && sizeOf(aDims) === 1) return { kernel: `${name}-scalar`, run: ctx.parallel('wl_f32_vbinary_scalar', [op, 0, 0, a, b, y, 1, 0], 1, size, flat) };
    const rows = { minPerThread: Math.max(1, Math.ceil(4096 / channels)) };
    if (same(aDims) && isChannel(bDims)) {
      return { kernel: `${name}-channel`, run: ctx.parallel('wl_f32_vbinary_channel', [op, 0, 0, channels, a, b, y, 2, 0], 1, size / channels, rows) };
    }
    if (same(bDims) && isChannel(aDims)) {
      return { kernel: `${name}-channel`, run: ctx.parallel('wl_f32_vbinary_channel', [op, 0, 0, channels, a, b, y, 1, 0], 1, size / channels, rows) };
    }
    const dims = ctx.heap.putI32(out, 'broadcast dims');
    const aStrides = ctx.heap.putI32(broadcastStrides(aDims, out), 'broadcast strides');
    const bStrides = ctx.heap.putI32(broadcastStrides(bDims, out), 'broadcast strides');
    const run = ctx.parallel('wl_f32_vbinary_nd', [op, 0, 0, rank, dims, a, aStrides, b, bStrides, y, 0], 1, out[0]!, { minPerThread: Math.max(1, Math.ceil(4096 / (size / out[0]!))) });
    return { kernel: `${name}-nd`, run };
  },
};

/** Unary ops expressed as a wl_activation (one kernel, the same epilogue code the GEMM/conv kernels use). */
function activationOf(node: Node, graph: Graph): Activation | undefined {
  const a = node.attrs;
  switch (node.op) {
    case 'Relu':
      return { ...IDENTITY, min: 0 };
    case 'Clip': {
      const bound = (i: number, fallback: number) => {
        const name = node.inputs[i];
        if (!name) return fallback;
        const value = graph.constant(name);
        return value && value.size === 1 ? Number((value.data as ArrayLike<number>)[0]) : undefined;
      };
      const min = bound(1, -Infinity);
      const max = bound(2, Infinity);
      return min === undefined || max === undefined ? undefined : { ...IDENTITY, min, max };
    }
    case 'Sigmoid':
      return { ...IDENTITY, kind: ActivationKind.SIGMOID };
    case 'Tanh':
      return { ...IDENTITY, kind: ActivationKind.TANH };
    case 'HardSwish':
      return { ...IDENTITY, kind: ActivationKind.HARDSWISH };
    case 'HardSigmoid':
      return { ...IDENTITY, kind: ActivationKind.HARDSIGMOID, alpha: a.alpha as number, beta: a.beta as number };
    case 'LeakyRelu':
      return { ...IDENTITY, kind: ActivationKind.LEAKYRELU, alpha: a.alpha as number };
    case 'Elu':
      return { ...IDENTITY, kind: ActivationKind.ELU, alpha: a.alpha as number };
    case 'Gelu':
      return a.approximate === 'tanh' ? undefined : { ...IDENTITY, kind: ActivationKind.GELU };
    default:
      return undefined;
  }
}

/** enum wl_unary_kind, for ops that are not activations. */
const UNARY: Partial<Record<string, number>> = { Exp: 4, Log: 5, Sqrt: 6, Abs: 7, Neg: 8, Erf: 9, Softplus: 17, Reciprocal: 18, Floor: 21, Ceil: 22, Round: 23 };

function unaryCompatible(node: Node, graph: Graph): boolean {
  const x = node.inputs[0]!;
  return staticDims(graph, x) !== undefined && isFloat32(graph, x) && isFloat32(graph, node.outputs[0]!);
}

export const unaryLowering: Lowering = {
  name: 'unary',
  requires: ['wl_f32_unary', 'wl_f32_activation'],
  layout: 'transparent',
  supports(node, graph) {
    if (!unaryCompatible(node, graph)) return false;
    if (node.op === 'Gelu' && node.attrs.approximate === 'tanh') return true;
    return activationOf(node, graph) !== undefined || UNARY[node.op] !== undefined;
  },
  build(node, ctx) {
    const x = ctx.ptr(node.inputs[0]!);
    const y = ctx.ptr(node.outputs[0]!);
    const size = sizeOf(ctx.dims(node.outputs[0]!));
    const activation = activationOf(node, ctx.graph);
    if (activation) {
      const act = putActivation(ctx.heap, activation);
      return { kernel: `f32-${node.op.toLowerCase()}-4x-wasmsimd`, run: ctx.parallel('wl_f32_activation', [0, 0, x, y, act], 0, size, { granule: 16, minPerThread: 4096 }) };
    }
    const kind = node.op === 'Gelu' ? 11 : UNARY[node.op]!;
    return { kernel: `f32-${node.op.toLowerCase()}-4x-wasmsimd`, run: ctx.parallel('wl_f32_unary', [kind, 0, 0, x, y, 0, 0], 1, size, { granule: 16, minPerThread: 4096 }) };
  },
};
