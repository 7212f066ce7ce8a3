/**
 * Where static int8 quantization puts its QuantizeLinear → DequantizeLinear pairs, and which tensors share
 * parameters. Decided from the float graph alone, before any calibration run.
 *
 * - Products (Conv, Gemm, MatMul and the fused forms), Add, Mul, AveragePool and GlobalAveragePool: every float
 *   activation input and the output are quantized (the output after a fused activation: the epilogue is part of
 *   the op). A product's constant weight becomes a per-channel DequantizeLinear, its bias an int32 one; a constant
 *   operand of Add/Mul a per-tensor one.
 * - MaxPool and Concat only move values: inputs and output share one set of parameters, so an integer kernel copies
 *   bytes. Reshape-like ops (Transpose, Reshape, Flatten, Squeeze, Unsqueeze) do the same when their input is
 *   already quantized, so that a quantized value stays quantized across them.
 * - Float32 graph inputs get a pair right after the input; the model's inputs stay float32.
 * - Everything else (Softmax, LayerNormalization, Sigmoid…) stays float, reading dequantized values.
 */
import type { Graph, Node } from '../../ir/graph.js';
import type { OpType } from '../../ir/ops.js';

/** Ops whose output gets its own calibrated parameters. */
const COMPUTE: ReadonlySet<OpType> = new Set<OpType>([
  'Conv', 'FusedConv', 'Gemm', 'FusedGemm', 'MatMul', 'FusedMatMul', 'Add', 'Mul', 'AveragePool', 'GlobalAveragePool',
]);

/** Ops whose inputs and output share parameters (values are moved or selected, never computed). */
const SHARING: ReadonlySet<OpType> = new Set<OpType>(['MaxPool', 'Concat']);

/** Ops that share their data input's parameters when that input is quantized. */
const MOVEMENT: ReadonlySet<OpType> = new Set<OpType>(['Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

/** A product node with a constant float weight, quantized per output channel. */
export interface ProductSite {
  node: Node;
  /** The weight's output-channel axis (the DequantizeLinear axis). */
  weightAxis: number;
  /** Input index of the bias; the bias is quantized only when the product computes exactly x·W + b. */
  biasIndex?: number;
}

export interface QdqPlan {
  /** Activation tensors to quantize, graph inputs first, then in graph order. */
  activations: string[];
  /** Each activation's parameter group: the representative tensor whose parameters it uses. */
  group: Map<string, string>;
  products: ProductSite[];
  /** Constant float operands of Add / Mul (per-tensor int8). */
  operands: { node: Node; index: number }[];
}

export function planQdq(graph: Graph): QdqPlan {
  const isFloatActivation = (name: string) => name !== '' && !graph.constant(name) && graph.tensors.get(name)?.type === 'float32';
  const marked = new Set<string>();
  const parent = new Map<string, string>();
  const find = (name: string): string => {
    let root = name;
    while (parent.has(root)) root = parent.get(root)!;
    return root;
  };
  const join = (a: string, b: string) => {
    const [x, y] = [find(a), find(b)];
    if (x !== y) parent.set(y, x);
  };

  for (const name of graph.inputs) if (isFloatActivation(name)) marked.add(name);
  const products: ProductSite[] = [];
  const operands: QdqPlan['operands'] = [];
  for (const node of graph.nodes) {
    const output = node.outputs[0]!;
    if (node.outputs.length !== 1 || graph.tensors.get(output)?.type !== 'float32') continue;
    if (COMPUTE.has(node.op)) {
      const site = productSite(graph, node);
      if (site) products.push(site);
      node.inputs.forEach((name, index) => {
        if (isFloatActivation(name)) marked.add(name);
        else if ((node.op === 'Add' || node.op === 'Mul') && graph.constant(name)?.type === 'float32') operands.push({ node, index });
      });
      marked.add(output);
    } else if (SHARING.has(node.op)) {
      const inputs = node.op === 'MaxPool' ? [node.inputs[0]!] : node.inputs;
      if (!inputs.every(isFloatActivation)) continue;
      for (const name of inputs) {
        marked.add(name);
        join(output, name);
      }
      marked.add(output);
    } else if (MOVEMENT.has(node.op) && marked.has(node.inputs[0]!)) {
      marked.add(output);
      join(node.inputs[0]!, output);
    }
  }

  const order = new Map<string, number>();
  graph.inputs.forEach((name) => order.set(name, order.size));
  for (const node of graph.nodes) for (const name of node.outputs) order.set(name, order.size);
  const activations = [...marked].sort((a, b) => order.get(a)! - order.get(b)!);
  return { activations, group: new Map(activations.map((name) => [name, find(name)])), products, operands };
}

function productSite(graph: Graph, node: Node): ProductSite | undefined {
  const weight = graph.constant(node.inputs[1] ?? '');
  if (weight?.type !== 'float32' || graph.constant(node.inputs[0]!)) return undefined;
  const rank = weight.dims.length;
  const flag = (name: string) => Number(node.attrs[name] ?? 0) !== 0;
  const number = (name: string, fallback: number) => Number(node.attrs[name] ?? fallback);
  switch (node.op) {
    case 'Conv':
    case 'FusedConv':
      return rank >= 3 ? { node, weightAxis: 0, biasIndex: 2 } : undefined;
    case 'Gemm':
    case 'FusedGemm': {
      if (rank !== 2) return undefined;
      const exact = number('alpha', 1) === 1 && number('beta', 1) === 1;
      return { node, weightAxis: flag('transB') ? 0 : 1, biasIndex: exact ? 2 : undefined };
    }
    case 'MatMul':
    case 'FusedMatMul': {
      if (rank < 2) return undefined;
      return { node, weightAxis: rank - 1, biasIndex: node.op === 'FusedMatMul' ? 2 : undefined };
    }
    default:
      return undefined;
  }
}
