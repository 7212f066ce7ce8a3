// More TFLite builtins against the TFLite interpreter: ATAN2, FAKE_QUANT, BUCKETIZE, MATRIX_DIAG, MATRIX_SET_DIAG,
// SEGMENT_SUM and UNSORTED_SEGMENT_*, GATHER with batch_dims, CONV_3D, CONV_3D_TRANSPOSE. Tolerance: 1e-5 relative to max(1, |want|)
// for floats (FAKE_QUANT included: the nudged grid is computed in float32 as the kernel does), integers exact.
import { describe, expect, it } from 'vitest';
import { OPTIONS, type ModelSpec, buildTflite } from '../helpers/tflite-builder.js';
import { checkModel, f32, feed, i32, oneOp, weights } from '../helpers/tflite-check.js';
import { runWlm, toWlm } from '../helpers/tflite-models.js';
import { checkWith, float32s, int32s } from './tflite-op-helpers.js';

/** BuiltinOptions union ids beyond the shared helper's list (schema order). */
const MORE_OPTIONS = { FakeQuant: 58, Conv3D: 106, Bucketize: 115 } as const;

describe('TFLite math operators vs the TFLite interpreter', () => {
  it('ATAN2 in all four quadrants and on both axes (the interpreter does not broadcast)', async () => {
    const y = float32s([1, -1, 1, -1, 0, 0, 2, -2, 0, 0.5, -3, 1e-3], [3, 4]);
    const x = float32s([1, 1, -1, -1, 1, -1, 0, 0, 0, -2, 0.25, -1e3], [3, 4]);
    await checkWith(oneOp('ATAN2', [f32([3, 4]), f32([3, 4])], f32([3, 4])), [y, x]);
    await checkModel(oneOp('ATAN2', [f32([2, 3, 4]), weights([2, 3, 4], 81, -1, 1)], f32([2, 3, 4])));
  });

  // The interpreter rejects narrow_range at run time (meant for weights only), so no case here uses it.
  it('FAKE_QUANT: 8 bits, a range not containing zero, a zero point nudged onto the grid, 4 bits', async () => {
    const options = (min: number, max: number, bits: number, narrow: boolean) => ({
      type: MORE_OPTIONS.FakeQuant,
      fields: [{ id: 0, float32: min }, { id: 1, float32: max }, { id: 2, int32: bits }, { id: 3, bool: narrow }],
    });
    for (const [min, max, bits, narrow] of [[-1, 1, 8, false], [-0.7, 1.3, 8, false], [0.2, 2.5, 8, false], [-3, 1, 4, false]] as const) {
      await checkModel(oneOp('FAKE_QUANT', [f32([4, 25])], f32([4, 25]), options(min, max, bits, narrow)), { range: [-4, 4] });
    }
  });

  it('BUCKETIZE of floats and int32s', async () => {
    const options = { type: MORE_OPTIONS.Bucketize, fields: [{ id: 0, float32s: [-1, -0.25, 0, 0.5, 0.5, 3] }] };
    await checkWith(oneOp('BUCKETIZE', [f32([2, 5])], i32([2, 5]), options), [float32s([-2, -1, -0.5, 0, 0.4, 0.5, 0.6, 3, 4, -0.25], [2, 5])]);
    await checkModel(oneOp('BUCKETIZE', [i32([3, 4])], i32([3, 4]), { type: MORE_OPTIONS.Bucketize, fields: [{ id: 0, float32s: [-20, 0.5, 7, 33] }] }));
  });
});

describe('TFLite matrix and segment operators vs the TFLite interpreter', () => {
  it('MATRIX_DIAG and MATRIX_SET_DIAG (square, tall and wide matrices)', async () => {
    await checkModel(oneOp('MATRIX_DIAG', [f32([2, 4])], f32([2, 4, 4])));
    await checkModel(oneOp('MATRIX_SET_DIAG', [f32([2, 3, 3]), f32([2, 3])], f32([2, 3, 3])));
    await checkModel(oneOp('MATRIX_SET_DIAG', [f32([5, 3]), f32([3])], f32([5, 3])));
    await checkModel(oneOp('MATRIX_SET_DIAG', [f32([2, 2, 4]), f32([2, 2])], f32([2, 2, 4])));
  });

  it('SEGMENT_SUM with constant and run-time ids', async () => {
    // The interpreter wants consecutive ids (no skipped segment).
    await checkModel(oneOp('SEGMENT_SUM', [f32([6, 3]), i32([6], [0, 0, 1, 2, 2, 3])], f32([4, 3])));
    await checkWith(oneOp('SEGMENT_SUM', [f32([5, 2, 2]), i32([5])], f32([3, 2, 2])), [feed(f32([5, 2, 2])), int32s([0, 1, 1, 2, 2])]);
  });

  it('UNSORTED_SEGMENT_SUM, PROD, MAX, MIN with an empty segment and 2-D ids', async () => {
    for (const op of ['UNSORTED_SEGMENT_SUM', 'UNSORTED_SEGMENT_PROD', 'UNSORTED_SEGMENT_MAX', 'UNSORTED_SEGMENT_MIN']) {
      await checkModel(oneOp(op, [f32([6, 3]), i32([6], [2, 0, 2, 4, 0, 2]), i32([], [5])], f32([5, 3])));
      const spec = oneOp(op, [f32([2, 3, 2]), i32([2, 3]), i32([], [4])], f32([4, 2]));
      await checkWith(spec, [feed(f32([2, 3, 2])), int32s([3, 0, 3, 1, 0, 3], [2, 3])]);
    }
  });
});

describe('TFLite GATHER with batch_dims and CONV_3D vs the TFLite interpreter', () => {
  it('GATHER with batch_dims 1 on axis 1 and axis 2, and batch_dims 2', async () => {
    const gather = (axis: number, batchDims: number) => ({ type: OPTIONS.Gather, fields: [{ id: 0, int32: axis }, { id: 1, int32: batchDims }] });
    const indices = int32s([2, 0, 1, 1, 3, 0], [2, 3]);
    await checkWith(oneOp('GATHER', [f32([2, 4, 5]), i32([2, 3])], f32([2, 3, 5]), gather(1, 1)), [feed(f32([2, 4, 5])), indices]);
    const axis2: ModelSpec = oneOp('GATHER', [f32([2, 3, 4, 2]), i32([2, 3])], f32([2, 3, 3, 2]), gather(2, 1));
    await checkWith(axis2, [feed(f32([2, 3, 4, 2])), indices]);
    await checkWith(oneOp('GATHER', [f32([2, 3, 4]), i32([2, 3])], f32([2, 3]), gather(2, 2)), [feed(f32([2, 3, 4])), int32s([3, 0, 1, 2, 2, 0], [2, 3])]);
  });

  it('CONV_3D, SAME with strides and a fused RELU, VALID with dilation', async () => {
    const conv = (padding: number, stride: [number, number, number], dilation: [number, number, number], activation: number) => ({
      type: MORE_OPTIONS.Conv3D,
      fields: [
        { id: 0, int8: padding }, { id: 1, int32: stride[0] }, { id: 2, int32: stride[2] }, { id: 3, int32: stride[1] }, { id: 4, int8: activation },
        { id: 5, int32: dilation[0] }, { id: 6, int32: dilation[2] }, { id: 7, int32: dilation[1] },
      ],
    });
    await checkModel(oneOp('CONV_3D', [f32([1, 5, 6, 7, 3]), weights([3, 2, 3, 3, 4], 82), weights([4], 83)], f32([1, 3, 3, 4, 4]), conv(0, [2, 2, 2], [1, 1, 1], 1)));
    await checkModel(oneOp('CONV_3D', [f32([2, 6, 5, 5, 2]), weights([2, 3, 2, 2, 3], 84)], f32([2, 4, 1, 4, 3]), conv(1, [1, 1, 1], [2, 2, 1], 0)));
  });

  // This interpreter build's CONV_3D_TRANSPOSE disagrees with TFLite's own reference kernel (conv3d_transpose.h)
  // whenever the depth and height paddings differ (it seems to pad depth by the height padding); those cases are
  // checked against a loop written from the reference kernel instead.
  it('CONV_3D_TRANSPOSE: SAME with strides and odd sizes, VALID (interpreter); unequal depth/height padding (reference loop)', async () => {
    const conv = (padding: number, stride: [number, number, number]) => ({
      type: MORE_OPTIONS.Conv3D,
      fields: [{ id: 0, int8: padding }, { id: 1, int32: stride[0] }, { id: 2, int32: stride[2] }, { id: 3, int32: stride[1] }, { id: 4, int8: 0 }],
    });
    const transpose = (output: number[], filter: number[], input: number[], padding: number, stride: [number, number, number], bias = false) =>
      oneOp('CONV_3D_TRANSPOSE', [i32([5], output), weights(filter, 85), f32(input), ...(bias ? [weights([output[4]!], 86)] : [])], f32(output), conv(padding, stride));
    await checkModel(transpose([1, 5, 5, 7, 4], [3, 3, 3, 4, 3], [1, 3, 3, 4, 3], 0, [2, 2, 2], true));
    await checkModel(transpose([2, 4, 5, 4, 2], [2, 3, 2, 2, 3], [2, 3, 3, 3, 3], 1, [1, 1, 1]));

    // pads: depth 1, height 0, width 0 (SAME, stride 2): the reference kernel's loop.
    const [d, h, w, kd, kh, kw, s] = [3, 3, 4, 3, 3, 2, 2];
    const [outD, outH, outW] = [5, 6, 7];
    const spec = transpose([1, outD, outH, outW, 1], [kd, kh, kw, 1, 1], [1, d, h, w, 1], 0, [s, s, s]);
    const input = feed(f32([1, d, h, w, 1]), 3);
    const filter = spec.tensors[1]!.data as number[];
    const [got] = await runWlm(toWlm(buildTflite(spec), 't.tflite'), [input], 'reference');
    const want = new Float32Array(outD * outH * outW);
    const x = input.data as Float32Array;
    const [padD, padH, padW] = [1, 0, 0];
    for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) for (let xw = 0; xw < w; xw++) {
      for (let a = 0; a < kd; a++) for (let b = 0; b < kh; b++) for (let c = 0; c < kw; c++) {
        const [oz, oy, ox] = [z * s - padD + a, y * s - padH + b, xw * s - padW + c];
        if (oz < 0 || oz >= outD || oy < 0 || oy >= outH || ox < 0 || ox >= outW) continue;
        want[(oz * outH + oy) * outW + ox]! += x[(z * h + y) * w + xw]! * filter[(a * kh + b) * kw + c]!;
      }
    }
    const data = got!.data as Float32Array;
    expect(Math.max(...want.map((v, i) => Math.abs(v - data[i]!)))).toBeLessThanOrEqual(1e-5);
  });
});
