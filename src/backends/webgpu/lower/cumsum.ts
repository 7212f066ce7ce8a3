/**
 * CumSum of float32 data along a constant axis (a run-time int64 input bound at plan time counts) on
 * kernels-wgsl/reduce/f32-cumsum-direct.wgsl: one invocation per lane, exclusive and reverse as override constants.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, constantNumbers, isGpuFloat, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const CUMSUM_KERNEL = 'reduce/f32-cumsum-direct.wgsl';

/** The resolved axis, or undefined when it is not one constant integer in range (the reference reports those). */
function cumsumAxis(node: Node, graph: Graph, rank: number): number | undefined {
  const values = constantNumbers(graph, node.inputs[1]);
  if (!values || values.length !== 1 || !Number.isInteger(values[0])) return undefined;
  const axis = values[0]! < 0 ? values[0]! + rank : values[0]!;
  return axis >= 0 && axis < rank ? axis : undefined;
}

export const cumsumLowering: Lowering = {
  name: 'cumsum',
  supports(node, graph) {
    if (node.op !== 'CumSum' || !isGpuFloat(graph, node.inputs[0]) || !isGpuFloat(graph, node.outputs[0])) return false;
    return cumsumAxis(node, graph, staticDims(graph, node.inputs[0]!)!.length) !== undefined;
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const axis = cumsumAxis(node, ctx.graph, dims.length)!;
    const inner = sizeOf(dims.slice(axis + 1));
    const lanes = sizeOf(dims) / dims[axis]!;
    const constants = { EXCLUSIVE: node.attrs.exclusive === 1, REVERSE: node.attrs.reverse === 1 };
    return {
      kind: 'gpu',
      kernel: CUMSUM_KERNEL,
      dispatches: [{
        shader: { file: CUMSUM_KERNEL, constants },
        uniforms: new Uniforms().u32(lanes, dims[axis]!, inner, 0),
        bindings: [node.inputs[0]!, node.outputs[0]!],
        grid: linearGrid(lanes),
      }],
    };
  },
};
