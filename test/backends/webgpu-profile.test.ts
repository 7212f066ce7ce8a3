/**
 * Profiling on the webgpu backend. Dawn on SwiftShader offers 'timestamp-query', so the GPU-timestamp path runs
 * here: every GPU node gets its own timed compute pass, the query set is resolved once per run, CPU reference
 * nodes keep CPU time. The other path (an adapter without the feature: CPU wall time per step) runs through an
 * adapter that hides the feature. Results while profiling still match the reference backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setGpu } from '../../src/backends/webgpu/index.js';
import { InferenceSession } from '../../src/index.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { dawnGpu, f32, skipWithoutGpu } from '../kernels-wgsl/harness.js';

const model = buildModel({
  inputs: [f32('x', [1, 3, 16, 16])],
  outputs: [f32('y')],
  initializers: { w: randomTensor([8, 3, 3, 3], 31), wf: randomTensor([8, 10], 32) },
  nodes: [
    { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
    { op: 'MatMul', inputs: ['f', 'wf'], outputs: ['m'] },
    { op: 'Einsum', inputs: ['m'], outputs: ['h'], attrs: { equation: 'ij->ij' } },
    { op: 'Add', inputs: ['h', 'm'], outputs: ['y'] },
  ],
});
const x = randomTensor([1, 3, 16, 16], 33);

/** Dawn, with 'timestamp-query' hidden from the adapter (so the device is requested without it). */
function gpuWithoutTimestamps(gpu: GPU): GPU {
  const hide = <T extends object>(target: T, override: Record<string | symbol, unknown>): T =>
    new Proxy(target, {
      get(object, key) {
        if (key in override) return override[key];
        const value = Reflect.get(object, key, object);
        return typeof value === 'function' ? value.bind(object) : value;
      },
    });
  return hide(gpu, {
    requestAdapter: async (options?: GPURequestAdapterOptions) => {
      const adapter = await gpu.requestAdapter(options);
      return adapter && hide(adapter, { features: new Set([...adapter.features].filter((f) => f !== 'timestamp-query')) });
    },
  });
}

async function profiledRuns(runs: number) {
  const session = await InferenceSession.create(model, { backend: 'webgpu' });
  const reference = await InferenceSession.create(model, { backend: 'reference' });
  const want = (await reference.run({ x })).y!.data as Float32Array;
  await session.run({ x }); // plan built before profiling starts
  session.startProfiling();
  for (let i = 0; i < runs; i++) {
    const got = (await session.run({ x })).y!.data as Float32Array;
    want.forEach((w, j) => expect(Math.abs(got[j]! - w)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w))));
  }
  const profile = session.endProfiling();
  const device = session.gpuDevice!;
  await session.release();
  return { profile, device };
}

afterEach(() => setGpu(dawnGpu));

describe('webgpu profiling', () => {
  it("with 'timestamp-query': GPU time per GPU node, CPU time for reference nodes", async (context) => {
    if (skipWithoutGpu(context)) return;
    const { profile, device } = await profiledRuns(2);
    expect(device.features.has('timestamp-query')).toBe(true);
    const byOp = Object.fromEntries(profile.map((e) => [e.op, e]));
    expect(Object.keys(byOp).sort()).toEqual(['Add', 'Einsum', 'Flatten', 'FusedConv', 'GlobalAveragePool', 'MatMul']);
    expect(byOp.Einsum).toMatchObject({ clock: 'cpu', kernel: 'reference/Einsum', runs: 2 });
    for (const op of ['FusedConv', 'GlobalAveragePool', 'MatMul', 'Add']) {
      expect(byOp[op]).toMatchObject({ clock: 'gpu', runs: 2 });
      expect(byOp[op]!.totalMs, op).toBeGreaterThanOrEqual(0);
    }
    // A 10-element Add can take less than the timestamp resolution; the conv cannot.
    expect(byOp.FusedConv!.totalMs).toBeGreaterThan(0);
    expect(byOp.Flatten!.totalMs).toBe(0); // an alias: no pass, no time
    console.log(profile.map((e) => `${e.op} ${e.clock} ${(e.totalMs / 2).toFixed(3)} ms`).join('; '));
  });

  it("without 'timestamp-query': CPU wall time per step, labelled as such", async (context) => {
    if (skipWithoutGpu(context)) return;
    setGpu(gpuWithoutTimestamps(dawnGpu!));
    const { profile, device } = await profiledRuns(2);
    expect(device.features.has('timestamp-query')).toBe(false);
    expect(profile.every((e) => e.clock === 'cpu' && e.runs === 2)).toBe(true);
    expect(profile.find((e) => e.op === 'FusedConv')!.totalMs).toBeGreaterThan(0);
  });
});
