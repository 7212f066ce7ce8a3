/**
 * gemm/f32-gemm-minmax-4x4-tiled.wgsl through the MatMul/Gemm/FusedMatMul/FusedGemm lowerings, against the
 * reference. Sizes the XNNPACK way around the 32×32×32 tile: below it, equal, a multiple, above it; odd batches,
 * broadcast batch axes, 1-D operands, transposes, every form of Gemm's C, alpha/beta and fused activations.
 * The vec4-load variants (VEC4_A: A read 4 k at a time; VEC4_B: B read 4 columns at a time) against the same
 * reference, with the variant each shape must take read from the placement (`…wgsl#VEC4_A#VEC4_B`).
 */
import { describe, expect, it } from 'vitest';
import { GEMM_KERNEL } from '../../src/backends/webgpu/lower/gemm.js';
import { kernelName, vec4Loadable } from '../../src/backends/webgpu/lowering.js';
import type { WebGpuModel } from '../../src/backends/webgpu/index.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

type Vec4 = 'VEC4_A' | 'VEC4_B';

/** The GEMM node's placement kernel: the file, then the vec4 variants it ran. */
function expectGemmVariant(model: WebGpuModel, variants: readonly Vec4[]): void {
  const gemms = model.placement.filter((p) => p.kernel.startsWith(GEMM_KERNEL));
  expect(gemms.map((p) => p.kernel)).toEqual([kernelName(GEMM_KERNEL, variants)]);
}

const matmul = (aDims: number[], bDims: number[], constantB = false, variants?: readonly Vec4[]) => async (context: { skip: (note?: string) => void }) => {
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
  if (variants) expectGemmVariant(model, variants);
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

describe('webgpu GEMM vec4 loads', () => {
  it('the rule: unit stride along the loaded axis, extent, row stride and batch strides multiples of 4', () => {
    expect(vec4Loadable(64, 1, 64, [4096])).toBe(true);
    expect(vec4Loadable(64, 1, 64)).toBe(true);
    expect(vec4Loadable(63, 1, 64)).toBe(false); // extent: the last vector would cross the end of the row
    expect(vec4Loadable(64, 33, 1)).toBe(false); // transposed: strided along the loaded axis
    expect(vec4Loadable(64, 1, 66)).toBe(false); // rows start at odd offsets
    expect(vec4Loadable(64, 1, 64, [0, 6])).toBe(false); // a batch starts at an odd offset (0 = broadcast is fine)
  });

  // [m, k, n] with constant B; expected variants.
  const shapes: [number, number, number, Vec4[]][] = [
    [64, 64, 64, ['VEC4_A', 'VEC4_B']],
    [32, 32, 32, ['VEC4_A', 'VEC4_B']],
    [33, 20, 68, ['VEC4_A', 'VEC4_B']],
    [1, 4, 4, ['VEC4_A', 'VEC4_B']],
    [5, 36, 3, ['VEC4_A']], // N not a multiple of 4
    [40, 33, 36, ['VEC4_B']], // K not a multiple of 4
    [31, 33, 35, []],
  ];
  for (const [m, k, n, variants] of shapes) {
    it(`${m}×${k} · ${k}×${n} → ${variants.join('+') || 'scalar'}`, matmul([m, k], [k, n], true, variants));
  }
  it('batched [3,33,20]·[3,20,68] (batch strides multiples of 4)', matmul([3, 33, 20], [3, 20, 68], false, ['VEC4_A', 'VEC4_B']));
  it('batched with broadcast batch axes [2,1,9,12]·[3,12,16]', matmul([2, 1, 9, 12], [3, 12, 16], false, ['VEC4_A', 'VEC4_B']));
  it('batched, B shared [4,33,16]·[16,40] (A batches folded into M)', matmul([4, 33, 16], [16, 40], true, ['VEC4_A', 'VEC4_B']));
  it('batched, K odd [2,5,6]·[2,6,8]: A scalar, B vec4', matmul([2, 5, 6], [2, 6, 8], false, ['VEC4_B']));
  it('1-D operands [8]·[8] fall back (N = 1)', matmul([8], [8], false, ['VEC4_A']));

  const gemms: { name: string; transA?: number; transB?: number; c?: number[]; variants: Vec4[] }[] = [
    { name: 'no transposes, C [n]', c: [44], variants: ['VEC4_A', 'VEC4_B'] },
    { name: 'transB: B strided along N', transB: 1, c: [36, 44], variants: ['VEC4_A'] },
    { name: 'transA: A strided along K', transA: 1, c: [36, 1], variants: ['VEC4_B'] },
    { name: 'transA and transB', transA: 1, transB: 1, variants: [] },
  ];
  for (const g of gemms) {
    it(`Gemm 36×40·40×44, ${g.name} → ${g.variants.join('+') || 'scalar'}`, async (context) => {
      if (skipWithoutGpu(context)) return;
      const [m, n, k] = [36, 44, 40];
      const aDims = g.transA ? [k, m] : [m, k];
      const bDims = g.transB ? [n, k] : [k, n];
      const model = await expectMatchesReference(
        {
          inputs: [f32('a', aDims)],
          outputs: [f32('y')],
          initializers: { b: randomTensor(bDims, 3), ...(g.c ? { c: randomTensor(g.c, 4) } : {}) },
          nodes: [{ op: 'Gemm', inputs: ['a', 'b', ...(g.c ? ['c'] : [])], outputs: ['y'], attrs: { transA: g.transA ?? 0, transB: g.transB ?? 0, alpha: { float: 0.75 }, beta: { float: 1.5 } } }],
        },
        { a: randomTensor(aDims, 5) },
        { tolerance: 1e-5 },
      );
      expectGemmVariant(model, g.variants);
      model.release();
    });
  }

  it('MatMul + bias Add + Relu → FusedMatMul on vec4 loads', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      {
        inputs: [f32('a', [2, 17, 24])],
        outputs: [f32('y')],
        initializers: { w: randomTensor([24, 40], 6), bias: randomTensor([40], 7) },
        nodes: [
          { op: 'MatMul', inputs: ['a', 'w'], outputs: ['m'] },
          { op: 'Add', inputs: ['m', 'bias'], outputs: ['s'] },
          { op: 'Relu', inputs: ['s'], outputs: ['y'] },
        ],
      },
      { a: randomTensor([2, 17, 24], 8) },
      { tolerance: 1e-5 },
    );
    expectGemmVariant(model, ['VEC4_A', 'VEC4_B']);
    model.release();
  });
});
