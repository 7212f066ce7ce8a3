/**
 * The webgpu backend in real headless Chromium (Debian's /usr/bin/chromium) on its SwiftShader adapter: a graph of
 * common ONNX ops and a torchvision export (squeezenet1_1, .cache/fixtures) run with backend 'webgpu' (and 'auto',
 * which must choose webgpu there), every node on a GPU kernel, compared with the reference backend run in Node
 * (and, for the export, with torch's own output); two sessions chained through a GPU-resident tensor with no
 * buffer mapped in between. Skips with the reason when Chromium exposes no adapter.
 *
 * Tolerances: |webgpu − reference| ≤ 1e-4·(1 + |reference|) for the op graph (f32 accumulation in tile order vs
 * the reference's sequential sums; SwiftShader's exp is not correctly rounded); the export uses relative L2
 * ≤ 1e-3, the Node webgpu tests' tolerance (test/backends/webgpu-models.test.ts).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceSession } from '../../src/index.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { ensureFixtures, loadFixture } from '../models/fixtures.js';
import { CHROMIUM, type WebGpuPage, buildBundle, openWebGpuPage } from './webgpu-page.js';

const f32 = (name: string, dims: number[] = []) => ({ name, type: 'float32' as const, dims });

/** Conv/pool/concat/transpose/matmul/softmax/layernorm/reduce: the op families of the CNN and transformer kernels. */
const opsModel = buildModel({
  inputs: [f32('x', [1, 3, 12, 12]), f32('t', [2, 5, 8])],
  outputs: [f32('cnn'), f32('seq'), f32('mean')],
  initializers: {
    w: randomTensor([6, 3, 3, 3], 41), b: randomTensor([6], 42), dw: randomTensor([6, 1, 3, 3], 43), wf: randomTensor([12, 7], 44),
    wq: randomTensor([8, 8], 45), gamma: randomTensor([8], 46), beta: randomTensor([8], 47),
  },
  nodes: [
    { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'Conv', inputs: ['r', 'dw'], outputs: ['d'], attrs: { group: 6, pads: [1, 1, 1, 1], strides: [2, 2] } },
    { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'Concat', inputs: ['d', 'p'], outputs: ['cat'], attrs: { axis: 1 } },
    { op: 'GlobalAveragePool', inputs: ['cat'], outputs: ['g'] },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
    { op: 'MatMul', inputs: ['f', 'wf'], outputs: ['m'] },
    { op: 'Softmax', inputs: ['m'], outputs: ['cnn'], attrs: { axis: -1 } },
    { op: 'MatMul', inputs: ['t', 'wq'], outputs: ['q'] },
    { op: 'Transpose', inputs: ['q'], outputs: ['qt'], attrs: { perm: [0, 2, 1] } },
    { op: 'MatMul', inputs: ['q', 'qt'], outputs: ['scores'] },
    { op: 'Softmax', inputs: ['scores'], outputs: ['attention'], attrs: { axis: -1 } },
    { op: 'MatMul', inputs: ['attention', 'q'], outputs: ['mixed'] },
    { op: 'Add', inputs: ['mixed', 't'], outputs: ['residual'] },
    { op: 'LayerNormalization', inputs: ['residual', 'gamma', 'beta'], outputs: ['seq'], attrs: { axis: -1 } },
    { op: 'ReduceMean', inputs: ['seq'], outputs: ['mean'], attrs: { axes: [1], keepdims: 0 } },
  ],
});
const opsFeeds = { x: randomTensor([1, 3, 12, 12], 48), t: randomTensor([2, 5, 8], 49) };

interface PageResult {
  backend: string;
  reason: string;
  placement: string[];
  outputs: Record<string, { dims: number[]; data: number[] }>;
}

/** Runs `model` in the page on `backend`; feeds go in as plain arrays. */
async function runInPage(page: WebGpuPage['page'], model: Uint8Array | string, feeds: Record<string, Tensor>, backend: string): Promise<PageResult> {
  const plain = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, { dims: [...t.dims], data: Array.from(t.data as Float32Array) }]));
  return page.evaluate(
    async ([source, inputs, requested]) => {
      const weblite = (window as unknown as { weblite: typeof import('../../src/index.js') }).weblite;
      const bytes = typeof source === 'string' ? new Uint8Array(await (await fetch(source)).arrayBuffer()) : new Uint8Array(source);
      const session = await weblite.InferenceSession.create(bytes, { backend: requested as 'webgpu' });
      const tensors = Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, new weblite.Tensor('float32', new Float32Array(t.data), t.dims)]));
      const out = await session.run(tensors);
      const result = {
        backend: session.backend,
        reason: session.backendReason,
        placement: session.placement.map((p) => `${p.backend}:${p.kernel}`),
        outputs: Object.fromEntries(Object.entries(out).map(([name, t]) => [name, { dims: [...t.dims], data: Array.from(t.data as Float32Array) }])),
      };
      await session.release();
      return result;
    },
    [typeof model === 'string' ? model : Array.from(model), plain, backend] as [number[] | string, typeof plain, string],
  );
}

describe.skipIf(!existsSync(CHROMIUM))('webgpu backend in headless Chromium (SwiftShader)', () => {
  let chromium: WebGpuPage | undefined;
  const errors: string[] = [];
  const skipWithoutAdapter = (context: { skip: (note?: string) => void }) => {
    if (!chromium?.adapter) context.skip(chromium?.reason ?? 'Chromium did not start');
    return !chromium?.adapter;
  };

  beforeAll(async () => {
    await buildBundle();
    chromium = await openWebGpuPage(errors);
    console.log(`Chromium WebGPU: ${chromium.reason}`);
  }, 300_000);
  afterAll(async () => {
    await chromium?.close();
  });

  it("a graph of common ONNX ops matches the reference backend; 'auto' chooses webgpu", async (context) => {
    if (skipWithoutAdapter(context)) return;
    const reference = await (await InferenceSession.create(opsModel, { backend: 'reference' })).run(opsFeeds);
    for (const backend of ['webgpu', 'auto']) {
      const result = await runInPage(chromium!.page, opsModel, opsFeeds, backend);
      expect(result.backend).toBe('webgpu');
      expect(result.reason).toMatch(backend === 'auto' ? /auto chose 'webgpu'/ : /WebGPU adapter google swiftshader/);
      expect(result.placement.filter((p) => !p.startsWith('webgpu:'))).toEqual([]);
      for (const [name, want] of Object.entries(reference)) {
        const got = result.outputs[name]!;
        expect(got.dims).toEqual([...want.dims]);
        (want.data as Float32Array).forEach((w, i) => expect(Math.abs(got.data[i]! - w), `${name}[${i}]`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(w))));
      }
    }
    expect(errors).toEqual([]);
  }, 300_000);

  it('GPU-resident tensors chain two sessions on one device without a read-back', async (context) => {
    if (skipWithoutAdapter(context)) return;
    const first = buildModel({
      inputs: [f32('x', [1, 3, 12, 12])],
      outputs: [f32('features')],
      initializers: { w: randomTensor([6, 3, 3, 3], 51) },
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } }, { op: 'Relu', inputs: ['c'], outputs: ['features'] }],
    });
    const second = buildModel({
      inputs: [f32('features', [1, 6, 12, 12])],
      outputs: [f32('y')],
      initializers: { wf: randomTensor([6, 4], 52) },
      nodes: [
        { op: 'GlobalAveragePool', inputs: ['features'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
        { op: 'MatMul', inputs: ['f', 'wf'], outputs: ['y'] },
      ],
    });
    const x = opsFeeds.x;
    const features = (await (await InferenceSession.create(first, { backend: 'reference' })).run({ x })).features!;
    const want = (await (await InferenceSession.create(second, { backend: 'reference' })).run({ features })).y!;
    const result = await chromium!.page.evaluate(
      async ([a, b, input]) => {
        const weblite = (window as unknown as { weblite: typeof import('../../src/index.js') }).weblite;
        const sessionA = await weblite.InferenceSession.create(new Uint8Array(a), { backend: 'webgpu' });
        const sessionB = await weblite.InferenceSession.create(new Uint8Array(b), { gpuDevice: sessionA.gpuDevice });
        const prototype = GPUBuffer.prototype;
        const mapAsync = prototype.mapAsync;
        let maps = 0;
        prototype.mapAsync = function (...args) {
          maps++;
          return mapAsync.apply(this, args);
        };
        const out = await sessionA.run({ x: new weblite.Tensor('float32', new Float32Array(input), [1, 3, 12, 12]) }, { outputLocation: 'gpu-buffer' });
        const mapsBetween = maps;
        const location = out.features!.location;
        const y = (await sessionB.run({ features: out.features! })).y!;
        prototype.mapAsync = mapAsync;
        out.features!.dispose();
        await sessionB.release();
        await sessionA.release();
        return { mapsBetween, mapsAfter: maps, location, y: Array.from(y.data as Float32Array) };
      },
      [Array.from(first), Array.from(second), Array.from(x.data as Float32Array)] as [number[], number[], number[]],
    );
    expect(result).toMatchObject({ mapsBetween: 0, mapsAfter: 1, location: 'gpu-buffer' });
    (want.data as Float32Array).forEach((w, i) => expect(Math.abs(result.y[i]! - w)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w))));
    expect(errors).toEqual([]);
  }, 300_000);

  it('torchvision squeezenet1_1 matches the reference backend and torch', async (context) => {
    if (skipWithoutAdapter(context)) return;
    const status = ensureFixtures(['squeezenet1_1']).get('squeezenet1_1')!;
    if (!status.ready) return context.skip(status.reason);
    const fixture = loadFixture('squeezenet1_1');
    const want = (await (await InferenceSession.create(fixture.onnx, { backend: 'reference' })).run({ input: fixture.input })).output!;
    const result = await runInPage(chromium!.page, '/.cache/fixtures/squeezenet1_1.onnx', { input: fixture.input }, 'webgpu');
    expect(result.backend).toBe('webgpu');
    expect(result.placement.every((p) => p.startsWith('webgpu:'))).toBe(true);
    const got = result.outputs.output!;
    expect(got.dims).toEqual([...want.dims]);
    const relativeL2 = (reference: Float32Array) => {
      let difference = 0;
      let norm = 0;
      reference.forEach((r, i) => {
        difference += (got.data[i]! - r) ** 2;
        norm += r ** 2;
      });
      return Math.sqrt(difference / norm);
    };
    const vsReference = relativeL2(want.data as Float32Array);
    const vsTorch = relativeL2(fixture.expected.data as Float32Array);
    console.log(`squeezenet1_1 in Chromium (webgpu/SwiftShader): relative L2 ${vsReference.toExponential(2)} vs reference, ${vsTorch.toExponential(2)} vs torch`);
    expect(vsReference).toBeLessThanOrEqual(1e-3);
    expect(vsTorch).toBeLessThanOrEqual(1e-3);
    expect(errors).toEqual([]);
  }, 600_000);
});
