/**
 * normalization/f32-softmax-workgroup.wgsl and normalization/f32-layernorm-workgroup.wgsl against the reference:
 * rows shorter and longer than the 64-invocation workgroup, softmax along inner axes (strided rows), large logits,
 * LayerNormalization over one or several trailing axes with broadcast scale/bias, with and without bias.
 */
import { describe, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

describe('webgpu Softmax / LogSoftmax', () => {
  const cases: [number[], number][] = [[[3, 5], -1], [[2, 130], 1], [[2, 7, 9], 1], [[4, 3, 2, 5], 0], [[1, 1], 0]];
  for (const op of ['Softmax', 'LogSoftmax']) {
    for (const [dims, axis] of cases) {
      it(`${op} over axis ${axis} of [${dims}]`, async (context) => {
        if (skipWithoutGpu(context)) return;
        const x = randomTensor(dims, 1);
        const big = new Tensor('float32', (x.data as Float32Array).map((v) => v * 40), dims);
        const model = await expectMatchesReference(
          { inputs: [f32('x', dims)], outputs: [f32('y')], nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs: { axis } }] },
          { x: big },
          { tolerance: 1e-5 },
        );
        model.release();
      });
    }
  }
});

describe('webgpu LayerNormalization', () => {
  const cases: { name: string; x: number[]; axis: number; scale: number[]; bias?: number[] }[] = [
    { name: 'last axis of 7', x: [2, 3, 7], axis: -1, scale: [7], bias: [7] },
    { name: 'last axis of 200, no bias', x: [3, 200], axis: -1, scale: [200] },
    { name: 'two trailing axes, scale broadcast over the last', x: [2, 5, 3, 4], axis: 2, scale: [4], bias: [3, 4] },
    { name: 'whole tensor (axis 0)', x: [3, 4], axis: 0, scale: [3, 4], bias: [1, 4] },
  ];
  for (const c of cases) {
    it(c.name, async (context) => {
      if (skipWithoutGpu(context)) return;
      const model = await expectMatchesReference(
        {
          opset: 17,
          inputs: [f32('x', c.x)],
          outputs: [f32('y')],
          initializers: { s: randomTensor(c.scale, 2), ...(c.bias ? { b: randomTensor(c.bias, 3) } : {}) },
          nodes: [{ op: 'LayerNormalization', inputs: ['x', 's', ...(c.bias ? ['b'] : [])], outputs: ['y'], attrs: { axis: c.axis, epsilon: { float: 1e-3 } } }],
        },
        { x: randomTensor(c.x, 4) },
        { tolerance: 1e-5 },
      );
      model.release();
    });
  }
  it('with the Mean and InvStdDev outputs', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      {
        opset: 17,
        inputs: [f32('x', [2, 3, 70]), f32('s', [70])],
        outputs: [f32('y'), f32('mean'), f32('inverse')],
        nodes: [{ op: 'LayerNormalization', inputs: ['x', 's'], outputs: ['y', 'mean', 'inverse'], attrs: { axis: -1 } }],
      },
      { x: randomTensor([2, 3, 70], 5), s: randomTensor([70], 6) },
      { tolerance: 1e-5 },
    );
    model.release();
  });
});
