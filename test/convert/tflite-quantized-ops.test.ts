// Quantized forms of the operators that quantized TFLite models carry them in, against the TFLite interpreter:
// int8 HARD_SWISH (MobileNetV3), int8 SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND, REVERSE_V2, TOPK_V2,
// DYNAMIC_UPDATE_SLICE, GATHER with batch_dims. Ops that only move values must match exactly (0 steps); those that
// compute on the dequantized values may differ by one step (TFLite's fixed-point rounding vs ours at ties).
import { describe, it } from 'vitest';
import { OPTIONS, type ModelSpec } from '../helpers/tflite-builder.js';
import { checkModel, feed, i32, oneOp, quantized } from '../helpers/tflite-check.js';
import { Tensor } from '../../src/ir/tensor.js';
import { checkWith, int32s } from './tflite-op-helpers.js';

const int8 = (shape: number[], scale = 0.05, zeroPoint = -3) => quantized('int8', shape, scale, zeroPoint);
/** Every int8 value, in order, repeated to fill `shape`. */
const everyInt8 = (shape: number[]) => new Tensor('int8', Int8Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (i % 256) - 128), shape);

describe('quantized TFLite operators vs the TFLite interpreter', () => {
  it('int8 HARD_SWISH, within one step', async () => {
    await checkModel(oneOp('HARD_SWISH', [int8([2, 5, 6, 3], 0.04, 5)], int8([2, 5, 6, 3], 0.025, -100)), { steps: 1 });
  });

  it('int8 SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND, exactly', async () => {
    await checkModel(oneOp('SPACE_TO_BATCH_ND', [int8([1, 5, 6, 3]), i32([2], [2, 3]), i32([2, 2], [1, 0, 2, 1])], int8([6, 3, 3, 3])), { steps: 0 });
    await checkModel(oneOp('BATCH_TO_SPACE_ND', [int8([6, 3, 3, 3]), i32([2], [2, 3]), i32([2, 2], [1, 0, 2, 1])], int8([1, 5, 6, 3])), { steps: 0 });
  });

  it('int8 REVERSE_V2 and uint8 TOPK_V2, exactly', async () => {
    await checkModel(oneOp('REVERSE_V2', [int8([2, 3, 4]), i32([1], [1])], int8([2, 3, 4])), { steps: 0 });
    const topK: ModelSpec = {
      tensors: [quantized('uint8', [3, 9], 0.1, 128), i32([], [3]), quantized('uint8', [3, 3], 0.1, 128), i32([3, 3])],
      inputs: [0],
      outputs: [2, 3],
      operators: [{ op: 'TOPK_V2', inputs: [0, 1], outputs: [2, 3] }],
    };
    // Random uint8 rows have ties; ties must resolve alike (lower index first).
    await checkModel(topK, { steps: 0 });
  });

  it('int8 DYNAMIC_UPDATE_SLICE and GATHER with batch_dims, exactly', async () => {
    const update = oneOp('DYNAMIC_UPDATE_SLICE', [int8([1, 6, 4]), int8([1, 2, 4]), i32([3])], int8([1, 6, 4]));
    await checkWith(update, [feed(int8([1, 6, 4]), 5), feed(int8([1, 2, 4]), 6), int32s([0, 3, 0])]);
    const gather = oneOp('GATHER', [int8([2, 4, 5]), i32([2, 3])], int8([2, 3, 5]), { type: OPTIONS.Gather, fields: [{ id: 0, int32: 1 }, { id: 1, int32: 1 }] });
    await checkWith(gather, [feed(int8([2, 4, 5]), 7), int32s([2, 0, 1, 1, 3, 0], [2, 3])]);
  });

  // Regression (movenet int8): ties must round half up as TFLite's integer kernels do, not to even or by float error.
  it('int8 SUB of a constant and 2× RESIZE_BILINEAR at exact ties, exactly', async () => {
    // x/127.5 − 1 on a 2/255 grid: every result lies halfway between two output steps.
    const normalise = oneOp('SUB', [quantized('int8', [1, 16, 16, 1], 2 / 255, -128), quantized('int8', [], 1 / 255, -128, [127])], quantized('int8', [1, 16, 16, 1], 2 / 255, -1));
    await checkWith(normalise, [everyInt8([1, 16, 16, 1])]);
    for (const halfPixel of [true, false]) {
      const resize = oneOp('RESIZE_BILINEAR', [int8([1, 4, 4, 16], 0.1, 5), i32([2], [8, 8])], int8([1, 8, 8, 16], 0.1, 5), { type: OPTIONS.ResizeBilinear, fields: [{ id: 3, bool: halfPixel }] });
      await checkWith(resize, [everyInt8([1, 4, 4, 16])]);
    }
  });
});
