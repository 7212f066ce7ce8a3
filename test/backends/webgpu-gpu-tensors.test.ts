/**
 * GPU-resident tensors on the webgpu backend: outputs kept in GPU buffers (`outputLocation: 'gpu-buffer'`), GPU
 * buffers as feeds (`Tensor.fromGpuBuffer`), two sessions on one device chained without a read-back, buffers
 * recycled by dispose(), and the typed errors for every misuse. Reference: the same models on the CPU path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../src/index.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { dawnGpu, f32, skipWithoutGpu } from '../kernels-wgsl/harness.js';

const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;
const STORAGE = 0x0080;

/** Model A: a small conv stage producing `features` [1, 8, 6, 6]. */
const modelA = buildModel({
  inputs: [f32('image', [1, 3, 6, 6])],
  outputs: [f32('features')],
  initializers: { w: randomTensor([8, 3, 3, 3], 11), b: randomTensor([8], 12) },
  nodes: [
    { op: 'Conv', inputs: ['image', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c'], outputs: ['features'] },
  ],
});

/** Model B: consumes A's output: pooling, a matmul and softmax. */
const modelB = buildModel({
  inputs: [f32('features', [1, 8, 6, 6])],
  outputs: [f32('probs')],
  initializers: { wf: randomTensor([8, 5], 13) },
  nodes: [
    { op: 'GlobalAveragePool', inputs: ['features'], outputs: ['g'] },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
    { op: 'MatMul', inputs: ['f', 'wf'], outputs: ['m'] },
    { op: 'Softmax', inputs: ['m'], outputs: ['probs'], attrs: { axis: -1 } },
  ],
});

const image = randomTensor([1, 3, 6, 6], 14);

/** Counts GPUBuffer.mapAsync calls (every read-back maps a buffer) while `body` runs. */
async function countMaps<T>(body: () => Promise<T>): Promise<{ result: T; maps: number }> {
  const prototype = (globalThis as unknown as { GPUBuffer: { prototype: GPUBuffer } }).GPUBuffer.prototype;
  const original = prototype.mapAsync;
  let maps = 0;
  prototype.mapAsync = function (this: GPUBuffer, ...args: Parameters<GPUBuffer['mapAsync']>) {
    maps++;
    return original.apply(this, args);
  };
  try {
    return { result: await body(), maps };
  } finally {
    prototype.mapAsync = original;
  }
}

function expectClose(got: Float32Array, want: Float32Array, tolerance = 1e-5): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i]! - w), `[${i}]: got ${got[i]}, want ${w}`).toBeLessThanOrEqual(tolerance * (1 + Math.abs(w))));
}

const stats = (session: InferenceSession) => (session as unknown as { compiled: { stats: { buffersCreated: number; lastRun: Record<string, number> } } }).compiled.stats;

/** A buffer on `device` holding `data`, usable as a feed. */
function bufferWith(device: GPUDevice, data: Float32Array, usage = STORAGE | COPY_SRC | COPY_DST): GPUBuffer {
  const buffer = device.createBuffer({ size: data.byteLength, usage });
  device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  return buffer;
}

const sessions: InferenceSession[] = [];
async function open(model: Uint8Array, options: Parameters<typeof InferenceSession.create>[1]): Promise<InferenceSession> {
  const session = await InferenceSession.create(model, options);
  sessions.push(session);
  return session;
}
afterEach(async () => {
  for (const session of sessions.splice(0).reverse()) await session.release();
});

describe('GPU-resident tensors', () => {
  it('two sessions on one device chain without a read-back and match the CPU path', async (context) => {
    if (skipWithoutGpu(context)) return;
    const a = await open(modelA, { backend: 'webgpu' });
    const b = await open(modelB, { gpuDevice: a.gpuDevice });
    expect(b.backend).toBe('webgpu');
    expect(b.backendReason).toMatch(/GPUDevice given as gpuDevice/);
    expect(b.gpuDevice).toBe(a.gpuDevice);

    const first = await countMaps(() => a.run({ image }, { outputLocation: 'gpu-buffer' }));
    const features = first.result.features!;
    expect(features.location).toBe('gpu-buffer');
    expect(features.dims).toEqual([1, 8, 6, 6]);
    expect(first.maps).toBe(0);
    expect(stats(a).lastRun).toMatchObject({ readbacks: 0, copies: 1, submits: 1 });

    const second = await countMaps(() => b.run({ features }));
    expect(second.maps).toBe(1); // b's own output, nothing of `features`
    expect(stats(b).lastRun).toMatchObject({ readbacks: 1, copies: 1, uploads: 0 });

    const referenceA = await open(modelA, { backend: 'reference' });
    const referenceB = await open(modelB, { backend: 'reference' });
    const cpuFeatures = (await referenceA.run({ image })).features!;
    const cpuProbs = (await referenceB.run({ features: cpuFeatures })).probs!;
    expectClose(second.result.probs!.data as Float32Array, cpuProbs.data as Float32Array);
    expectClose(await features.getData() as Float32Array, cpuFeatures.data as Float32Array);
    features.dispose();
  });

  it('a caller buffer is a feed, with or without its device; CPU nodes reading it get a download', async (context) => {
    if (skipWithoutGpu(context)) return;
    const session = await open(modelA, { backend: 'webgpu' });
    const device = session.gpuDevice!;
    const want = (await session.run({ image })).features!.data as Float32Array;
    const buffer = bufferWith(device, image.data as Float32Array);
    for (const options of [{ device }, {}]) {
      const feed = Tensor.fromGpuBuffer(buffer, { type: 'float32', dims: [1, 3, 6, 6], ...options });
      const got = (await session.run({ image: feed })).features!.data as Float32Array;
      expect(Array.from(got)).toEqual(Array.from(want));
    }

    // A graph whose input is read by a reference node (Einsum has no GPU kernel) and by a GPU one.
    const mixed = buildModel({
      inputs: [f32('x', [3, 4])],
      outputs: [f32('h'), f32('n')],
      nodes: [{ op: 'Einsum', inputs: ['x'], outputs: ['h'], attrs: { equation: 'ij->ij' } }, { op: 'Neg', inputs: ['x'], outputs: ['n'] }],
    });
    const x = randomTensor([3, 4], 15);
    const gpuSession = await open(mixed, { gpuDevice: device });
    const reference = await open(mixed, { backend: 'reference' });
    const got = await gpuSession.run({ x: Tensor.fromGpuBuffer(bufferWith(device, x.data as Float32Array), { type: 'float32', dims: [3, 4], device }) });
    const expected = await reference.run({ x });
    expect(Array.from(got.h!.data as Float32Array)).toEqual(Array.from(expected.h!.data as Float32Array));
    expect(Array.from(got.n!.data as Float32Array)).toEqual(Array.from(expected.n!.data as Float32Array));
    expect(stats(gpuSession).lastRun).toMatchObject({ cpuNodes: 1, copies: 1 });
  });

  it('outputs that are disposed hand their buffers back: a loop creates no buffer after the first run', async (context) => {
    if (skipWithoutGpu(context)) return;
    const session = await open(modelA, { backend: 'webgpu' });
    const first = await session.run({ image }, { outputLocation: 'gpu-buffer' });
    const firstBuffer = first.features!.gpuBuffer;
    first.features!.dispose();
    const created = stats(session).buffersCreated;
    for (let i = 0; i < 3; i++) {
      const { features } = await session.run({ image }, { outputLocation: 'gpu-buffer' });
      expect(features!.gpuBuffer).toBe(firstBuffer);
      features!.dispose();
    }
    expect(stats(session).buffersCreated).toBe(created);
    // Kept (not disposed) outputs each own a buffer: two live outputs are two buffers.
    const kept = [await session.run({ image }, { outputLocation: 'gpu-buffer' }), await session.run({ image }, { outputLocation: 'gpu-buffer' })];
    expect(kept[0]!.features!.gpuBuffer).not.toBe(kept[1]!.features!.gpuBuffer);
    expect(await kept[0]!.features!.getData()).toEqual(await kept[1]!.features!.getData());
  });

  it('a shared device outlives the sessions that borrowed it; losing it is DEVICE_LOST for them', async (context) => {
    if (skipWithoutGpu(context)) return;
    const adapter = (await dawnGpu!.requestAdapter())!;
    const device = await adapter.requestDevice();
    const borrower = await InferenceSession.create(modelA, { gpuDevice: device });
    const want = (await borrower.run({ image })).features!.data;
    await borrower.release();
    const again = await open(modelA, { gpuDevice: device });
    expect((await again.run({ image })).features!.data).toEqual(want);
    device.destroy();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(again.run({ image })).rejects.toMatchObject({ code: 'DEVICE_LOST' });
  });
});

describe('GPU-resident tensors: typed errors', () => {
  it('Tensor.fromGpuBuffer checks type, dims, size and usage', async (context) => {
    if (skipWithoutGpu(context)) return;
    const session = await open(modelA, { backend: 'webgpu' });
    const device = session.gpuDevice!;
    const buffer = device.createBuffer({ size: 64, usage: STORAGE | COPY_SRC });
    expect(() => Tensor.fromGpuBuffer(buffer, { type: 'float32', dims: [1, 3, 6, 6] })).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringMatching(/64 bytes is too small for 108 float32 values \(432 bytes\)/) }),
    );
    expect(() => Tensor.fromGpuBuffer(device.createBuffer({ size: 64, usage: STORAGE }), { type: 'float32', dims: [4] })).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringMatching(/needs GPUBufferUsage.COPY_SRC/) }),
    );
    expect(() => Tensor.fromGpuBuffer(buffer, { type: 'string' as 'float32', dims: [4] })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => Tensor.fromGpuBuffer(buffer, { type: 'float32', dims: [2, -1] })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => Tensor.fromGpuBuffer({} as GPUBuffer, { type: 'float32', dims: [4] })).toThrow(expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringMatching(/expected a GPUBuffer/) }));

    const tensor = Tensor.fromGpuBuffer(buffer, { type: 'float32', dims: [4, 4] });
    expect(tensor.location).toBe('gpu-buffer');
    expect(tensor.size).toBe(16);
    expect(() => tensor.data).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/await tensor.getData\(\)/) }));
    await expect(tensor.getData()).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/pass \{ device \}/) });
    expect(() => image.gpuBuffer).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/on the CPU/) }));
    expect(image.location).toBe('cpu');
  });

  it('feeds: wrong backend, another device, wrong dims, disposed; outputLocation off webgpu', async (context) => {
    if (skipWithoutGpu(context)) return;
    const session = await open(modelA, { backend: 'webgpu' });
    const device = session.gpuDevice!;
    const feed = Tensor.fromGpuBuffer(bufferWith(device, image.data as Float32Array), { type: 'float32', dims: [1, 3, 6, 6], device });

    for (const backend of ['wasm', 'reference'] as const) {
      const cpu = await open(modelA, { backend });
      await expect(cpu.run({ image: feed })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(new RegExp(`input 'image' is a GPU tensor .* ${backend} backend`)) });
      await expect(cpu.run({ image }, { outputLocation: 'gpu-buffer' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/needs the webgpu backend/) });
    }
    await expect(session.run({ image }, { outputLocation: 'gpu' as 'cpu' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });

    // Another session has its own device: a tensor naming its device is refused at once, a bare buffer by a check.
    const other = await open(modelA, { backend: 'webgpu' });
    await expect(other.run({ image: feed })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/another GPUDevice than this session's/) });
    const bare = Tensor.fromGpuBuffer(feed.gpuBuffer, { type: 'float32', dims: [1, 3, 6, 6] });
    await expect(other.run({ image: bare })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/cannot read its buffer/) });
    expect((await other.run({ image })).features!.dims).toEqual([1, 8, 6, 6]); // the refusals left no GPU error behind

    const wrongDims = Tensor.fromGpuBuffer(feed.gpuBuffer, { type: 'float32', dims: [1, 3, 36] });
    await expect(session.run({ image: wrongDims })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/rank 4/) });
    const disposed = Tensor.fromGpuBuffer(feed.gpuBuffer, { type: 'float32', dims: [1, 3, 6, 6], device });
    disposed.dispose();
    await expect(session.run({ image: disposed })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/was disposed/) });
    await expect(disposed.getData()).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
