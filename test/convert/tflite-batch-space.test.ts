// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND against the TFLite interpreter: alone (native and NCHW forms, 3-D), and
// the atrous pattern TensorFlow exports (STB → CONV_2D / DEPTHWISE_CONV_2D → BTS), which the converter folds into
// one dilated Conv — float, uint8 and int8 per-channel. Tolerance: 1e-5 (float; the fold sums the same products in another order),
// one quantization step (uint8: one requantizing conv on the path).
import { describe, expect, it } from 'vitest';
import { OPTIONS, type ModelSpec, type TensorSpec } from '../helpers/tflite-builder.js';
import { checkModel, countOps, f32, i32, oneOp, quantized, random, weights } from '../helpers/tflite-check.js';

const VALID = 1;
const conv = (activation = 0) => ({ type: OPTIONS.Conv2D, fields: [{ id: 0, int8: VALID }, { id: 1, int32: 1 }, { id: 2, int32: 1 }, { id: 3, int8: activation }] });
const depthwise = (activation = 0) => ({
  type: OPTIONS.DepthwiseConv2D,
  fields: [{ id: 0, int8: VALID }, { id: 1, int32: 1 }, { id: 2, int32: 1 }, { id: 3, int32: 1 }, { id: 4, int8: activation }],
});
const conv1x1 = { type: OPTIONS.Conv2D, fields: [{ id: 0, int8: 0 }, { id: 1, int32: 1 }, { id: 2, int32: 1 }] };

interface Atrous {
  input: [number, number, number, number];
  block: [number, number];
  paddings: [number, number, number, number];
  crops: [number, number, number, number];
  kernel: [number, number];
  channels: number;
  depthwise?: boolean;
  activation?: number;
}

/** input → STB → conv (VALID, stride 1) → BTS → output, with TFLite's intermediate shapes. */
function atrous(a: Atrous, types: { activation: (shape: number[]) => TensorSpec; filter: TensorSpec; bias: TensorSpec }): ModelSpec {
  const [n, h, w, c] = a.input;
  const [bh, bw] = a.block;
  const [hp, wp] = [h + a.paddings[0] + a.paddings[1], w + a.paddings[2] + a.paddings[3]];
  const batched = [n * bh * bw, hp / bh, wp / bw, c];
  const convOut = [n * bh * bw, hp / bh - a.kernel[0] + 1, wp / bw - a.kernel[1] + 1, a.channels];
  const spaced = [n, convOut[1]! * bh - a.crops[0] - a.crops[1], convOut[2]! * bw - a.crops[2] - a.crops[3], a.channels];
  return {
    tensors: [
      types.activation([n, h, w, c]),
      i32([2], a.block),
      i32([2, 2], a.paddings),
      types.activation(batched),
      types.filter,
      types.bias,
      types.activation(convOut),
      i32([2, 2], a.crops),
      types.activation(spaced),
    ],
    inputs: [0],
    outputs: [8],
    operators: [
      { op: 'SPACE_TO_BATCH_ND', inputs: [0, 1, 2], outputs: [3] },
      a.depthwise
        ? { op: 'DEPTHWISE_CONV_2D', inputs: [3, 4, 5], outputs: [6], options: depthwise(a.activation) }
        : { op: 'CONV_2D', inputs: [3, 4, 5], outputs: [6], options: conv(a.activation) },
      { op: 'BATCH_TO_SPACE_ND', inputs: [6, 1, 7], outputs: [8] },
    ],
  };
}

function floatAtrous(a: Atrous): ModelSpec {
  const c = a.input[3];
  const filter = a.depthwise ? weights([1, ...a.kernel, a.channels], 61) : weights([a.channels, ...a.kernel, c], 62);
  return atrous(a, { activation: f32, filter, bias: weights([a.channels], 63) });
}

describe('TFLite SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND vs the TFLite interpreter', () => {
  it('each alone: 4-D with padding and crops, after a conv (NCHW form), and 3-D (one spatial axis)', async () => {
    await checkModel(oneOp('SPACE_TO_BATCH_ND', [f32([2, 5, 6, 3]), i32([2], [2, 3]), i32([2, 2], [1, 0, 2, 1])], f32([12, 3, 3, 3])));
    await checkModel(oneOp('BATCH_TO_SPACE_ND', [f32([12, 3, 3, 3]), i32([2], [2, 3]), i32([2, 2], [1, 0, 2, 1])], f32([2, 5, 6, 3])));
    await checkModel(oneOp('SPACE_TO_BATCH_ND', [f32([2, 6, 4]), i32([1], [3]), i32([1, 2], [2, 1])], f32([6, 3, 4])));
    await checkModel(oneOp('BATCH_TO_SPACE_ND', [f32([6, 3, 4]), i32([1], [3]), i32([1, 2], [0, 2])], f32([2, 7, 4])));
    const afterConv: ModelSpec = {
      tensors: [f32([1, 4, 6, 2]), weights([5, 1, 1, 2], 64), weights([5], 65), f32([1, 4, 6, 5]), i32([2], [2, 2]), i32([2, 2], [0, 0, 1, 1]), f32([4, 2, 4, 5])],
      inputs: [0],
      outputs: [6],
      operators: [
        { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: conv1x1 },
        { op: 'SPACE_TO_BATCH_ND', inputs: [3, 4, 5], outputs: [6] },
      ],
    };
    await checkModel(afterConv);
  });

  it('STB → CONV_2D → BTS (SAME-style paddings with base padding and crops) folds into one dilated Conv', async () => {
    const graph = await checkModel(floatAtrous({ input: [1, 9, 11, 3], block: [2, 2], paddings: [2, 3, 2, 3], crops: [0, 1, 0, 1], kernel: [3, 3], channels: 4, activation: 1 }));
    expect(countOps(graph, 'Transpose')).toBe(2); // only at the graph's edges
    const convs = graph.nodes.filter((node) => node.op === 'Conv' || node.op === 'FusedConv');
    expect(convs.length).toBe(1);
    expect(convs[0]!.attrs.dilations).toEqual([2, 2]);
    expect(countOps(graph, 'Slice')).toBe(0);
  });

  it('folds with crops larger than the paddings (a Slice remains), unequal blocks, and depthwise', async () => {
    const graph = await checkModel(floatAtrous({ input: [2, 8, 9, 3], block: [2, 3], paddings: [0, 0, 0, 0], crops: [1, 1, 2, 0], kernel: [3, 2], channels: 5 }));
    expect(countOps(graph, 'Slice')).toBe(1);
    const depthwiseGraph = await checkModel(floatAtrous({ input: [1, 10, 10, 4], block: [4, 4], paddings: [4, 6, 4, 6], crops: [0, 2, 0, 2], kernel: [3, 3], channels: 4, depthwise: true, activation: 3 }));
    expect(depthwiseGraph.nodes.filter((node) => node.attrs.dilations !== undefined && String(node.attrs.dilations) === '4,4').length).toBe(1);
  });

  it('does not fold when the conv output has a second reader', async () => {
    const spec = floatAtrous({ input: [1, 6, 6, 2], block: [2, 2], paddings: [2, 2, 2, 2], crops: [0, 0, 0, 0], kernel: [3, 3], channels: 3 });
    spec.outputs = [8, 6];
    const graph = await checkModel(spec);
    expect(graph.nodes.some((node) => node.attrs.dilations !== undefined && String(node.attrs.dilations) === '2,2')).toBe(false);
  });

  it('uint8: STB → CONV_2D (RELU6) → BTS folds, within one quantization step', async () => {
    const a: Atrous = { input: [1, 9, 9, 3], block: [2, 2], paddings: [2, 3, 2, 3], crops: [0, 1, 0, 1], kernel: [3, 3], channels: 4, activation: 3 };
    const filterScale = 0.02;
    const inputScale = 1 / 64;
    const filter = quantized('uint8', [4, 3, 3, 3], filterScale, 128, random(108, 60, 196, 5).map(Math.floor));
    const bias = { ...i32([4], random(4, -500, 500, 6).map(Math.floor)), quantization: { scale: [inputScale * filterScale], zeroPoint: [0] } };
    let count = 0;
    const activation = (shape: number[]) => (count++ < 2 ? quantized('uint8', shape, inputScale, 128) : quantized('uint8', shape, 6 / 255, 0));
    const graph = await checkModel(atrous(a, { activation, filter, bias }), { steps: 1 });
    expect(graph.nodes.filter((node) => String(node.attrs.dilations) === '2,2').length).toBe(1);
  });

  it('int8 per-channel: STB → DEPTHWISE_CONV_2D → BTS folds, within one quantization step', async () => {
    const a: Atrous = { input: [1, 10, 10, 4], block: [2, 2], paddings: [2, 2, 2, 2], crops: [0, 0, 0, 0], kernel: [3, 3], channels: 4, depthwise: true };
    const scales = [0.02, 0.01, 0.03, 0.015];
    const inputScale = 0.05;
    const filter = quantized('int8', [1, 3, 3, 4], scales, [0, 0, 0, 0], random(36, -127, 128, 7).map(Math.floor), 3);
    const bias = { ...i32([4], random(4, -300, 300, 8).map(Math.floor)), quantization: { scale: scales.map((s) => s * inputScale), zeroPoint: [0, 0, 0, 0] } };
    let count = 0;
    const activation = (shape: number[]) => (count++ < 2 ? quantized('int8', shape, inputScale, -2) : quantized('int8', shape, 0.04, 3));
    const graph = await checkModel(atrous(a, { activation, filter, bias }), { steps: 1 });
    expect(graph.nodes.filter((node) => String(node.attrs.dilations) === '2,2').length).toBe(1);
  });
});
