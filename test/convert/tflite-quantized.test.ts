// Quantized TFLite graphs run in float with requantization (QuantizeLinear → DequantizeLinear) wherever TFLite's
// integer kernels round, compared with the TFLite interpreter. Tolerance: one quantization step per requantizing
// operator on the path (TFLite's fixed-point rounding and ours differ at ties), stated per case.
import { describe, expect, it } from 'vitest';
import { OPTIONS, type ModelSpec, type TensorSpec, buildTflite } from '../helpers/tflite-builder.js';
import { checkModel, countOps, f32, feed, i32, quantized, random } from '../helpers/tflite-check.js';
import { runWlm, toWlm } from '../helpers/tflite-models.js';

const conv = (padding: number, stride: number, activation = 0) => ({
  type: OPTIONS.Conv2D,
  fields: [{ id: 0, int8: padding }, { id: 1, int32: stride }, { id: 2, int32: stride }, { id: 3, int8: activation }],
});
const integers = (count: number, low: number, high: number, seed: number) => random(count, low, high + 1, seed).map(Math.floor);

describe('quantized TFLite graphs vs the TFLite interpreter', () => {
  it('uint8 (asymmetric, per-tensor): CONV_2D + RELU6 → AVERAGE_POOL_2D → RESHAPE → FULLY_CONNECTED → SOFTMAX', async () => {
    const inputScale = 1 / 128;
    const weightScale = 0.02;
    const spec: ModelSpec = {
      tensors: [
        quantized('uint8', [1, 8, 8, 3], inputScale, 128),
        quantized('uint8', [4, 3, 3, 3], weightScale, 120, integers(108, 60, 190, 1)),
        { ...i32([4], integers(4, -600, 600, 2)), quantization: { scale: [inputScale * weightScale], zeroPoint: [0] } },
        quantized('uint8', [1, 4, 4, 4], 6 / 255, 0),
        quantized('uint8', [1, 2, 2, 4], 6 / 255, 0),
        i32([2], [1, 16]),
        quantized('uint8', [1, 16], 6 / 255, 0),
        quantized('uint8', [5, 16], 0.01, 130, integers(80, 90, 170, 3)),
        { ...i32([5], integers(5, -300, 300, 4)), quantization: { scale: [(6 / 255) * 0.01], zeroPoint: [0] } },
        quantized('uint8', [1, 5], 0.05, 128),
        quantized('uint8', [1, 5], 1 / 256, 0),
      ],
      inputs: [0],
      outputs: [10, 3, 9],
      operators: [
        { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: conv(0, 2, 3) },
        { op: 'AVERAGE_POOL_2D', inputs: [3], outputs: [4], options: { type: OPTIONS.Pool2D, fields: [{ id: 0, int8: 1 }, { id: 1, int32: 2 }, { id: 2, int32: 2 }, { id: 3, int32: 2 }, { id: 4, int32: 2 }] } },
        { op: 'RESHAPE', inputs: [4, 5], outputs: [6] },
        { op: 'FULLY_CONNECTED', inputs: [6, 7, 8], outputs: [9], options: { type: OPTIONS.FullyConnected, fields: [{ id: 0, int8: 0 }] } },
        { op: 'SOFTMAX', inputs: [9], outputs: [10], options: { type: OPTIONS.Softmax, fields: [{ id: 0, float32: 1 }] } },
      ],
    };
    const graph = await checkModel(spec, { steps: 2 });
    // The uint8 graph input is dequantized once, and each uint8 output quantized once.
    expect(graph.tensor(graph.inputs[0]!).type).toBe('uint8');
    expect(graph.outputs.map((name) => graph.tensor(name).type)).toEqual(['uint8', 'uint8', 'uint8']);
    // RESHAPE and the average pool's matching parameters add no requantization of their own beyond the pool's.
    expect(countOps(graph, 'QuantizeLinear')).toBeLessThanOrEqual(7);
  });

  it('int8 per-channel CONV_2D and DEPTHWISE_CONV_2D, residual ADD, MEAN', async () => {
    const inputScale = 0.05;
    const convScales = [0.01, 0.02, 0.015, 0.03];
    const depthScales = [0.03, 0.01, 0.02, 0.025];
    const spec: ModelSpec = {
      tensors: [
        quantized('int8', [1, 6, 6, 4], inputScale, -3),
        quantized('int8', [4, 3, 3, 4], convScales, [0, 0, 0, 0], integers(144, -127, 127, 5), 0),
        { ...i32([4], integers(4, -900, 900, 6)), quantization: { scale: convScales.map((s) => s * inputScale), zeroPoint: [0, 0, 0, 0] } },
        quantized('int8', [1, 6, 6, 4], 0.1, 2),
        quantized('int8', [1, 3, 3, 4], depthScales, [0, 0, 0, 0], integers(36, -127, 127, 7), 3),
        { ...i32([4], integers(4, -500, 500, 8)), quantization: { scale: depthScales.map((s) => s * 0.1), zeroPoint: [0, 0, 0, 0] } },
        quantized('int8', [1, 6, 6, 4], 0.08, -10),
        quantized('int8', [1, 6, 6, 4], 0.15, 5),
        i32([2], [1, 2]),
        quantized('int8', [1, 4], 0.05, 0),
      ],
      inputs: [0],
      outputs: [9, 7],
      operators: [
        { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: conv(0, 1, 1) },
        { op: 'DEPTHWISE_CONV_2D', inputs: [3, 4, 5], outputs: [6], options: { type: OPTIONS.DepthwiseConv2D, fields: [{ id: 0, int8: 0 }, { id: 1, int32: 1 }, { id: 2, int32: 1 }, { id: 3, int32: 1 }] } },
        { op: 'ADD', inputs: [3, 6], outputs: [7], options: { type: OPTIONS.Add, fields: [{ id: 0, int8: 0 }] } },
        { op: 'MEAN', inputs: [7, 8], outputs: [9], options: { type: OPTIONS.Reducer, fields: [{ id: 0, bool: false }] } },
      ],
    };
    await checkModel(spec, { steps: 1 });
  });

  it('QUANTIZE of a float input, int8 CONV_2D, DEQUANTIZE to a float output', async () => {
    const spec: ModelSpec = {
      tensors: [
        f32([1, 5, 5, 2]),
        quantized('int8', [1, 5, 5, 2], 1 / 64, 0),
        quantized('int8', [3, 1, 1, 2], [0.02, 0.01, 0.03], [0, 0, 0], integers(6, -127, 127, 9), 0),
        { ...i32([3], [10, -20, 30]), quantization: { scale: [0.02 / 64, 0.01 / 64, 0.03 / 64], zeroPoint: [0, 0, 0] } },
        quantized('int8', [1, 5, 5, 3], 0.02, -1),
        f32([1, 5, 5, 3]),
      ],
      inputs: [0],
      outputs: [5],
      operators: [
        { op: 'QUANTIZE', inputs: [0], outputs: [1] },
        { op: 'CONV_2D', inputs: [1, 2, 3], outputs: [4], options: conv(0, 1) },
        { op: 'DEQUANTIZE', inputs: [4], outputs: [5] },
      ],
    };
    // A float output: one step of the int8 tensor it was dequantized from.
    await checkModel(spec, { tolerance: 0.02 });
  });

  it('float16 weights behind DEQUANTIZE fold into float32 constants', async () => {
    const halves = [0x3c00, 0xbc00, 0x3800, 0x4000, 0xb800, 0x3555, 0x2e66, 0xc000, 0x3a00, 0x0000, 0x3c00, 0x3400];
    const spec: ModelSpec = {
      tensors: [f32([1, 4, 4, 2]), { type: 'float16', shape: [6, 1, 1, 2], data: halves }, f32([6, 1, 1, 2]), f32([6], [0, 0.5, 0, -0.5, 0, 1]), f32([1, 4, 4, 6])],
      inputs: [0],
      outputs: [4],
      operators: [
        { op: 'DEQUANTIZE', inputs: [1], outputs: [2] },
        { op: 'CONV_2D', inputs: [0, 2, 3], outputs: [4], options: conv(0, 1) },
      ],
    };
    const graph = await checkModel(spec);
    expect(countOps(graph, 'DequantizeLinear') + countOps(graph, 'Cast')).toBe(0);
  });

  it('uint8 CONCATENATION of differently scaled inputs requantizes them', async () => {
    // TFLite's uint8 CONCATENATION requantizes every input to the output's parameters (int8 requires equal scales):
    // round((q − zp_in)·s_in / s_out) + zp_out, std::round sending ties away from zero where QuantizeLinear sends them
    // to even, so ties may differ by one step. Checked against that formula: this interpreter build's XNNPACK
    // delegate copies the bytes unscaled when it runs the concatenation itself.
    const spec: ModelSpec = {
      tensors: [quantized('uint8', [1, 2, 2, 3], 0.05, 120), quantized('uint8', [1, 2, 2, 2], 0.12, 140), quantized('uint8', [1, 2, 2, 5], 0.1, 128)],
      inputs: [0, 1],
      outputs: [2],
      operators: [{ op: 'CONCATENATION', inputs: [0, 1], outputs: [2], options: { type: OPTIONS.Concatenation, fields: [{ id: 0, int32: 3 }] } }],
    };
    const [a, b] = [feed(spec.tensors[0]!, 1), feed(spec.tensors[1]!, 2)];
    const [got] = await runWlm(toWlm(buildTflite(spec), 'concat.tflite'), [a, b], 'reference');
    const requantize = (q: number, scale: number, zeroPoint: number) => Math.min(255, Math.max(0, Math.round(((q - zeroPoint) * scale) / 0.1) + 128));
    const want: number[] = [];
    for (let pixel = 0; pixel < 4; pixel++) {
      for (let c = 0; c < 3; c++) want.push(requantize((a.data as Uint8Array)[pixel * 3 + c]!, 0.05, 120));
      for (let c = 0; c < 2; c++) want.push(requantize((b.data as Uint8Array)[pixel * 2 + c]!, 0.12, 140));
    }
    const values = Array.from(got!.data as Uint8Array);
    expect(Math.max(...values.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThanOrEqual(1);
  });

  it('uint8 MAX_POOL_2D → RESIZE_BILINEAR → LOGISTIC and TANH', async () => {
    const maxPool = { type: OPTIONS.Pool2D, fields: [{ id: 0, int8: 0 }, { id: 1, int32: 1 }, { id: 2, int32: 1 }, { id: 3, int32: 2 }, { id: 4, int32: 2 }] };
    const tensors: TensorSpec[] = [
      quantized('uint8', [1, 4, 4, 5], 0.1, 128), quantized('uint8', [1, 4, 4, 5], 0.1, 128), i32([2], [7, 6]),
      quantized('uint8', [1, 7, 6, 5], 0.1, 128), quantized('uint8', [1, 7, 6, 5], 1 / 256, 0), quantized('uint8', [1, 7, 6, 5], 1 / 128, 128),
    ];
    const spec: ModelSpec = {
      tensors,
      inputs: [0],
      outputs: [4, 5, 3],
      operators: [
        { op: 'MAX_POOL_2D', inputs: [0], outputs: [1], options: maxPool },
        { op: 'RESIZE_BILINEAR', inputs: [1, 2], outputs: [3], options: { type: OPTIONS.ResizeBilinear, fields: [{ id: 3, bool: true }] } },
        { op: 'LOGISTIC', inputs: [3], outputs: [4] },
        { op: 'TANH', inputs: [3], outputs: [5] },
      ],
    };
    // TFLite's integer bilinear interpolation rounds differently (1 step of 0.1); the activations amplify that step
    // by their slope: up to 0.1 · ¼ · 256 ≈ 6 steps for LOGISTIC, 0.1 · 1 · 128 ≈ 13 for TANH.
    await checkModel(spec, { steps: [6, 13, 1] });
  });
});
