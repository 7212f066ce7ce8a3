/**
 * Quantized TFLite models on the webgpu backend: the QDQ graph computes in f32 on the GPU (weights expanded at load,
 * QuantizeLinear/DequantizeLinear kernels between ops, placement says so), against the wasm backend's int8 kernels
 * on the same input. Tolerance: a few quantization steps of the uint8 output — float composition and integer
 * requantization round differently where a value lands near a rounding boundary, and differences compound over the
 * layers (observed: 1 step on SwiftShader).
 */
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../src/index.js';
import { readModel, toWlm, modelsPresent } from '../helpers/tflite-models.js';
import { skipWithoutGpu } from '../kernels-wgsl/harness.js';

describe.skipIf(!modelsPresent)('quantized TFLite models on webgpu (f32 math) vs wasm (int8 kernels)', () => {
  it('mobilenet-v1-0.25-224-quant', async (context) => {
    if (skipWithoutGpu(context)) return;
    const file = 'mobilenet-v1-0.25-224-quant.tflite';
    const wlm = toWlm(readModel(file), file);
    const gpu = await InferenceSession.create(wlm, { backend: 'webgpu' });
    const cpu = await InferenceSession.create(wlm, { backend: 'wasm' });
    const input = gpu.inputs[0]!;
    const size = (input.dims as number[]).reduce((a, b) => a * b, 1);
    let seed = 7;
    const data = Uint8Array.from({ length: size }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    const feeds = { [input.name]: new Tensor('uint8', data, input.dims as number[]) };
    const a = Object.values(await gpu.run(feeds))[0]!.data as Uint8Array;
    const b = Object.values(await cpu.run(feeds))[0]!.data as Uint8Array;
    let max = 0;
    for (let i = 0; i < b.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
    const onCpu = gpu.placement.filter((p) => p.backend === 'cpu');
    console.log(`webgpu vs wasm int8: max ${max} steps; ${gpu.placement.length - onCpu.length}/${gpu.placement.length} nodes on GPU; Q kernel: ${gpu.placement.find((p) => p.op === 'QuantizeLinear')?.kernel}`);
    expect(max).toBeLessThanOrEqual(2);
    expect(onCpu).toEqual([]);
    await gpu.release();
    await cpu.release();
  }, 600_000);
});
