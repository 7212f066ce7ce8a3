import type { Graph } from '../ir/graph.js';

/** A graph-to-graph rewrite. `run` mutates the graph and reports whether anything changed. */
export interface Pass {
  name: string;
  run(graph: Graph): boolean;
}
