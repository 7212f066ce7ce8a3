/**
 * conv/f32-conv2d-igemm-minmax-4x4-tiled.wgsl and conv/f32-dwconv2d-minmax-direct.wgsl through the Conv/FusedConv
 * lowering, against the reference: odd sizes around the 32-channel/32-pixel tile, strides, dilations, asymmetric
 * and automatic pads, groups, depthwise with a channel multiplier, 1×1 (pointwise), 1-D, and the fused epilogue
 * (bias, residual Z, activation) as the fusion passes produce it; conv/f32-conv3d-minmax-direct.wgsl for 3-D ones.
 * The implicit GEMM's vec4-load variants (VEC4_A: weights, k a multiple of 4; VEC4_B: a pointwise conv's input,
 * pixels a multiple of 4), with the variant each shape must take read from the placement.
 */
import { describe, expect, it } from 'vitest';
import type { AttrInput } from '../helpers/onnx-builder.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { IGEMM_KERNEL } from '../../src/backends/webgpu/lower/conv.js';
import { kernelName } from '../../src/backends/webgpu/lowering.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  bias?: boolean;
  attrs?: Record<string, AttrInput>;
}

const CASES: ConvCase[] = [
  { name: '3×3 pad 1, 5→7 channels on 9×11', x: [1, 5, 9, 11], w: [7, 5, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: '3×3 stride 2, asymmetric pads, batch 2', x: [2, 3, 13, 10], w: [33, 3, 3, 3], bias: true, attrs: { pads: [0, 1, 2, 1], strides: [2, 2] } },
  { name: '5×3 kernel, dilations 2×1, SAME_UPPER', x: [1, 4, 12, 9], w: [6, 4, 5, 3], attrs: { dilations: [2, 1], auto_pad: 'SAME_UPPER' } },
  { name: 'SAME_LOWER stride 2', x: [1, 3, 8, 7], w: [5, 3, 4, 4], bias: true, attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] } },
  { name: '1×1 pointwise, 32→65 channels on 6×6 (33+ pixels)', x: [1, 32, 6, 6], w: [65, 32, 1, 1], bias: true },
  { name: '1×1 stride 2 (not pointwise)', x: [1, 8, 7, 7], w: [9, 8, 1, 1], attrs: { strides: [2, 2] } },
  { name: 'grouped: 3 groups, 6→9 channels', x: [2, 6, 7, 8], w: [9, 2, 3, 3], bias: true, attrs: { group: 3, pads: [1, 1, 1, 1] } },
  { name: 'depthwise 3×3 stride 2', x: [1, 10, 9, 9], w: [10, 1, 3, 3], bias: true, attrs: { group: 10, pads: [1, 1, 1, 1], strides: [2, 2] } },
  { name: 'depthwise 5×5 dilated, multiplier 2', x: [2, 3, 11, 12], w: [6, 1, 5, 5], attrs: { group: 3, pads: [2, 4, 2, 4], dilations: [1, 2] } },
  { name: '1-D conv (3-D tensors)', x: [2, 4, 17], w: [5, 4, 3], bias: true, attrs: { pads: [1, 2], strides: [2] } },
  { name: '3-D 3×3×3 pad 1, 3→5 channels, batch 2', x: [2, 3, 5, 6, 7], w: [5, 3, 3, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1, 1, 1] } },
  { name: '3-D grouped, strides, dilations, asymmetric pads', x: [1, 4, 7, 6, 9], w: [6, 2, 2, 3, 2], attrs: { group: 2, strides: [2, 1, 2], dilations: [2, 1, 3], pads: [0, 1, 1, 1, 0, 2] } },
  { name: '3-D SAME_UPPER depthwise', x: [1, 3, 4, 5, 6], w: [3, 1, 3, 2, 3], bias: true, attrs: { group: 3, auto_pad: 'SAME_UPPER', strides: [1, 2, 2] } },
  { name: 'large K: 64 channels 3×3 (k = 576) on 33 pixels', x: [1, 64, 3, 11], w: [40, 64, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
];

describe('webgpu Conv', () => {
  for (const c of CASES) {
    it(c.name, async (context) => {
      if (skipWithoutGpu(context)) return;
      const initializers = { w: randomTensor(c.w, 2), ...(c.bias ? { b: randomTensor([c.w[0]!], 3) } : {}) };
      const model = await expectMatchesReference(
        {
          inputs: [f32('x', c.x)],
          outputs: [f32('y')],
          initializers,
          nodes: [{ op: 'Conv', inputs: ['x', 'w', ...(c.bias ? ['b'] : [])], outputs: ['y'], attrs: c.attrs ?? {} }],
        },
        { x: randomTensor(c.x, 1) },
        { tolerance: 1e-5 },
      );
      model.release();
    });
  }

  it('weights as a graph input (not a constant)', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      { inputs: [f32('x', [1, 3, 6, 5]), f32('w', [4, 3, 2, 2])], outputs: [f32('y')], nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }] },
      { x: randomTensor([1, 3, 6, 5], 4), w: randomTensor([4, 3, 2, 2], 5) },
      { tolerance: 1e-5 },
    );
    model.release();
  });
});

describe('webgpu Conv vec4 loads', () => {
  const cases: (ConvCase & { variants: string[] })[] = [
    { name: '3×3, k = 4·9 = 36', x: [1, 4, 7, 9], w: [8, 4, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] }, variants: ['VEC4_A'] },
    { name: '3×3, k = 5·9 = 45', x: [1, 5, 9, 11], w: [7, 5, 3, 3], attrs: { pads: [1, 1, 1, 1] }, variants: [] },
    { name: '3 groups of 4 channels, batch 2', x: [2, 12, 6, 5], w: [9, 4, 3, 3], bias: true, attrs: { group: 3, pads: [1, 1, 1, 1] }, variants: ['VEC4_A'] },
    { name: 'pointwise 32→65 on 6×6 (36 pixels)', x: [1, 32, 6, 6], w: [65, 32, 1, 1], bias: true, variants: ['VEC4_A', 'VEC4_B'] },
    { name: 'pointwise on 7×7 (49 pixels)', x: [1, 8, 7, 7], w: [9, 8, 1, 1], variants: ['VEC4_A'] },
    { name: 'pointwise 6→5 on 4×5 (k = 6)', x: [1, 6, 4, 5], w: [5, 6, 1, 1], variants: ['VEC4_B'] },
    { name: 'pointwise, 2 groups, batch 2', x: [2, 8, 4, 5], w: [6, 4, 1, 1], bias: true, attrs: { group: 2 }, variants: ['VEC4_A', 'VEC4_B'] },
    { name: '1×1 stride 2 (not pointwise)', x: [1, 8, 8, 8], w: [9, 8, 1, 1], attrs: { strides: [2, 2] }, variants: ['VEC4_A'] },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.variants.join('+') || 'scalar'}`, async (context) => {
      if (skipWithoutGpu(context)) return;
      const initializers = { w: randomTensor(c.w, 2), ...(c.bias ? { b: randomTensor([c.w[0]!], 3) } : {}) };
      const model = await expectMatchesReference(
        {
          inputs: [f32('x', c.x)],
          outputs: [f32('y')],
          initializers,
          nodes: [{ op: 'Conv', inputs: ['x', 'w', ...(c.bias ? ['b'] : [])], outputs: ['y'], attrs: c.attrs ?? {} }],
        },
        { x: randomTensor(c.x, 1) },
        { tolerance: 1e-5 },
      );
      expect(model.placement.map((p) => p.kernel)).toEqual([kernelName(IGEMM_KERNEL, c.variants)]);
      model.release();
    });
  }
});

describe('webgpu FusedConv epilogues', () => {
  const activations: [string, Record<string, AttrInput>][] = [['Relu', {}], ['Sigmoid', {}], ['HardSwish', {}], ['LeakyRelu', { alpha: 0.1 }], ['Tanh', {}]];
  for (const [activation, attrs] of activations) {
    for (const depthwise of [false, true]) {
      it(`${depthwise ? 'depthwise ' : ''}Conv + bias + residual Add + ${activation}`, async (context) => {
        if (skipWithoutGpu(context)) return;
        const w = depthwise ? [6, 1, 3, 3] : [6, 4, 3, 3];
        const x = depthwise ? [1, 6, 7, 9] : [1, 4, 7, 9];
        const model = await expectMatchesReference(
          {
            inputs: [f32('x', x), f32('z', [1, 6, 7, 9])],
            outputs: [f32('y')],
            initializers: { w: randomTensor(w, 6), b: randomTensor([6], 7) },
            nodes: [
              { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1], group: depthwise ? 6 : 1 } },
              { op: 'Add', inputs: ['c', 'z'], outputs: ['s'] },
              { op: activation, inputs: ['s'], outputs: ['y'], attrs },
            ],
          },
          { x: randomTensor(x, 8), z: randomTensor([1, 6, 7, 9], 9) },
          { tolerance: 1e-5 },
        );
        // k = 4·3·3 = 36: the implicit GEMM reads the weights as vec4 under the fused epilogue.
        if (!depthwise) expect(model.placement.map((p) => p.kernel)).toEqual([kernelName(IGEMM_KERNEL, ['VEC4_A'])]);
        model.release();
      });
    }
  }

  it('3-D Conv + bias + residual Add + Relu', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      {
        inputs: [f32('x', [1, 2, 4, 5, 3]), f32('z', [1, 3, 4, 5, 3])],
        outputs: [f32('y')],
        initializers: { w: randomTensor([3, 2, 3, 3, 3], 6), b: randomTensor([3], 7) },
        nodes: [
          { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1, 1, 1] } },
          { op: 'Add', inputs: ['c', 'z'], outputs: ['s'] },
          { op: 'Relu', inputs: ['s'], outputs: ['y'] },
        ],
      },
      { x: randomTensor([1, 2, 4, 5, 3], 8), z: randomTensor([1, 3, 4, 5, 3], 9) },
      { tolerance: 1e-5 },
    );
    expect(model.placement.map((p) => p.kernel)).toEqual(['conv/f32-conv3d-minmax-direct.wgsl']);
    model.release();
  });

  it('Conv + Sigmoid·x (SiLU) and Clip(0, 6)', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      {
        inputs: [f32('x', [1, 3, 8, 8])],
        outputs: [f32('y'), f32('r6')],
        initializers: { w: randomTensor([5, 3, 3, 3], 10), w2: randomTensor([4, 3, 1, 1], 11) },
        nodes: [
          { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
          { op: 'Sigmoid', inputs: ['c'], outputs: ['s'] },
          { op: 'Mul', inputs: ['c', 's'], outputs: ['y'] },
          { op: 'Conv', inputs: ['x', 'w2'], outputs: ['d'] },
          { op: 'Clip', inputs: ['d', 'zero', 'six'], outputs: ['r6'] },
        ],
        rawInitializers: [
          { name: 'zero', dims: [], data_type: 1, float_data: [0] },
          { name: 'six', dims: [], data_type: 1, float_data: [0.3] },
        ],
      },
      { x: randomTensor([1, 3, 8, 8], 12) },
      { tolerance: 1e-5 },
    );
    model.release();
  });
});
