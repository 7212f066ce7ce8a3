/**
 * Whole-graph dtype + shape inference: walks nodes in order and asks each op's spec. Creates/updates the TensorInfo
 * of every node output. Symbolic dims flow through; sizes known only at run time become fresh symbols.
 */
import { WebliteError } from '../errors.js';
import type { Graph, Node } from './graph.js';
import type { InferContext, TensorFacts } from './op-spec.js';
import { opTable } from './ops.js';

export function checkArity(node: Node): void {
  const spec = opTable[node.op];
  const [minIn, maxIn] = spec.inputs;
  const [minOut, maxOut] = spec.outputs;
  const where = `node '${node.name}' (${node.op})`;
  if (node.inputs.length < minIn || node.inputs.length > maxIn) {
    throw new WebliteError('BAD_MODEL', `${where}: expects ${minIn}${maxIn === minIn ? '' : `..${maxIn}`} inputs, has ${node.inputs.length}`);
  }
  for (let i = 0; i < minIn; i++) {
    if (node.inputs[i] === '') throw new WebliteError('BAD_MODEL', `${where}: required input ${i} is missing`);
  }
  if (node.outputs.length < minOut || node.outputs.length > maxOut) {
    throw new WebliteError('BAD_MODEL', `${where}: expects ${minOut}${maxOut === minOut ? '' : `..${maxOut}`} outputs, has ${node.outputs.length}`);
  }
}

export function inferNode(graph: Graph, node: Node, unknownDim: () => string): TensorFacts[] {
  checkArity(node);
  const where = `node '${node.name}' (${node.op})`;
  const inputs = node.inputs.map((name) => {
    if (name === '') return undefined;
    const info = graph.tensors.get(name);
    if (!info) throw new WebliteError('BAD_MODEL', `${where}: input '${name}' is not produced by any earlier node`);
    return { type: info.type, dims: info.dims } as TensorFacts;
  });
  const ctx: InferContext = {
    inputs,
    attrs: node.attrs,
    constant: (i) => graph.constant(node.inputs[i] ?? ''),
    outputCount: node.outputs.length,
    unknownDim,
    nodeName: node.name,
  };
  return opTable[node.op].infer(ctx);
}

export function inferShapes(graph: Graph): void {
  let counter = 0;
  const unknownDim = () => `unk__${++counter}`;
  for (const node of graph.nodes) {
    const facts = inferNode(graph, node, unknownDim);
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      const fact = facts[i];
      if (!fact) throw new WebliteError('BAD_MODEL', `node '${node.name}' (${node.op}): output ${i} has no inferred type`);
      const existing = graph.tensors.get(name);
      graph.tensors.set(name, { ...existing, name, type: fact.type, dims: fact.dims ? [...fact.dims] : undefined });
    });
  }
}
