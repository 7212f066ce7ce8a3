/**
 * `fallback: 'wasm'`: a webgpu session whose device is lost (provoked with device.destroy(), before or during a
 * run) recreates itself on the wasm backend and answers the same run there, saying so in backend/backendReason;
 * without the option the run throws DEVICE_LOST as before. Reference: the reference backend.
 */
import { describe, expect, it } from 'vitest';
import { InferenceSession, type Tensor } from '../../src/index.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { f32, skipWithoutGpu } from '../kernels-wgsl/harness.js';
import { modelsPresent, readModel, toWlm } from '../helpers/tflite-models.js';
import { Tensor as WebliteTensor } from '../../src/index.js';

const model = buildModel({
  inputs: [f32('x', [1, 3, 8, 8])],
  outputs: [f32('y')],
  initializers: { w: randomTensor([4, 3, 3, 3], 21), wf: randomTensor([4, 6], 22) },
  nodes: [
    { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
    { op: 'MatMul', inputs: ['f', 'wf'], outputs: ['y'] },
  ],
});
const x = randomTensor([1, 3, 8, 8], 23);
const want = async () => (await (await InferenceSession.create(model, { backend: 'reference' })).run({ x })).y!;

function expectClose(got: Tensor, expected: Tensor): void {
  expect(got.dims).toEqual(expected.dims);
  const a = got.data as Float32Array;
  (expected.data as Float32Array).forEach((w, i) => expect(Math.abs(a[i]! - w)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w))));
}

const lose = async (session: InferenceSession) => {
  session.gpuDevice!.destroy();
  await new Promise((resolve) => setTimeout(resolve, 10));
};

describe("fallback: 'wasm' after a lost device", () => {
  it('recreates the session on wasm, answers the run, and says so', async (context) => {
    if (skipWithoutGpu(context)) return;
    const expected = await want();
    const session = await InferenceSession.create(model, { backend: 'webgpu', fallback: 'wasm' });
    expect(session.backend).toBe('webgpu');
    expectClose((await session.run({ x })).y!, expected);
    await lose(session);
    expectClose((await session.run({ x })).y!, expected);
    expect(session.backend).toBe('wasm');
    expect(session.backendReason).toMatch(/fell back to 'wasm' .*WebGPU device was lost.*destroyed/);
    expect(session.gpuDevice).toBeUndefined();
    expect(session.placement.every((p) => p.backend !== 'webgpu')).toBe(true);
    expectClose((await session.run({ x })).y!, expected);
    await expect(session.run({ x }, { outputLocation: 'gpu-buffer' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/fell back/) });
    await session.release();
  });

  it("with backend 'auto', a device lost in the middle of a run, and concurrent runs", async (context) => {
    if (skipWithoutGpu(context)) return;
    const expected = await want();
    const session = await InferenceSession.create(model, { backend: 'auto', fallback: 'wasm' });
    expect(session.backend).toBe('webgpu');
    await session.run({ x });
    const device = session.gpuDevice!;
    const runs = [session.run({ x }), session.run({ x }), session.run({ x })];
    device.destroy(); // the first run is already past its device check: its read-back fails
    for (const result of await Promise.all(runs)) expectClose(result.y!, expected);
    expect(session.backend).toBe('wasm');
    await session.release();
  });

  it('without the option the next run throws DEVICE_LOST and the session stays on webgpu', async (context) => {
    if (skipWithoutGpu(context)) return;
    const session = await InferenceSession.create(model, { backend: 'webgpu' });
    await lose(session);
    await expect(session.run({ x })).rejects.toMatchObject({ code: 'DEVICE_LOST', message: expect.stringMatching(/GPU device was lost/) });
    expect(session.backend).toBe('webgpu');
    await session.release();
    await expect(InferenceSession.create(model, { fallback: 'cpu' as 'wasm' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/fallback must be 'wasm' or 'none'/) });
  });

  it.skipIf(!modelsPresent)('a quantized model falls back onto the wasm int8 kernels (prepared from the bytes, not the webgpu graph)', async (context) => {
    if (skipWithoutGpu(context)) return;
    const file = 'mobilenet-v1-0.25-224-quant.tflite';
    const wlm = toWlm(readModel(file), file);
    const session = await InferenceSession.create(wlm, { backend: 'webgpu', fallback: 'wasm' });
    const input = session.inputs[0]!;
    const feeds = { [input.name]: new WebliteTensor('uint8', new Uint8Array(224 * 224 * 3).fill(100), [1, 224, 224, 3]) };
    await lose(session);
    const got = Object.values(await session.run(feeds))[0]!;
    expect(session.backend).toBe('wasm');
    expect(session.placement.filter((p) => p.kernel.startsWith('qs8-')).length).toBeGreaterThan(20);
    const direct = await InferenceSession.create(wlm, { backend: 'wasm' });
    expect(Array.from(got.data as Uint8Array)).toEqual(Array.from(Object.values(await direct.run(feeds))[0]!.data as Uint8Array));
    await Promise.all([session.release(), direct.release()]);
  }, 300_000);
});

