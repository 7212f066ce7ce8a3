/** Shape and dtype inference of the neural-network ops: symbolic dims kept where they pass through, BAD_MODEL errors. */
import { describe, expect, it } from 'vitest';
import { WebliteError } from '../../../src/errors.js';
import type { Attrs, Dim } from '../../../src/ir/graph.js';
import type { OpSpec, TensorFacts } from '../../../src/ir/op-spec.js';
import { nnOps } from '../../../src/ir/ops/nn.js';

type Op = keyof typeof nnOps;

function infer(op: Op, inputs: (TensorFacts | undefined)[], attrs: Attrs = {}, outputCount = 1): TensorFacts[] {
  const spec = nnOps[op] as OpSpec;
  const resolved: Attrs = {};
  for (const [name, attr] of Object.entries(spec.attrs)) if (attr.default !== undefined) resolved[name] = attr.default;
  let unknown = 0;
  return spec.infer({
    inputs,
    attrs: { ...resolved, ...attrs },
    constant: () => undefined,
    outputCount,
    unknownDim: () => `unknown_${unknown++}`,
    nodeName: 'n1',
  });
}

const f32 = (...dims: Dim[]): TensorFacts => ({ type: 'float32', dims });
const dimsOf = (facts: TensorFacts[], i = 0) => facts[i]!.dims;

function expectBadModel(action: () => unknown, text = ''): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(WebliteError);
    expect((error as WebliteError).code).toBe('BAD_MODEL');
    expect((error as Error).message).toContain("'n1'");
    expect((error as Error).message).toContain(text);
    return;
  }
  throw new Error('expected a BAD_MODEL error');
}

describe('Conv / ConvTranspose inference', () => {
  it('keeps batch and spatial symbols where the window keeps the size', () => {
    expect(dimsOf(infer('Conv', [f32('N', 3, 'H', 'W'), f32(8, 3, 3, 3)], { auto_pad: 'SAME_UPPER' }))).toEqual(['N', 8, 'H', 'W']);
    expect(dimsOf(infer('Conv', [f32('N', 3, 'H', 'W'), f32(8, 3, 1, 1)]))).toEqual(['N', 8, 'H', 'W']);
    expect(dimsOf(infer('Conv', [f32('N', 3, 'H', 'W'), f32(8, 3, 3, 3)], { strides: [2, 2], pads: [1, 1, 1, 1] }))).toEqual(['N', 8, 'unknown_0', 'unknown_1']);
  });
  it('computes concrete sizes for every auto_pad and ceil-free floor', () => {
    const x = f32(1, 3, 224, 224);
    expect(dimsOf(infer('Conv', [x, f32(64, 3, 7, 7)], { strides: [2, 2], pads: [3, 3, 3, 3] }))).toEqual([1, 64, 112, 112]);
    expect(dimsOf(infer('Conv', [x, f32(64, 3, 3, 3)], { auto_pad: 'VALID', strides: [2, 2] }))).toEqual([1, 64, 111, 111]);
    expect(dimsOf(infer('Conv', [x, f32(64, 3, 3, 3)], { auto_pad: 'SAME_LOWER', strides: [2, 2] }))).toEqual([1, 64, 112, 112]);
    expect(dimsOf(infer('Conv', [f32(1, 4, 10), f32(6, 2, 3)], { group: 2, dilations: [2] }))).toEqual([1, 6, 6]);
  });
  it('uses kernel_shape when W is not known and checks it when it is', () => {
    expect(dimsOf(infer('Conv', [f32(1, 3, 8, 8), { type: 'float32' }], { kernel_shape: [3, 3] }))).toEqual([1, 'unknown_0', 6, 6]);
    expectBadModel(() => infer('Conv', [f32(1, 3, 8, 8), f32(4, 3, 3, 3)], { kernel_shape: [2, 2] }), 'kernel_shape');
  });
  it('rejects inconsistent channels, bias, ranks and dtypes', () => {
    expectBadModel(() => infer('Conv', [f32(1, 3, 8, 8), f32(4, 2, 3, 3)]), 'W');
    expectBadModel(() => infer('Conv', [f32(1, 4, 8, 8), f32(4, 4, 3, 3)], { group: 2 }), 'group 2');
    expectBadModel(() => infer('Conv', [f32(1, 3, 8, 8), f32(4, 3, 3, 3), f32(5)]), 'B');
    expectBadModel(() => infer('Conv', [f32(3, 8), f32(4, 3)]), 'rank');
    expectBadModel(() => infer('Conv', [f32(1, 3, 2, 2), f32(4, 3, 3, 3)]), 'padded input');
    expectBadModel(() => infer('Conv', [{ type: 'int32', dims: [1, 3, 8, 8] }, f32(4, 3, 3, 3)]), 'float');
    expectBadModel(() => infer('Conv', [f32(1, 3, 8, 8), { type: 'float64', dims: [4, 3, 3, 3] }]), 'float32');
    expectBadModel(() => infer('Conv', [f32(1, 3, 8, 8), f32(4, 3, 3, 3)], { strides: [1] }), 'strides');
  });
  it('infers ConvTranspose sizes from pads, output_padding, output_shape and SAME', () => {
    const x = f32('N', 4, 5, 6);
    expect(dimsOf(infer('ConvTranspose', [x, f32(4, 3, 3, 3)], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 0] }))).toEqual(['N', 3, 10, 11]);
    expect(dimsOf(infer('ConvTranspose', [x, f32(4, 3, 3, 3)], { strides: [3, 2], output_shape: [16, 13] }))).toEqual(['N', 3, 16, 13]);
    expect(dimsOf(infer('ConvTranspose', [x, f32(4, 2, 3, 3)], { strides: [2, 2], auto_pad: 'SAME_UPPER', group: 2 }))).toEqual(['N', 4, 10, 12]);
    expect(dimsOf(infer('ConvTranspose', [f32(1, 4, 'H', 6), f32(4, 2, 3, 3)], { auto_pad: 'SAME_UPPER' }))).toEqual([1, 2, 'H', 6]);
    expectBadModel(() => infer('ConvTranspose', [x, f32(3, 3, 3, 3)]), 'W');
  });
});

describe('pooling inference', () => {
  it('computes floor and ceil sizes and types Indices as int64', () => {
    const x = f32('N', 'C', 112, 112);
    expect(dimsOf(infer('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }))).toEqual(['N', 'C', 56, 56]);
    expect(dimsOf(infer('AveragePool', [f32(1, 1, 4, 4)], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }))).toEqual([1, 1, 2, 2]);
    expect(dimsOf(infer('AveragePool', [f32(1, 1, 4, 4)], { kernel_shape: [3, 3], strides: [2, 2] }))).toEqual([1, 1, 1, 1]);
    const [y, indices] = infer('MaxPool', [f32(1, 2, 5)], { kernel_shape: [2] }, 2);
    expect(y).toEqual({ type: 'float32', dims: [1, 2, 4] });
    expect(indices).toEqual({ type: 'int64', dims: [1, 2, 4] });
    expect(infer('MaxPool', [{ type: 'uint8', dims: [1, 1, 4] }], { kernel_shape: [2] })[0]!.type).toBe('uint8');
  });
  it('keeps symbols through global pooling', () => {
    expect(dimsOf(infer('GlobalAveragePool', [f32('N', 'C', 'H', 'W')]))).toEqual(['N', 'C', 1, 1]);
    expect(dimsOf(infer('GlobalMaxPool', [f32(2, 3, 4)]))).toEqual([2, 3, 1]);
  });
  it('rejects a kernel of the wrong length and non-float averages', () => {
    expectBadModel(() => infer('MaxPool', [f32(1, 1, 4, 4)], { kernel_shape: [3] }), 'kernel_shape');
    expectBadModel(() => infer('AveragePool', [{ type: 'int8', dims: [1, 1, 4] }], { kernel_shape: [2] }), 'float');
    expectBadModel(() => infer('MaxPool', [{ type: 'int64', dims: [1, 1, 4] }], { kernel_shape: [2] }), 'int64');
    expectBadModel(() => infer('MaxPool', [f32(1, 1, 4)], { kernel_shape: [2], auto_pad: 'SAME' }), 'auto_pad');
  });
});

describe('normalisation and softmax inference', () => {
  it('passes shapes through', () => {
    const x = f32('N', 64, 'H', 'W');
    expect(infer('BatchNormalization', [x, f32(64), f32(64), f32(64), f32(64)])).toEqual([x]);
    expect(infer('BatchNormalization', [{ type: 'float16', dims: [2, 3] }, f32(3), f32(3), f32(3), f32(3)])[0]!.type).toBe('float16');
    expect(infer('InstanceNormalization', [x, f32(64), f32(64)])).toEqual([x]);
    expect(infer('LRN', [x], { size: 5 })).toEqual([x]);
    expect(infer('Softmax', [f32('B', 'T', 10)])).toEqual([f32('B', 'T', 10)]);
    expect(infer('Hardmax', [{ type: 'float64' }])).toEqual([{ type: 'float64' }]);
  });
  it('gives LayerNormalization statistics the kept-dims shape in the stash type', () => {
    const facts = infer('LayerNormalization', [f32('B', 'T', 512), f32(512), f32(512)], { axis: -1 }, 3);
    expect(facts).toEqual([f32('B', 'T', 512), f32('B', 'T', 1), f32('B', 'T', 1)]);
    const half = infer('LayerNormalization', [{ type: 'float16', dims: [2, 3, 4] }, { type: 'float16', dims: [3, 4] }], { axis: 1, stash_type: 1 }, 2);
    expect(half).toEqual([{ type: 'float16', dims: [2, 3, 4] }, { type: 'float32', dims: [2, 1, 1] }]);
  });
  it('rejects bad axes, sizes and dtypes', () => {
    expectBadModel(() => infer('Softmax', [f32(2, 3)], { axis: 2 }), 'axis');
    expectBadModel(() => infer('LogSoftmax', [{ type: 'int32', dims: [2] }]), 'float');
    expectBadModel(() => infer('LayerNormalization', [f32(2, 3), f32(3)], { axis: -3 }), 'axis');
    expectBadModel(() => infer('LayerNormalization', [f32(2, 3), f32(3)], { stash_type: 7 }), 'stash_type');
    expectBadModel(() => infer('LRN', [f32(1, 3, 4)], { size: 0 }), 'size');
    expectBadModel(() => infer('BatchNormalization', [f32(1, 3), f32(3), f32(3), { type: 'int32', dims: [3] }, f32(3)]), 'float');
  });
});

describe('matrix product inference', () => {
  it('follows numpy for MatMul, keeping and broadcasting symbols', () => {
    expect(dimsOf(infer('MatMul', [f32('B', 'T', 64), f32(64, 256)]))).toEqual(['B', 'T', 256]);
    expect(dimsOf(infer('MatMul', [f32('B', 8, 'T', 64), f32('B', 8, 64, 'T')]))).toEqual(['B', 8, 'T', 'T']);
    expect(dimsOf(infer('MatMul', [f32(3, 1, 4, 5), f32(2, 5, 6)]))).toEqual([3, 2, 4, 6]);
    expect(dimsOf(infer('MatMul', [f32(5), f32(5)]))).toEqual([]);
    expect(dimsOf(infer('MatMul', [f32(5), f32(2, 5, 3)]))).toEqual([2, 3]);
    expect(dimsOf(infer('MatMul', [f32(2, 3, 5), f32(5)]))).toEqual([2, 3]);
    expect(infer('MatMul', [{ type: 'int64', dims: [2, 3] }, { type: 'int64', dims: [3, 1] }])[0]!.type).toBe('int64');
    expectBadModel(() => infer('MatMul', [f32(2, 3), f32(4, 5)]), 'inner');
    expectBadModel(() => infer('MatMul', [f32(2, 2, 3), f32(3, 3, 5)]), 'broadcast');
    expectBadModel(() => infer('MatMul', [{ type: 'bool', dims: [2, 2] }, { type: 'bool', dims: [2, 2] }]), 'numeric');
  });
  it('transposes Gemm operands and checks C', () => {
    expect(dimsOf(infer('Gemm', [f32('N', 512), f32(1000, 512), f32(1000)], { transB: 1 }))).toEqual(['N', 1000]);
    expect(dimsOf(infer('Gemm', [f32(4, 3), f32(4, 5)], { transA: 1 }))).toEqual([3, 5]);
    expectBadModel(() => infer('Gemm', [f32(3, 4), f32(5, 6)]), 'inner');
    expectBadModel(() => infer('Gemm', [f32(3, 4), f32(4, 6), f32(3, 5)]), 'C');
    expectBadModel(() => infer('Gemm', [f32(3, 4, 1), f32(4, 6)]), 'rank');
  });
  it('parses Einsum equations into output shapes', () => {
    expect(dimsOf(infer('Einsum', [f32('B', 8, 'T', 64), f32('B', 8, 'S', 64)], { equation: 'bhqd,bhkd->bhqk' }))).toEqual(['B', 8, 'T', 'S']);
    expect(dimsOf(infer('Einsum', [f32(2, 1, 3, 4), f32(5, 4, 6)], { equation: '...ij,...jk' }))).toEqual([2, 5, 3, 6]);
    expect(dimsOf(infer('Einsum', [f32(4, 4)], { equation: 'ii' }))).toEqual([]);
    expect(dimsOf(infer('Einsum', [f32(3), f32(4)], { equation: 'j,i' }))).toEqual([4, 3]);
    expectBadModel(() => infer('Einsum', [f32(3, 4)], { equation: 'i->i' }), 'rank');
    expectBadModel(() => infer('Einsum', [f32(3, 4), f32(5, 4)], { equation: 'ij,ij->ij' }), 'sizes');
    expectBadModel(() => infer('Einsum', [f32(3, 4)], { equation: 'ij->i->j' }), 'malformed');
  });
});
