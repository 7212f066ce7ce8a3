/**
 * Removes Identity and inference-mode Dropout: consumers read the input directly. A node stays when its output is a
 * graph output fed straight from a graph input (the output name must still exist), or when Dropout's mask is used.
 */
import type { Pass } from './pass.js';

export const removeIdentity: Pass = {
  name: 'remove-identity',
  run(graph) {
    const consumers = graph.consumers();
    let changed = false;
    graph.nodes = graph.nodes.filter((node) => {
      if (node.op !== 'Identity' && node.op !== 'Dropout') return true;
      const [input] = node.inputs;
      const [output, mask] = node.outputs;
      if (!input || !output) return true;
      if (mask && consumers.has(mask)) return true;
      if (mask && graph.outputs.includes(mask)) return true;
      if (graph.outputs.includes(output)) {
        // Rename the producer's output instead, when the input is produced by a node used nowhere else.
        const producer = graph.nodes.find((n) => n.outputs.includes(input));
        if (!producer || graph.outputs.includes(input) || (consumers.get(input)?.length ?? 0) > 1) return true;
        producer.outputs = producer.outputs.map((o) => (o === input ? output : o));
        graph.tensors.delete(input);
      } else {
        for (const consumer of consumers.get(output) ?? []) {
          consumer.inputs = consumer.inputs.map((i) => (i === output ? input : i));
          const list = consumers.get(input) ?? [];
          if (!list.includes(consumer)) list.push(consumer);
          consumers.set(input, list);
        }
        graph.tensors.delete(output);
      }
      if (mask) graph.tensors.delete(mask);
      changed = true;
      return false;
    });
    return changed;
  },
};
