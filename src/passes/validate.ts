/**
 * Graph validator, run between passes in tests (and once after conversion): every node's inputs exist before it,
 * every tensor is produced once, arity matches the op table, recorded facts match a fresh inference.
 */
import { WebliteError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { inferNode } from '../ir/infer.js';

export function validateGraph(graph: Graph, stage = 'graph'): void {
  const fail = (message: string): never => {
    throw new WebliteError('BAD_MODEL', `${stage}: invalid graph: ${message}`);
  };
  const defined = new Set<string>();
  for (const name of graph.inputs) {
    if (!graph.tensors.has(name)) fail(`input '${name}' has no tensor info`);
    if (graph.tensors.get(name)!.value) fail(`input '${name}' is also a constant`);
    defined.add(name);
  }
  for (const [name, info] of graph.tensors) {
    if (info.name !== name) fail(`tensor '${name}' is recorded under the name '${info.name}'`);
    if (info.value) defined.add(name);
  }
  let counter = 0;
  const names = new Set<string>();
  for (const node of graph.nodes) {
    if (names.has(node.name)) fail(`two nodes are named '${node.name}'`);
    names.add(node.name);
    for (const input of node.inputs) {
      if (input !== '' && !defined.has(input)) fail(`node '${node.name}' (${node.op}) reads '${input}' before it is defined`);
    }
    const facts = inferNode(graph, node, () => `check__${++counter}`);
    node.outputs.forEach((output, i) => {
      if (output === '') return;
      if (defined.has(output)) fail(`tensor '${output}' is produced twice (again by '${node.name}')`);
      defined.add(output);
      const info = graph.tensors.get(output);
      if (!info) return fail(`output '${output}' of '${node.name}' has no tensor info`);
      if (info.type !== facts[i]!.type) fail(`'${output}' is recorded as ${info.type} but '${node.name}' produces ${facts[i]!.type}`);
      if (info.dims && facts[i]!.dims && info.dims.length !== facts[i]!.dims!.length) {
        fail(`'${output}' is recorded with rank ${info.dims.length} but '${node.name}' produces rank ${facts[i]!.dims!.length}`);
      }
    });
  }
  for (const output of graph.outputs) if (!defined.has(output)) fail(`graph output '${output}' is never produced`);
}
