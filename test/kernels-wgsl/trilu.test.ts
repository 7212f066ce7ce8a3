/**
 * movement/x32-trilu-direct.wgsl against the reference Trilu: upper and lower, k absent, positive, negative and
 * far outside the matrix (clamped by the host), wide and tall matrices, a batch with more elements than the
 * 64-invocation workgroup, float32 (NaNs and −0 kept bit for bit), int32, bool, and k as a run-time int64 input
 * (bound at plan time). Exact (tolerance 0).
 */
import { describe, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import type { DType } from '../../src/ir/dtype.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

function data(type: DType, dims: number[]): Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  if (type === 'int32') return new Tensor('int32', Int32Array.from({ length: size }, (_, i) => (i * 7919) % 201 - 100 + (i % 3 === 0 ? 2 ** 30 : 0)), dims);
  if (type === 'bool') return new Tensor('bool', Uint8Array.from({ length: size }, (_, i) => (i % 3 === 0 ? 0 : 1)), dims);
  const x = randomTensor(dims, 5);
  if (size > 4) (x.data as Float32Array).set([NaN, -0, Infinity, -Infinity], 0);
  return x;
}

const trilu = (dims: number[], upper: number | undefined, k: number | undefined, type: DType = 'float32', runTimeK = false) =>
  async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const kTensor = k === undefined ? undefined : new Tensor('int64', BigInt64Array.from([BigInt(k)]), []);
    const model = await expectMatchesReference(
      {
        inputs: [{ name: 'x', type, dims }, ...(runTimeK ? [{ name: 'k', type: 'int64' as const, dims: [] }] : [])],
        outputs: type === 'float32' ? [f32('y')] : [{ name: 'y', type }],
        initializers: kTensor && !runTimeK ? { k: kTensor } : {},
        nodes: [{ op: 'Trilu', inputs: kTensor ? ['x', 'k'] : ['x'], outputs: ['y'], attrs: upper === undefined ? {} : { upper } }],
      },
      runTimeK && kTensor ? { x: data(type, dims), k: kTensor } : { x: data(type, dims) },
      { tolerance: 0 },
    );
    model.release();
  };

describe('webgpu Trilu', () => {
  it('upper (default), k absent, 5×7', trilu([5, 7], undefined, undefined));
  it('lower, k absent, 7×5 (causal mask shape)', trilu([7, 5], 0, undefined));
  it('upper, k 2, batch 3×4×9×11 (above the workgroup)', trilu([3, 4, 9, 11], 1, 2));
  it('lower, k −3', trilu([2, 6, 6], 0, -3));
  it('upper, k far below the matrix keeps all', trilu([4, 3], 1, -1_000_000));
  it('lower, k far above the matrix keeps all', trilu([4, 3], 0, 5_000_000_000));
  it('upper, k past the last column zeroes all', trilu([3, 4], 1, 9));
  it('int32, upper, k 1', trilu([2, 5, 13], 1, 1, 'int32'));
  it('bool, lower, k 0', trilu([65, 3], 0, 0, 'bool'));
  it('k as a run-time input', trilu([6, 8], 0, -1, 'float32', true));
});
