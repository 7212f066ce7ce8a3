/**
 * Real exporter output on the webgpu backend: the torchvision fixtures (test/models/fixtures.ts) against torch's
 * own output, and the replay contract — after the first run nothing is created, and a run dispatches at most once
 * per node with one submit when every node is on the GPU.
 *
 * Tolerance: relative L2 ≤ 1e-3 against torch. The GPU kernels accumulate in f32 in tile order (torch in MKL-DNN's
 * blocked order), and SwiftShader's exp/log are not correctly rounded; measured errors are ~1e-6 (see the log),
 * while a semantic error (a wrong pad, axis or broadcast) moves the error by orders of magnitude more.
 */
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/convert/index.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { compileGraph, skipWithoutGpu } from '../kernels-wgsl/harness.js';
import { ensureFixtures, loadFixture } from '../models/fixtures.js';

const TOLERANCE = 1e-3;
const TIMEOUT_MS = 10 * 60_000;
const MODELS = ['mobilenet_v2', 'resnet18', 'squeezenet1_1', 'efficientnet_b0', 'transformer_encoder', 'resnet18_dynamic'];
const fixtureStatus = ensureFixtures(MODELS);

function relativeL2(got: Tensor, want: Tensor): number {
  const a = got.data as Float32Array;
  const b = want.data as Float32Array;
  let difference = 0;
  let reference = 0;
  for (let i = 0; i < b.length; i++) {
    difference += (a[i]! - b[i]!) ** 2;
    reference += b[i]! ** 2;
  }
  return Math.sqrt(difference) / Math.sqrt(reference);
}

describe('torch.onnx exports on the webgpu backend', () => {
  for (const name of MODELS) {
    it(name, async (context) => {
      if (skipWithoutGpu(context)) return;
      const status = fixtureStatus.get(name)!;
      if (!status.ready) return context.skip(status.reason);
      const fixture = loadFixture(name);
      const graph = importModel(fixture.onnx);
      const model = await compileGraph(graph);
      const feeds = new Map([['input', fixture.input]]);
      const started = performance.now();
      const output = (await model.run(feeds, ['output'])).get('output')!;
      const milliseconds = performance.now() - started;
      const error = relativeL2(output, fixture.expected);
      const onGpu = model.placement.filter((p) => p.backend === 'webgpu').length;
      const created = model.stats;
      const first = created.lastRun!;
      console.log(`${name} (webgpu): relative L2 vs torch ${error.toExponential(2)}; ${onGpu}/${model.placement.length} nodes on GPU kernels; ` +
        `${first.dispatches} dispatches, ${first.submits} submit(s), ${first.readbacks} readback(s); ${created.pipelinesCreated} pipelines, ` +
        `${created.buffersCreated} buffers; first run ${milliseconds.toFixed(0)} ms (SwiftShader: CPU emulation, not GPU speed)`);
      expect(output.dims).toEqual(fixture.expected.dims);
      expect(error).toBeLessThanOrEqual(TOLERANCE);
      expect(onGpu).toBe(model.placement.length);

      // Replay: the same input dims create nothing and give the same numbers.
      const again = (await model.run(feeds, ['output'])).get('output')!;
      const after = model.stats;
      expect(after.pipelinesCreated).toBe(created.pipelinesCreated);
      expect(after.buffersCreated).toBe(created.buffersCreated);
      expect(after.bindGroupsCreated).toBe(created.bindGroupsCreated);
      expect(after.lastRun!.dispatches).toBeLessThanOrEqual(graph.nodes.length);
      expect(after.lastRun!.submits).toBe(1);
      expect(after.lastRun!.readbacks).toBe(1);
      expect(again.data).toEqual(output.data);
      model.release();
    }, TIMEOUT_MS);
  }
});
