/**
 * GEMM-shaped ops on the f32 4×8 GEMM kernel (kernels-wasm/gemm): Gemm/FusedGemm, MatMul/FusedMatMul with a
 * constant right-hand side, and 1×1 stride-1 unpadded convolutions in NHWC (pixels × Cin by Cin × Cout).
 * Weights (with alpha folded in) and bias are packed once per session into [bias(8) | K×8] panels; bias, residual
 * and activation run in the kernel's epilogue.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { Tensor, sizeOf } from '../../../ir/tensor.js';
import { hasWasmEpilogue, nodeActivation, putActivation } from '../abi.js';
import { type Lowering, type LoweringContext, isFloat32, staticDims } from '../lowering.js';

const KERNEL = 'f32-gemm-minmax-4x8-wasmsimd-loadsplat';

const ids = new WeakMap<object, number>();
let nextId = 1;
/** A stable number per object, to key caches by several objects at once. */
export function objectId(value: object | undefined): number {
  if (!value) return 0;
  let id = ids.get(value);
  if (id === undefined) ids.set(value, (id = nextId++));
  return id;
}

/** Weights are copied into wasm memory in chunks of about this size, each packed while it is still in cache. */
const PACK_CHUNK_BYTES = 512 * 1024;

/**
 * Packs `rows` output channels of `cg` x `taps` weights each ([rows][cg][taps] row-major: ONNX OIHW, or a GEMM's
 * N x K with taps = 1), in `groups` groups, with an optional bias, into [bias(8) | K x 8] panels at `packed`
 * (wl_f32_conv_packed_size bytes). Panels are independent, so chunks of whole panels are copied and packed in turn:
 * resnet18's 11.2M weights take 7.9 ms this way against 9.4 ms copying each layer whole first (2-core EPYC, Node 20).
 */
export function packPanels(
  ctx: LoweringContext,
  weights: Float32Array,
  bias: Float32Array | undefined,
  rows: number,
  cg: number,
  groups: number,
  taps: number,
  packed: number,
  scale = 1,
): void {
  const { heap, kernels } = ctx;
  const pack = kernels.fn('wl_f32_conv_pack');
  const k = cg * taps;
  const perGroup = rows / groups;
  const chunkRows = Math.min(perGroup, Math.max(8, Math.floor(PACK_CHUNK_BYTES / (k * 4) / 8) * 8));
  const scratch = heap.scratch((chunkRows * k + chunkRows) * 4, 'weights being packed');
  const biasPtr = scratch + chunkRows * k * 4;
  const view = heap.f32(scratch, chunkRows * k);
  let out = packed;
  for (let group = 0; group < groups; group++) {
    for (let first = group * perGroup; first < (group + 1) * perGroup; first += chunkRows) {
      const count = Math.min(chunkRows, (group + 1) * perGroup - first);
      view.set(weights.subarray(first * k, (first + count) * k));
      if (scale !== 1) for (let i = 0; i < count * k; i++) view[i]! *= scale;
      if (bias) heap.f32(biasPtr, count).set(bias.subarray(first, first + count));
      pack(count, cg, 1, taps, scratch, bias ? biasPtr : 0, out);
      out += Math.ceil(count / 8) * (8 + 8 * k) * 4;
    }
  }
}

/**
 * Packs W (scaled by `scale`, with an optional per-column bias taken from the constant `biasSource`) once per
 * session; returns the pointer to the packed panels.
 */
export function packGemmWeights(
  ctx: LoweringContext,
  weights: Tensor,
  n: number,
  k: number,
  wIsKxN: boolean,
  bias: Float32Array | undefined,
  biasSource: Tensor | undefined,
  scale = 1,
): number {
  const purpose = `gemm:${n}x${k}:${wIsKxN ? 'kn' : 'nk'}:${scale}:${objectId(biasSource)}`;
  return ctx.cached(weights, purpose, () => {
    const { heap, kernels } = ctx;
    const packed = heap.alloc(kernels.fn('wl_f32_gemm_packed_size')(n, k), `packed weights ${weights.dims.join('x')}`);
    if (!wIsKxN) {
      packPanels(ctx, weights.data as Float32Array, bias, n, k, 1, 1, packed, scale);
      return packed;
    }
    const wPtr = heap.scratch(n * k * 4 + n * 4, 'weights being packed');
    const w = heap.f32(wPtr, n * k);
    w.set(weights.data as Float32Array);
    if (scale !== 1) for (let i = 0; i < w.length; i++) w[i]! *= scale;
    let biasPtr = 0;
    if (bias) {
      biasPtr = wPtr + n * k * 4;
      heap.f32(biasPtr, n).set(bias);
    }
    kernels.fn('wl_f32_gemm_pack')(n, k, wPtr, 1, biasPtr, packed);
    return packed;
  });
}

/** wl_f32_gemm over rows [0, m), split across threads in whole 4-row tiles. */
export function gemmCall(ctx: LoweringContext, args: number[], m: number): () => void {
  return ctx.parallel('wl_f32_gemm', args, 11, m, { granule: 4, minPerThread: 16 });
}

/** A 1-D bias of length n (or [1, n]) from a constant, scaled; undefined when the shape does not fit. */
function columnBias(value: Tensor | undefined, n: number, scale: number): Float32Array | undefined {
  if (!value || value.type !== 'float32' || value.size !== n) return undefined;
  if (!(value.dims.length === 1 || (value.dims.length === 2 && value.dims[0] === 1))) return undefined;
  return Float32Array.from(value.data as Float32Array, (v) => v * scale);
}

function gemmParts(node: Node, graph: Graph) {
  const [a, b, c] = node.inputs;
  const weights = graph.constant(b!);
  const aDims = staticDims(graph, a!);
  if (!weights || weights.type !== 'float32' || weights.dims.length !== 2 || !aDims || aDims.length !== 2) return undefined;
  if (node.attrs.transA || !isFloat32(graph, a!)) return undefined;
  const transB = node.attrs.transB === 1;
  const [k, n] = transB ? [weights.dims[1]!, weights.dims[0]!] : [weights.dims[0]!, weights.dims[1]!];
  if (aDims[1] !== k) return undefined;
  const alpha = (node.attrs.alpha as number | undefined) ?? 1;
  const beta = (node.attrs.beta as number | undefined) ?? 1;
  let bias: Float32Array | undefined;
  const biasSource = c ? graph.constant(c) : undefined;
  if (c) {
    bias = columnBias(biasSource, n, beta);
    if (!bias) return undefined;
  }
  return { a: a!, weights, m: aDims[0]!, n, k, wIsKxN: !transB, alpha, bias, biasSource };
}

const GEMM_EXPORTS = ['wl_f32_gemm', 'wl_f32_gemm_pack', 'wl_f32_gemm_packed_size'];

export const gemmLowering: Lowering = {
  name: 'gemm',
  requires: GEMM_EXPORTS,
  layout: 'nchw',
  supports(node, graph) {
    return (node.op === 'Gemm' || node.op === 'FusedGemm') && hasWasmEpilogue(node) && gemmParts(node, graph) !== undefined;
  },
  build(node, ctx) {
    const p = gemmParts(node, ctx.graph)!;
    const packed = packGemmWeights(ctx, p.weights, p.n, p.k, p.wIsKxN, p.bias, p.biasSource, p.alpha);
    const act = putActivation(ctx.heap, nodeActivation(node));
    const a = ctx.ptr(p.a);
    const y = ctx.ptr(node.outputs[0]!);
    return { kernel: KERNEL, run: gemmCall(ctx, [p.m, p.n, p.k, a, p.k, packed, y, p.n, 0, 0, act, 0, 0], p.m) };
  },
};

function matmulParts(node: Node, graph: Graph) {
  const [a, b, bias] = node.inputs;
  const weights = graph.constant(b!);
  const aDims = staticDims(graph, a!);
  if (!weights || weights.type !== 'float32' || weights.dims.length !== 2 || !aDims || aDims.length < 2 || !isFloat32(graph, a!)) return undefined;
  const [k, n] = weights.dims as [number, number];
  if (aDims[aDims.length - 1] !== k) return undefined;
  let biasValues: Float32Array | undefined;
  const biasSource = bias ? graph.constant(bias) : undefined;
  if (bias) {
    biasValues = columnBias(biasSource, n, 1);
    if (!biasValues) return undefined;
  }
  return { a: a!, weights, m: sizeOf(aDims) / k, n, k, bias: biasValues, biasSource };
}

export const matmulLowering: Lowering = {
  name: 'matmul',
  requires: GEMM_EXPORTS,
  layout: 'nchw',
  supports(node, graph) {
    return (node.op === 'MatMul' || node.op === 'FusedMatMul') && hasWasmEpilogue(node) && matmulParts(node, graph) !== undefined;
  },
  build(node, ctx) {
    const p = matmulParts(node, ctx.graph)!;
    const packed = packGemmWeights(ctx, p.weights, p.n, p.k, true, p.bias, p.biasSource);
    const act = putActivation(ctx.heap, nodeActivation(node));
    const a = ctx.ptr(p.a);
    const y = ctx.ptr(node.outputs[0]!);
    return { kernel: KERNEL, run: gemmCall(ctx, [p.m, p.n, p.k, a, p.k, packed, y, p.n, 0, 0, act, 0, 0], p.m) };
  },
};

/** 1×1, stride 1, no padding, one group: an NHWC convolution is a GEMM over pixels. */
function pointwiseParts(node: Node, graph: Graph) {
  const [x, w, b, z] = node.inputs;
  const weights = graph.constant(w!);
  const xDims = staticDims(graph, x!);
  if (!weights || weights.type !== 'float32' || weights.dims.length !== 4 || !xDims || xDims.length !== 4 || !isFloat32(graph, x!)) return undefined;
  const [cout, cin, kh, kw] = weights.dims as [number, number, number, number];
  const ones = (name: string) => ((node.attrs[name] as number[] | undefined) ?? []).every((v) => v === 1);
  const zeros = (name: string) => ((node.attrs[name] as number[] | undefined) ?? []).every((v) => v === 0);
  const autoPad = (node.attrs.auto_pad as string | undefined) ?? 'NOTSET';
  if (kh !== 1 || kw !== 1 || (node.attrs.group ?? 1) !== 1 || !ones('strides') || !zeros('pads') || !(autoPad === 'NOTSET' || autoPad === 'VALID' || autoPad.startsWith('SAME'))) return undefined;
  if (xDims[1] !== cin) return undefined;
  let bias: Float32Array | undefined;
  const biasSource = b ? graph.constant(b) : undefined;
  if (b) {
    if (!biasSource || biasSource.type !== 'float32' || biasSource.size !== cout) return undefined;
    bias = biasSource.data as Float32Array;
  }
  if (z && !isFloat32(graph, z)) return undefined;
  return { x: x!, weights, pixels: xDims[0]! * xDims[2]! * xDims[3]!, cin, cout, bias, biasSource, residual: z };
}

export const pointwiseConvLowering: Lowering = {
  name: 'conv-1x1',
  requires: GEMM_EXPORTS,
  layout: 'native',
  supports(node, graph) {
    return (node.op === 'Conv' || node.op === 'FusedConv') && hasWasmEpilogue(node) && pointwiseParts(node, graph) !== undefined;
  },
  build(node, ctx) {
    const p = pointwiseParts(node, ctx.graph)!;
    // Conv weights [Cout, Cin, 1, 1] are N×K for the GEMM.
    const packed = packGemmWeights(ctx, p.weights, p.cout, p.cin, false, p.bias, p.biasSource);
    const act = putActivation(ctx.heap, nodeActivation(node));
    const x = ctx.ptr(p.x);
    const y = ctx.ptr(node.outputs[0]!);
    const z = p.residual ? ctx.ptr(p.residual) : 0;
    return { kernel: KERNEL, run: gemmCall(ctx, [p.pixels, p.cout, p.cin, x, p.cin, packed, y, p.cout, z, z ? p.cout : 0, act, 0, 0], p.pixels) };
  },
};
