/** Removes nodes whose outputs nobody reads, and tensors nothing references. */
import type { Pass } from './pass.js';

export const eliminateDeadNodes: Pass = {
  name: 'eliminate-dead-nodes',
  run(graph) {
    const live = new Set<string>(graph.outputs);
    const kept = [];
    for (let i = graph.nodes.length - 1; i >= 0; i--) {
      const node = graph.nodes[i]!;
      if (!node.outputs.some((name) => name !== '' && live.has(name))) continue;
      for (const input of node.inputs) if (input !== '') live.add(input);
      kept.push(node);
    }
    kept.reverse();
    let changed = kept.length !== graph.nodes.length;
    graph.nodes = kept;
    for (const node of kept) for (const out of node.outputs) if (out !== '') live.add(out);
    for (const name of graph.inputs) live.add(name);
    for (const name of [...graph.tensors.keys()]) {
      if (!live.has(name)) {
        graph.tensors.delete(name);
        changed = true;
      }
    }
    return changed;
  },
};
