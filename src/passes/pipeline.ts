/**
 * The optimisation pipeline, top to bottom. Each stage is one pass in its own file; shape inference runs again at
 * the end so every tensor carries fresh facts. `validate` (tests) checks the graph after every pass.
 */
import type { Graph } from '../ir/graph.js';
import { inferShapes } from '../ir/infer.js';
import { eliminateDeadNodes } from './eliminate-dead-nodes.js';
import { FUSION_PASSES } from './fusion.js';
import { foldConstants } from './fold-constants.js';
import type { Pass } from './pass.js';
import { removeIdentity } from './remove-identity.js';
import { validateGraph } from './validate.js';

export const OPTIMIZATION_PASSES: readonly Pass[] = [removeIdentity, foldConstants, eliminateDeadNodes];

export interface PipelineOptions {
  /** Run the validator after every pass (tests). */
  validate?: boolean;
  /** Skip optimisation entirely (keeps the graph as imported). */
  optimize?: boolean;
  /** Run the fusion stage (Conv+BN, residual, activations, MatMul+bias, LayerNorm, Gelu). Default true when optimising. */
  fuse?: boolean;
}

export function runPipeline(graph: Graph, options: PipelineOptions = {}): Graph {
  if (options.validate) validateGraph(graph, 'import');
  if (options.optimize !== false) {
    // Folding can expose more folding (a folded Shape feeds a Concat…): iterate to a fixed point, bounded.
    for (let round = 0; round < 8; round++) {
      let changed = false;
      for (const pass of OPTIMIZATION_PASSES) {
        if (pass.run(graph)) {
          changed = true;
          inferShapes(graph);
        }
        if (options.validate) validateGraph(graph, pass.name);
      }
      if (!changed) break;
    }
    // Fusion needs identities removed and constants folded first; each pass re-infers shapes when it changes the graph.
    if (options.fuse !== false) {
      let fused = false;
      for (const pass of FUSION_PASSES) {
        if (pass.run(graph)) fused = true;
        if (options.validate) validateGraph(graph, pass.name);
      }
      if (fused) eliminateDeadNodes.run(graph);
    }
  }
  inferShapes(graph);
  return graph;
}
