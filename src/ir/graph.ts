/**
 * The in-memory model: named tensors (with dtype, possibly symbolic shape, optional constant value) and
 * nodes in topological order. Every front-end produces this; every backend consumes it.
 */
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';
import type { OpType } from './ops.js';

/** A dimension: a known size, or a named symbolic size such as 'batch'. */
export type Dim = number | string;

export type AttrValue = number | string | number[] | string[] | Tensor;
export type Attrs = Record<string, AttrValue>;

export interface TensorInfo {
  name: string;
  type: DType;
  /** undefined when even the rank is unknown. */
  dims?: Dim[];
  /** Set for constants (initializers and folded values). */
  value?: Tensor;
  /** Quantization parameters (TFLite / int8 paths). */
  quantization?: { scale: number[]; zeroPoint: number[]; axis: number };
}

export interface Node {
  name: string;
  op: OpType;
  /** Tensor names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
}

export interface ModelMetadata {
  producer: string;
  producerVersion: string;
  sourceFormat: string;
  sourceOpset: number;
  /** Free key/values: labels, mean/std, input layout… */
  properties: Record<string, string>;
}

export class Graph {
  tensors = new Map<string, TensorInfo>();
  nodes: Node[] = [];
  inputs: string[] = [];
  outputs: string[] = [];
  metadata: ModelMetadata = { producer: '', producerVersion: '', sourceFormat: '', sourceOpset: 0, properties: {} };

  tensor(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new Error(`internal: unknown tensor '${name}'`);
    return info;
  }

  /** Constant value of a tensor, if it is a constant. */
  constant(name: string): Tensor | undefined {
    return name === '' ? undefined : this.tensors.get(name)?.value;
  }

  /** Map tensor name → nodes consuming it. */
  consumers(): Map<string, Node[]> {
    const map = new Map<string, Node[]>();
    for (const node of this.nodes) {
      for (const input of node.inputs) {
        if (input === '') continue;
        let list = map.get(input);
        if (!list) map.set(input, (list = []));
        if (!list.includes(node)) list.push(node);
      }
    }
    return map;
  }

  /** Map tensor name → producing node. */
  producers(): Map<string, Node> {
    const map = new Map<string, Node>();
    for (const node of this.nodes) for (const output of node.outputs) if (output !== '') map.set(output, node);
    return map;
  }

  /** A fresh tensor name with the given prefix. */
  uniqueName(prefix: string): string {
    let name = prefix;
    for (let i = 1; this.tensors.has(name); i++) name = `${prefix}_${i}`;
    return name;
  }
}

/** A copy whose nodes, tensor infos and lists can be rewritten freely; constant values are shared (never mutated). */
export function cloneGraph(graph: Graph): Graph {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(graph)) as Graph, graph);
  copy.tensors = new Map([...graph.tensors].map(([name, info]) => [name, { ...info, dims: info.dims ? [...info.dims] : undefined }]));
  copy.nodes = graph.nodes.map((node) => ({ ...node, inputs: [...node.inputs], outputs: [...node.outputs], attrs: { ...node.attrs } }));
  copy.inputs = [...graph.inputs];
  copy.outputs = [...graph.outputs];
  return copy;
}
