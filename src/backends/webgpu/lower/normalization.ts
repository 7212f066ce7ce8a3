/**
 * Row-wise normalisations, one workgroup per row: Softmax/LogSoftmax along any axis on
 * kernels-wgsl/normalization/f32-softmax-workgroup.wgsl, LayerNormalization on
 * kernels-wgsl/normalization/f32-layernorm-workgroup.wgsl (with its Mean/InvStdDev outputs when the graph uses them).
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, isGpuFloat, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const SOFTMAX_KERNEL = 'normalization/f32-softmax-workgroup.wgsl';
export const LAYERNORM_KERNEL = 'normalization/f32-layernorm-workgroup.wgsl';

function axisOf(node: Node, rank: number): number | undefined {
  const axis = node.attrs.axis as number;
  const resolved = axis < 0 ? axis + rank : axis;
  return Number.isInteger(resolved) && resolved >= 0 && resolved < rank ? resolved : undefined;
}

export const softmaxLowering: Lowering = {
  name: 'softmax',
  supports(node, graph) {
    if (node.op !== 'Softmax' && node.op !== 'LogSoftmax') return false;
    const dims = staticDims(graph, node.inputs[0]!);
    return !!dims && axisOf(node, dims.length) !== undefined && isGpuFloat(graph, node.inputs[0]) && isGpuFloat(graph, node.outputs[0]);
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const axis = axisOf(node, dims.length)!;
    const length = dims[axis]!;
    const inner = sizeOf(dims.slice(axis + 1));
    const rows = sizeOf(dims) / length;
    return {
      kind: 'gpu',
      kernel: SOFTMAX_KERNEL,
      dispatches: [{
        shader: { file: SOFTMAX_KERNEL, constants: { IS_LOG: node.op === 'LogSoftmax' } },
        uniforms: new Uniforms().u32(rows, length, inner, 0),
        bindings: [node.inputs[0]!, node.outputs[0]!],
        grid: linearGrid(rows, 1),
      }],
    };
  },
};

/** Scale/bias broadcast over the normalised shape as a trailing block (read at index % size), or undefined. */
function trailingSize(graph: Graph, name: string, normalized: readonly number[]): number | undefined {
  const dims = staticDims(graph, name);
  if (!dims || !isGpuFloat(graph, name)) return undefined;
  const trimmed = [...dims];
  while (trimmed.length > 0 && trimmed[0] === 1) trimmed.shift();
  const tail = normalized.slice(normalized.length - trimmed.length);
  return trimmed.length <= normalized.length && tail.join() === trimmed.join() ? sizeOf(trimmed) : undefined;
}

function layerNormParts(node: Node, graph: Graph) {
  if (node.op !== 'LayerNormalization') return undefined;
  const [x, scale, bias] = node.inputs;
  // Mean and InvStdDev (optional outputs) come together or not at all.
  const [, mean, inverseStd] = node.outputs;
  const statistics = !!mean || !!inverseStd;
  if (statistics && !(mean && inverseStd && isGpuFloat(graph, mean) && isGpuFloat(graph, inverseStd))) return undefined;
  const dims = staticDims(graph, x!);
  if (!dims || !isGpuFloat(graph, x) || !isGpuFloat(graph, node.outputs[0])) return undefined;
  const axis = axisOf(node, dims.length);
  if (axis === undefined) return undefined;
  const normalized = dims.slice(axis);
  const scaleSize = trailingSize(graph, scale!, normalized);
  const biasSize = bias ? trailingSize(graph, bias, normalized) : 1;
  if (scaleSize === undefined || biasSize === undefined) return undefined;
  return {
    x: x!, scale: scale!, bias: bias || undefined, statistics: statistics ? [mean!, inverseStd!] : [],
    length: sizeOf(normalized), rows: sizeOf(dims.slice(0, axis)), scaleSize, biasSize,
  };
}

export const layerNormLowering: Lowering = {
  name: 'layernorm',
  supports: (node, graph) => layerNormParts(node, graph) !== undefined,
  build(node, ctx) {
    const p = layerNormParts(node, ctx.graph)!;
    const uniforms = new Uniforms().u32(p.rows, p.length, p.scaleSize, p.biasSize).f32(node.attrs.epsilon as number).u32(0, 0, 0);
    return {
      kind: 'gpu',
      kernel: LAYERNORM_KERNEL,
      dispatches: [{
        shader: { file: LAYERNORM_KERNEL, flags: [...(p.bias ? ['HAS_BIAS'] : []), ...(p.statistics.length ? ['HAS_STATISTICS'] : [])] },
        uniforms,
        bindings: [p.x, p.scale, p.bias, node.outputs[0]!, ...p.statistics],
        grid: linearGrid(p.rows, 1),
      }],
    };
  },
};
