/**
 * MatMul(A, B constant) → Add(product, bias constant) becomes FusedMatMul(A, B, bias): the Linear layer as
 * torch.onnx exports it for inputs of rank > 2 (Add with the bias first or second).
 *
 * The bias must only broadcast along the last dim: dims [N] or [1, …, 1, N], no more dims than the product, with
 * N the product's static last dim. A bias of another shape is stored again as a 1-D [N] constant.
 */
import type { Graph, Node } from '../ir/graph.js';
import { type GraphView, addConstant, fusedName, otherOperand, replacePattern, rewriteAll } from './match.js';
import type { Pass } from './pass.js';

export const fuseMatMulAdd: Pass = {
  name: 'fuse-matmul-add',
  run: (graph) => rewriteAll(graph, (node, view) => fuse(graph, node, view)),
};

function fuse(graph: Graph, add: Node, view: GraphView): boolean {
  if (add.op !== 'Add') return false;
  for (const operand of add.inputs) {
    const matMul = view.producerOf(operand, ['MatMul']);
    const biasName = otherOperand(add, operand);
    if (!matMul || !biasName || !view.readOnlyBy(operand, add) || !view.isFloatTensor(operand)) continue;
    if (!graph.constant(matMul.inputs[1]!)) continue;
    const bias = graph.constant(biasName);
    const product = graph.tensors.get(operand)!;
    const last = product.dims?.[product.dims.length - 1];
    if (!bias || bias.type !== product.type || typeof last !== 'number' || product.dims!.length === 0) continue;
    const leading = bias.dims.slice(0, -1);
    if (bias.dims.length > product.dims!.length || bias.dims.at(-1) !== last || leading.some((d) => d !== 1)) continue;
    const vector = bias.dims.length === 1 ? biasName : addConstant(graph, `${biasName}.vector`, bias.reshape([last]));
    const fused: Node = {
      name: fusedName(matMul, add),
      op: 'FusedMatMul',
      inputs: [matMul.inputs[0]!, matMul.inputs[1]!, vector],
      outputs: [add.outputs[0]!],
      attrs: { activation: '', activation_params: [] },
    };
    replacePattern(graph, [matMul, add], fused);
    return true;
  }
  return false;
}
