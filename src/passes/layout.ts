/**
 * Layout assignment for backends that compute convolutions channels-last (NHWC). The IR is NCHW (ONNX semantics);
 * this pass decides which 4-D tensors a backend keeps in NHWC and where conversions are needed:
 *   - outputs of `nativeNhwc` nodes (Conv, pooling… as the backend runs them) are NHWC;
 *   - `transparent` nodes (elementwise ops, channel Concat…) whose 4-D non-constant inputs are all NHWC produce NHWC;
 *   - every other reader of an NHWC tensor, and graph outputs, get an NHWC→NCHW conversion (shared per tensor);
 *   - NCHW inputs of `nativeNhwc`/`transparent` nodes get an NCHW→NHWC conversion (e.g. at the graph input).
 * A conversion of a tensor whose H and W are both 1 moves no data (NCHW and NHWC bytes coincide), so the
 * GlobalAveragePool → Flatten → Gemm tail of CNNs costs nothing.
 * The graph is not rewritten: the backend reads the assignment when it lowers nodes.
 */
import type { Graph, Node } from '../ir/graph.js';

export type Layout = 'nchw' | 'nhwc';

export interface LayoutAssignment {
  /** Layout of each tensor as the backend stores it (absent = nchw). */
  layouts: Map<string, Layout>;
  /** Tensors that also need an NCHW copy (read by NCHW-only nodes or graph outputs). */
  toNchw: Set<string>;
  /** NCHW tensors that also need an NHWC copy (read by NHWC nodes). */
  toNhwc: Set<string>;
}

export interface LayoutRules {
  /** Nodes the backend computes in NHWC: their 4-D activation input and output are NHWC. */
  nativeNhwc(node: Node): boolean;
  /** Nodes that work in either layout when their 4-D inputs agree (and constants are adapted by the backend). */
  transparent(node: Node): boolean;
}

const is4d = (graph: Graph, name: string) => graph.tensors.get(name)?.dims?.length === 4;

export function assignLayouts(graph: Graph, rules: LayoutRules): LayoutAssignment {
  const layouts = new Map<string, Layout>();
  const toNchw = new Set<string>();
  const toNhwc = new Set<string>();
  const activationInputs = (node: Node) => node.inputs.filter((name) => name !== '' && !graph.constant(name) && is4d(graph, name));

  for (const node of graph.nodes) {
    const inputs = activationInputs(node);
    let nhwc = false;
    if (rules.nativeNhwc(node)) nhwc = true;
    else if (rules.transparent(node) && inputs.length > 0 && inputs.every((name) => layouts.get(name) === 'nhwc')) nhwc = true;
    if (nhwc) {
      for (const name of node.outputs) if (name !== '' && is4d(graph, name)) layouts.set(name, 'nhwc');
      // Native nodes read their main input in NHWC; transparent ones got here only with NHWC inputs.
      for (const name of inputs) if (layouts.get(name) !== 'nhwc') toNhwc.add(name);
    } else {
      for (const name of node.inputs) if (layouts.get(name) === 'nhwc') toNchw.add(name);
    }
  }
  for (const name of graph.outputs) if (layouts.get(name) === 'nhwc') toNchw.add(name);
  return { layouts, toNchw, toNhwc };
}

/** True when converting this tensor between NCHW and NHWC moves no data. */
export function layoutFree(dims: readonly (number | string)[] | undefined): boolean {
  return dims !== undefined && dims.length === 4 && dims[2] === 1 && dims[3] === 1;
}
