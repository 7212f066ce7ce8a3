/**
 * Collapses back-to-back data movement whose intermediate nobody else reads:
 * - Transpose(Transpose(x, p), q) is Transpose(x, r) with r[i] = p[q[i]]; when r is the identity the pair goes
 *   away entirely (readers of the result read x; a graph output keeps an Identity, as remove-identity leaves it).
 * - Reshape(Reshape(x, s1), s2) is Reshape(x, s2), when s2 is a constant without 0s (a 0 copies a dim of the
 *   intermediate, which x may not have) or allowzero is set.
 */
import type { Graph, Node } from '../ir/graph.js';
import { toNumbers } from '../ir/reference/util.js';
import { resolvePerm } from '../ir/reference/movement.js';
import { type GraphView, fusedName, replacePattern, rewriteAll } from './match.js';
import type { Pass } from './pass.js';

export const cancelTransposes: Pass = {
  name: 'cancel-transposes',
  run: (graph) => rewriteAll(graph, (node, view) => composeTransposes(graph, node, view) || collapseReshapes(graph, node, view)),
};

function composeTransposes(graph: Graph, second: Node, view: GraphView): boolean {
  if (second.op !== 'Transpose') return false;
  const first = view.producerOf(second.inputs[0]!, ['Transpose']);
  if (!first || !view.readOnlyBy(first.outputs[0]!, second)) return false;
  const x = first.inputs[0]!;
  const rank = graph.tensors.get(x)?.dims?.length;
  if (rank === undefined) return false;
  const where = `cancel-transposes at '${second.name}'`;
  const p = resolvePerm(first.attrs.perm as number[], rank, where, 'BAD_MODEL');
  const q = resolvePerm(second.attrs.perm as number[], rank, where, 'BAD_MODEL');
  const perm = q.map((axis) => p[axis]!);
  const output = second.outputs[0]!;
  const name = fusedName(first, second);
  if (perm.some((axis, i) => axis !== i)) {
    replacePattern(graph, [first, second], { name, op: 'Transpose', inputs: [x], outputs: [output], attrs: { perm } });
  } else if (view.isGraphOutput(output)) {
    replacePattern(graph, [first, second], { name, op: 'Identity', inputs: [x], outputs: [output], attrs: {} });
  } else {
    for (const reader of view.consumers(output)) reader.inputs = reader.inputs.map((input) => (input === output ? x : input));
    removeNodes(graph, [first, second]);
  }
  return true;
}

function collapseReshapes(graph: Graph, second: Node, view: GraphView): boolean {
  if (second.op !== 'Reshape') return false;
  const first = view.producerOf(second.inputs[0]!, ['Reshape']);
  if (!first || !view.readOnlyBy(first.outputs[0]!, second)) return false;
  const shape = graph.constant(second.inputs[1]!);
  if (!shape || (second.attrs.allowzero === 0 && toNumbers(shape).includes(0))) return false;
  const fused: Node = {
    name: fusedName(first, second),
    op: 'Reshape',
    inputs: [first.inputs[0]!, second.inputs[1]!],
    outputs: [second.outputs[0]!],
    attrs: { ...second.attrs },
  };
  replacePattern(graph, [first, second], fused);
  return true;
}

/** Drops nodes whose outputs nobody reads any more, with their output tensors. */
function removeNodes(graph: Graph, nodes: Node[]): void {
  for (const node of nodes) for (const output of node.outputs) graph.tensors.delete(output);
  graph.nodes = graph.nodes.filter((node) => !nodes.includes(node));
}
