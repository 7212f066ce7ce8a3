/**
 * Conv → Add(convOut, other) becomes FusedConv(X, W, B, Z = other): the residual connection of ResNet and
 * MobileNetV2 blocks, added in the conv kernel's epilogue instead of a second pass over memory.
 *
 * `other` must be a non-constant tensor of exactly the conv output's dtype and shape (equal static dims or equal
 * symbols), so the Add does not broadcast. The conv must not have an activation (act(conv) + Z is not
 * act(conv + Z)) nor a residual already.
 */
import type { Graph, Node } from '../ir/graph.js';
import { type GraphView, fusedName, otherOperand, replacePattern, rewriteAll, sameDims, withActivation } from './match.js';
import type { Pass } from './pass.js';

export const fuseResidualAdd: Pass = {
  name: 'fuse-residual-add',
  run: (graph) => rewriteAll(graph, (node, view) => fuse(graph, node, view)),
};

function fuse(graph: Graph, add: Node, view: GraphView): boolean {
  if (add.op !== 'Add') return false;
  for (const operand of add.inputs) {
    const conv = fusibleConv(graph, operand, add, view);
    const residual = otherOperand(add, operand);
    if (!conv || !residual || graph.constant(residual)) continue;
    const convOut = graph.tensors.get(operand)!;
    const other = graph.tensors.get(residual);
    if (!other || other.type !== convOut.type || !sameDims(other.dims, convOut.dims)) continue;
    const [x, w, b] = conv.inputs;
    const fused: Node = {
      name: fusedName(conv, add),
      op: 'FusedConv',
      inputs: [x!, w!, b ?? '', residual],
      outputs: [add.outputs[0]!],
      attrs: withActivation(conv.attrs, '', []),
    };
    replacePattern(graph, [conv, add], fused);
    return true;
  }
  return false;
}

/** The Conv/FusedConv producing `name`, read only by `add`, without activation or residual. */
function fusibleConv(graph: Graph, name: string, add: Node, view: GraphView): Node | undefined {
  const conv = view.producerOf(name, ['Conv', 'FusedConv']);
  if (!conv || !view.readOnlyBy(name, add) || !graph.tensors.get(name)) return undefined;
  if (conv.op === 'FusedConv' && ((conv.attrs.activation ?? '') !== '' || (conv.inputs[3] ?? '') !== '')) return undefined;
  return conv;
}
