/**
 * Reference tables for the neural-network ops (src/ir/ops/nn.ts): small hand-checked cases per op, every dtype
 * family an op takes, and the errors. Shape inference (symbolic dims) is in nn-infer.test.ts; comparisons with
 * onnxruntime over many attribute combinations are in nn-ort.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { WebliteError } from '../../../src/errors.js';
import { type DType, float16ToFloat32, float32ToFloat16 } from '../../../src/ir/dtype.js';
import type { Attrs } from '../../../src/ir/graph.js';
import type { OpSpec } from '../../../src/ir/op-spec.js';
import { nnOps } from '../../../src/ir/ops/nn.js';
import { Tensor, limits } from '../../../src/ir/tensor.js';

type Op = keyof typeof nnOps;

/** Runs an op's reference with its attribute defaults filled in, as the runtime does. */
function run(op: Op, inputs: (Tensor | undefined)[], attrs: Attrs = {}, outputCount = 1): Tensor[] {
  const spec = nnOps[op] as OpSpec;
  const resolved: Attrs = {};
  for (const [name, attr] of Object.entries(spec.attrs)) if (attr.default !== undefined) resolved[name] = attr.default;
  return spec.reference(inputs, { ...resolved, ...attrs }, { outputCount, nodeName: 'n1' });
}

const tensor = (type: DType, values: number[], dims?: number[]): Tensor => {
  if (type === 'float16') return new Tensor('float16', Uint16Array.from(values, float32ToFloat16), dims);
  return new Tensor(type, values, dims);
};
const f32 = (values: number[], dims?: number[]) => tensor('float32', values, dims);
const range = (n: number, start = 0) => Array.from({ length: n }, (_, i) => start + i);
const values = (t: Tensor): number[] =>
  Array.from(t.data as ArrayLike<number | bigint>, (v) => (t.type === 'float16' ? float16ToFloat32(v as number) : Number(v)));

function expectTensor(got: Tensor | undefined, dims: number[], want: number[], type?: DType): void {
  expect(got).toBeDefined();
  expect([...got!.dims]).toEqual(dims);
  if (type) expect(got!.type).toBe(type);
  const actual = values(got!);
  expect(actual.length).toBe(want.length);
  actual.forEach((v, i) => {
    if (Number.isNaN(want[i]!)) expect(v).toBeNaN();
    else expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(tolerance(got!.type) * Math.max(1, Math.abs(want[i]!)));
  });
}

function expectError(action: () => unknown, code: string, text = "'n1'"): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(WebliteError);
    expect((error as WebliteError).code).toBe(code);
    expect((error as Error).message).toContain(text);
    return;
  }
  throw new Error('expected an error');
}

/** Relative tolerance: float16 keeps 11 significant bits. */
const tolerance = (type: DType) => (type === 'float16' ? 1e-3 : 1e-5);

const FLOATS: DType[] = ['float32', 'float64', 'float16'];

describe('Conv', () => {
  it.each(FLOATS)('computes a padded 1-D difference filter with bias in %s', (type) => {
    const x = tensor(type, [1, 2, 3, 4, 5], [1, 1, 5]);
    const w = tensor(type, [1, 0, -1], [1, 1, 3]);
    const y = run('Conv', [x, w, tensor(type, [10], [1])], { pads: [1, 1] })[0];
    expectTensor(y, [1, 1, 5], [8, 8, 8, 8, 14], type);
  });
  it('sums channels, applies strides and dilations', () => {
    // Two input channels, a 2×2 kernel of ones per channel, dilation 2, stride 2: each output sums 8 taps.
    const x = f32([...range(16), ...range(16, 100)], [1, 2, 4, 4]);
    const y = run('Conv', [x, f32(new Array(8).fill(1), [1, 2, 2, 2])], { dilations: [2, 2], strides: [2, 2] })[0];
    // Taps at (0,0), (0,2), (2,0), (2,2) of each channel.
    expectTensor(y, [1, 1, 1, 1], [0 + 2 + 8 + 10 + 100 + 102 + 108 + 110]);
  });
  it('keeps groups apart', () => {
    const x = f32([1, 2, 3, 4], [1, 4, 1, 1]);
    const w = f32([1, 1, 10, 10, 100, 100], [3, 2, 1, 1]);
    // W dim 1 must be C / group, and M divisible by group.
    expectError(() => run('Conv', [x, w]), 'RUNTIME_ERROR');
    expectError(() => run('Conv', [x, w], { group: 2 }), 'RUNTIME_ERROR');
    const grouped = run('Conv', [x, f32([1, 1, 10, 10], [2, 2, 1, 1])], { group: 2 })[0];
    expectTensor(grouped, [1, 2, 1, 1], [3, 70]);
  });
  it('pads SAME_UPPER and SAME_LOWER on opposite sides', () => {
    const x = f32([1, 2, 3, 4], [1, 1, 4]);
    const w = f32([1, 10], [1, 1, 2]);
    expectTensor(run('Conv', [x, w], { auto_pad: 'SAME_UPPER' })[0], [1, 1, 4], [21, 32, 43, 4]);
    expectTensor(run('Conv', [x, w], { auto_pad: 'SAME_LOWER' })[0], [1, 1, 4], [10, 21, 32, 43]);
  });
  it('rejects mismatched channels at run time', () => {
    expectError(() => run('Conv', [f32(range(8), [1, 2, 4]), f32(range(3), [1, 3, 1])]), 'RUNTIME_ERROR');
    expectError(() => run('Conv', [f32(range(4), [1, 1, 4]), f32([1], [1, 1, 1]), f32([1, 2], [2])]), 'RUNTIME_ERROR');
  });
});

describe('ConvTranspose', () => {
  it.each(FLOATS)('scatters with stride in %s', (type) => {
    const y = run('ConvTranspose', [tensor(type, [1, 2], [1, 1, 2]), tensor(type, [1, 1, 1], [1, 1, 3])], { strides: [2] })[0];
    expectTensor(y, [1, 1, 5], [1, 1, 3, 2, 2], type);
  });
  it('crops pads and adds output_padding', () => {
    const x = f32([1, 2], [1, 1, 2]);
    const w = f32([1, 1, 1], [1, 1, 3]);
    expectTensor(run('ConvTranspose', [x, w], { strides: [2], pads: [1, 1] })[0], [1, 1, 3], [1, 3, 2]);
    expectTensor(run('ConvTranspose', [x, w], { strides: [2], output_padding: [1] })[0], [1, 1, 6], [1, 1, 3, 2, 2, 0]);
  });
  it('maps channels through groups and adds the bias', () => {
    const x = f32([1, 2], [1, 2, 1]);
    const w = f32([1, 2, 3, 4], [2, 2, 1]);
    // group 2: input channel c feeds output channels 2c and 2c + 1.
    expectTensor(run('ConvTranspose', [x, w, f32([0, 0, 10, 10])], { group: 2 })[0], [1, 4, 1], [1, 2, 16, 18]);
  });
});

describe('pooling', () => {
  const x = f32(range(16, 1), [1, 1, 4, 4]);
  it('averages with and without the padding in the divisor', () => {
    expectTensor(run('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] })[0], [1, 1, 2, 2], [3.5, 5.5, 11.5, 13.5]);
    const attrs = { kernel_shape: [3, 3], strides: [3, 3], pads: [1, 1, 1, 1] };
    expectTensor(run('AveragePool', [x], attrs)[0], [1, 1, 2, 2], [3.5, 5.5, 11.5, 13.5]);
    expectTensor(run('AveragePool', [x], { ...attrs, count_include_pad: 1 })[0], [1, 1, 2, 2], [14 / 9, 22 / 9, 46 / 9, 54 / 9]);
  });
  it('adds a partial window with ceil_mode', () => {
    const y = run('AveragePool', [x], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 })[0];
    expectTensor(y, [1, 1, 2, 2], [6, 7.5, 12, 13.5]);
  });
  it.each(['float32', 'float64', 'float16', 'int8', 'uint8', 'int32'] as DType[])('takes maxima of %s', (type) => {
    const data = tensor(type, [3, -1, 7, 7, 0, 2].map((v) => (type.startsWith('uint') ? Math.abs(v) : v)), [1, 1, 6]);
    const [y, indices] = run('MaxPool', [data], { kernel_shape: [2], strides: [2] }, 2);
    expectTensor(y, [1, 1, 3], [3, 7, 2], type);
    // The first maximum of a tie wins.
    expectTensor(indices, [1, 1, 3], [0, 2, 5], 'int64');
  });
  it('gives whole-tensor indices, row- or column-major', () => {
    const planes = f32([...range(4), ...range(4, 10)], [1, 2, 2, 2]);
    expectTensor(run('MaxPool', [planes], { kernel_shape: [2, 1] }, 2)[1], [1, 2, 1, 2], [2, 3, 6, 7]);
    expectTensor(run('MaxPool', [planes], { kernel_shape: [2, 1], storage_order: 1 }, 2)[1], [1, 2, 1, 2], [1, 3, 5, 7]);
  });
  it('pools globally', () => {
    const planes = f32([1, 2, 3, 4, -1, -2, -3, -4], [2, 1, 2, 2]);
    expectTensor(run('GlobalAveragePool', [planes])[0], [2, 1, 1, 1], [2.5, -2.5]);
    expectTensor(run('GlobalMaxPool', [planes])[0], [2, 1, 1, 1], [4, -1]);
    expectTensor(run('GlobalMaxPool', [tensor('float16', [1, 5, 2], [1, 1, 3])])[0], [1, 1, 1], [5], 'float16');
  });
  it('rejects a kernel that does not fit the rank', () => {
    expectError(() => run('MaxPool', [x], { kernel_shape: [2] }), 'RUNTIME_ERROR');
    expectError(() => run('AveragePool', [tensor('int32', range(4), [1, 1, 4])], { kernel_shape: [2] }), 'RUNTIME_ERROR');
  });
});

describe('normalisation', () => {
  it.each(FLOATS)('BatchNormalization uses the running statistics in %s', (type) => {
    const x = tensor(type, [1, 3, 0, 4], [1, 2, 2]);
    const y = run('BatchNormalization', [x, tensor(type, [2, 1]), tensor(type, [1, 0]), tensor(type, [1, 2]), tensor(type, [4, 1])], { epsilon: 0 })[0];
    // Channel 0: (x − 1) / 2 · 2 + 1; channel 1: (x − 2) / 1.
    expectTensor(y, [1, 2, 2], [1, 3, -2, 2], type);
  });
  it('InstanceNormalization normalises each plane', () => {
    const y = run('InstanceNormalization', [f32([1, 3, 5, 5], [1, 2, 2]), f32([2, 1]), f32([0, 7])])[0];
    // Plane 0: mean 2, variance 1; plane 1 is constant, so only epsilon keeps it finite.
    expectTensor(y, [1, 2, 2], [-2, 2, 7, 7]);
  });
  it('LayerNormalization returns Y, Mean and InvStdDev with kept dims', () => {
    const x = f32([1, 3, 2, 2, 0, 4, 6, 6], [2, 2, 2]);
    const [y, mean, inverse] = run('LayerNormalization', [x, f32([1, 2, 3, 4], [2, 2]), f32([0.5])], { axis: 1, epsilon: 0 }, 3);
    // Row 0: mean 2, variance 0.5. Row 1: mean 4, variance 6.
    const r0 = Math.SQRT2;
    const r1 = 1 / Math.sqrt(6);
    expectTensor(y, [2, 2, 2], [-r0 + 0.5, 2 * r0 + 0.5, 0.5, 0.5, -4 * r1 + 0.5, 0.5, 3 * 2 * r1 + 0.5, 4 * 2 * r1 + 0.5]);
    expectTensor(mean, [2, 1, 1], [2, 4], 'float32');
    expectTensor(inverse, [2, 1, 1], [r0, r1], 'float32');
    expect(run('LayerNormalization', [x, f32([1, 1])])).toHaveLength(1);
    expectError(() => run('LayerNormalization', [x, f32([1, 1, 1])]), 'RUNTIME_ERROR');
  });
  it('LRN sums squares over the neighbouring channels', () => {
    const x = f32([1, 2, 3], [1, 3, 1]);
    const y = run('LRN', [x], { size: 2, alpha: 2, beta: 1, bias: 1 })[0];
    // size 2: channel c sums channels c and c + 1; denominator 1 + (2 / 2) · sum.
    expectTensor(y, [1, 3, 1], [1 / 6, 2 / 14, 3 / 10]);
  });
});

describe('Gemm and MatMul', () => {
  it('applies transA, transB, alpha and a broadcast C', () => {
    const a = f32([1, 2, 3, 4, 5, 6], [3, 2]); // A' = [[1, 3, 5], [2, 4, 6]]
    const b = f32([1, 0, 1, 0, 1, 1], [2, 3]); // B' = [[1, 0], [0, 1], [1, 1]]
    const y = run('Gemm', [a, b, f32([100, 200], [2])], { transA: 1, transB: 1, alpha: 2, beta: 0.5 })[0];
    expectTensor(y, [2, 2], [62, 116, 66, 120]);
    expectTensor(run('Gemm', [a, f32([1, 1], [2, 1])])[0], [3, 1], [3, 7, 11]);
  });
  it('is exact for int32 and int64', () => {
    const big = 2 ** 40 + 1;
    const y = run('Gemm', [tensor('int64', [big, 3], [1, 2]), tensor('int64', [3, 1], [2, 1]), tensor('int64', [1], [1])])[0]!;
    expect((y.data as BigInt64Array)[0]).toBe(BigInt(big) * 3n + 3n + 1n);
    expectTensor(run('Gemm', [tensor('int32', [1, 2], [1, 2]), tensor('int32', [3, 4], [2, 1])], { alpha: 2 })[0], [1, 1], [22], 'int32');
  });
  it('follows numpy for 1-D operands and batch broadcasting', () => {
    expectTensor(run('MatMul', [f32([1, 2, 3]), f32([4, 5, 6])])[0], [], [32]);
    expectTensor(run('MatMul', [f32([1, 2]), f32(range(4), [2, 2])])[0], [2], [4, 7]);
    expectTensor(run('MatMul', [f32(range(4), [2, 2]), f32([1, 2])])[0], [2], [2, 8]);
    const batched = run('MatMul', [f32(range(8), [2, 1, 2, 2]), f32([1, 0, 0, 1, 0, 1, 1, 0], [2, 2, 2])])[0];
    expectTensor(batched, [2, 2, 2, 2], [0, 1, 2, 3, 1, 0, 3, 2, 4, 5, 6, 7, 5, 4, 7, 6]);
  });
  it.each(['int8', 'uint8', 'int16', 'int32', 'uint32', 'int64', 'uint64', 'float16', 'float64'] as DType[])('multiplies %s', (type) => {
    expectTensor(run('MatMul', [tensor(type, [1, 2, 3, 4], [2, 2]), tensor(type, [5, 6, 7, 8], [2, 2])])[0], [2, 2], [19, 22, 43, 50], type);
  });
  it('wraps 32-bit products and keeps 64-bit ones exact', () => {
    expectTensor(run('MatMul', [tensor('int32', [65536]), tensor('int32', [65537])])[0], [], [65536], 'int32');
    const y = run('MatMul', [tensor('int64', [2 ** 31]), tensor('int64', [2 ** 31 + 1])])[0]!;
    expect((y.data as BigInt64Array)[0]).toBe(2n ** 62n + 2n ** 31n);
  });
  it('rejects mismatched inner dims at run time', () => {
    expectError(() => run('MatMul', [f32(range(6), [2, 3]), f32(range(6), [2, 3])]), 'RUNTIME_ERROR');
    expectError(() => run('MatMul', [f32(range(6), [2, 3, 1]), f32(range(6), [3, 1, 2])]), 'RUNTIME_ERROR');
    expectError(() => run('Gemm', [f32(range(6), [2, 3]), f32(range(6), [2, 3])]), 'RUNTIME_ERROR');
    expectError(() => run('Gemm', [f32(range(4), [2, 2]), f32(range(4), [2, 2]), f32(range(3))]), 'RUNTIME_ERROR');
  });
});

describe('Einsum', () => {
  const m = f32(range(6), [2, 3]);
  it.each([
    ['ij->ji', [m], [3, 2], [0, 3, 1, 4, 2, 5]],
    ['ij->', [m], [], [15]],
    ['ij', [m], [2, 3], range(6)],
    ['ji', [m], [3, 2], [0, 3, 1, 4, 2, 5]],
    ['i j , j k -> i k', [m, f32([1, 0, 0, 1, 1, 1], [3, 2])], [2, 2], [2, 3, 8, 9]],
    ['ii->i', [f32(range(9), [3, 3])], [3], [0, 4, 8]],
    ['ii', [f32(range(9), [3, 3])], [], [12]],
    ['...j->...', [m], [2], [3, 12]],
    ['i,i', [f32([1, 2]), f32([3, 4])], [], [11]],
    ['i,j', [f32([1, 2]), f32([3, 4])], [2, 2], [3, 4, 6, 8]],
  ] as [string, Tensor[], number[], number[]][])('%s', (equation, inputs, dims, want) => {
    expectTensor(run('Einsum', inputs, { equation })[0], dims, want);
  });
  it('broadcasts ellipsis dims of different ranks', () => {
    const y = run('Einsum', [f32([1, 2, 3, 4], [2, 1, 2]), f32([10, 20], [2])], { equation: '...i,...i->...' })[0];
    expectTensor(y, [2, 1], [50, 110]);
  });
  it('sums int64 exactly', () => {
    const y = run('Einsum', [tensor('int64', [2 ** 40, 3]), tensor('int64', [2 ** 20, 5])], { equation: 'i,i' })[0]!;
    expect((y.data as BigInt64Array)[0]).toBe(2n ** 60n + 15n);
    expectTensor(run('Einsum', [tensor('int32', [1, 2, 3, 4], [2, 2])], { equation: 'ij->j' })[0], [2], [4, 6], 'int32');
  });
  it('rejects malformed equations and mismatched sizes', () => {
    expectError(() => run('Einsum', [m], { equation: 'ijk->i' }), 'BAD_MODEL');
    expectError(() => run('Einsum', [m], { equation: 'ij->k' }), 'BAD_MODEL');
    expectError(() => run('Einsum', [m], { equation: 'i1->i' }), 'BAD_MODEL');
    expectError(() => run('Einsum', [m, m], { equation: 'ij,ij->ii' }), 'BAD_MODEL');
    expectError(() => run('Einsum', [m, f32(range(4), [2, 2])], { equation: 'ij,ij->i' }), 'RUNTIME_ERROR');
  });
});

describe('Softmax / LogSoftmax / Hardmax', () => {
  const x = f32([1000, 1001, 1002, -5, -5, -5], [2, 3]);
  it('is stable on large inputs', () => {
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const s = e[0]! + e[1]! + e[2]!;
    expectTensor(run('Softmax', [x])[0], [2, 3], [...e.map((v) => v / s), 1 / 3, 1 / 3, 1 / 3]);
    expectTensor(run('LogSoftmax', [x])[0], [2, 3], [...e.map((v) => Math.log(v / s)), -Math.log(3), -Math.log(3), -Math.log(3)]);
  });
  it('works along any axis and marks the first maximum', () => {
    expectTensor(run('Softmax', [x], { axis: 0 })[0], [2, 3], [1, 1, 1, 0, 0, 0]);
    expectTensor(run('Hardmax', [x])[0], [2, 3], [0, 0, 1, 1, 0, 0]);
    expectTensor(run('Hardmax', [x], { axis: -2 })[0], [2, 3], [1, 1, 1, 0, 0, 0]);
    expectTensor(run('Softmax', [tensor('float16', [0, 0], [2])])[0], [2], [0.5, 0.5], 'float16');
    expectError(() => run('Softmax', [x], { axis: 2 }), 'RUNTIME_ERROR');
    expectError(() => run('Softmax', [tensor('int32', [1, 2])]), 'RUNTIME_ERROR');
  });
});

describe('allocation limit', () => {
  it('refuses outputs above limits.maxElements', () => {
    const saved = limits.maxElements;
    limits.maxElements = 1000;
    try {
      expectError(() => run('ConvTranspose', [f32([1], [1, 1, 1, 1]), f32(new Array(2000).fill(1), [1, 1, 40, 50])]), 'OUT_OF_MEMORY', '');
      expectError(() => run('MatMul', [f32(range(40), [40, 1]), f32(range(40), [1, 40])]), 'OUT_OF_MEMORY', '');
    } finally {
      limits.maxElements = saved;
    }
  });
});
