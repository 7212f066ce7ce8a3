/**
 * LayerNorm over the last axis written out in primitives (torch.onnx before opset 17) becomes one
 * LayerNormalization(x, gamma, beta, axis = -1, epsilon):
 *
 *   m = ReduceMean(x, [-1]);  d = Sub(x, m);  v = ReduceMean(Pow(d, 2), [-1]);  y = Div(d, Sqrt(Add(v, ε)))
 *   then optionally Mul(y, gamma) and Add(·, beta) with constant gamma/beta of the last dim's size.
 *
 * Pow(d, 2) may also be Mul(d, d). ReduceMean's axes are a constant input (the canonical form), [-1] or
 * [rank − 1], with keepdims. Without the Mul, gamma is a new constant of ones. Every intermediate must be read
 * only inside the pattern.
 */
import type { DType } from '../ir/dtype.js';
import type { Graph, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { tensorFromNumbers, toNumbers } from '../ir/reference/util.js';
import { type GraphView, addConstant, fusedName, near, otherOperand, replacePattern, rewriteAll, scalarConstant } from './match.js';
import type { Pass } from './pass.js';

export const fuseLayerNorm: Pass = {
  name: 'fuse-layernorm',
  run: (graph) => rewriteAll(graph, (node, view) => fuse(graph, node, view)),
};

function fuse(graph: Graph, mean: Node, view: GraphView): boolean {
  if (mean.op !== 'ReduceMean') return false;
  const x = mean.inputs[0]!;
  const dims = graph.tensors.get(x)?.dims;
  const size = dims?.[dims.length - 1];
  if (!dims || typeof size !== 'number' || !view.isFloatTensor(x) || !reducesLastAxis(graph, mean, dims.length)) return false;

  const sub = view.onlyConsumer(mean.outputs[0]!);
  if (sub?.op !== 'Sub' || sub.inputs[0] !== x || sub.inputs[1] !== mean.outputs[0]) return false;
  const centered = sub.outputs[0]!;
  const [square, divide] = splitCenteredReaders(graph, view, centered);
  if (!square || !divide) return false;
  const variance = view.onlyConsumer(square.outputs[0]!);
  if (variance?.op !== 'ReduceMean' || !reducesLastAxis(graph, variance, dims.length)) return false;
  const addEpsilon = view.onlyConsumer(variance.outputs[0]!);
  const epsilon = addEpsilon?.op === 'Add' ? scalarConstant(graph, otherOperand(addEpsilon, variance.outputs[0]!) ?? '') : undefined;
  if (!addEpsilon || epsilon === undefined || epsilon < 0) return false;
  const root = view.onlyConsumer(addEpsilon.outputs[0]!);
  if (root?.op !== 'Sqrt' || !view.readOnlyBy(root.outputs[0]!, divide) || divide.inputs[1] !== root.outputs[0]) return false;

  const nodes = [mean, sub, square, variance, addEpsilon, root, divide];
  const type = graph.tensor(x).type;
  const scale = affine(graph, view, divide, 'Mul', dims.length, type);
  if (scale) nodes.push(scale.node);
  const shift = affine(graph, view, nodes[nodes.length - 1]!, 'Add', dims.length, type);
  if (shift) nodes.push(shift.node);
  const gamma = scale?.parameter ?? addConstant(graph, `${mean.name}.gamma`, tensorFromNumbers(type, new Array<number>(size).fill(1), [size]));
  const tail = nodes[nodes.length - 1]!;
  const fused: Node = {
    name: fusedName(mean, tail),
    op: 'LayerNormalization',
    inputs: shift ? [x, gamma, shift.parameter] : [x, gamma],
    outputs: [tail.outputs[0]!],
    attrs: { axis: -1, epsilon, stash_type: 1 },
  };
  replacePattern(graph, nodes, fused);
  return true;
}

/** ReduceMean over exactly the last axis, with keepdims. */
function reducesLastAxis(graph: Graph, node: Node, rank: number): boolean {
  const axes = graph.constant(node.inputs[1] ?? '');
  if (!axes || axes.size !== 1 || node.attrs.keepdims !== 1) return false;
  const axis = toNumbers(axes)[0]!;
  return axis === -1 || axis === rank - 1;
}

/** The two readers of d = x − mean: the square (Pow(d, 2) or Mul(d, d)) and Div(d, ·). */
function splitCenteredReaders(graph: Graph, view: GraphView, centered: string): [Node?, Node?] {
  const readers = view.consumers(centered);
  if (readers.length !== 2 || view.isGraphOutput(centered)) return [];
  const isSquare = (node: Node) =>
    (node.op === 'Pow' && node.inputs[0] === centered && near(scalarConstant(graph, node.inputs[1]!), 2, 1e-6)) ||
    (node.op === 'Mul' && node.inputs[0] === centered && node.inputs[1] === centered);
  const isDivide = (node: Node) => node.op === 'Div' && node.inputs[0] === centered && node.inputs[1] !== centered;
  const square = readers.find(isSquare);
  const divide = readers.find((node) => node !== square && isDivide(node));
  return square && divide ? [square, divide] : [];
}

/**
 * The Mul (gamma) or Add (beta) reading `previous`'s output alone, with a constant parameter that only spans the
 * last axis (its dims [N] or [1, …, 1, N], no more than the input's rank, so the op does not broadcast the
 * result); the parameter is stored again as 1-D when it has leading 1s.
 */
function affine(graph: Graph, view: GraphView, previous: Node, op: 'Mul' | 'Add', rank: number, type: DType): { node: Node; parameter: string } | undefined {
  const input = previous.outputs[0]!;
  const size = graph.tensor(input).dims?.at(-1);
  const node = view.onlyConsumer(input);
  const name = node?.op === op ? otherOperand(node, input) : undefined;
  const value = name ? graph.constant(name) : undefined;
  if (!node || !name || !value || value.type !== type || value.dims.length > rank) return undefined;
  if (typeof size !== 'number' || value.size !== size || value.dims.at(-1) !== size) return undefined;
  const parameter = value.dims.length === 1 ? name : addConstant(graph, `${name}.vector`, new Tensor(value.type, value.data, [size]));
  return { node, parameter };
}
