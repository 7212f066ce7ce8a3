// Less common TFLite builtins against the TFLite interpreter: L2 normalization and pooling, tensor generators
// (ZEROS_LIKE, FILL, RANGE, RANK, BROADCAST_TO/ARGS, ONE_HOT), indexing (EMBEDDING_LOOKUP, REVERSE_V2,
// REVERSE_SEQUENCE, SCATTER_ND, SPARSE_TO_DENSE, DYNAMIC_UPDATE_SLICE), scans (CUMSUM, TOPK_V2), boolean reductions
// and SELECT with a row condition.
// Tolerance: 1e-5 relative to max(1, |want|) for floats (1e-4 where sums of 20+ terms are reordered), integers exact.
import { describe, expect, it } from 'vitest';
import { OPTIONS, type ModelSpec, type TensorSpec, buildTflite } from '../helpers/tflite-builder.js';
import { checkModel, countOps, f32, feed, i32, oneOp, quantized, weights } from '../helpers/tflite-check.js';
import { runTflite } from '../helpers/tflite-interpreter.js';
import { runWlm, toWlm } from '../helpers/tflite-models.js';
import { Tensor } from '../../src/ir/tensor.js';
import { checkWith, int32s } from './tflite-op-helpers.js';

/** BuiltinOptions union ids beyond the shared helper's list (schema order). */
const MORE_OPTIONS = { L2Norm: 12, TopKV2: 34, SparseToDense: 50, OneHot: 61, ReverseSequence: 87, Cumsum: 102 } as const;
const conv1x1 = { type: OPTIONS.Conv2D, fields: [{ id: 0, int8: 0 }, { id: 1, int32: 1 }, { id: 2, int32: 1 }] };
const bool = (shape: number[]): TensorSpec => ({ type: 'bool', shape });

/** input [1, H, W, 2] → 1×1 CONV_2D to C channels (an NCHW activation) → `op`(…) → outputs. */
function afterConv(shape: [number, number, number], op: string, extra: TensorSpec[], outputs: TensorSpec[], options?: ModelSpec['operators'][number]['options']): ModelSpec {
  const [h, w, c] = shape;
  const tensors = [f32([1, h, w, 2]), weights([c, 1, 1, 2], 71), weights([c], 72), f32([1, h, w, c]), ...extra, ...outputs];
  const first = 4 + extra.length;
  const outputIndices = outputs.map((_, i) => first + i);
  return {
    tensors,
    inputs: [0, ...extra.flatMap((t, i) => (t.data ? [] : [4 + i]))],
    outputs: outputIndices,
    operators: [
      { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: conv1x1 },
      { op, inputs: [3, ...extra.map((_, i) => 4 + i)], outputs: outputIndices, options },
    ],
  };
}


describe('TFLite L2 operators vs the TFLite interpreter', () => {
  it('L2_NORMALIZATION over channels of an NCHW activation, over a 2-D input, and near zero', async () => {
    const l2 = { type: MORE_OPTIONS.L2Norm, fields: [{ id: 0, int8: 0 }] };
    await checkModel(afterConv([3, 4, 6], 'L2_NORMALIZATION', [], [f32([1, 3, 4, 6])], l2));
    await checkModel(oneOp('L2_NORMALIZATION', [f32([5, 7])], f32([5, 7]), l2));
    await checkModel(oneOp('L2_NORMALIZATION', [f32([4, 3])], f32([4, 3]), l2), { range: [-1e-7, 1e-7] });
  });

  it('L2_NORMALIZATION, uint8 (output scale 1/128, zero point 128), within one step', async () => {
    await checkModel(oneOp('L2_NORMALIZATION', [quantized('uint8', [2, 3, 8], 0.05, 120)], quantized('uint8', [2, 3, 8], 1 / 128, 128)), { steps: 1 });
    await checkModel(oneOp('L2_NORMALIZATION', [quantized('int8', [4, 10], 0.02, -5)], quantized('int8', [4, 10], 1 / 128, 0)), { steps: 1 });
  });

  it('L2_POOL_2D, SAME and VALID, strided, with a fused RELU6', async () => {
    const pool = (padding: number, k: [number, number], s: [number, number], activation = 0) => ({
      type: OPTIONS.Pool2D,
      fields: [{ id: 0, int8: padding }, { id: 1, int32: s[1] }, { id: 2, int32: s[0] }, { id: 3, int32: k[1] }, { id: 4, int32: k[0] }, { id: 5, int8: activation }],
    });
    await checkModel(afterConv([7, 9, 3], 'L2_POOL_2D', [], [f32([1, 4, 5, 3])], pool(0, [3, 2], [2, 2], 3)), { range: [-3, 3] });
    await checkModel(oneOp('L2_POOL_2D', [f32([2, 7, 9, 3])], f32([2, 3, 8, 3]), pool(1, [3, 2], [2, 1])));
  });
});

describe('TFLite tensor generators vs the TFLite interpreter', () => {
  it('ZEROS_LIKE, FILL (constant and run-time value), RANK', async () => {
    const spec: ModelSpec = {
      tensors: [f32([2, 3]), f32([2, 3]), f32([2, 3]), i32([3], [2, 1, 4]), f32([]), f32([2, 1, 4]), i32([]), i32([2], [3, 2]), i32([], [7]), i32([3, 2])],
      inputs: [0, 4],
      outputs: [2, 5, 6, 9],
      operators: [
        { op: 'ZEROS_LIKE', inputs: [0], outputs: [1] },
        { op: 'ADD', inputs: [0, 1], outputs: [2], options: { type: OPTIONS.Add, fields: [{ id: 0, int8: 0 }] } },
        { op: 'FILL', inputs: [3, 4], outputs: [5] },
        { op: 'RANK', inputs: [5], outputs: [6] },
        { op: 'FILL', inputs: [7, 8], outputs: [9] },
      ],
    };
    await checkModel(spec);
  });

  it('RANGE (int32 and float32) feeding arithmetic', async () => {
    const spec: ModelSpec = {
      tensors: [i32([], [2]), i32([], [-9]), i32([], [-3]), i32([4]), f32([], [0.5]), f32([], [2.2]), f32([], [0.3]), f32([6]), f32([6]), f32([6])],
      inputs: [8],
      outputs: [3, 9],
      operators: [
        { op: 'RANGE', inputs: [0, 1, 2], outputs: [3] },
        { op: 'RANGE', inputs: [4, 5, 6], outputs: [7] },
        { op: 'MUL', inputs: [7, 8], outputs: [9], options: { type: OPTIONS.Mul, fields: [{ id: 0, int8: 0 }] } },
      ],
    };
    await checkModel(spec);
  });

  // This interpreter build has no BROADCAST_TO kernel: the reference is the same model with ADD of zeros.
  it('BROADCAST_TO (NCHW activation, lower-rank input) vs ADD of zeros; BROADCAST_ARGS', async () => {
    const add = { type: OPTIONS.Add, fields: [{ id: 0, int8: 0 }] };
    const cases: [ModelSpec, ModelSpec][] = [
      [afterConv([1, 4, 3], 'BROADCAST_TO', [i32([4], [2, 3, 4, 3])], [f32([2, 3, 4, 3])]), afterConv([1, 4, 3], 'ADD', [f32([2, 3, 4, 3], new Array(72).fill(0))], [f32([2, 3, 4, 3])], add)],
      [oneOp('BROADCAST_TO', [f32([3, 1]), i32([3], [2, 3, 5])], f32([2, 3, 5])), oneOp('ADD', [f32([3, 1]), f32([2, 3, 5], new Array(30).fill(0))], f32([2, 3, 5]), add)],
    ];
    for (const [model, twin] of cases) {
      const inputs = model.inputs.map((index, i) => feed(model.tensors[index]!, 11 + i));
      const [want] = await runTflite(buildTflite(twin), inputs);
      for (const backend of ['reference', 'wasm'] as const) {
        const [got] = await runWlm(toWlm(buildTflite(model), 'b.tflite'), inputs, backend);
        expect(got!.dims).toEqual(want!.tensor.dims);
        const [x, y] = [got!.data as Float32Array, want!.tensor.data as Float32Array];
        expect(Math.max(...y.map((v, k) => Math.abs(v - x[k]!))), backend).toBeLessThanOrEqual(1e-6); // the conv's rounding
      }
    }
    await checkModel(oneOp('BROADCAST_ARGS', [i32([3], [2, 1, 5]), i32([2], [4, 1])], i32([3])));
  });

  it('ONE_HOT with negative and out-of-range indices, on axis −1 and 0, constant and run-time on/off values', async () => {
    const axis = (value: number) => ({ type: MORE_OPTIONS.OneHot, fields: [{ id: 0, int32: value }] });
    const indices = int32s([0, 3, -1, 5, 2, 4, -5, 1], [2, 4]);
    await checkWith(oneOp('ONE_HOT', [i32([2, 4]), i32([], [5]), f32([], [2.5]), f32([], [-1])], f32([2, 4, 5]), axis(-1)), [indices]);
    await checkWith(oneOp('ONE_HOT', [i32([2, 4]), i32([], [4]), f32([]), f32([])], f32([4, 2, 4]), axis(0)), [indices, new Tensor('float32', [3], []), new Tensor('float32', [0.5], [])]);
    await checkWith(oneOp('ONE_HOT', [i32([2, 4]), i32([], [6]), i32([], [1]), i32([], [0])], i32([2, 6, 4]), axis(1)), [indices]);
  });
});

describe('TFLite indexing operators vs the TFLite interpreter', () => {
  it('EMBEDDING_LOOKUP with run-time ids into constant and run-time tables', async () => {
    const ids = int32s([3, 0, 3, 1, 4]);
    await checkWith(oneOp('EMBEDDING_LOOKUP', [i32([5]), weights([5, 2, 3], 73)], f32([5, 2, 3])), [ids]);
    await checkWith(oneOp('EMBEDDING_LOOKUP', [i32([5]), f32([6, 4])], f32([5, 4])), [ids, feed(f32([6, 4]))]);
  });

  it('REVERSE_V2 on an NCHW activation (channel or width axis) and on a 2-D input', async () => {
    // The interpreter reverses one axis per operator.
    await checkModel(afterConv([3, 4, 5], 'REVERSE_V2', [i32([1], [3])], [f32([1, 3, 4, 5])]));
    await checkModel(afterConv([3, 4, 5], 'REVERSE_V2', [i32([1], [-2])], [f32([1, 3, 4, 5])]));
    await checkModel(oneOp('REVERSE_V2', [f32([4, 3]), i32([1], [0])], f32([4, 3])));
  });

  it('SCATTER_ND with duplicate indices (summed), into rows and single elements', async () => {
    await checkModel(oneOp('SCATTER_ND', [i32([4, 1], [2, 0, 2, 5]), f32([4, 3]), i32([2], [6, 3])], f32([6, 3])));
    await checkModel(oneOp('SCATTER_ND', [i32([3, 2], [0, 1, 2, 2, 0, 1]), f32([3]), i32([2], [3, 4])], f32([3, 4])));
  });

  it('DYNAMIC_UPDATE_SLICE with constant and run-time starts, clamped into range', async () => {
    await checkModel(oneOp('DYNAMIC_UPDATE_SLICE', [f32([4, 5, 3]), f32([2, 2, 3]), i32([3], [1, 4, -2])], f32([4, 5, 3])));
    const spec = oneOp('DYNAMIC_UPDATE_SLICE', [f32([1, 6, 4]), f32([1, 2, 4]), i32([3])], f32([1, 6, 4]));
    for (const start of [[0, 3, 0], [0, 9, 1], [0, -1, 0]]) {
      await checkWith(spec, [feed(f32([1, 6, 4]), 3), feed(f32([1, 2, 4]), 4), int32s(start)]);
    }
  });

  it('REVERSE_SEQUENCE with run-time lengths (batch axis before and after the sequence axis)', async () => {
    const options = (seq: number, batchAxis: number) => ({ type: MORE_OPTIONS.ReverseSequence, fields: [{ id: 0, int32: seq }, { id: 1, int32: batchAxis }] });
    await checkWith(oneOp('REVERSE_SEQUENCE', [f32([3, 5, 2]), i32([3])], f32([3, 5, 2]), options(1, 0)), [feed(f32([3, 5, 2])), int32s([5, 0, 3])]);
    await checkWith(oneOp('REVERSE_SEQUENCE', [f32([4, 2, 3]), i32([2])], f32([4, 2, 3]), options(0, 1)), [feed(f32([4, 2, 3])), int32s([2, 4])]);
  });

  it('SPARSE_TO_DENSE with [N, rank] indices and with 1-D indices', async () => {
    const options = { type: MORE_OPTIONS.SparseToDense, fields: [{ id: 0, bool: false }] };
    await checkModel(oneOp('SPARSE_TO_DENSE', [i32([3, 2], [0, 1, 2, 3, 1, 0]), i32([2], [3, 4]), f32([3]), f32([], [-1])], f32([3, 4]), options));
    await checkModel(oneOp('SPARSE_TO_DENSE', [i32([2], [4, 1]), i32([1], [6]), f32([2]), f32([], [0.5])], f32([6]), options));
  });

  it('SELECT with a 1-D condition picking rows', async () => {
    const spec: ModelSpec = {
      tensors: [f32([3]), weights([3], 74), bool([3]), f32([3, 4]), f32([3, 4]), f32([3, 4])],
      inputs: [0, 3, 4],
      outputs: [5],
      operators: [
        { op: 'LESS', inputs: [0, 1], outputs: [2] },
        { op: 'SELECT', inputs: [2, 3, 4], outputs: [5] },
      ],
    };
    await checkModel(spec);
  });
});

describe('TFLite scans and boolean reductions vs the TFLite interpreter', () => {
  it('CUMSUM over channels and width of an NCHW activation, exclusive and reversed', async () => {
    for (const [exclusive, reverse] of [[false, false], [true, false], [false, true], [true, true]]) {
      const options = { type: MORE_OPTIONS.Cumsum, fields: [{ id: 0, bool: exclusive! }, { id: 1, bool: reverse! }] };
      await checkModel(afterConv([3, 4, 5], 'CUMSUM', [i32([], [3])], [f32([1, 3, 4, 5])], options));
      await checkModel(afterConv([3, 4, 5], 'CUMSUM', [i32([], [-2])], [f32([1, 3, 4, 5])], options));
    }
  });

  it('TOPK_V2 values and int32 indices', async () => {
    const spec: ModelSpec = {
      tensors: [f32([3, 10]), i32([], [4]), f32([3, 4]), i32([3, 4])],
      inputs: [0],
      outputs: [2, 3],
      operators: [{ op: 'TOPK_V2', inputs: [0, 1], outputs: [2, 3], options: { type: MORE_OPTIONS.TopKV2, fields: [] } }],
    };
    await checkModel(spec);
    await checkModel(afterConv([2, 3, 6], 'TOPK_V2', [i32([], [2])], [f32([1, 2, 3, 2]), i32([1, 2, 3, 2])]));
  });

  it('REDUCE_ANY and REDUCE_ALL, with and without keep_dims', async () => {
    for (const op of ['REDUCE_ANY', 'REDUCE_ALL']) {
      for (const keep of [false, true]) {
        const spec: ModelSpec = {
          tensors: [f32([2, 3, 4]), weights([4], 75, -0.5, 0.5), bool([2, 3, 4]), i32([1], [1]), bool(keep ? [2, 1, 4] : [2, 4])],
          inputs: [0],
          outputs: [4],
          operators: [
            { op: 'GREATER', inputs: [0, 1], outputs: [2] },
            { op, inputs: [2, 3], outputs: [4], options: { type: OPTIONS.Reducer, fields: [{ id: 0, bool: keep }] } },
          ],
        };
        const graph = await checkModel(spec, { range: [-1.5, 1] });
        expect(countOps(graph, op === 'REDUCE_ANY' ? 'ReduceMax' : 'ReduceMin')).toBe(1);
      }
    }
  });
});
