/**
 * reduce/f32-argextreme-workgroup.wgsl against the reference ArgMax/ArgMin: every axis, keepdims on and off,
 * select_last_index, ties, NaN (first NaN wins), short rows (one per invocation) and long ones (a workgroup per row,
 * lengths below, at and above 64), the int64 result feeding a Gather on the GPU. Exact.
 */
import { describe, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

/** Random values quantised to a few levels, so ties are common; NaNs sprinkled in when asked. */
function tied(dims: number[], seed: number, nanEvery = 0): Tensor {
  const x = randomTensor(dims, seed);
  return new Tensor('float32', x.data.map((v, i) => (nanEvery && i % nanEvery === nanEvery - 1 ? NaN : Math.round(v * 3) / 3)), dims);
}

const arg = (op: 'ArgMax' | 'ArgMin', dims: number[], attrs: Record<string, number>, nanEvery = 0) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const model = await expectMatchesReference({
    inputs: [f32('x', dims)],
    outputs: [{ name: 'y', type: 'int64' }],
    nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs }],
  }, { x: tied(dims, 31, nanEvery) }, { tolerance: 0 });
  model.release();
};

describe('webgpu ArgMax / ArgMin', () => {
  for (const op of ['ArgMax', 'ArgMin'] as const) {
    it(`${op} over channels of an NCHW map (short rows, keepdims)`, arg(op, [2, 21, 5, 7], { axis: 1, keepdims: 1 }));
    it(`${op} last axis, 1000 classes (a workgroup per row), no keepdims`, arg(op, [3, 1000], { axis: -1, keepdims: 0 }));
    it(`${op} select_last_index, rows of 64`, arg(op, [4, 64], { axis: 1, keepdims: 1, select_last_index: 1 }));
    it(`${op} select_last_index, rows of 65, axis 0`, arg(op, [65, 3], { axis: 0, keepdims: 0, select_last_index: 1 }));
    it(`${op} with NaNs (short rows)`, arg(op, [6, 9], { axis: 1, keepdims: 1 }, 7));
    it(`${op} with NaNs (long rows), select_last_index`, arg(op, [2, 300], { axis: 1, keepdims: 1, select_last_index: 1 }, 37));
  }
  it('ArgMax feeding Gather (int64 indices produced on the GPU)', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference({
      inputs: [f32('x', [5, 8])],
      outputs: [f32('y')],
      initializers: { table: randomTensor([8, 3], 9) },
      nodes: [
        { op: 'ArgMax', inputs: ['x'], outputs: ['i'], attrs: { axis: 1, keepdims: 0 } },
        { op: 'Gather', inputs: ['table', 'i'], outputs: ['y'], attrs: { axis: 0 } },
      ],
    }, { x: randomTensor([5, 8], 8) }, { tolerance: 0 });
    model.release();
  });
});
