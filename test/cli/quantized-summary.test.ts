/**
 * The placement report's line on quantized models (`weblite bench`, `weblite run --placement`): integer kernels on
 * wasm, float32 between QuantizeLinear/DequantizeLinear on webgpu, nothing for float models; and on real sessions.
 */
import { describe, expect, it } from 'vitest';
import { quantizedSummary } from '../../src/cli/format.js';
import { convert } from '../../src/convert/index.js';
import { InferenceSession, Tensor } from '../../src/index.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';

const entry = (op: string, backend: string, kernel: string) => ({ node: `${op}_0`, op, backend, kernel });

describe('placement: how a quantized model is computed', () => {
  it('counts integer kernels, says float32 when there are none, and is silent for float models', () => {
    expect(quantizedSummary([entry('Conv', 'wasm', 'f32-igemm'), entry('Relu', 'wasm', 'f32-relu')], 'wasm')).toBeUndefined();
    const wasm = [
      entry('QuantizeLinear', 'wasm', 'ts/quantize-f32-s8'),
      entry('QLinearConv', 'wasm', 'qs8-gemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2'),
      entry('MaxPool', 'wasm', 's8-maxpool-minmax-up16c-wasmsimd'),
      entry('Reshape', 'wasm', 'ts/copy-x8'),
      entry('DequantizeLinear', 'wasm', 'ts/dequantize-s8-f32'),
      entry('Softmax', 'wasm', 'f32-softmax-8x-wasmsimd'),
      entry('QLinearAdd', 'cpu', 'reference/QLinearAdd'),
    ];
    expect(quantizedSummary(wasm, 'wasm')).toBe(
      'quantized: 3/7 nodes on 8-bit integer kernels; the others in float32 (between QuantizeLinear and DequantizeLinear where the model has them)',
    );
    const webgpu = [entry('DequantizeLinear', 'webgpu', 'quantize/dq.wgsl'), entry('Conv', 'webgpu', 'conv/f32-conv2d.wgsl')];
    expect(quantizedSummary(webgpu, 'webgpu')).toMatch(/^quantized: computed in float32 after DequantizeLinear \(the webgpu backend has no integer kernels\)/);
  });

  it('on sessions: a QDQ model on wasm runs on integer kernels, on the reference backend in float32', async () => {
    const scalar = (v: number) => new Tensor('float32', Float32Array.of(v), []);
    const zero = new Tensor('int8', Int8Array.of(0), []);
    const model = buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [1, 4, 5, 5] }],
      outputs: [{ name: 'y', type: 'float32' }],
      initializers: {
        s: scalar(0.05), z: zero,
        w: new Tensor('int8', Int8Array.from({ length: 8 * 4 * 9 }, (_, i) => ((i * 37) % 255) - 127), [8, 4, 3, 3]),
        ws: scalar(0.01), os: scalar(0.1),
      },
      nodes: [
        { op: 'QuantizeLinear', inputs: ['x', 's', 'z'], outputs: ['xq'] },
        { op: 'DequantizeLinear', inputs: ['xq', 's', 'z'], outputs: ['xd'] },
        { op: 'DequantizeLinear', inputs: ['w', 'ws', 'z'], outputs: ['wd'] },
        { op: 'Conv', inputs: ['xd', 'wd'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'QuantizeLinear', inputs: ['c', 'os', 'z'], outputs: ['cq'] },
        { op: 'DequantizeLinear', inputs: ['cq', 'os', 'z'], outputs: ['y'] },
      ],
    });
    const bytes = await convert(model);
    const wasm = await InferenceSession.create(bytes, { backend: 'wasm' });
    expect(quantizedSummary(wasm.placement, wasm.backend)).toMatch(/^quantized: 1\/\d+ nodes on 8-bit integer kernels/);
    const reference = await InferenceSession.create(bytes, { backend: 'reference' });
    expect(quantizedSummary(reference.placement, reference.backend)).toMatch(/computed in float32 after DequantizeLinear \(the reference backend/);
    expect((await wasm.run({ x: randomTensor([1, 4, 5, 5], 3) })).y!.dims).toEqual([1, 8, 5, 5]);
    await Promise.all([wasm.release(), reference.release()]);
  });
});
