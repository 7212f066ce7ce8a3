/**
 * gemm/f32-gemm-minmax-4x4-tiled.wgsl through the MatMul/Gemm/FusedMatMul/FusedGemm lowerings, against the
 * reference. Sizes the XNNPACK way around the 32×32×32 tile: below it, equal, a multiple, above it; odd batches,
 * broadcast batch axes, 1-D operands, transposes, every form of Gemm's C, alpha/beta and fused activations.
 */
import { describe, it } from 'vitest';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

const matmul = (aDims: number[], bDims: number[], constantB = false) => async (context: { skip: (note?: string) => void }) => {
  if (skipWithoutGpu(context)) return;
  const b = randomTensor(bDims, 2);
  const model = await expectMatchesReference(
    {
      inputs: [f32('a', aDims), ...(constantB ? [] : [f32('b', bDims)])],
      outputs: [f32('y')],
      initializers: constantB ? { b } : {},
      nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
    },
    { a: randomTensor(aDims, 1), ...(constantB ? {} : { b }) },
    { tolerance: 1e-5 },
  );
  model.release();
};

describe('webgpu MatMul', () => {
  for (const [m, n, k] of [[1, 1, 1], [31, 33, 32], [32, 32, 32], [64, 65, 63], [3, 70, 129], [33, 1, 17]] as const) {
    it(`${m}×${k} · ${k}×${n} (constant B)`, matmul([m, k], [k, n], true));
  }
  it('batched with broadcast batch axes [2,1,5,7]·[3,7,9]', matmul([2, 1, 5, 7], [3, 7, 9]));
  it('batched, B shared [4,33,17]·[17,35] (A batches folded into M)', matmul([4, 33, 17], [17, 35], true));
  it('1-D left operand [7]·[2,7,5]', matmul([7], [2, 7, 5]));
  it('1-D right operand [3,4,7]·[7]', matmul([3, 4, 7], [7]));
  it('1-D both [9]·[9]', matmul([9], [9]));
  it('five batch axes with leading ones [1,1,2,3,4,5,6]·[6,3]', matmul([1, 1, 2, 3, 4, 5, 6], [6, 3], true));
});

describe('webgpu Gemm', () => {
  const cases: { name: string; transA?: number; transB?: number; alpha?: number; beta?: number; c?: number[] }[] = [
    { name: 'plain, C [n]', c: [35] },
    { name: 'transA, transB, alpha, beta, C [m, n]', transA: 1, transB: 1, alpha: 0.5, beta: 2, c: [33, 35] },
    { name: 'C [m, 1]', c: [33, 1] },
    { name: 'C scalar', c: [] },
    { name: 'C [1, n] with beta 0 (ignored)', c: [1, 35], beta: 0 },
    { name: 'no C, transB', transB: 1 },
  ];
  for (const c of cases) {
    it(c.name, async (context) => {
      if (skipWithoutGpu(context)) return;
      const [m, n, k] = [33, 35, 40];
      const aDims = c.transA ? [k, m] : [m, k];
      const bDims = c.transB ? [n, k] : [k, n];
      const attrs = { transA: c.transA ?? 0, transB: c.transB ?? 0, alpha: { float: c.alpha ?? 1 }, beta: { float: c.beta ?? 1 } };
      const model = await expectMatchesReference(
        {
          inputs: [f32('a', aDims)],
          outputs: [f32('y')],
          initializers: { b: randomTensor(bDims, 3), ...(c.c ? { c: randomTensor(c.c, 4) } : {}) },
          nodes: [{ op: 'Gemm', inputs: ['a', 'b', ...(c.c ? ['c'] : [])], outputs: ['y'], attrs }],
        },
        { a: randomTensor(aDims, 5) },
        { tolerance: 1e-5 },
      );
      model.release();
    });
  }
});

describe('webgpu fused GEMM epilogues', () => {
  for (const activation of ['Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'HardSigmoid', 'HardSwish', 'Elu']) {
    it(`MatMul + bias Add + ${activation} → FusedMatMul`, async (context) => {
      if (skipWithoutGpu(context)) return;
      const model = await expectMatchesReference(
        {
          inputs: [f32('a', [2, 17, 24])],
          outputs: [f32('y')],
          initializers: { w: randomTensor([24, 37], 6), bias: randomTensor([37], 7) },
          nodes: [
            { op: 'MatMul', inputs: ['a', 'w'], outputs: ['m'] },
            { op: 'Add', inputs: ['m', 'bias'], outputs: ['s'] },
            { op: activation, inputs: ['s'], outputs: ['y'] },
          ],
        },
        { a: randomTensor([2, 17, 24], 8) },
        { tolerance: 1e-5 },
      );
      model.release();
    });
  }
  it('Gemm + Clip(0, 6) → FusedGemm', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      {
        inputs: [f32('a', [5, 70])],
        outputs: [f32('y')],
        initializers: { w: randomTensor([33, 70], 9), bias: randomTensor([33], 10), lo: randomTensor([], 0), hi: randomTensor([], 0) },
        nodes: [
          { op: 'Gemm', inputs: ['a', 'w', 'bias'], outputs: ['g'], attrs: { transB: 1 } },
          { op: 'Clip', inputs: ['g', 'low', 'high'], outputs: ['y'] },
        ],
        rawInitializers: [
          { name: 'low', dims: [], data_type: 1, float_data: [-0.25] },
          { name: 'high', dims: [], data_type: 1, float_data: [0.5] },
        ],
      },
      { a: randomTensor([5, 70], 11) },
      { tolerance: 1e-5 },
    );
    model.release();
  });
});
