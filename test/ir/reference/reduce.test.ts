/** Reference tables for Reduce*, ArgMax/ArgMin, TopK and CumSum (src/ir/ops/reduce.ts). Resize: reduce-resize.test.ts. */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ir/tensor.js';
import { expectClose, expectError, expectTensor, f16, f32, f64, facts, i32, i64, infer, range, run, values } from './reduce-helpers.js';

// [[1, 2, 3], [4, 5, 6]]
const grid = () => f32([1, 2, 3, 4, 5, 6], [2, 3]);

describe('Reduce*: values', () => {
  const table: [string, number[], number[]][] = [
    // op, over axis 1 of grid, over all of grid
    ['ReduceSum', [6, 15], [21]],
    ['ReduceMean', [2, 5], [3.5]],
    ['ReduceProd', [6, 120], [720]],
    ['ReduceMax', [3, 6], [6]],
    ['ReduceMin', [1, 4], [1]],
    ['ReduceL1', [6, 15], [21]],
    ['ReduceL2', [Math.sqrt(14), Math.sqrt(77)], [Math.sqrt(91)]],
    ['ReduceSumSquare', [14, 77], [91]],
    ['ReduceLogSum', [Math.log(6), Math.log(15)], [Math.log(21)]],
    ['ReduceLogSumExp', [Math.log(Math.E + Math.E ** 2 + Math.E ** 3), Math.log(Math.E ** 4 + Math.E ** 5 + Math.E ** 6)],
      [Math.log(range(6, 1).reduce((s, v) => s + Math.E ** v, 0))]],
  ];
  for (const [op, perRow, whole] of table) {
    it(`${op} over one axis, negative axes and all axes`, () => {
      expectClose(run(op as 'ReduceSum', [grid(), i64([1])])[0], [2, 1], perRow);
      expectClose(run(op as 'ReduceSum', [grid(), i64([-1])], { keepdims: 0 })[0], [2], perRow);
      expectClose(run(op as 'ReduceSum', [grid()])[0], [1, 1], whole);
      expectClose(run(op as 'ReduceSum', [grid(), i64([])], { keepdims: 0 })[0], [], whole);
      expectClose(run(op as 'ReduceSum', [grid(), i64([0, -1])], { keepdims: 0 })[0], [], whole);
    });
  }

  it('reduces non-adjacent axes of a rank-4 tensor', () => {
    const x = f32(range(24), [2, 3, 2, 2]);
    // Sum over axes 0 and 2: out[j][l] = Σ_i Σ_k x[i][j][k][l]
    const want = [];
    for (let j = 0; j < 3; j++) for (let l = 0; l < 2; l++) want.push([0, 1].flatMap((i) => [0, 1].map((k) => i * 12 + j * 4 + k * 2 + l)).reduce((a, b) => a + b));
    expectTensor(run('ReduceSum', [x, i64([2, 0])])[0], [1, 3, 1, 2], want);
    expectTensor(run('ReduceSum', [x, i64([-2, 0])], { keepdims: 0 })[0], [3, 2], want);
  });

  it('is a copy with empty axes and noop_with_empty_axes', () => {
    const x = grid();
    const [y] = run('ReduceSum', [x, i64([])], { noop_with_empty_axes: 1 });
    expectTensor(y, [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(y!.data).not.toBe(x.data);
    expectTensor(run('ReduceMax', [x], { noop_with_empty_axes: 1 })[0], [2, 3], [1, 2, 3, 4, 5, 6]);
  });

  it('gives ONNX identities over an empty set', () => {
    const empty = f32([], [2, 0, 3]);
    const table: [string, number][] = [
      ['ReduceSum', 0], ['ReduceProd', 1], ['ReduceMax', -Infinity], ['ReduceMin', Infinity], ['ReduceL1', 0], ['ReduceL2', 0],
      ['ReduceSumSquare', 0], ['ReduceLogSum', -Infinity], ['ReduceLogSumExp', -Infinity], ['ReduceMean', NaN],
    ];
    for (const [op, identity] of table) expectTensor(run(op as 'ReduceSum', [empty, i64([1])])[0], [2, 1, 3], new Array(6).fill(identity));
    // Without ±∞, integers use the type's extremes.
    expectTensor(run('ReduceMax', [i32([], [2, 0]), i64([1])], { keepdims: 0 })[0], [2], [-2147483648, -2147483648]);
    expectTensor(run('ReduceMin', [new Tensor('uint8', new Uint8Array(0), [0, 2]), i64([0])], { keepdims: 0 })[0], [2], [255, 255]);
    expectTensor(run('ReduceMax', [i64([], [0]), i64([0])], { keepdims: 0 })[0], [], [Number(-(2n ** 63n))]);
    // Empty output: nothing to compute.
    expectTensor(run('ReduceSum', [empty, i64([2])])[0], [2, 0, 1], []);
  });

  it('accumulates float32 in float64', () => {
    expectTensor(run('ReduceSum', [f32([1e8, 1, -1e8]), i64([0])])[0], [1], [1]);
    expectTensor(run('ReduceMean', [f32([16777216, 1, 1, 0]), i64([0])])[0], [1], [4194304.5]);
  });

  it('keeps LogSumExp finite for large inputs and propagates NaN through Max/Min', () => {
    expectClose(run('ReduceLogSumExp', [f32([1000, 1000]), i64([0])])[0], [1], [1000 + Math.LN2]);
    expectClose(run('ReduceLogSumExp', [f32([-Infinity, -Infinity, 0, 0], [2, 2]), i64([1])])[0], [2, 1], [-Infinity, Math.LN2]);
    expectTensor(run('ReduceMax', [f32([1, NaN, 3]), i64([0])])[0], [1], [NaN]);
    expectTensor(run('ReduceMin', [f32([1, NaN, 3]), i64([0])])[0], [1], [NaN]);
  });
});

describe('Reduce*: dtypes', () => {
  it('keeps int64 sums and products exact, wrapping modulo 2^64', () => {
    const big = 2n ** 60n;
    const [sum] = run('ReduceSum', [i64([big, 1n, big, 3n], [2, 2]), i64([1])], { keepdims: 0 });
    expect(Array.from(sum!.data as BigInt64Array)).toEqual([big + 1n, big + 3n]);
    const [wrapped] = run('ReduceProd', [i64([2n ** 40n, 2n ** 30n]), i64([0])]);
    expect(Array.from(wrapped!.data as BigInt64Array)).toEqual([BigInt.asIntN(64, 2n ** 70n)]);
    expectTensor(run('ReduceMean', [i64([-7, 0]), i64([0])])[0], [1], [-3], 'int64'); // truncates like astype
    expectTensor(run('ReduceL1', [i64([-7, 2]), i64([0])])[0], [1], [9]);
    expectTensor(run('ReduceL2', [i64([3, 4]), i64([0])])[0], [1], [5]);
    expectTensor(run('ReduceMin', [new Tensor('uint64', BigUint64Array.from([5n, 2n ** 63n])), i64([0])])[0], [1], [5], 'uint64');
  });

  it('wraps small integer sums and products like numpy', () => {
    expectTensor(run('ReduceSum', [new Tensor('uint8', Uint8Array.from([250, 10])), i64([0])])[0], [1], [4], 'uint8');
    expectTensor(run('ReduceProd', [i32([65536, 65536, 3]), i64([0])])[0], [1], [0], 'int32');
    expectTensor(run('ReduceProd', [i32([100000, 100000]), i64([0])])[0], [1], [1410065408]);
    expectTensor(run('ReduceSumSquare', [new Tensor('int8', Int8Array.from([10, 10])), i64([0])])[0], [1], [-56], 'int8');
    expectTensor(run('ReduceMean', [i32([1, 2, 2, 2]), i64([0])])[0], [1], [1], 'int32');
  });

  it('handles float16, float64 and bool', () => {
    expectTensor(run('ReduceMean', [f16([1, 2, 3, 4.5], [2, 2]), i64([1])])[0], [2, 1], [1.5, 3.75], 'float16');
    expectTensor(run('ReduceSum', [f64([0.1, 0.2]), i64([0])])[0], [1], [0.1 + 0.2], 'float64');
    const flags = new Tensor('bool', Uint8Array.from([0, 1, 0, 0]), [2, 2]);
    expectTensor(run('ReduceMax', [flags, i64([1])], { keepdims: 0 })[0], [2], [1, 0], 'bool');
    expectTensor(run('ReduceMin', [flags, i64([0])], { keepdims: 0 })[0], [2], [0, 0], 'bool');
  });

  it('rejects axes out of range at run time', () => {
    expectError(() => run('ReduceSum', [grid(), i64([2])]), 'RUNTIME_ERROR');
  });
});

describe('Reduce*: inference', () => {
  it('keeps symbolic dims of the axes it leaves alone', () => {
    expect(infer('ReduceMean', [facts('float32', ['N', 3, 'H']), facts('int64', [1])], {}, [undefined, i64([-1])])).toEqual([facts('float32', ['N', 3, 1])]);
    expect(infer('ReduceMean', [facts('float32', ['N', 3, 'H']), facts('int64', [1])], { keepdims: 0 }, [undefined, i64([1])])).toEqual([facts('float32', ['N', 'H'])]);
    expect(infer('ReduceSum', [facts('float32', ['N', 3])])).toEqual([facts('float32', [1, 1])]);
    expect(infer('ReduceSum', [facts('float32', ['N', 3]), facts('int64', [0])], { noop_with_empty_axes: 1 })).toEqual([facts('float32', ['N', 3])]);
  });
  it('keeps only the rank for axes known at run time (with keepdims)', () => {
    expect(infer('ReduceSum', [facts('float32', ['N', 1, 4]), facts('int64', [1])])).toEqual([facts('float32', ['unk1', 1, 'unk2'])]);
    expect(infer('ReduceSum', [facts('float32', ['N', 1, 4]), facts('int64', [1])], { keepdims: 0 })).toEqual([facts('float32', undefined)]);
  });
  it('rejects bad axes and types with BAD_MODEL naming the node', () => {
    expectError(() => infer('ReduceSum', [facts('float32', [2, 3]), facts('int64', [1])], {}, [undefined, i64([2])]), 'BAD_MODEL');
    expectError(() => infer('ReduceSum', [facts('bool', [2, 3])]), 'BAD_MODEL');
    expectError(() => infer('ReduceMax', [facts('string', [2, 3])]), 'BAD_MODEL');
  });
});

describe('ArgMax / ArgMin', () => {
  const ties = () => f32([3, 1, 3, 2, 0, 5, 5, 0], [2, 4]);
  it('returns the first (or last) extreme index as int64', () => {
    expectTensor(run('ArgMax', [ties()], { axis: 1 })[0], [2, 1], [0, 1], 'int64');
    expectTensor(run('ArgMax', [ties()], { axis: 1, select_last_index: 1 })[0], [2, 1], [2, 2]);
    expectTensor(run('ArgMin', [ties()], { axis: -1, keepdims: 0 })[0], [2], [1, 0]);
    expectTensor(run('ArgMin', [ties()], { axis: -1, keepdims: 0, select_last_index: 1 })[0], [2], [1, 3]);
    expectTensor(run('ArgMax', [ties()])[0], [1, 4], [0, 1, 1, 0]);
  });
  it('works along a middle axis of int64 data', () => {
    // [2][3][2]: along axis 1
    const x = i64([5, -1, 7, -1, 7, 9, 0, 0, 0, 1, 0, 0], [2, 3, 2]);
    expectTensor(run('ArgMax', [x], { axis: 1 })[0], [2, 1, 2], [1, 2, 0, 1]);
    expectTensor(run('ArgMax', [x], { axis: 1, select_last_index: 1 })[0], [2, 1, 2], [2, 2, 2, 1]);
    expectTensor(run('ArgMin', [x], { axis: 1, keepdims: 0 })[0], [2, 2], [0, 0, 0, 0]);
  });
  it('treats NaN as the extreme, like numpy', () => {
    expectTensor(run('ArgMax', [f32([1, NaN, 3, NaN])])[0], [1], [1]);
    expectTensor(run('ArgMin', [f32([1, NaN, -3, NaN])], { select_last_index: 1 })[0], [1], [3]);
  });
  it('infers shapes and rejects bad axes', () => {
    expect(infer('ArgMax', [facts('float16', ['N', 5, 'W'])], { axis: -1, keepdims: 0 })).toEqual([facts('int64', ['N', 5])]);
    expectError(() => infer('ArgMax', [facts('float32', [2, 3])], { axis: 2 }), 'BAD_MODEL');
    expectError(() => run('ArgMax', [f32([], [2, 0])], { axis: 1 }), 'RUNTIME_ERROR');
  });
});

describe('TopK', () => {
  const x = () => f32([3, 1, 3, 2, 3, 1, 0, 5, 5, 5, 1, 0], [2, 6]);
  it('orders equal values by ascending index', () => {
    const [v, i] = run('TopK', [x(), i64([4])], {}, 2);
    expectTensor(v, [2, 4], [3, 3, 3, 2, 5, 5, 5, 1], 'float32');
    expectTensor(i, [2, 4], [0, 2, 4, 3, 1, 2, 3, 4], 'int64');
    const [small, smallIndices] = run('TopK', [x(), i64([3])], { largest: 0 }, 2);
    expectTensor(small, [2, 3], [1, 1, 2, 0, 0, 1]);
    expectTensor(smallIndices, [2, 3], [1, 5, 3, 0, 5, 4]);
  });
  it('works along axis 0 of int64 and float16 data, and with K = 0', () => {
    const [v, i] = run('TopK', [i64([1, 9, 2n ** 62n, 9, 2n ** 62n + 1n, 0], [3, 2]), i64([2])], { axis: 0 }, 2);
    expect(Array.from(v!.data as BigInt64Array)).toEqual([2n ** 62n + 1n, 9n, 2n ** 62n, 9n]);
    expectTensor(i, [2, 2], [2, 0, 1, 1]);
    const [half] = run('TopK', [f16([0.5, -2, 7]), i64([1])], { largest: 0 }, 2);
    expectTensor(half, [1], [-2], 'float16');
    expectTensor(run('TopK', [x(), i64([0])], {}, 2)[1], [2, 0], []);
  });
  it('puts NaN after every number', () => {
    const [v, i] = run('TopK', [f32([NaN, 1, 2]), i64([2])], {}, 2);
    expectTensor(v, [2], [2, 1]);
    expectTensor(i, [2], [2, 1]);
  });
  it('infers K from a constant, else an unknown dim', () => {
    expect(infer('TopK', [facts('float32', ['N', 80]), facts('int64', [1])], {}, [undefined, i64([5])], 2))
      .toEqual([facts('float32', ['N', 5]), facts('int64', ['N', 5])]);
    expect(infer('TopK', [facts('float32', ['N', 80]), facts('int64', [1])], { axis: 0 }, [], 2))
      .toEqual([facts('float32', ['unk1', 80]), facts('int64', ['unk1', 80])]);
    expectError(() => infer('TopK', [facts('float32', [2, 3]), facts('int64', [1])], {}, [undefined, i64([4])], 2), 'BAD_MODEL');
    expectError(() => run('TopK', [x(), i64([7])], {}, 2), 'RUNTIME_ERROR');
  });
});

describe('CumSum', () => {
  const x = () => f64([1, 2, 3, 4, 5]);
  it('covers exclusive and reverse', () => {
    expectTensor(run('CumSum', [x(), i32([0])])[0], [5], [1, 3, 6, 10, 15], 'float64');
    expectTensor(run('CumSum', [x(), i32([0])], { exclusive: 1 })[0], [5], [0, 1, 3, 6, 10]);
    expectTensor(run('CumSum', [x(), i32([0])], { reverse: 1 })[0], [5], [15, 14, 12, 9, 5]);
    expectTensor(run('CumSum', [x(), i32([0])], { exclusive: 1, reverse: 1 })[0], [5], [14, 12, 9, 5, 0]);
  });
  it('scans any axis, negative included', () => {
    const grid2 = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    expectTensor(run('CumSum', [grid2, i64([0])])[0], [2, 3], [1, 2, 3, 5, 7, 9]);
    expectTensor(run('CumSum', [grid2, new Tensor('int32', Int32Array.from([-1]), [])])[0], [2, 3], [1, 3, 6, 4, 9, 15]);
    expectTensor(run('CumSum', [f32(range(8), [2, 2, 2]), i64([1])], { reverse: 1 })[0], [2, 2, 2], [2, 4, 2, 3, 10, 12, 6, 7]);
  });
  it('keeps integers exact and float32 partial sums accurate', () => {
    const [big] = run('CumSum', [i64([2n ** 62n, 2n ** 62n, 1n]), i64([0])]);
    expect(Array.from(big!.data as BigInt64Array)).toEqual([2n ** 62n, -(2n ** 63n), -(2n ** 63n) + 1n]);
    expectTensor(run('CumSum', [i32([2147483647, 1, 5]), i64([0])])[0], [3], [2147483647, -2147483648, -2147483643], 'int32');
    expectTensor(run('CumSum', [f32([1e8, 1, -1e8]), i64([0])])[0], [3], [1e8, 1e8, 1]);
    expect(values(run('CumSum', [f16([0.5, 0.25]), i64([0])])[0]!)).toEqual([0.5, 0.75]);
  });
  it('infers the input shape and rejects bad axes', () => {
    expect(infer('CumSum', [facts('float32', ['N', 3]), facts('int64', [])], {}, [undefined, i64([1], [])])).toEqual([facts('float32', ['N', 3])]);
    expectError(() => infer('CumSum', [facts('float32', ['N', 3]), facts('int64', [])], {}, [undefined, i64([2], [])]), 'BAD_MODEL');
    expectError(() => run('CumSum', [x(), i64([1])]), 'RUNTIME_ERROR');
  });
});
