/**
 * Binds a graph's symbolic input dims to the concrete dims of a run, then folds everything that became constant
 * (Shape→Gather→Concat→Reshape chains over a symbolic batch, …). The wasm backend plans memory per concrete shape.
 */
import { type Graph, cloneGraph } from '../../ir/graph.js';
import { inferShapes } from '../../ir/infer.js';
import { eliminateDeadNodes } from '../../passes/eliminate-dead-nodes.js';
import { foldConstants } from '../../passes/fold-constants.js';

export function specialize(graph: Graph, inputDims: Map<string, readonly number[]>): Graph {
  const g = cloneGraph(graph);
  for (const [name, dims] of inputDims) g.tensor(name).dims = [...dims];
  inferShapes(g);
  for (let round = 0; round < 4 && foldConstants.run(g); round++) inferShapes(g);
  eliminateDeadNodes.run(g);
  return g;
}
