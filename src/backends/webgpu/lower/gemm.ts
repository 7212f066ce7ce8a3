/**
 * GEMM-shaped ops on kernels-wgsl/gemm/f32-gemm-minmax-4x4-tiled.wgsl: MatMul/FusedMatMul (batched, broadcast
 * batch axes, 1-D operands) and Gemm/FusedGemm (transA/transB as strides, alpha, beta·C with C broadcast).
 * Right-hand sides may be constants (uploaded once) or activations (attention) — both are just bound buffers.
 * An operand contiguous along its loaded axis (A along K, B along N) with 4-aligned extent and strides is read as
 * vec4 (variants VEC4_A / VEC4_B, `vec4Loadable`); transposed, odd-sized or odd-strided ones are read scalar.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, isGpuFloat, kernelName, nodeActivationConstants, staticDims, vec4Loadable } from '../lowering.js';
import { Uniforms } from '../uniforms.js';

export const GEMM_KERNEL = 'gemm/f32-gemm-minmax-4x4-tiled.wgsl';
const MAX_BATCH_AXES = 4;
const MAX_GRID_Z = 65535;

interface GemmShape {
  m: number;
  n: number;
  k: number;
  /** Output batch axes (≤ 4) and each operand's strides along them (0 = broadcast). */
  batchDims: number[];
  aBatch: number[];
  bBatch: number[];
  aRow: number;
  aColumn: number;
  bRow: number;
  bColumn: number;
}

/** Strides of a [..batch, rows, columns] operand's batch axes against the output's batch axes. */
function batchStrides(dims: readonly number[], outBatch: readonly number[]): number[] {
  const batch = dims.slice(0, -2);
  const matrix = dims[dims.length - 2]! * dims[dims.length - 1]!;
  const shift = outBatch.length - batch.length;
  let stride = matrix;
  const strides = new Array<number>(outBatch.length).fill(0);
  for (let i = batch.length - 1; i >= 0; i--) {
    strides[i + shift] = batch[i] === 1 ? 0 : stride;
    stride *= batch[i]!;
  }
  return strides;
}

function matmulShape(node: Node, graph: Graph): GemmShape | undefined {
  const [a, b] = node.inputs;
  const aDims = staticDims(graph, a!);
  const bDims = staticDims(graph, b!);
  const yDims = staticDims(graph, node.outputs[0]!);
  if (!aDims || !bDims || !yDims || aDims.length === 0 || bDims.length === 0) return undefined;
  const a2 = aDims.length === 1 ? [1, aDims[0]!] : aDims;
  const b2 = bDims.length === 1 ? [bDims[0]!, 1] : bDims;
  const [m, k] = a2.slice(-2) as [number, number];
  const n = b2[b2.length - 1]!;
  if (b2[b2.length - 2] !== k) return undefined;
  // A constant-like 2-D right-hand side: fold A's batch axes into M (one tall GEMM).
  if (b2.length === 2) return { m: sizeOf(a2) / k, n, k, batchDims: [], aBatch: [], bBatch: [], aRow: k, aColumn: 1, bRow: n, bColumn: 1 };
  const aBatchDims = a2.slice(0, -2);
  const bBatchDims = b2.slice(0, -2);
  const rank = Math.max(aBatchDims.length, bBatchDims.length);
  const batchDims = Array.from({ length: rank }, (_, i) => {
    const x = aBatchDims[i - (rank - aBatchDims.length)] ?? 1;
    const y = bBatchDims[i - (rank - bBatchDims.length)] ?? 1;
    return Math.max(x, y);
  });
  // Leading batch axes of size 1 cost nothing; drop them to fit the kernel's four.
  while (batchDims.length > MAX_BATCH_AXES && batchDims[0] === 1) batchDims.shift();
  if (batchDims.length > MAX_BATCH_AXES || sizeOf(batchDims) > MAX_GRID_Z) return undefined;
  return {
    m, n, k, batchDims,
    aBatch: batchStrides(a2, batchDims), bBatch: batchStrides(b2, batchDims),
    aRow: k, aColumn: 1, bRow: n, bColumn: 1,
  };
}

function gemmShape(node: Node, graph: Graph): GemmShape | undefined {
  const aDims = staticDims(graph, node.inputs[0]!);
  const bDims = staticDims(graph, node.inputs[1]!);
  if (aDims?.length !== 2 || bDims?.length !== 2) return undefined;
  const transA = node.attrs.transA === 1;
  const transB = node.attrs.transB === 1;
  const [m, k] = transA ? [aDims[1]!, aDims[0]!] : [aDims[0]!, aDims[1]!];
  const [kb, n] = transB ? [bDims[1]!, bDims[0]!] : [bDims[0]!, bDims[1]!];
  if (k !== kb) return undefined;
  return {
    m, n, k, batchDims: [], aBatch: [], bBatch: [],
    aRow: transA ? 1 : aDims[1]!, aColumn: transA ? aDims[1]! : 1,
    bRow: transB ? 1 : bDims[1]!, bColumn: transB ? bDims[1]! : 1,
  };
}

/** Row and column strides of the bias: Gemm's C broadcast to [m, n], or FusedMatMul's bias over the last axis. */
function biasStrides(node: Node, graph: Graph, shape: GemmShape): [number, number] | undefined {
  const dims = staticDims(graph, node.inputs[2]!);
  if (!dims) return undefined;
  if (node.op === 'MatMul' || node.op === 'FusedMatMul') return dims.length === 1 && dims[0] === shape.n ? [0, 1] : undefined;
  if (dims.length > 2) return undefined;
  const [rows, columns] = dims.length === 2 ? dims : dims.length === 1 ? [1, dims[0]!] : [1, 1];
  if ((rows !== 1 && rows !== shape.m) || (columns !== 1 && columns !== shape.n)) return undefined;
  return [rows === 1 ? 0 : columns!, columns === 1 ? 0 : 1];
}

/** The VEC4_A / VEC4_B flags a GEMM shape allows (A read along K, B along N). */
function gemmVec4Variants(shape: GemmShape): string[] {
  return [
    ...(vec4Loadable(shape.k, shape.aColumn, shape.aRow, shape.aBatch) ? ['VEC4_A'] : []),
    ...(vec4Loadable(shape.n, shape.bColumn, shape.bRow, shape.bBatch) ? ['VEC4_B'] : []),
  ];
}

function parts(node: Node, graph: Graph) {
  const isMatmul = node.op === 'MatMul' || node.op === 'FusedMatMul';
  if (!isMatmul && node.op !== 'Gemm' && node.op !== 'FusedGemm') return undefined;
  const [a, b, c] = node.inputs;
  if (!isGpuFloat(graph, a) || !isGpuFloat(graph, b) || !isGpuFloat(graph, node.outputs[0])) return undefined;
  const shape = isMatmul ? matmulShape(node, graph) : gemmShape(node, graph);
  if (!shape || shape.m * shape.n === 0 || Math.ceil(shape.m / 32) > MAX_GRID_Z || Math.ceil(shape.n / 32) > MAX_GRID_Z) return undefined;
  const hasBias = !!c && (isMatmul || ((node.attrs.beta as number | undefined) ?? 1) !== 0);
  if (hasBias && !isGpuFloat(graph, c)) return undefined;
  const bias = hasBias ? biasStrides(node, graph, shape) : undefined;
  if (hasBias && !bias) return undefined;
  const activation = nodeActivationConstants(node);
  if (!activation) return undefined;
  return { a: a!, b: b!, c: hasBias ? c! : undefined, shape, bias, activation };
}

export const gemmLowering: Lowering = {
  name: 'gemm',
  supports: (node, graph) => parts(node, graph) !== undefined,
  build(node, ctx) {
    const p = parts(node, ctx.graph)!;
    const s = p.shape;
    const isGemm = node.op === 'Gemm' || node.op === 'FusedGemm';
    const alpha = isGemm ? ((node.attrs.alpha as number | undefined) ?? 1) : 1;
    const beta = isGemm ? ((node.attrs.beta as number | undefined) ?? 1) : 1;
    const [biasRow, biasColumn] = p.bias ?? [0, 0];
    const uniforms = new Uniforms()
      .u32(s.m, s.n, s.k, s.batchDims.length)
      .u32(s.aRow, s.aColumn, s.bRow, s.bColumn)
      .u32(biasRow, biasColumn)
      .f32(alpha, beta)
      .vec4u(s.batchDims, 1)
      .vec4u(s.aBatch)
      .vec4u(s.bBatch);
    const grid: [number, number, number] = [Math.ceil(s.n / 32), Math.ceil(s.m / 32), Math.max(1, sizeOf(s.batchDims))];
    const vec4 = gemmVec4Variants(s);
    return {
      kind: 'gpu',
      kernel: kernelName(GEMM_KERNEL, vec4),
      dispatches: [{
        shader: { file: GEMM_KERNEL, flags: [...(p.c ? ['HAS_BIAS'] : []), ...vec4], constants: p.activation },
        uniforms,
        bindings: [p.a, p.b, p.c, node.outputs[0]!],
        grid,
      }],
    };
  },
};
