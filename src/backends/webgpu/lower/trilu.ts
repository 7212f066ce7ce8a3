/**
 * Trilu of any 32-bit data (float32, the integer types held as i32, bool) on kernels-wgsl/movement/x32-trilu-direct.wgsl,
 * with k absent or a constant (a run-time input bound at plan time counts). One invocation per element.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, constantNumbers, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { isGpuValue } from './values.js';

export const TRILU_KERNEL = 'movement/x32-trilu-direct.wgsl';

/** k from the optional second input (0 when absent or empty), or undefined when it is not a known integer. */
function triluK(node: Node, graph: Graph): number | undefined {
  const name = node.inputs[1];
  if (!name) return 0;
  const values = constantNumbers(graph, name);
  if (!values) return undefined;
  if (values.length === 0) return 0;
  return Number.isSafeInteger(values[0]) ? values[0] : undefined;
}

export const triluLowering: Lowering = {
  name: 'trilu',
  supports(node, graph) {
    if (node.op !== 'Trilu') return false;
    const [x] = node.inputs;
    const y = node.outputs[0];
    if (graph.tensors.get(x!)?.type !== graph.tensors.get(y!)?.type) return false;
    if (!isGpuValue(graph, x) || !isGpuValue(graph, y)) return false;
    return staticDims(graph, x!)!.length >= 2 && triluK(node, graph) !== undefined;
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const rows = dims[dims.length - 2]!;
    const columns = dims[dims.length - 1]!;
    // column − row lies in [1 − rows, columns − 1], so clamping k to [−rows, columns] changes no answer.
    const k = Math.min(Math.max(triluK(node, ctx.graph)!, -rows), columns);
    const size = sizeOf(dims);
    return {
      kind: 'gpu',
      kernel: TRILU_KERNEL,
      dispatches: [{
        shader: { file: TRILU_KERNEL, constants: { UPPER: node.attrs.upper !== 0 } },
        uniforms: new Uniforms().u32(size, rows, columns).i32(k),
        bindings: [node.inputs[0]!, node.outputs[0]!],
        grid: linearGrid(size),
      }],
    };
  },
};
