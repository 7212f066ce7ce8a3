/**
 * elementwise/f32-binary-broadcast.wgsl and elementwise/f32-unary.wgsl against the reference: every broadcast form
 * (same shape, scalar, per-channel, both sides, rank 6), every binary op, every activation and unary math op.
 * Inputs are scaled to each op's domain. Tolerance 1e-5·(1 + |want|): the transcendental builtins on SwiftShader
 * are a few ulps off, erf is a polynomial (≤ 1.5e-7).
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import type { AttrInput } from '../helpers/onnx-builder.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

function scaled(dims: number[], seed: number, low: number, high: number): Tensor {
  const base = randomTensor(dims, seed).data as Float32Array;
  return new Tensor('float32', base.map((v) => low + ((v + 1) / 2) * (high - low)), dims);
}

describe('webgpu binary elementwise', () => {
  const shapes: [string, number[], number[]][] = [
    ['same shape', [2, 3, 5, 7], [2, 3, 5, 7]],
    ['scalar right', [3, 67], []],
    ['scalar left', [1], [3, 5, 9]],
    ['per channel', [2, 6, 5, 5], [6, 1, 1]],
    ['both broadcast', [4, 1, 7], [3, 1]],
    ['rank 6', [2, 1, 3, 1, 2, 3], [1, 2, 1, 4, 1, 3]],
  ];
  for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Pow', 'Mean', 'Sum']) {
    for (const [name, a, b] of shapes) {
      it(`${op}, ${name}`, async (context) => {
        if (skipWithoutGpu(context)) return;
        // Pow: positive bases (fractional exponents), plus a second case for negative bases below.
        const x = op === 'Pow' ? scaled(a, 1, 0.1, 3) : randomTensor(a, 1);
        const y = op === 'Pow' ? scaled(b, 2, -2, 2) : op === 'Div' ? scaled(b, 2, 0.5, 2) : randomTensor(b, 2);
        const model = await expectMatchesReference(
          { inputs: [f32('a', a), f32('b', b)], outputs: [f32('y')], nodes: [{ op, inputs: ['a', 'b'], outputs: ['y'] }] },
          { a: x, b: y },
          { tolerance: 1e-5 },
        );
        model.release();
      });
    }
  }
  it('Pow with negative bases and integral exponents, zero bases', async (context) => {
    if (skipWithoutGpu(context)) return;
    const a = new Tensor('float32', new Float32Array([-2, -2, -1.5, 0, 0, 0, 3, -3]), [8]);
    const b = new Tensor('float32', new Float32Array([2, 3, 3, 0, 2, -1, 0.5, 1]), [8]);
    const model = await expectMatchesReference(
      { inputs: [f32('a', [8]), f32('b', [8])], outputs: [f32('y')], nodes: [{ op: 'Pow', inputs: ['a', 'b'], outputs: ['y'] }] },
      { a, b },
      { tolerance: 1e-5 },
    );
    model.release();
  });
  it('PRelu with a per-channel slope constant', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      { inputs: [f32('x', [2, 5, 3, 4])], outputs: [f32('y')], initializers: { slope: randomTensor([5, 1, 1], 3) }, nodes: [{ op: 'PRelu', inputs: ['x', 'slope'], outputs: ['y'] }] },
      { x: randomTensor([2, 5, 3, 4], 4) },
      { tolerance: 1e-6 },
    );
    model.release();
  });
});

describe('webgpu unary elementwise', () => {
  const cases: [string, number, number, Record<string, AttrInput>?][] = [
    ['Relu', -3, 3], ['Sigmoid', -20, 20], ['Tanh', -12, 12], ['HardSwish', -5, 5], ['HardSigmoid', -5, 5, { alpha: 0.3, beta: 0.4 }],
    ['LeakyRelu', -3, 3, { alpha: 0.2 }], ['Elu', -3, 3, { alpha: 0.7 }], ['Selu', -3, 3], ['Celu', -3, 3, { alpha: 1.5 }],
    ['Abs', -3, 3], ['Neg', -3, 3], ['Exp', -10, 10], ['Log', 0.01, 100], ['Sqrt', 0, 50], ['Reciprocal', 0.1, 5],
    ['Floor', -5, 5], ['Ceil', -5, 5], ['Round', -5, 5], ['Sign', -2, 2], ['Sin', -3, 3], ['Cos', -3, 3], ['Tan', -1.4, 1.4],
    ['Asin', -0.99, 0.99], ['Acos', -0.99, 0.99], ['Atan', -10, 10], ['Sinh', -5, 5], ['Cosh', -5, 5], ['Asinh', -10, 10],
    ['Acosh', 1, 10], ['Atanh', -0.95, 0.95], ['Erf', -4, 4], ['Softplus', -30, 30], ['Softsign', -5, 5],
  ];
  for (const [op, low, high, attrs] of cases) {
    it(`${op} on [${low}, ${high}]`, async (context) => {
      if (skipWithoutGpu(context)) return;
      const model = await expectMatchesReference(
        { inputs: [f32('x', [3, 7, 11])], outputs: [f32('y')], nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs: attrs ?? {} }] },
        { x: scaled([3, 7, 11], 5, low, high) },
        { tolerance: 1e-5 },
      );
      model.release();
    });
  }
  it('Gelu (both decompositions, fused by the passes) and Clip without bounds / with one bound', async (context) => {
    if (skipWithoutGpu(context)) return;
    const scalar = (name: string, value: number) => ({ name, dims: [], data_type: 1, float_data: [value] });
    const model = await expectMatchesReference(
      {
        inputs: [f32('x', [5, 13])],
        outputs: [f32('g'), f32('t'), f32('c0'), f32('c1')],
        rawInitializers: [
          scalar('low', -0.5), scalar('sqrt2', Math.SQRT2), scalar('one', 1), scalar('half', 0.5),
          scalar('cubic', 0.044715), scalar('root', Math.sqrt(2 / Math.PI)), scalar('three', 3),
        ],
        nodes: [
          { op: 'Div', inputs: ['x', 'sqrt2'], outputs: ['d'] },
          { op: 'Erf', inputs: ['d'], outputs: ['e'] },
          { op: 'Add', inputs: ['e', 'one'], outputs: ['e1'] },
          { op: 'Mul', inputs: ['x', 'e1'], outputs: ['xe'] },
          { op: 'Mul', inputs: ['xe', 'half'], outputs: ['g'] },
          { op: 'Pow', inputs: ['x', 'three'], outputs: ['x3'] },
          { op: 'Mul', inputs: ['x3', 'cubic'], outputs: ['x3c'] },
          { op: 'Add', inputs: ['x', 'x3c'], outputs: ['inner'] },
          { op: 'Mul', inputs: ['inner', 'root'], outputs: ['scaled'] },
          { op: 'Tanh', inputs: ['scaled'], outputs: ['th'] },
          { op: 'Add', inputs: ['th', 'one'], outputs: ['th1'] },
          { op: 'Mul', inputs: ['x', 'half'], outputs: ['xh'] },
          { op: 'Mul', inputs: ['xh', 'th1'], outputs: ['t'] },
          { op: 'Clip', inputs: ['x'], outputs: ['c0'] },
          { op: 'Clip', inputs: ['x', 'low'], outputs: ['c1'] },
        ],
      },
      { x: scaled([5, 13], 6, -4, 4) },
      { tolerance: 1e-5 },
    );
    expect(model.placement.filter((p) => p.op === 'Gelu').length, 'both patterns fused into Gelu').toBe(2);
    model.release();
  });
  it('Clip with run-time bounds (graph inputs), one or both', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      {
        inputs: [f32('x', [4, 9]), f32('low', []), f32('high', [])],
        outputs: [f32('both'), f32('low_only'), f32('high_only')],
        nodes: [
          { op: 'Clip', inputs: ['x', 'low', 'high'], outputs: ['both'] },
          { op: 'Clip', inputs: ['x', 'low'], outputs: ['low_only'] },
          { op: 'Clip', inputs: ['x', '', 'high'], outputs: ['high_only'] },
        ],
      },
      { x: randomTensor([4, 9], 7), low: new Tensor('float32', new Float32Array([-0.3]), []), high: new Tensor('float32', new Float32Array([0.4]), []) },
      { tolerance: 0 },
    );
    model.release();
  });
});
