/**
 * Gather and GatherElements on kernels-wgsl/movement/x32-gather.wgsl / x32-gather-elements.wgsl: data of any 32-bit
 * storage (int64 only where it provably fits), indices int32 or int64 (values.ts isGpuIndices). Constant indices are
 * checked here (an out-of-range one leaves the node to the reference, which reports it); run-time ones outside the
 * axis make the kernel write 0.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { checkElementwiseIndices } from '../../../ir/reference/gather.js';
import { stridesOf } from '../../../ir/shape.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, constantNumbers, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { isGpuIndices, isGpuValue } from './values.js';

export const GATHER_KERNEL = 'movement/x32-gather.wgsl';
export const GATHER_ELEMENTS_KERNEL = 'movement/x32-gather-elements.wgsl';

function resolvedAxis(node: Node, rank: number): number | undefined {
  const axis = (node.attrs.axis as number | undefined) ?? 0;
  const resolved = axis < 0 ? axis + rank : axis;
  return Number.isInteger(resolved) && resolved >= 0 && resolved < rank ? resolved : undefined;
}

function gatherParts(node: Node, graph: Graph): { axis: number; dims: number[] } | undefined {
  if (node.op !== 'Gather' && node.op !== 'GatherElements') return undefined;
  const [data, indices] = node.inputs;
  const y = node.outputs[0];
  if (!isGpuValue(graph, data) || !isGpuValue(graph, y) || !isGpuIndices(graph, indices)) return undefined;
  if (graph.tensors.get(data!)!.type !== graph.tensors.get(y!)!.type) return undefined;
  const dims = staticDims(graph, data!)!;
  const indexDims = staticDims(graph, indices!)!;
  const axis = resolvedAxis(node, dims.length);
  if (axis === undefined || dims.length > 8) return undefined;
  if (node.op === 'GatherElements') {
    try {
      checkElementwiseIndices(dims, indexDims, axis, node.name, 'RUNTIME_ERROR');
    } catch {
      return undefined;
    }
  }
  const known = constantNumbers(graph, indices);
  if (known && known.some((i) => i < -dims[axis]! || i >= dims[axis]!)) return undefined;
  return { axis, dims };
}

export const gatherLowering: Lowering = {
  name: 'gather',
  supports: (node, graph) => gatherParts(node, graph) !== undefined,
  build(node, ctx) {
    const { axis, dims } = gatherParts(node, ctx.graph)!;
    const [data, indices] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    const size = sizeOf(ctx.dims(y));
    if (node.op === 'Gather') {
      const uniforms = new Uniforms().u32(size, sizeOf(dims.slice(axis + 1)), dims[axis]!, sizeOf(ctx.dims(indices)));
      return {
        kind: 'gpu',
        kernel: GATHER_KERNEL,
        dispatches: [{ shader: { file: GATHER_KERNEL }, uniforms, bindings: [data, indices, y], grid: linearGrid(size) }],
      };
    }
    const indexDims = ctx.dims(indices);
    const uniforms = new Uniforms().u32(size, indexDims.length, axis, dims[axis]!).dims(indexDims).strides(stridesOf(dims));
    return {
      kind: 'gpu',
      kernel: GATHER_ELEMENTS_KERNEL,
      dispatches: [{ shader: { file: GATHER_ELEMENTS_KERNEL }, uniforms, bindings: [data, indices, y], grid: linearGrid(size) }],
    };
  },
};
