/**
 * TopK of float32 data with a constant K (a shape input bound at plan time counts) on
 * kernels-wgsl/reduce/x32-topk-rank.wgsl: each element finds its rank in its lane and writes itself when it is
 * among the first K. Both outputs stay on the GPU (the int64 indices fit: values.ts).
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, constantNumbers, isGpuFloat, isGpuTensor, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const TOPK_KERNEL = 'reduce/x32-topk-rank.wgsl';

function topkParts(node: Node, graph: Graph): { axis: number; k: number; dims: number[] } | undefined {
  if (node.op !== 'TopK') return undefined;
  const [x, kName] = node.inputs;
  const [values, indices] = node.outputs;
  if (!isGpuFloat(graph, x) || !isGpuFloat(graph, values) || !indices || !isGpuTensor(graph, indices)) return undefined;
  if (graph.tensors.get(indices)?.type !== 'int64') return undefined;
  const dims = staticDims(graph, x!)!;
  const rawAxis = (node.attrs.axis as number | undefined) ?? -1;
  const axis = rawAxis < 0 ? rawAxis + dims.length : rawAxis;
  const k = constantNumbers(graph, kName);
  if (!k || k.length !== 1 || !(axis >= 0 && axis < dims.length)) return undefined;
  if (!Number.isInteger(k[0]) || k[0]! < 1 || k[0]! > dims[axis]!) return undefined; // K = 0 is empty; others the reference reports
  return { axis, k: k[0]!, dims };
}

export const topkLowering: Lowering = {
  name: 'topk',
  supports: (node, graph) => topkParts(node, graph) !== undefined,
  build(node, ctx) {
    const { axis, k, dims } = topkParts(node, ctx.graph)!;
    const size = sizeOf(dims);
    const uniforms = new Uniforms().u32(size, dims[axis]!, sizeOf(dims.slice(axis + 1)), k);
    return {
      kind: 'gpu',
      kernel: TOPK_KERNEL,
      dispatches: [{
        shader: { file: TOPK_KERNEL, constants: { LARGEST: node.attrs.largest !== 0 } },
        uniforms,
        bindings: [node.inputs[0]!, node.outputs[0]!, node.outputs[1]!],
        grid: linearGrid(size),
      }],
    };
  },
};
