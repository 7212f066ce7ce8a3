/**
 * A product (Conv, FusedConv, Gemm, FusedGemm, FusedMatMul) without activation whose only reader is an
 * activation node takes that activation into its epilogue; Conv and Gemm become FusedConv and FusedGemm.
 *
 * Activations: Relu, Clip (constant min/max, an omitted bound is ±∞), HardSwish, HardSigmoid, Sigmoid,
 * LeakyRelu, Gelu, Tanh, Elu, and two gated forms where t is read only by the gate and the Mul:
 *   SiLU       y = Mul(t, Sigmoid(t))                       (EfficientNet's export)
 *   HardSwish  y = Mul(t, HardSigmoid(t, α = 1/6, β = ½))   (torch.onnx's HardSwish before opset 14)
 * The parameter encoding is reference/activation.ts's.
 */
import type { Graph, Node } from '../ir/graph.js';
import type { OpType } from '../ir/ops.js';
import { type GraphView, fusedName, near, replacePattern, rewriteAll, scalarConstant, withActivation } from './match.js';
import type { Pass } from './pass.js';

const PRODUCTS: readonly OpType[] = ['Conv', 'FusedConv', 'Gemm', 'FusedGemm', 'FusedMatMul'];
const FUSED_OP: Partial<Record<OpType, OpType>> = { Conv: 'FusedConv', Gemm: 'FusedGemm' };

export const fuseActivation: Pass = {
  name: 'fuse-activation',
  run: (graph) => rewriteAll(graph, (node, view) => fuse(graph, node, view)),
};

interface Match {
  product: Node;
  /** The nodes the activation is made of, the last one producing the result. */
  chain: Node[];
  activation: string;
  params: number[];
}

function fuse(graph: Graph, node: Node, view: GraphView): boolean {
  const match = matchActivation(graph, node, view) ?? matchGated(node, view);
  if (!match) return false;
  const { product, chain, activation, params } = match;
  const tail = chain[chain.length - 1]!;
  const fused: Node = {
    name: fusedName(product, tail),
    op: FUSED_OP[product.op] ?? product.op,
    inputs: [...product.inputs],
    outputs: [tail.outputs[0]!],
    attrs: withActivation(product.attrs, activation, params),
  };
  replacePattern(graph, [product, ...chain], fused);
  return true;
}

/** A float product without activation, producing `name` as its first output. */
function productOf(name: string, view: GraphView): Node | undefined {
  const product = view.producerOf(name, PRODUCTS);
  if (!product || (product.attrs.activation ?? '') !== '' || !view.isFloatTensor(name)) return undefined;
  return product;
}

/** An activation node reading a product's output, which nothing else reads. */
function matchActivation(graph: Graph, node: Node, view: GraphView): Match | undefined {
  const input = node.inputs[0];
  if (!input || node.outputs.length !== 1) return undefined;
  const params = activationParams(graph, node);
  if (!params) return undefined;
  const product = productOf(input, view);
  if (!product || !view.readOnlyBy(input, node)) return undefined;
  return { product, chain: [node], activation: node.op, params };
}

/** The activation_params for an activation node, or undefined when `node` is not a fusible activation. */
function activationParams(graph: Graph, node: Node): number[] | undefined {
  const attr = (name: string) => node.attrs[name] as number;
  switch (node.op) {
    case 'Relu':
    case 'HardSwish':
    case 'Sigmoid':
    case 'Tanh':
      return [];
    case 'LeakyRelu':
    case 'Elu':
      return [attr('alpha')];
    case 'HardSigmoid':
      return [attr('alpha'), attr('beta')];
    case 'Gelu':
      return node.attrs.approximate === 'tanh' ? [1] : node.attrs.approximate === 'none' ? [] : undefined;
    case 'Clip': {
      // Bounds must be constants; an omitted one does not clip.
      const [min, max] = [node.inputs[1] ?? '', node.inputs[2] ?? ''].map((name) => (name === '' ? null : scalarConstant(graph, name)));
      if (min === undefined || max === undefined) return undefined;
      return [min ?? -Infinity, max ?? Infinity];
    }
    default:
      return undefined;
  }
}

/** The activation a gate gives as y = t · gate(t), or undefined. */
function gatedActivation(gate: Node): string | undefined {
  if (gate.op === 'Sigmoid') return 'Silu';
  if (gate.op === 'HardSigmoid' && near(gate.attrs.alpha as number, 1 / 6) && near(gate.attrs.beta as number, 0.5)) return 'HardSwish';
  return undefined;
}

/** y = Mul(t, gate(t)) in either operand order, `node` being the Mul. */
function matchGated(node: Node, view: GraphView): Match | undefined {
  if (node.op !== 'Mul') return undefined;
  const [a, b] = node.inputs as [string, string];
  for (const [t, g] of [[a, b], [b, a]] as const) {
    const gate = view.producerOf(g, ['Sigmoid', 'HardSigmoid']);
    const activation = gate && gatedActivation(gate);
    if (!gate || !activation || gate.inputs[0] !== t || t === g) continue;
    const product = productOf(t, view);
    if (!product || !view.readOnlyBy(t, gate, node) || !view.readOnlyBy(g, node)) continue;
    return { product, chain: [gate, node], activation, params: [] };
  }
  return undefined;
}
