/**
 * The fusion stage on real exporter output (test/models/fixtures.ts): which patterns fire on the torchvision CNNs
 * and the TransformerEncoder, and the fused graph still matches torch within the model tests' tolerance.
 */
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/convert/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { inferShapes } from '../../src/ir/infer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { eliminateDeadNodes } from '../../src/passes/eliminate-dead-nodes.js';
import { foldConstants } from '../../src/passes/fold-constants.js';
import { FUSION_PASSES } from '../../src/passes/fusion.js';
import { removeIdentity } from '../../src/passes/remove-identity.js';
import { validateGraph } from '../../src/passes/validate.js';
import { ensureFixtures, loadFixture } from '../models/fixtures.js';
import { runGraph, runPasses } from './fusion-harness.js';

/** Relative L2 against torch, as test/models/torchvision.test.ts allows (see the reasoning there). */
const TOLERANCE = 1e-4;
const TIMEOUT_MS = 10 * 60_000;

interface FixtureCase {
  name: string;
  /** Op counts the fused graph must have. */
  expectOps: Record<string, number>;
  /** Activations the FusedConv/FusedMatMul nodes must carry (at least one each). */
  expectActivations: string[];
}

const CASES: FixtureCase[] = [
  { name: 'mobilenet_v2', expectOps: { Clip: 0, Add: 0 }, expectActivations: ['Clip'] },
  { name: 'resnet18', expectOps: { Relu: 0, Add: 0 }, expectActivations: ['Relu'] },
  { name: 'squeezenet1_1', expectOps: { Relu: 0 }, expectActivations: ['Relu'] },
  { name: 'efficientnet_b0', expectOps: { Sigmoid: 0, Add: 0 }, expectActivations: ['Silu', 'Sigmoid'] },
  {
    name: 'transformer_encoder',
    // Two layers: four LayerNorms; in-projection and two feed-forward Linears per layer; Relu in the first Linear.
    expectOps: { LayerNormalization: 4, FusedMatMul: 6, ReduceMean: 0, Relu: 0 },
    expectActivations: ['Relu'],
  },
];

const status = ensureFixtures(CASES.map((c) => c.name));

/** The graph after the regular optimisation loop, before fusion (whatever the pipeline does by default). */
function optimizedGraph(onnx: Uint8Array): Graph {
  const graph = importModel(onnx, { optimize: false });
  for (let round = 0; round < 8; round++) {
    let changed = false;
    for (const pass of [removeIdentity, foldConstants, eliminateDeadNodes]) {
      if (!pass.run(graph)) continue;
      inferShapes(graph);
      changed = true;
    }
    if (!changed) break;
  }
  validateGraph(graph, 'optimised');
  return graph;
}

function countOps(graph: Graph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of graph.nodes) counts[node.op] = (counts[node.op] ?? 0) + 1;
  return counts;
}

function relativeL2(got: Tensor, want: Tensor): number {
  const a = got.data as Float32Array;
  const b = want.data as Float32Array;
  let difference = 0;
  let reference = 0;
  for (let i = 0; i < b.length; i++) {
    difference += (a[i]! - b[i]!) ** 2;
    reference += b[i]! ** 2;
  }
  return Math.sqrt(difference / reference);
}

describe('fusion on torch.onnx exports', () => {
  for (const { name, expectOps, expectActivations } of CASES) {
    it(name, async (context) => {
      const ready = status.get(name)!;
      if (!ready.ready) return context.skip(ready.reason);
      const fixture = loadFixture(name);
      const graph = optimizedGraph(fixture.onnx);
      const before = graph.nodes.length;
      const erfs = countOps(graph).Erf ?? 0;
      expect(runPasses(graph, FUSION_PASSES)).toBe(true);
      const counts = countOps(graph);
      // An exported GELU (one Erf each) becomes a Gelu node or a Gelu epilogue; this torch's TransformerEncoder uses Relu.
      const gelus = (counts.Gelu ?? 0) + graph.nodes.filter((node) => node.attrs.activation === 'Gelu').length;
      expect({ Erf: counts.Erf ?? 0, Gelu: gelus }).toEqual({ Erf: 0, Gelu: erfs });
      console.log(`${name}: ${before} → ${graph.nodes.length} nodes ${JSON.stringify(counts)}`);
      for (const [op, count] of Object.entries(expectOps)) expect(counts[op] ?? 0, `${op} nodes`).toBe(count);
      const activations = new Set(graph.nodes.map((node) => node.attrs.activation));
      for (const activation of expectActivations) expect(activations, `an epilogue with ${activation}`).toContain(activation);

      const { output } = await runGraph(graph, { input: fixture.input });
      const error = relativeL2(output!, fixture.expected);
      console.log(`${name}: fused graph, relative L2 vs torch ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(TOLERANCE);
    }, TIMEOUT_MS);
  }
});
