/**
 * pool/f32-pool3d-direct.wgsl (MaxPool/AveragePool) and pool/f32-global-pool-workgroup.wgsl against the reference:
 * pads, strides, dilations, ceil_mode (windows past the end padding), count_include_pad, 1-D, 3-D, planes larger
 * and smaller than the 64-invocation workgroup.
 */
import { describe, it } from 'vitest';
import type { AttrInput } from '../helpers/onnx-builder.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

const pool = (op: string, x: number[], attrs: Record<string, AttrInput>, gpuNodes?: number) => async (context: { skip: (note?: string) => void }) => {
  if (skipWithoutGpu(context)) return;
  const model = await expectMatchesReference(
    { inputs: [f32('x', x)], outputs: [f32('y')], nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs }] },
    { x: randomTensor(x, 1) },
    { tolerance: 1e-6, gpuNodes },
  );
  model.release();
};

describe('webgpu pooling', () => {
  it('MaxPool 3×3 stride 2 pad 1 on 9×10', pool('MaxPool', [2, 3, 9, 10], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }));
  it('MaxPool 2×2 ceil_mode on 7×7', pool('MaxPool', [1, 2, 7, 7], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }));
  it('MaxPool dilated 2×2 (dilation 2)', pool('MaxPool', [1, 3, 8, 9], { kernel_shape: [2, 2], dilations: [2, 2] }));
  it('MaxPool 1-D', pool('MaxPool', [2, 3, 11], { kernel_shape: [3], strides: [2], pads: [1, 0] }));
  it('AveragePool excluding pads, asymmetric', pool('AveragePool', [1, 4, 9, 7], { kernel_shape: [3, 2], pads: [1, 0, 2, 1] }));
  it('AveragePool count_include_pad with ceil_mode', pool('AveragePool', [1, 3, 8, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1, ceil_mode: 1 }));
  it('AveragePool SAME_UPPER', pool('AveragePool', [1, 2, 6, 7], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }));
  it('MaxPool 3-D 2×3×2, strides, pads, dilation', pool('MaxPool', [1, 2, 5, 7, 6], { kernel_shape: [2, 3, 2], strides: [1, 2, 2], pads: [1, 1, 0, 0, 1, 1], dilations: [2, 1, 1] }));
  it('AveragePool 3-D ceil_mode, excluding pads', pool('AveragePool', [2, 3, 5, 6, 7], { kernel_shape: [3, 2, 3], strides: [2, 2, 2], pads: [1, 0, 1, 1, 1, 0], ceil_mode: 1 }));
  it('AveragePool 3-D count_include_pad', pool('AveragePool', [1, 2, 4, 5, 3], { kernel_shape: [2, 2, 2], pads: [1, 1, 1, 0, 1, 1], count_include_pad: 1 }));
  it('GlobalAveragePool, planes of 130 elements', pool('GlobalAveragePool', [2, 5, 10, 13], {}));
  it('GlobalAveragePool, planes of 3 elements', pool('GlobalAveragePool', [1, 7, 3], {}));
  it('GlobalMaxPool 3-D spatial', pool('GlobalMaxPool', [1, 4, 3, 5, 7], {}));
  it('MaxPool with its Indices output stays on the reference', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      {
        inputs: [f32('x', [1, 2, 4, 4])],
        outputs: [f32('y')],
        nodes: [
          { op: 'MaxPool', inputs: ['x'], outputs: ['m', 'i'], attrs: { kernel_shape: [2, 2] } },
          { op: 'Relu', inputs: ['m'], outputs: ['y'] },
        ],
      },
      { x: randomTensor([1, 2, 4, 4], 2) },
      { tolerance: 1e-6, gpuNodes: 1 },
    );
    model.release();
  });
});
