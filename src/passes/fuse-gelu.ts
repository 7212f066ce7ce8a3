/**
 * GELU written out in primitives becomes one Gelu node.
 *
 * Erf form (torch.onnx's export of nn.GELU()):      y = x · ½(1 + erf(x / √2))
 *   Div(x, √2) or Mul(x, 1/√2) → Erf → Add(·, 1) → then one of the tails below          → Gelu(x, 'none')
 * Tanh form (GELU(approximate='tanh'), GPT-2's gelu_new):  y = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
 *   x³ as Pow(x, 3) or Mul(x, Mul(x, x)) → Mul(·, 0.044715) → Add(x, ·) → Mul(·, √(2/π)) → Tanh → Add(·, 1)
 *   → then one of the tails                                                                → Gelu(x, 'tanh')
 * Tails, u being the (1 + …) tensor: Mul(Mul(x, u), ½); Mul(Mul(u, ½), x); Mul(Mul(x, ½), u).
 *
 * Constants may be scalars or one-element tensors, in either operand position, and match within 1e-4 relative
 * (exporters round them to float32). Every intermediate must be read only inside the pattern.
 */
import type { Graph, Node } from '../ir/graph.js';
import { type GraphView, fusedName, near, otherOperand, replacePattern, rewriteAll, scalarConstant, splitConstant } from './match.js';
import type { Pass } from './pass.js';

export const fuseGelu: Pass = {
  name: 'fuse-gelu',
  run: (graph) => rewriteAll(graph, (node, view) => fuse(graph, node, view)),
};

interface Match {
  x: string;
  nodes: Node[];
  approximate: 'none' | 'tanh';
}

function fuse(graph: Graph, node: Node, view: GraphView): boolean {
  const match = node.op === 'Erf' ? matchErf(graph, node, view) : node.op === 'Tanh' ? matchTanh(graph, node, view) : undefined;
  if (!match || !view.isFloatTensor(match.x)) return false;
  const first = match.nodes[0]!;
  const tail = match.nodes[match.nodes.length - 1]!;
  const fused: Node = {
    name: fusedName(first, tail),
    op: 'Gelu',
    inputs: [match.x],
    outputs: [tail.outputs[0]!],
    attrs: { approximate: match.approximate },
  };
  replacePattern(graph, match.nodes, fused);
  return true;
}

/** `name`'s producer if it is `op` and nothing but `reader` reads `name`. */
function inner(view: GraphView, name: string, op: Node['op'], reader: Node): Node | undefined {
  const node = view.producerOf(name, [op]);
  return node && view.readOnlyBy(name, reader) ? node : undefined;
}

function matchErf(graph: Graph, erf: Node, view: GraphView): Match | undefined {
  const scaled = erf.inputs[0]!;
  const producer = view.producer(scaled);
  if (!producer || !view.readOnlyBy(scaled, erf)) return undefined;
  let x: string | undefined;
  if (producer.op === 'Div' && near(scalarConstant(graph, producer.inputs[1]!), Math.SQRT2)) x = producer.inputs[0];
  if (producer.op === 'Mul') x = splitConstant(graph, producer, (v) => near(v, Math.SQRT1_2))?.[0];
  if (!x || graph.constant(x)) return undefined;
  const tail = matchTail(graph, x, erf, view);
  return tail && { x, nodes: [producer, erf, ...tail], approximate: 'none' };
}

function matchTanh(graph: Graph, tanh: Node, view: GraphView): Match | undefined {
  const scale = inner(view, tanh.inputs[0]!, 'Mul', tanh);
  const sumName = scale && splitConstant(graph, scale, (v) => near(v, Math.sqrt(2 / Math.PI)))?.[0];
  const sum = scale && sumName ? inner(view, sumName, 'Add', scale) : undefined;
  if (!sum) return undefined;
  for (const x of sum.inputs) {
    const cubic = otherOperand(sum, x);
    const cubicTerm = cubic ? inner(view, cubic, 'Mul', sum) : undefined;
    const cubeName = cubicTerm && splitConstant(graph, cubicTerm, (v) => near(v, 0.044715))?.[0];
    const cube = cubeName && cubicTerm ? matchCube(graph, x, cubeName, cubicTerm, view) : undefined;
    if (!cube || graph.constant(x)) continue;
    const tail = matchTail(graph, x, tanh, view);
    if (tail) return { x, nodes: [...cube, cubicTerm!, sum, scale!, tanh, ...tail], approximate: 'tanh' };
  }
  return undefined;
}

/** x³ as Pow(x, 3) or Mul(x, Mul(x, x)) in any order, `name` read only by `reader`; returns its nodes. */
function matchCube(graph: Graph, x: string, name: string, reader: Node, view: GraphView): Node[] | undefined {
  const pow = inner(view, name, 'Pow', reader);
  if (pow) return pow.inputs[0] === x && near(scalarConstant(graph, pow.inputs[1]!), 3, 1e-6) ? [pow] : undefined;
  const outer = inner(view, name, 'Mul', reader);
  const square = outer && otherOperand(outer, x);
  const squareNode = outer && square ? inner(view, square, 'Mul', outer) : undefined;
  if (!squareNode || squareNode.inputs[0] !== x || squareNode.inputs[1] !== x) return undefined;
  return [squareNode, outer!];
}

/**
 * From the node computing f (Erf or Tanh) to the end: Add(f, 1) then one of the three ½·x·u tails. Returns the
 * nodes after `start`, the last producing the GELU.
 */
function matchTail(graph: Graph, x: string, start: Node, view: GraphView): Node[] | undefined {
  const one = view.onlyConsumer(start.outputs[0]!);
  if (!one || one.op !== 'Add' || !splitConstant(graph, one, (v) => near(v, 1))) return undefined;
  const u = one.outputs[0]!;
  const first = view.onlyConsumer(u);
  const other = first?.op === 'Mul' ? otherOperand(first, u) : undefined;
  if (!first || !other) return undefined;
  if (other === x || near(scalarConstant(graph, other), 0.5)) {
    // Mul(x, u) then Mul(·, ½), or Mul(u, ½) then Mul(·, x).
    const second = view.onlyConsumer(first.outputs[0]!);
    const last = second?.op === 'Mul' ? otherOperand(second, first.outputs[0]!) : undefined;
    const closes = other === x ? near(scalarConstant(graph, last ?? ''), 0.5) : last === x;
    return second && closes ? [one, first, second] : undefined;
  }
  // Mul(x, ½) computed apart, then Mul(½x, u).
  const half = inner(view, other, 'Mul', first);
  if (!half || splitConstant(graph, half, (v) => near(v, 0.5))?.[0] !== x) return undefined;
  return [one, half, first];
}
