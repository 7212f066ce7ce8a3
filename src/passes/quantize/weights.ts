/**
 * What the quantize stage may rewrite, and how it puts a dequantisation chain in a constant's place.
 *
 * A candidate is a float32 constant that is a weight or bias of a matrix product (Conv, ConvTranspose, Gemm,
 * MatMul and their fused forms) or is large (≥ LARGE_CONSTANT elements) wherever it is used. The rewrite keeps the
 * graph's meaning: the stored constant gets a new name and a new dtype, and nodes at the head of the graph turn it
 * back into float32 under the original name, so every consumer is untouched.
 */
import type { Graph, Node } from '../../ir/graph.js';
import { inferNode } from '../../ir/infer.js';
import type { OpType } from '../../ir/ops.js';
import type { Tensor } from '../../ir/tensor.js';

/** Constants this large are stored compressed whatever reads them (embeddings, LSTM weights, …). */
export const LARGE_CONSTANT = 1024;

/**
 * A weight has an output-channel axis: the axis per-channel scales run along. Biases and rank-1 operands have
 * none; they are only ever stored as float16.
 */
export interface Candidate {
  name: string;
  value: Tensor<'float32'>;
  /** The output-channel axis when the constant is the weight operand of a matrix product. */
  channelAxis?: number;
}

const PRODUCTS: ReadonlySet<OpType> = new Set<OpType>([
  'Conv', 'FusedConv', 'ConvTranspose', 'Gemm', 'FusedGemm', 'MatMul', 'FusedMatMul',
]);

/**
 * The output-channel axis of input `index` of a product node, or undefined when that input is a bias (or any other
 * operand without one). `dims` are the constant's dims.
 */
function channelAxisOf(node: Node, index: number, dims: readonly number[]): number | undefined {
  const flag = (name: string): boolean => Number(node.attrs[name] ?? 0) !== 0;
  switch (node.op) {
    case 'Conv':
    case 'FusedConv':
      return index === 1 ? 0 : undefined; // W is [O, I/group, k…]
    case 'ConvTranspose':
      // W is [I, O/group, k…]; a depthwise transpose has O/group = 1, so fall back to the input-channel axis.
      return index === 1 ? ((dims[1] ?? 1) > 1 ? 1 : 0) : undefined;
    case 'Gemm':
    case 'FusedGemm':
      if (index === 1) return flag('transB') ? 0 : 1; // B is [K, N], or [N, K] when transposed
      if (index === 0) return flag('transA') ? 1 : 0; // a constant A is [M, K], or [K, M]
      return undefined;
    case 'MatMul':
    case 'FusedMatMul':
      if (dims.length < 2) return undefined;
      if (index === 1) return dims.length - 1; // B is [… K, N]
      if (index === 0) return dims.length - 2; // a constant A is [… M, K]
      return undefined;
    default:
      return undefined;
  }
}

/** Float32 constants worth storing compressed, each with its channel axis when it is a product's weight. */
export function findCandidates(graph: Graph): Candidate[] {
  const axes = new Map<string, number | undefined>();
  const claim = (name: string, axis: number | undefined) => {
    // A tensor that is a weight anywhere keeps the first weight axis found; bias uses do not override it.
    if (!axes.has(name) || (axes.get(name) === undefined && axis !== undefined)) axes.set(name, axis);
  };
  for (const node of graph.nodes) {
    if (!PRODUCTS.has(node.op)) continue;
    node.inputs.forEach((name, index) => {
      const value = graph.constant(name);
      if (value?.type === 'float32') claim(name, channelAxisOf(node, index, value.dims));
    });
  }
  const consumers = graph.consumers();
  const graphInputs = new Set(graph.inputs);
  const candidates: Candidate[] = [];
  for (const [name, info] of graph.tensors) {
    const value = info.value;
    if (!value || value.type !== 'float32' || value.size === 0 || graphInputs.has(name)) continue;
    const readers = consumers.get(name) ?? [];
    if (readers.length === 0) continue;
    if (!axes.has(name) && value.size < LARGE_CONSTANT) continue;
    if (inferenceReadsValue(graph, name, readers)) continue;
    candidates.push({ name, value: value as Tensor<'float32'>, channelAxis: axes.get(name) });
  }
  return candidates;
}

/**
 * Whether some consumer's shape inference depends on the constant's values (Resize scales, a Pad value…): hiding
 * the value must leave every consumer's inferred facts as they are, or the constant has to stay a constant.
 */
function inferenceReadsValue(graph: Graph, name: string, readers: readonly Node[]): boolean {
  const info = graph.tensor(name);
  const value = info.value;
  const facts = (node: Node) => {
    try {
      return JSON.stringify(inferNode(graph, node, () => '?'));
    } catch {
      return undefined;
    }
  };
  const before = readers.map(facts);
  info.value = undefined;
  try {
    return readers.some((node, i) => before[i] === undefined || facts(node) !== before[i]);
  } finally {
    info.value = value;
  }
}

/**
 * Collects the dequantisation nodes and the stored constants for one graph, with names that do not clash with
 * existing tensors or nodes, and installs them in one step.
 */
export class DequantizeBuilder {
  private readonly nodes: Node[] = [];
  private readonly nodeNames: Set<string>;

  constructor(private readonly graph: Graph) {
    this.nodeNames = new Set(graph.nodes.map((node) => node.name));
  }

  /** Adds a constant under a fresh name derived from `prefix`; returns the name. */
  constant(prefix: string, value: Tensor): string {
    const name = this.graph.uniqueName(prefix);
    this.graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
    return name;
  }

  /** A float32 intermediate of the given dims under a fresh name. */
  intermediate(prefix: string, dims: readonly number[]): string {
    const name = this.graph.uniqueName(prefix);
    this.graph.tensors.set(name, { name, type: 'float32', dims: [...dims] });
    return name;
  }

  /** Adds a node; it is placed before every existing node (its inputs are constants or earlier chain outputs). */
  node(op: OpType, inputs: string[], output: string, attrs: Node['attrs'] = {}): void {
    let name = `${output}_${op.toLowerCase()}`;
    for (let i = 1; this.nodeNames.has(name); i++) name = `${output}_${op.toLowerCase()}_${i}`;
    this.nodeNames.add(name);
    this.nodes.push({ name, op, inputs, outputs: [output], attrs });
  }

  /** The original constant becomes a float32 value produced by the chain just added. */
  replaceConstant(name: string): void {
    const info = this.graph.tensor(name);
    this.graph.tensors.set(name, { name, type: 'float32', dims: info.dims ? [...info.dims] : undefined });
  }

  /** Puts the chains at the head of the graph; reports whether any were added. */
  install(): boolean {
    if (this.nodes.length === 0) return false;
    this.graph.nodes = [...this.nodes, ...this.graph.nodes];
    return true;
  }
}
