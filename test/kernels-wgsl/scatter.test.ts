/**
 * movement/x32-gather-nd.wgsl (GatherND) and movement/x32-scatter-search.wgsl (ScatterND, ScatterElements) against
 * the references: batch_dims, partial and full index tuples, negative and duplicate indices (the last update wins
 * under 'none'), every reduction, int32 data, run-time int32 indices. Exact (tolerance 0): the f32 add/mul
 * reductions fold updates in the reference's order.
 */
import { describe, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

const values = (type: DType, dims: number[], seed: number) => {
  const random = randomTensor(dims, seed);
  return type === 'int32' ? new Tensor('int32', Int32Array.from(random.data as Float32Array, (v) => Math.round(v * 1000)), dims) : random;
};
const indexTensor = (type: 'int32' | 'int64', data: number[], dims: number[]) =>
  type === 'int64' ? new Tensor('int64', BigInt64Array.from(data, BigInt), dims) : new Tensor('int32', Int32Array.from(data), dims);

interface Case {
  op: 'GatherND' | 'ScatterND' | 'ScatterElements';
  dims: number[];
  indices: number[];
  indexDims: number[];
  updateDims?: number[];
  attrs?: Record<string, number | string>;
  type?: DType;
  runTime?: boolean;
}

const run = (c: Case) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const type = c.type ?? 'float32';
  const indexType = c.runTime ? 'int32' : 'int64';
  const indices = indexTensor(indexType, c.indices, c.indexDims);
  const feeds: Record<string, Tensor> = { x: values(type, c.dims, 1) };
  const inputs = [{ name: 'x', type, dims: c.dims }];
  if (c.updateDims) {
    feeds.u = values(type, c.updateDims, 2);
    inputs.push({ name: 'u', type, dims: c.updateDims });
  }
  if (c.runTime) {
    feeds.i = indices;
    inputs.push({ name: 'i', type: indexType, dims: c.indexDims });
  }
  const model = await expectMatchesReference({
    inputs,
    outputs: [{ name: 'y', type }],
    initializers: c.runTime ? {} : { i: indices },
    nodes: [{ op: c.op, inputs: c.updateDims ? ['x', 'i', 'u'] : ['x', 'i'], outputs: ['y'], attrs: c.attrs ?? {} }],
  }, feeds, { tolerance: 0 });
  model.release();
};

describe('webgpu GatherND', () => {
  it('full tuples', run({ op: 'GatherND', dims: [3, 4], indices: [0, 1, 2, -1, 1, 3], indexDims: [3, 2] }));
  it('partial tuples (slices)', run({ op: 'GatherND', dims: [4, 3, 5], indices: [3, -4, 1], indexDims: [3, 1] }));
  it('batch_dims 1, int32 data', run({ op: 'GatherND', dims: [2, 3, 4], indices: [2, 1, 0, 3, 1, 0, -1, 2], indexDims: [2, 2, 2], attrs: { batch_dims: 1 }, type: 'int32' }));
  it('run-time int32 indices', run({ op: 'GatherND', dims: [5, 6], indices: [4, 5, 0, 0], indexDims: [2, 2], runTime: true }));
});

describe('webgpu ScatterND', () => {
  it('slices, duplicates (last wins)', run({ op: 'ScatterND', dims: [4, 3, 5], indices: [1, 3, -3], indexDims: [3, 1], updateDims: [3, 3, 5] }));
  it('full tuples, add with duplicates', run({ op: 'ScatterND', dims: [4, 4], indices: [0, 1, 3, 3, 0, 1], indexDims: [3, 2], updateDims: [3], attrs: { reduction: 'add' } }));
  it('mul', run({ op: 'ScatterND', dims: [3, 4], indices: [2, 0, 2], indexDims: [3, 1], updateDims: [3, 4], attrs: { reduction: 'mul' } }));
  it('int32 data, reduction none', run({ op: 'ScatterND', dims: [5, 2], indices: [4, 0], indexDims: [2, 1], updateDims: [2, 2], type: 'int32' }));
  it('min, run-time indices', run({ op: 'ScatterND', dims: [6], indices: [5, 1, 5], indexDims: [3, 1], updateDims: [3], attrs: { reduction: 'min' }, runTime: true }));
});

describe('webgpu ScatterElements', () => {
  it('axis 0, negatives', run({ op: 'ScatterElements', dims: [3, 3], indices: [1, 0, 2, 0, 2, -2], indexDims: [2, 3], updateDims: [2, 3] }));
  it('axis 1, duplicates (last wins)', run({ op: 'ScatterElements', dims: [2, 5], indices: [1, 3, 1, 4, 4, 0], indexDims: [2, 3], updateDims: [2, 3], attrs: { axis: 1 } }));
  it('3-D, max', run({ op: 'ScatterElements', dims: [2, 3, 4], indices: [0, 3, 3, 1, 2, 2], indexDims: [1, 2, 3], updateDims: [1, 2, 3], attrs: { axis: 2, reduction: 'max' } }));
  it('add, run-time indices', run({ op: 'ScatterElements', dims: [1, 5], indices: [1, 1], indexDims: [1, 2], updateDims: [1, 2], attrs: { axis: 1, reduction: 'add' }, runTime: true }));
});
