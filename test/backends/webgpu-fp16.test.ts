/**
 * Guarded fp16 (`precision: 'fp16'`): option checks, the typed refusal without 'shader-f16', and — on an adapter
 * that has the feature — fp16 sessions against fp32 ones. SwiftShader (Dawn's software adapter) has no shader-f16:
 * those tests skip and print why; bench/gpu.sh runs the same comparison on a real GPU.
 */
import { describe, expect, it } from 'vitest';
import { InferenceSession, isWebliteError } from '../../src/index.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { dawnGpu, f32, skipWithoutGpu, webgpu } from '../kernels-wgsl/harness.js';

const model = () =>
  buildModel({
    inputs: [f32('x', [1, 3, 8, 8])],
    outputs: [f32('y')],
    initializers: { w: randomTensor([4, 3, 3, 3], 1), b: randomTensor([4], 2) },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
    ],
  });

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: isWebliteError(error) ? error.code : undefined, message: (error as Error).message };
  }
  throw new Error('expected a rejection');
}

/** Whether Dawn's adapter here has shader-f16 (never on SwiftShader). */
async function adapterHasF16(): Promise<boolean> {
  const adapter = await dawnGpu?.requestAdapter({ powerPreference: 'high-performance' });
  return adapter?.features.has('shader-f16') ?? false;
}

describe('precision option', () => {
  it('rejects unknown precisions and fp16 on backends other than webgpu', async () => {
    expect(await errorOf(InferenceSession.create(model(), { precision: 'fp8' as 'fp16' }))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining("precision must be 'fp32' or 'fp16'") });
    expect(await errorOf(InferenceSession.create(model(), { backend: 'wasm', precision: 'fp16' }))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining("precision 'fp16' is for the webgpu backend") });
    expect(await errorOf(InferenceSession.create(model(), { backend: 'reference', precision: 'fp16' }))).toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it("without 'shader-f16', fp16 is refused with BACKEND_UNAVAILABLE (never a silent fp32 run); fp32 still runs", async (context) => {
    if (skipWithoutGpu(context)) return;
    if (await adapterHasF16()) {
      context.skip('this adapter has shader-f16: the refusal cannot happen here');
      return;
    }
    for (const backend of ['webgpu', 'auto'] as const) {
      const error = await errorOf(InferenceSession.create(model(), { backend, precision: 'fp16' }));
      expect(error.code).toBe('BACKEND_UNAVAILABLE');
      expect(error.message).toContain("precision 'fp16' needs the WebGPU feature 'shader-f16'");
    }
    // A caller's device without the feature is refused the same way.
    const adapter = (await dawnGpu!.requestAdapter())!;
    const device = await adapter.requestDevice();
    expect(await errorOf(InferenceSession.create(model(), { gpuDevice: device, precision: 'fp16' }))).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('the given gpuDevice was created without it') });
    device.destroy();
    const session = await InferenceSession.create(model(), { backend: 'webgpu', precision: 'fp32' });
    expect(session.backend).toBe('webgpu');
    const out = await session.run({ x: randomTensor([1, 3, 8, 8], 3) });
    expect(out.y!.dims).toEqual([1, 4, 8, 8]);
    await session.release();
  });

  it("with 'shader-f16': an fp16 session matches fp32 within 1e-2 relative L2", async (context) => {
    if (skipWithoutGpu(context)) return;
    if (!(await adapterHasF16())) {
      const reason = `skipped: the WebGPU adapter here (${webgpu.reason}) has no 'shader-f16'; bench/gpu.sh runs this on a real GPU`;
      console.log(`[fp16] ${reason}`);
      context.skip(reason);
      return;
    }
    const x = randomTensor([1, 3, 8, 8], 3);
    const fp32 = await InferenceSession.create(model(), { backend: 'webgpu' });
    const fp16 = await InferenceSession.create(model(), { backend: 'webgpu', precision: 'fp16' });
    expect(fp16.backendReason).toContain('precision fp16');
    const want = (await fp32.run({ x })).y!.data as Float32Array;
    const got = (await fp16.run({ x })).y!.data as Float32Array;
    let num = 0;
    let den = 0;
    want.forEach((v, i) => ((num += (got[i]! - v) ** 2), (den += v * v)));
    expect(Math.sqrt(num / den)).toBeLessThan(1e-2);
    expect(fp16.placement.some((p) => p.kernel.startsWith('f16-'))).toBe(true);
    await fp16.release();
    await fp32.release();
  });
});

