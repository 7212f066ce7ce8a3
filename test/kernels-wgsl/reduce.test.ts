/**
 * reduce/f32-reduce-workgroup.wgsl through every Reduce* op, against the reference: inner, outer, middle and
 * non-adjacent axes, all axes (reductions longer than the 64-invocation workgroup), keepdims 0 and 1.
 */
import { describe, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

const OPS = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];
const AXES: [number[], number][] = [[[-1], 1], [[0], 0], [[1, 3], 1], [[], 0]];

describe('webgpu Reduce*', () => {
  for (const op of OPS) {
    for (const [axes, keepdims] of AXES) {
      it(`${op} over [${axes}] keepdims ${keepdims}`, async (context) => {
        if (skipWithoutGpu(context)) return;
        const dims = [3, 4, 5, 6];
        // Positive inputs near 1 keep LogSum defined and products in range.
        const positive = op === 'ReduceLogSum' || op === 'ReduceProd';
        const base = randomTensor(dims, 3).data as Float32Array;
        const x = new Tensor('float32', positive ? base.map((v) => 1 + v * 0.05) : base, dims);
        const model = await expectMatchesReference(
          {
            opset: 18,
            inputs: [f32('x', dims)],
            outputs: [f32('y')],
            rawInitializers: axes.length ? [{ name: 'axes', dims: [axes.length], data_type: 7, int64_data: axes }] : [],
            nodes: [{ op, inputs: ['x', ...(axes.length ? ['axes'] : [])], outputs: ['y'], attrs: { keepdims } }],
          },
          { x },
          { tolerance: 1e-5 },
        );
        model.release();
      });
    }
  }
});
