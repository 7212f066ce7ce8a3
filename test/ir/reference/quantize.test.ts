// QuantizeLinear / DequantizeLinear: hand-checked tables (ties to even, saturation, per-axis, int8/uint8/int16,
// float16 scales), inference errors, and ONNX's own conformance cases from libonnx-testdata when installed.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeTensor } from '../../../src/convert/onnx/proto.js';
import { tensorFromProto } from '../../../src/convert/onnx/tensor.js';
import { WebliteError } from '../../../src/errors.js';
import { float16ToFloat32, float32ToFloat16 } from '../../../src/ir/dtype.js';
import type { Attrs } from '../../../src/ir/graph.js';
import type { TensorFacts } from '../../../src/ir/op-spec.js';
import { quantizeOps } from '../../../src/ir/ops/quantize.js';
import { Tensor } from '../../../src/ir/tensor.js';

type Op = keyof typeof quantizeOps;

function run(op: Op, inputs: (Tensor | undefined)[], attrs: Attrs = {}): Tensor {
  const spec = quantizeOps[op];
  const resolved: Attrs = { axis: 1, ...(op === 'QuantizeLinear' ? { output_dtype: '' } : {}), ...attrs };
  const [output] = spec.reference(inputs, resolved, { outputCount: 1, nodeName: 'q' });
  const [facts] = infer(op, inputs.map((t) => t && { type: t.type, dims: [...t.dims] }), resolved);
  expect({ type: output!.type, dims: output!.dims }).toEqual(facts);
  return output!;
}

function infer(op: Op, inputs: (TensorFacts | undefined)[], attrs: Attrs): TensorFacts[] {
  return quantizeOps[op].infer({ inputs, attrs, constant: () => undefined, outputCount: 1, unknownDim: () => 'unknown', nodeName: 'q' });
}

const values = (t: Tensor) => Array.from(t.data as ArrayLike<number>);

describe('QuantizeLinear', () => {
  it('rounds half to even and saturates (uint8, zero point 128)', () => {
    const x = new Tensor('float32', [0, 2, 3, 5, -3, 1000, -254, -1000, NaN], [9]);
    expect(values(run('QuantizeLinear', [x, new Tensor('float32', [2], []), new Tensor('uint8', [128], [])]))).toEqual([128, 129, 130, 130, 126, 255, 1, 0, 128]);
  });

  it('defaults to uint8 with zero point 0, or output_dtype', () => {
    const x = new Tensor('float32', [-1, 0.5, 1.5, 300], [4]);
    expect(values(run('QuantizeLinear', [x, new Tensor('float32', [1], [])]))).toEqual([0, 0, 2, 255]);
    const int8 = run('QuantizeLinear', [x, new Tensor('float32', [1], [])], { output_dtype: 'int8' });
    expect(int8.type).toBe('int8');
    expect(values(int8)).toEqual([-1, 0, 2, 127]);
  });

  it('quantizes per axis (int8 and int16), with a negative axis', () => {
    const x = new Tensor('float32', [1, 2, 3, 4, 5, 6], [2, 3]);
    const scale = new Tensor('float32', [0.5, 1, 2], [3]);
    const int8 = run('QuantizeLinear', [x, scale, new Tensor('int8', [0, -1, 1], [3])], { axis: -1 });
    expect(values(int8)).toEqual([2, 1, 3, 8, 4, 4]);
    const int16 = run('QuantizeLinear', [new Tensor('float32', [1000, -1000], [2, 1]), new Tensor('float32', [0.01, 0.1], [2]), new Tensor('int16', [0, 5], [2])], { axis: 0 });
    expect(values(int16)).toEqual([32767, -9995]);
  });

  it('accepts float16 inputs and scales', () => {
    const half = (v: number[]) => new Tensor('float16', Uint16Array.from(v, float32ToFloat16), [v.length]);
    expect(values(run('QuantizeLinear', [half([1, -2.5]), half([0.5]), new Tensor('int8', [3], [])]))).toEqual([5, -2]);
  });

  it('rejects a per-axis scale of the wrong length and a zero point of another type', () => {
    const bad = () => infer('QuantizeLinear', [{ type: 'float32', dims: [2, 3] }, { type: 'float32', dims: [2] }], { axis: 1, output_dtype: '' });
    expect(bad).toThrow(WebliteError);
    expect(bad).toThrow(/per-axis scale has 2 elements, but axis 1 of x has size 3/);
    expect(() => infer('QuantizeLinear', [{ type: 'float32', dims: [2] }, { type: 'float32', dims: [] }, { type: 'int32', dims: [] }], { axis: 1, output_dtype: '' })).toThrow(/y_zero_point must be one of/);
    expect(() => infer('QuantizeLinear', [{ type: 'float32', dims: [2] }, { type: 'float32', dims: [] }, { type: 'uint8', dims: [] }], { axis: 1, output_dtype: 'int8' })).toThrow(/differs from the zero point/);
  });
});

describe('DequantizeLinear', () => {
  it('computes (x − zero point) · scale per tensor and per axis', () => {
    expect(values(run('DequantizeLinear', [new Tensor('uint8', [0, 3, 128, 255], [4]), new Tensor('float32', [2], []), new Tensor('uint8', [128], [])]))).toEqual([-256, -250, 0, 254]);
    const perAxis = run('DequantizeLinear', [new Tensor('int8', [-128, 127, 0, 1], [2, 2]), new Tensor('float32', [0.5, 0.25], [2]), new Tensor('int8', [0, 1], [2])], { axis: 0 });
    expect(values(perAxis)).toEqual([-64, 63.5, -0.25, 0]);
  });

  it('dequantizes int32 without a zero point, and to float16 with a float16 scale', () => {
    expect(values(run('DequantizeLinear', [new Tensor('int32', [-300, 7], [2]), new Tensor('float32', [0.5], [])]))).toEqual([-150, 3.5]);
    const half = run('DequantizeLinear', [new Tensor('uint8', [10], [1]), new Tensor('float16', Uint16Array.of(float32ToFloat16(0.25)), [])]);
    expect(half.type).toBe('float16');
    expect(float16ToFloat32((half.data as Uint16Array)[0]!)).toBe(2.5);
  });

  it('dequantizes per block (opset 21 block_size; a last block shorter than the others) with output_dtype float32', () => {
    // x [2, 5] in blocks of 2 along axis 1: scale [2, 3]; row 1 uses a zero point per block.
    const x = new Tensor('int8', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 5]);
    const scale = new Tensor('float16', Uint16Array.from([1, 0.5, 0.25, 2, 4, 8], float32ToFloat16), [2, 3]);
    const zeroPoint = new Tensor('int8', [0, 0, 0, 1, 1, 0], [2, 3]);
    const y = run('DequantizeLinear', [x, scale, zeroPoint], { axis: 1, block_size: 2, output_dtype: 'float32' });
    expect(y.type).toBe('float32');
    expect(values(y)).toEqual([1, 2, 1.5, 2, 1.25, 10, 12, 28, 32, 80]);
    expect(() => infer('DequantizeLinear', [{ type: 'int8', dims: [2, 5] }, { type: 'float32', dims: [2, 2] }], { axis: 1, block_size: 2, output_dtype: '' }))
      .toThrow(/blocked scale dim 1 is 2, expected 3/);
    expect(() => infer('DequantizeLinear', [{ type: 'int8', dims: [2, 5] }, { type: 'float32', dims: [3] }], { axis: 1, block_size: 2, output_dtype: '' }))
      .toThrow(/must have x's rank 2/);
    expect(() => infer('DequantizeLinear', [{ type: 'int8', dims: [2] }, { type: 'float32', dims: [] }], { axis: 0, block_size: 0, output_dtype: 'int8' }))
      .toThrow(/output_dtype must be float32 or float16/);
  });
});

const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

describe.skipIf(!existsSync(`${NODE_TESTS}/test_quantizelinear`))('ONNX conformance (libonnx-testdata)', () => {
  const load = (test: string, file: string) => {
    const path = `${NODE_TESTS}/${test}/test_data_set_0/${file}`;
    return tensorFromProto(decodeTensor(new Uint8Array(readFileSync(path)), path), path);
  };
  for (const [test, op] of [
    ['test_quantizelinear', 'QuantizeLinear'], ['test_quantizelinear_axis', 'QuantizeLinear'],
    ['test_dequantizelinear', 'DequantizeLinear'], ['test_dequantizelinear_axis', 'DequantizeLinear'],
  ] as const) {
    it(test, () => {
      const inputs = [0, 1, 2].map((i) => load(test, `input_${i}.pb`));
      const want = load(test, 'output_0.pb');
      const got = run(op, inputs);
      expect(got.type).toBe(want.type);
      expect(got.dims).toEqual(want.dims);
      expect(values(got)).toEqual(values(want));
    });
  }
});
