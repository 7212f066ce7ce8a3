// Convolution, pooling, fully-connected and layout tests for the TFLite front-end: each builds a small model and
// compares weblite (reference + wasm) with the TFLite interpreter. Float tolerance 1e-5 · max(1, |want|).
import { describe, expect, it } from 'vitest';
import { OPTIONS, type ModelSpec } from '../helpers/tflite-builder.js';
import { checkModel, countOps, f32, i32, oneOp, weights } from '../helpers/tflite-check.js';

const SAME = 0;
const VALID = 1;
const RELU = 1;
const RELU6 = 3;

const conv2d = (padding: number, stride: number, activation = 0, dilation = 1) => ({
  type: OPTIONS.Conv2D,
  fields: [
    { id: 0, int8: padding }, { id: 1, int32: stride }, { id: 2, int32: stride }, { id: 3, int8: activation },
    { id: 4, int32: dilation }, { id: 5, int32: dilation },
  ],
});
const depthwise = (padding: number, stride: number, multiplier: number, activation = 0) => ({
  type: OPTIONS.DepthwiseConv2D,
  fields: [{ id: 0, int8: padding }, { id: 1, int32: stride }, { id: 2, int32: stride }, { id: 3, int32: multiplier }, { id: 4, int8: activation }],
});
const pool = (padding: number, stride: number, filter: number, activation = 0) => ({
  type: OPTIONS.Pool2D,
  fields: [{ id: 0, int8: padding }, { id: 1, int32: stride }, { id: 2, int32: stride }, { id: 3, int32: filter }, { id: 4, int32: filter }, { id: 5, int8: activation }],
});
const transposeConv = (padding: number, stride: number) => ({
  type: OPTIONS.TransposeConv,
  fields: [{ id: 0, int8: padding }, { id: 1, int32: stride }, { id: 2, int32: stride }],
});
const fullyConnected = (keepNumDims: boolean, activation = 0) => ({
  type: OPTIONS.FullyConnected,
  fields: [{ id: 0, int8: activation }, { id: 2, bool: keepNumDims }],
});

describe('TFLite convolutions and pooling vs the TFLite interpreter', () => {
  it('CONV_2D SAME, stride 2, bias, fused RELU6 (odd sizes)', async () => {
    await checkModel(oneOp('CONV_2D', [f32([1, 7, 9, 3]), weights([4, 3, 3, 3]), weights([4], 3)], f32([1, 4, 5, 4]), conv2d(SAME, 2, RELU6)));
  });

  it('CONV_2D VALID, dilation 2', async () => {
    await checkModel(oneOp('CONV_2D', [f32([1, 8, 8, 2]), weights([3, 3, 3, 2]), weights([3], 9)], f32([1, 4, 4, 3]), conv2d(VALID, 1, 0, 2)));
  });

  it('DEPTHWISE_CONV_2D with depth multiplier 2, SAME, stride 2, fused RELU', async () => {
    await checkModel(oneOp('DEPTHWISE_CONV_2D', [f32([1, 6, 7, 3]), weights([1, 3, 3, 6]), weights([6], 5)], f32([1, 3, 4, 6]), depthwise(SAME, 2, 2, RELU)));
  });

  it('TRANSPOSE_CONV SAME stride 2 and VALID', async () => {
    await checkModel(oneOp('TRANSPOSE_CONV', [i32([4], [1, 8, 10, 4]), weights([4, 3, 3, 3]), f32([1, 4, 5, 3])], f32([1, 8, 10, 4]), transposeConv(SAME, 2)));
    await checkModel(oneOp('TRANSPOSE_CONV', [i32([4], [1, 9, 11, 2]), weights([2, 3, 3, 3]), f32([1, 4, 5, 3])], f32([1, 9, 11, 2]), transposeConv(VALID, 2)));
  });

  it('AVERAGE_POOL_2D SAME (padding excluded from the average) and MAX_POOL_2D VALID', async () => {
    await checkModel(oneOp('AVERAGE_POOL_2D', [f32([1, 7, 7, 3])], f32([1, 4, 4, 3]), pool(SAME, 2, 3)));
    await checkModel(oneOp('MAX_POOL_2D', [f32([1, 7, 6, 2])], f32([1, 3, 3, 2]), pool(VALID, 2, 2, RELU)));
  });

  it('FULLY_CONNECTED from a 4-D input, and with keep_num_dims', async () => {
    await checkModel(oneOp('FULLY_CONNECTED', [f32([1, 2, 2, 3]), weights([5, 12]), weights([5], 2)], f32([1, 5]), fullyConnected(false, RELU)));
    await checkModel(oneOp('FULLY_CONNECTED', [f32([2, 3, 4]), weights([5, 4])], f32([2, 3, 5]), fullyConnected(true)));
  });

  it('BATCH_MATMUL with adjoints', async () => {
    const options = (x: boolean, y: boolean) => ({ type: OPTIONS.BatchMatMul, fields: [{ id: 0, bool: x }, { id: 1, bool: y }] });
    await checkModel(oneOp('BATCH_MATMUL', [f32([2, 3, 4]), weights([2, 5, 4])], f32([2, 3, 5]), options(false, true)));
    await checkModel(oneOp('BATCH_MATMUL', [f32([2, 4, 3]), f32([1, 4, 5])], f32([2, 3, 5]), options(true, false)));
  });
});

describe('TFLite layout: NCHW inside, transposes only at the edges', () => {
  // input → CONV → DEPTHWISE → ADD(residual) → CONCATENATION(axis 3) → MEAN(1, 2) → FULLY_CONNECTED → SOFTMAX
  const spec: ModelSpec = {
    tensors: [
      f32([1, 8, 8, 3]), weights([4, 3, 3, 3], 1), weights([4], 2), f32([1, 8, 8, 4]),
      weights([1, 3, 3, 4], 3), weights([4], 4), f32([1, 8, 8, 4]),
      f32([1, 8, 8, 4]), f32([1, 8, 8, 8]), i32([2], [1, 2]), f32([1, 8]),
      weights([3, 8], 5), weights([3], 6), f32([1, 3]), f32([1, 3]),
    ],
    inputs: [0],
    outputs: [14, 8],
    operators: [
      { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: conv2d(SAME, 1, RELU6) },
      { op: 'DEPTHWISE_CONV_2D', inputs: [3, 4, 5], outputs: [6], options: depthwise(SAME, 1, 1, RELU) },
      { op: 'ADD', inputs: [3, 6], outputs: [7], options: { type: OPTIONS.Add, fields: [{ id: 0, int8: 0 }] } },
      { op: 'CONCATENATION', inputs: [7, 3], outputs: [8], options: { type: OPTIONS.Concatenation, fields: [{ id: 0, int32: 3 }, { id: 1, int8: 0 }] } },
      { op: 'MEAN', inputs: [8, 9], outputs: [10], options: { type: OPTIONS.Reducer, fields: [{ id: 0, bool: false }] } },
      { op: 'FULLY_CONNECTED', inputs: [10, 11, 12], outputs: [13], options: fullyConnected(false) },
      { op: 'SOFTMAX', inputs: [13], outputs: [14], options: { type: OPTIONS.Softmax, fields: [{ id: 0, float32: 1 }] } },
    ],
  };

  it('matches the interpreter with one Transpose per 4-D graph input and output', async () => {
    const graph = await checkModel(spec);
    // The 4-D input is transposed once to NCHW; the 4-D output (the concatenation) once back to NHWC.
    expect(countOps(graph, 'Transpose')).toBe(2);
    expect(graph.inputs.map((name) => graph.tensor(name).dims)).toEqual([[1, 8, 8, 3]]);
    expect(graph.outputs.map((name) => graph.tensor(name).dims)).toEqual([[1, 3], [1, 8, 8, 8]]);
  });

  it('RESHAPE of an activation with H·W > 1 reads NHWC order', async () => {
    const reshape: ModelSpec = {
      tensors: [f32([1, 4, 5, 3]), weights([6, 3, 3, 3]), f32([1, 4, 5, 6]), i32([2], [1, -1]), f32([1, 120]), f32([1, 120]), weights([6], 3)],
      inputs: [0],
      outputs: [5],
      operators: [
        { op: 'CONV_2D', inputs: [0, 1, 6], outputs: [2], options: conv2d(SAME, 1) },
        { op: 'RESHAPE', inputs: [2, 3], outputs: [4] },
        { op: 'SOFTMAX', inputs: [4], outputs: [5], options: { type: OPTIONS.Softmax, fields: [{ id: 0, float32: 0.5 }] } },
      ],
    };
    await checkModel(reshape);
  });
});
