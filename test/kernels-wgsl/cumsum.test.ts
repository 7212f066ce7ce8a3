/**
 * reduce/f32-cumsum-direct.wgsl against the reference CumSum: inclusive and exclusive, forward and reverse, every
 * axis (negative too), int32 and int64 axis constants and a run-time int64 axis (bound at plan time), lanes more and
 * fewer than the 64-invocation workgroup, a 1000-step lane, a cancellation lane that naive f32 summation gets wrong
 * (1e8 then many 1s then −1e8), and ±∞/NaN propagation. Tolerance 1e-6 relative (the kernel's header says why).
 */
import { describe, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

interface Case {
  exclusive?: number;
  reverse?: number;
  axisType?: 'int32' | 'int64';
  runTimeAxis?: boolean;
  values?: number[];
}

const cumsum = (dims: number[], axis: number, options: Case = {}) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const { exclusive, reverse, axisType = 'int64', runTimeAxis = false, values } = options;
  const x = values ? new Tensor('float32', Float32Array.from(values), dims) : randomTensor(dims, 7);
  const axisTensor = axisType === 'int32'
    ? new Tensor('int32', Int32Array.from([axis]), [])
    : new Tensor('int64', BigInt64Array.from([BigInt(axis)]), []);
  const attrs = { ...(exclusive === undefined ? {} : { exclusive }), ...(reverse === undefined ? {} : { reverse }) };
  const model = await expectMatchesReference(
    {
      inputs: [f32('x', dims), ...(runTimeAxis ? [{ name: 'axis', type: axisType, dims: [] }] : [])],
      outputs: [f32('y')],
      initializers: runTimeAxis ? {} : { axis: axisTensor },
      nodes: [{ op: 'CumSum', inputs: ['x', 'axis'], outputs: ['y'], attrs }],
    },
    runTimeAxis ? { x, axis: axisTensor } : { x },
    { tolerance: 1e-6 },
  );
  model.release();
};

const CANCELLATION = [1e8, ...Array.from({ length: 50 }, () => 1), -1e8, 0.25, 3];
const SPECIALS = [1, Infinity, 2, -Infinity, 3, 4, NaN, 5, 1, 2, 3, 4];

describe('webgpu CumSum', () => {
  it('last axis, inclusive forward, 70 lanes of 5', cumsum([7, 10, 5], 2));
  it('axis 0, exclusive', cumsum([6, 4, 3], 0, { exclusive: 1 }));
  it('middle axis, reverse', cumsum([3, 9, 5], 1, { reverse: 1 }));
  it('axis −1, exclusive and reverse, int32 axis', cumsum([5, 13], -1, { exclusive: 1, reverse: 1, axisType: 'int32' }));
  it('one lane of 1000 steps', cumsum([1000], 0));
  it('cancellation: 1e8, 50 ones, −1e8 (compensated sum)', cumsum([CANCELLATION.length], 0, { values: CANCELLATION }));
  it('cancellation, reverse', cumsum([CANCELLATION.length], 0, { reverse: 1, values: CANCELLATION }));
  it('±∞ and NaN propagate', cumsum([3, 4], 1, { values: SPECIALS }));
  it('±∞ and NaN, exclusive reverse', cumsum([3, 4], 1, { exclusive: 1, reverse: 1, values: SPECIALS }));
  it('axis as a run-time input', cumsum([4, 6], 0, { runTimeAxis: true }));
});
