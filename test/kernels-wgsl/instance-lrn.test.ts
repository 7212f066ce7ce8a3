/**
 * normalization/f32-instancenorm-workgroup.wgsl and f32-lrn-direct.wgsl against the reference InstanceNormalization
 * and LRN. Odd plane sizes (below, equal to and above the 64-wide workgroup), large means (cancellation), 1-D/3-D
 * spatial, even and odd LRN windows. Tolerance 2e-5 relative (f32 statistics vs the reference's float64; LRN's
 * power through exp2/log2).
 */
import { describe, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

const instanceNorm = (dims: number[], offset = 0, epsilon = 1e-5) => async (context: { skip: (note?: string) => void }) => {
  if (skipWithoutGpu(context)) return;
  const x = randomTensor(dims, 21);
  const shifted = new Tensor('float32', x.data.map((v, i) => v * (1 + (i % 7)) + offset), dims);
  const model = await expectMatchesReference({
    inputs: [f32('x', dims)],
    outputs: [f32('y')],
    initializers: { s: randomTensor([dims[1]!], 22), b: randomTensor([dims[1]!], 23) },
    nodes: [{ op: 'InstanceNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], attrs: { epsilon } }],
  }, { x: shifted }, { tolerance: offset ? 1e-4 : 2e-5 });
  model.release();
};

const lrn = (dims: number[], attrs: Record<string, number>) => async (context: { skip: (note?: string) => void }) => {
  if (skipWithoutGpu(context)) return;
  const model = await expectMatchesReference({
    inputs: [f32('x', dims)],
    outputs: [f32('y')],
    nodes: [{ op: 'LRN', inputs: ['x'], outputs: ['y'], attrs }],
  }, { x: randomTensor(dims, 24) }, { tolerance: 2e-5 });
  model.release();
};

describe('webgpu InstanceNormalization', () => {
  it('planes smaller than the workgroup (3×5)', instanceNorm([2, 3, 3, 5]));
  it('planes of exactly 64', instanceNorm([1, 4, 8, 8]));
  it('planes of 1000 (many strides per invocation), epsilon 1e-3', instanceNorm([1, 2, 40, 25], 0, 1e-3));
  it('1-D spatial', instanceNorm([3, 5, 7]));
  it('3-D spatial', instanceNorm([1, 3, 3, 4, 5]));
  it('large mean (two-pass variance, tolerance 1e-4)', instanceNorm([1, 3, 9, 11], 1000));
});

describe('webgpu LRN', () => {
  it('AlexNet parameters (size 5)', lrn([2, 7, 5, 3], { size: 5, alpha: 1e-4, beta: 0.75, bias: 1 }));
  it('even window (size 4), large alpha', lrn([1, 9, 4, 4], { size: 4, alpha: 0.5, beta: 0.6, bias: 2 }));
  it('window wider than the channels', lrn([1, 3, 2, 2], { size: 7, alpha: 0.3, beta: 1.5, bias: 0.5 }));
  it('size 1, 1-D spatial', lrn([2, 4, 9], { size: 1, alpha: 0.2, beta: 0.75, bias: 1 }));
});
