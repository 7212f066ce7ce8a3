/**
 * reduce/x32-topk-rank.wgsl against the reference TopK: largest and smallest, every axis, K = 1 and K = axis size,
 * ties and NaNs (ordered as the reference orders them), lanes longer than the workgroup, and K as a run-time
 * int64 input (bound at plan time). Exact (tolerance 0), indices included.
 */
import { describe, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

const topk = (dims: number[], k: number, attrs: { axis?: number; largest?: number; sorted?: number }, values?: number[], runTimeK = false) =>
  async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const x = values ? new Tensor('float32', Float32Array.from(values), dims) : randomTensor(dims, 4);
    const kTensor = new Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
    const model = await expectMatchesReference(
      {
        inputs: [f32('x', dims), ...(runTimeK ? [{ name: 'k', type: 'int64' as const, dims: [1] }] : [])],
        outputs: [f32('values'), { name: 'indices', type: 'int64' }],
        initializers: runTimeK ? {} : { k: kTensor },
        nodes: [{ op: 'TopK', inputs: ['x', 'k'], outputs: ['values', 'indices'], attrs }],
      },
      runTimeK ? { x, k: kTensor } : { x },
      { tolerance: 0 },
    );
    model.release();
  };

describe('webgpu TopK', () => {
  it('largest, last axis, K 3 of 7', topk([4, 7], 3, {}));
  it('smallest, axis 0', topk([9, 3, 2], 4, { axis: 0, largest: 0 }));
  it('middle axis, K = axis size', topk([2, 5, 3], 5, { axis: 1 }));
  it('K 1 over a lane of 130', topk([3, 130], 1, { axis: -1 }));
  it('ties and NaNs', topk([2, 6], 5, {}, [1, NaN, 3, 3, -Infinity, NaN, 0, -0, 2, NaN, 2, 0]));
  it('ties and NaNs, smallest', topk([2, 6], 6, { largest: 0 }, [1, NaN, 3, 3, -Infinity, NaN, 0, -0, 2, NaN, 2, 0]));
  it('K as a run-time input', topk([3, 4], 2, { sorted: 0 }, undefined, true));
});
