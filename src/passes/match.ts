/**
 * Pattern-matching helpers the fusion passes share: who reads and who writes a tensor, small constants, and the
 * one way a matched chain of nodes is replaced by a fused node.
 *
 * The invariant every fusion keeps: an intermediate tensor of a pattern is read only inside the pattern and is
 * not a graph output, so removing it changes nothing anyone else can see.
 */
import type { Dim, Graph, Node } from '../ir/graph.js';
import { inferShapes } from '../ir/infer.js';
import { float16ToFloat32, isFloat } from '../ir/dtype.js';
import type { OpType } from '../ir/ops.js';
import type { Tensor } from '../ir/tensor.js';
import { toNumbers } from '../ir/reference/util.js';

/** Readers and writers of every tensor, for one state of the graph (rebuilt after each rewrite). */
export class GraphView {
  private readonly readers: Map<string, Node[]>;
  private readonly writers: Map<string, Node>;
  private readonly outputs: Set<string>;

  constructor(readonly graph: Graph) {
    this.readers = graph.consumers();
    this.writers = graph.producers();
    this.outputs = new Set(graph.outputs);
  }

  consumers(name: string): Node[] {
    return this.readers.get(name) ?? [];
  }

  producer(name: string): Node | undefined {
    return this.writers.get(name);
  }

  isGraphOutput(name: string): boolean {
    return this.outputs.has(name);
  }

  /** True when `name` is read by exactly the given nodes (each at least once) and is not a graph output. */
  readOnlyBy(name: string, ...readers: Node[]): boolean {
    if (this.isGraphOutput(name)) return false;
    const actual = this.consumers(name);
    return actual.length === new Set(readers).size && readers.every((node) => actual.includes(node));
  }

  /** The single node reading `name`, when there is one and `name` is not a graph output. */
  onlyConsumer(name: string): Node | undefined {
    const readers = this.consumers(name);
    return readers.length === 1 && !this.isGraphOutput(name) ? readers[0] : undefined;
  }

  /** The producer of `name` if it is one of `ops` and `name` is its first output. */
  producerOf(name: string, ops: readonly OpType[]): Node | undefined {
    const node = this.producer(name);
    return node && ops.includes(node.op) && node.outputs[0] === name ? node : undefined;
  }

  isFloatTensor(name: string): boolean {
    const info = this.graph.tensors.get(name);
    return info !== undefined && isFloat(info.type);
  }
}

/**
 * Sweeps `visit` over the nodes until a whole sweep rewrites nothing. A rewrite mutates the graph and returns
 * true; the view is then rebuilt. Every rewrite removes at least one node, so this ends. A sweep goes on from where
 * it was after a rewrite (a node shifted past is seen by the next sweep), so the cost stays about
 * sweeps × nodes, not rewrites × nodes. Shape inference runs once at the end so every tensor carries fresh facts.
 */
export function rewriteAll(graph: Graph, visit: (node: Node, view: GraphView) => boolean): boolean {
  let changed = false;
  for (let sweep = true; sweep; ) {
    sweep = false;
    let view = new GraphView(graph);
    for (let i = 0; i < graph.nodes.length; i++) {
      if (!visit(graph.nodes[i]!, view)) continue;
      sweep = changed = true;
      view = new GraphView(graph);
    }
  }
  if (changed) inferShapes(graph);
  return changed;
}

/**
 * Replaces the matched `pattern` nodes by `fused`, at the place of the pattern's last node (every input of the
 * pattern is defined before it). Outputs of removed nodes that `fused` does not produce, and constants nothing
 * reads any more, are dropped from the tensor table. `fused.name` is made unique among the remaining nodes.
 */
export function replacePattern(graph: Graph, pattern: readonly Node[], fused: Node): void {
  const removed = new Set(pattern);
  const tail = Math.max(...pattern.map((node) => graph.nodes.indexOf(node)));
  const taken = new Set(graph.nodes.filter((node) => !removed.has(node)).map((node) => node.name));
  let name = fused.name;
  for (let i = 1; taken.has(name); i++) name = `${fused.name}_${i}`;
  fused.name = name;
  const kept = new Set(fused.outputs);
  for (const node of pattern) for (const output of node.outputs) if (output !== '' && !kept.has(output)) graph.tensors.delete(output);
  graph.nodes[tail] = fused;
  graph.nodes = graph.nodes.filter((node) => node === fused || !removed.has(node));
  const read = new Set(graph.outputs);
  for (const node of graph.nodes) for (const input of node.inputs) read.add(input);
  for (const node of pattern) {
    for (const input of node.inputs) if (graph.constant(input) && !read.has(input)) graph.tensors.delete(input);
  }
}

/** A traceable name for a fused node: the first and last names of the chain it replaces. */
export function fusedName(first: Node, last: Node): string {
  return first === last || first.name === last.name ? first.name : `${first.name}+${last.name}`;
}

/** The value of a constant with exactly one element (a scalar or a [1], [1, 1]… tensor), else undefined. */
export function scalarConstant(graph: Graph, name: string): number | undefined {
  const value = graph.constant(name);
  if (!value || value.size !== 1 || value.type === 'string' || value.type === 'bool') return undefined;
  return value.type === 'float16' ? float16ToFloat32((value.data as Uint16Array)[0]!) : toNumbers(value)[0];
}

/** `value` equals `expected` within `tolerance` relative to max(1, |expected|) (exporters round their constants). */
export function near(value: number | undefined, expected: number, tolerance = 1e-4): boolean {
  return value !== undefined && Math.abs(value - expected) <= tolerance * Math.max(1, Math.abs(expected));
}

/** For a binary node reading `name`, the other operand ('' when both operands are `name`). */
export function otherOperand(node: Node, name: string): string | undefined {
  const [a, b] = node.inputs;
  if (a === name) return b === name ? '' : b;
  if (b === name) return a;
  return undefined;
}

/** Both operands of a Mul/Add, each tried as "the constant" `test` accepts; returns [kept, constant] or undefined. */
export function splitConstant(graph: Graph, node: Node, test: (value: number | undefined) => boolean): [string, string] | undefined {
  const [a, b] = node.inputs as [string, string];
  if (test(scalarConstant(graph, b)) && !graph.constant(a)) return [a, b];
  if (test(scalarConstant(graph, a)) && !graph.constant(b)) return [b, a];
  return undefined;
}

/** Equal dims: same rank, and each pair is the same number or the same symbol. */
export function sameDims(a: readonly Dim[] | undefined, b: readonly Dim[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A fresh constant tensor in the graph; returns its name. */
export function addConstant(graph: Graph, prefix: string, value: Tensor): string {
  const name = graph.uniqueName(prefix);
  graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
  return name;
}

/** Attributes of a fused node: the head's attributes plus an activation (none by default). */
export function withActivation(attrs: Node['attrs'], activation = '', params: number[] = []): Node['attrs'] {
  return { ...attrs, activation, activation_params: params };
}
