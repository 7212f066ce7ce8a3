/**
 * Shared by the fusion tests: import a builder model without optimisation, run passes with the validator after
 * each, and run a graph on the reference backend (through .wlm, so the fused ops' attributes round-trip too).
 */
import { expect } from 'vitest';
import { importModel } from '../../src/convert/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { inferShapes } from '../../src/ir/infer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { InferenceSession } from '../../src/index.js';
import { eliminateDeadNodes } from '../../src/passes/eliminate-dead-nodes.js';
import type { Pass } from '../../src/passes/pass.js';
import { validateGraph } from '../../src/passes/validate.js';
import { type ModelSpec, buildModel } from '../helpers/onnx-builder.js';

export const ops = (graph: Graph): string[] => graph.nodes.map((node) => node.op);

/** The builder model as imported, before any optimisation. */
export function importGraph(spec: ModelSpec): Graph {
  const graph = importModel(buildModel(spec), { optimize: false });
  validateGraph(graph, 'import');
  return graph;
}

/** Runs the passes in order, validating after each; then dead-node elimination. True when any pass fired. */
export function runPasses(graph: Graph, passes: readonly Pass[]): boolean {
  let changed = false;
  for (const pass of passes) {
    if (pass.run(graph)) changed = true;
    validateGraph(graph, pass.name);
  }
  eliminateDeadNodes.run(graph);
  inferShapes(graph);
  validateGraph(graph, 'after fusion');
  return changed;
}

/** The graph's outputs on the reference backend. */
export async function runGraph(graph: Graph, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await InferenceSession.create(writeWlm(graph), { backend: 'reference' });
  const results = await session.run(feeds);
  await session.release();
  return results;
}

/** Every element within 1e-5 + 1e-4·|want| (float32 rounding at different places), same dims and dtype. */
export function expectClose(got: Tensor, want: Tensor, absolute = 1e-5, relative = 1e-4): void {
  expect(got.type).toBe(want.type);
  expect(got.dims).toEqual(want.dims);
  const a = got.data as Float32Array;
  const b = want.data as Float32Array;
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < b.length; i++) {
    const excess = Math.abs(a[i]! - b[i]!) - (absolute + relative * Math.abs(b[i]!));
    if (!(excess <= worst)) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      worstIndex = i;
    }
  }
  expect(worstIndex, worstIndex >= 0 ? `element ${worstIndex}: got ${a[worstIndex]}, want ${b[worstIndex]}` : '').toBe(-1);
}

/**
 * Imports `spec`, runs it unfused, applies `passes`, checks the node list, and checks the fused graph computes
 * the same outputs. Returns the fused graph for further assertions.
 */
export async function expectFusion(
  spec: ModelSpec, passes: readonly Pass[], expectedOps: string[], feeds: Record<string, Tensor>,
): Promise<Graph> {
  const graph = importGraph(spec);
  const before = await runGraph(graph, feeds);
  runPasses(graph, passes);
  expect(ops(graph)).toEqual(expectedOps);
  const after = await runGraph(graph, feeds);
  for (const name of Object.keys(before)) expectClose(after[name]!, before[name]!);
  return graph;
}

/** Applies `passes` to `spec` and expects no change at all (same node list). */
export function expectNoFusion(spec: ModelSpec, passes: readonly Pass[]): Graph {
  const graph = importGraph(spec);
  const opsBefore = ops(graph);
  for (const pass of passes) {
    expect(pass.run(graph), `${pass.name} should not fire`).toBe(false);
    validateGraph(graph, pass.name);
  }
  expect(ops(graph)).toEqual(opsBefore);
  return graph;
}
