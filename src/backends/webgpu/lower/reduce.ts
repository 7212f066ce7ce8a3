/**
 * Reduce* over constant axes on kernels-wgsl/reduce/f32-reduce-workgroup.wgsl: one workgroup per output element,
 * the input viewed as (kept axes) × (reduced axes) with strides, so any set of axes reduces without a transpose.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { stridesOf } from '../../../ir/shape.js';
import { reducedAxes } from '../../../ir/reference/reduce.js';
import { type Lowering, constantNumbers, isGpuFloat, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const REDUCE_KERNEL = 'reduce/f32-reduce-workgroup.wgsl';

const OPS: Partial<Record<string, number>> = {
  ReduceSum: 0, ReduceMean: 1, ReduceMax: 2, ReduceMin: 3, ReduceProd: 4, ReduceL1: 5, ReduceL2: 6, ReduceLogSum: 7,
  ReduceLogSumExp: 8, ReduceSumSquare: 9,
};

/** Which axes reduce; undefined when not known now or when the op is a no-op copy (left to the reference). */
function reduced(node: Node, graph: Graph): boolean[] | undefined {
  if (OPS[node.op] === undefined || !isGpuFloat(graph, node.inputs[0]) || !isGpuFloat(graph, node.outputs[0])) return undefined;
  const axes = node.inputs[1] ? constantNumbers(graph, node.inputs[1]) : [];
  const dims = staticDims(graph, node.inputs[0]!)!;
  if (!axes || dims.length > 8) return undefined;
  try {
    return reducedAxes(dims.length, axes, node.attrs.noop_with_empty_axes === 1, node.name, 'RUNTIME_ERROR');
  } catch {
    return undefined;
  }
}

export const reduceLowering: Lowering = {
  name: 'reduce',
  supports: (node, graph) => reduced(node, graph) !== undefined,
  build(node, ctx) {
    const axes = reduced(node, ctx.graph)!;
    const dims = ctx.dims(node.inputs[0]!);
    const strides = stridesOf(dims);
    const pick = (want: boolean, values: number[]) => values.filter((_, axis) => axes[axis] === want);
    const keptDims = pick(false, dims);
    const reducedDims = pick(true, dims);
    const outputs = sizeOf(keptDims);
    const uniforms = new Uniforms()
      .u32(outputs, sizeOf(reducedDims), keptDims.length, reducedDims.length)
      .dims(keptDims).strides(pick(false, strides))
      .dims(reducedDims).strides(pick(true, strides));
    return {
      kind: 'gpu',
      kernel: REDUCE_KERNEL,
      dispatches: [{
        shader: { file: REDUCE_KERNEL, constants: { OP: OPS[node.op]! } },
        uniforms,
        bindings: [node.inputs[0]!, node.outputs[0]!],
        grid: linearGrid(outputs, 1),
      }],
    };
  },
};
