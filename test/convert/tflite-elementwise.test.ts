// Elementwise, activation, reduction and softmax operators of the TFLite front-end against the TFLite interpreter,
// on activations held in NCHW form (after a 1×1 CONV_2D) and broadcasting against lower-rank tensors.
import { describe, expect, it } from 'vitest';
import { OPTIONS, type ModelSpec, type OperatorSpec, type TensorSpec, buildTflite } from '../helpers/tflite-builder.js';
import { checkModel, countOps, f32, feed, i32, oneOp, weights } from '../helpers/tflite-check.js';
import { runWlm, toWlm } from '../helpers/tflite-models.js';

const conv1x1 = { type: OPTIONS.Conv2D, fields: [{ id: 0, int8: 0 }, { id: 1, int32: 1 }, { id: 2, int32: 1 }] };

/** input [1, 3, 4, 2] → 1×1 CONV_2D to 5 channels → `op`(conv output, …extra) → output. */
function afterConv(op: string, extra: TensorSpec[], output: TensorSpec, options?: OperatorSpec['options']): ModelSpec {
  const tensors = [f32([1, 3, 4, 2]), weights([5, 1, 1, 2], 31), weights([5], 32), f32([1, 3, 4, 5]), ...extra, output];
  const last = tensors.length - 1;
  return {
    tensors,
    inputs: [0, ...extra.flatMap((t, i) => (t.data ? [] : [4 + i]))],
    outputs: [last],
    operators: [
      { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: conv1x1 },
      { op, inputs: [3, ...extra.map((_, i) => 4 + i)], outputs: [last], options },
    ],
  };
}

const out = f32([1, 3, 4, 5]);
const activation = (type: number, value: number) => ({ type, fields: [{ id: 0, int8: value }] });

describe('TFLite elementwise operators vs the TFLite interpreter', () => {
  it('unary activations and math', async () => {
    for (const op of ['LOGISTIC', 'TANH', 'RELU', 'RELU6', 'RELU_N1_TO_1', 'HARD_SWISH', 'ELU', 'EXP', 'ABS', 'NEG', 'SQUARE', 'FLOOR', 'CEIL', 'ROUND', 'SIN', 'COS']) {
      await checkModel(afterConv(op, [], out));
    }
    await checkModel(afterConv('LEAKY_RELU', [], out, { type: OPTIONS.LeakyRelu, fields: [{ id: 0, float32: 0.2 }] }));
  });

  // After a conv, fuse-activation folds GELU into the conv's epilogue (activation_params [1] for the tanh form).
  it('GELU, exact (erf) and tanh-approximated', async () => {
    for (const approximate of [false, true]) {
      await checkModel(afterConv('GELU', [], out, { type: OPTIONS.Gelu, fields: [{ id: 0, bool: approximate }] }));
    }
  });

  it('SQRT, RSQRT and LOG on positive inputs', async () => {
    for (const op of ['SQRT', 'RSQRT', 'LOG']) await checkModel(oneOp(op, [f32([2, 3, 4])], f32([2, 3, 4])), { range: [0.1, 4], tolerance: 1e-5 });
  });

  it('binary arithmetic with fused activations, broadcasting against constants and lower-rank activations', async () => {
    await checkModel(afterConv('ADD', [weights([5], 41)], out, activation(OPTIONS.Add, 3)));
    await checkModel(afterConv('SUB', [f32([4, 5])], out, activation(OPTIONS.Sub, 1)));
    await checkModel(afterConv('MUL', [f32([3, 1, 1])], out, activation(OPTIONS.Mul, 0)));
    await checkModel(afterConv('DIV', [weights([1, 1, 4, 1], 42, 1, 2)], out, activation(OPTIONS.Div, 0)));
    await checkModel(afterConv('MAXIMUM', [f32([1, 3, 4, 5])], out));
    await checkModel(afterConv('MINIMUM', [weights([], 43)], out));
    await checkModel(afterConv('SQUARED_DIFFERENCE', [weights([5], 44)], out));
    await checkModel(afterConv('PRELU', [weights([1, 1, 5], 45)], out));
    await checkModel(oneOp('POW', [f32([3, 4]), weights([4], 46, -2, 2)], f32([3, 4])), { range: [0.5, 2], tolerance: 1e-5 });
  });

  it('an op mixing an NCHW activation with a 3-D activation runs in native layout', async () => {
    const graph = await checkModel(afterConv('SUB', [f32([3, 4, 5])], out));
    // One Transpose for the conv input, one for the conv output: the 3-D operand is not moved to NCHW.
    expect(countOps(graph, 'Transpose')).toBe(2);
  });

  it('FLOOR_DIV and FLOOR_MOD on integers (negative values) and floats', async () => {
    const divisor = i32([4], [3, -2, 5, -7]);
    await checkModel(oneOp('FLOOR_DIV', [i32([3, 4]), divisor], i32([3, 4])));
    await checkModel(oneOp('FLOOR_MOD', [i32([3, 4]), divisor], i32([3, 4])));
    await checkModel(oneOp('FLOOR_DIV', [f32([3, 4]), weights([4], 47, 0.5, 2)], f32([3, 4])), { range: [-9, 9] });
    await checkModel(oneOp('FLOOR_MOD', [f32([3, 4]), weights([4], 48, 0.5, 2)], f32([3, 4])), { range: [-9, 9], tolerance: 1e-5 });
  });

  it('comparisons and SELECT_V2', async () => {
    const bool = (shape: number[]): TensorSpec => ({ type: 'bool', shape });
    await checkModel(oneOp('GREATER', [f32([3, 4]), weights([4], 49)], bool([3, 4])));
    await checkModel(oneOp('NOT_EQUAL', [i32([3, 4]), i32([], [7])], bool([3, 4])));
    const select: ModelSpec = {
      tensors: [f32([3, 4]), weights([4], 50), bool([3, 4]), f32([3, 4]), f32([3, 4])],
      inputs: [0, 3],
      outputs: [4],
      operators: [
        { op: 'LESS', inputs: [0, 1], outputs: [2] },
        { op: 'SELECT_V2', inputs: [2, 0, 3], outputs: [4] },
      ],
    };
    await checkModel(select);
  });
});

describe('TFLite reductions and softmax vs the TFLite interpreter', () => {
  const reducer = (keep: boolean) => ({ type: OPTIONS.Reducer, fields: [{ id: 0, bool: keep }] });

  it('MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD over NCHW activations', async () => {
    await checkModel(afterConv('MEAN', [i32([2], [1, 2])], f32([1, 5]), reducer(false)));
    await checkModel(afterConv('MEAN', [i32([2], [2, 1])], f32([1, 1, 1, 5]), reducer(true)));
    await checkModel(afterConv('SUM', [i32([1], [1])], f32([1, 4, 5]), reducer(false)));
    await checkModel(afterConv('REDUCE_MAX', [i32([1], [-1])], f32([1, 3, 4]), reducer(false)));
    await checkModel(afterConv('REDUCE_MIN', [i32([1], [2])], f32([1, 3, 1, 5]), reducer(true)));
    await checkModel(afterConv('REDUCE_PROD', [i32([2], [0, 3])], f32([3, 4]), reducer(false)));
  });

  it('ARG_MAX and ARG_MIN with int32 and int64 outputs', async () => {
    const argType = (type: number, code: number) => ({ type, fields: [{ id: 0, int8: code }] });
    await checkModel(afterConv('ARG_MAX', [i32([1], [3])], i32([1, 3, 4]), argType(OPTIONS.ArgMax, 2)));
    await checkModel(afterConv('ARG_MAX', [i32([1], [1])], i32([1, 4, 5]), argType(OPTIONS.ArgMax, 2)));
    await checkModel(afterConv('ARG_MIN', [i32([], [2])], i32([1, 3, 5]), argType(OPTIONS.ArgMin, 2)));
    // The interpreter's JS binding cannot return int64 tensors: an int64 ARG_MAX must equal its int32 twin.
    const input = [feed(f32([1, 3, 4, 2]))];
    const [int32] = await runWlm(toWlm(buildTflite(afterConv('ARG_MAX', [i32([1], [1])], i32([1, 4, 5]), argType(OPTIONS.ArgMax, 2))), 'a.tflite'), input, 'reference');
    const [int64] = await runWlm(toWlm(buildTflite(afterConv('ARG_MAX', [i32([1], [1])], { type: 'int64', shape: [1, 4, 5] }, argType(OPTIONS.ArgMax, 4))), 'b.tflite'), input, 'reference');
    expect(int64!.type).toBe('int64');
    expect(Array.from(int64!.data as BigInt64Array, Number)).toEqual(Array.from(int32!.data as Int32Array));
  });

  it('SOFTMAX with beta over the channel axis, and LOG_SOFTMAX', async () => {
    await checkModel(afterConv('SOFTMAX', [], out, { type: OPTIONS.Softmax, fields: [{ id: 0, float32: 0.7 }] }));
    await checkModel(oneOp('LOG_SOFTMAX', [f32([3, 6])], f32([3, 6])));
  });

  it('LOCAL_RESPONSE_NORMALIZATION across channels', async () => {
    const options = { type: OPTIONS.LocalResponseNormalization, fields: [{ id: 0, int32: 2 }, { id: 1, float32: 1.5 }, { id: 2, float32: 0.3 }, { id: 3, float32: 0.75 }] };
    await checkModel(afterConv('LOCAL_RESPONSE_NORMALIZATION', [], out, options));
  });
});
