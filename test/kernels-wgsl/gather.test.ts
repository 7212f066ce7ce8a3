/**
 * movement/x32-gather.wgsl and x32-gather-elements.wgsl against the reference Gather / GatherElements: constant and
 * run-time indices (int32 and int64), negative indices, scalar indices, every axis, int32 data, an embedding
 * lookup. Copies are exact (tolerance 0).
 */
import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { compileGraph, expectMatchesReference, skipWithoutGpu } from './harness.js';
import { importModel } from '../../src/convert/index.js';
import { buildModel } from '../helpers/onnx-builder.js';

type Skip = { skip: (note?: string) => void };

const indexTensor = (type: 'int32' | 'int64', values: number[], dims: number[]) =>
  type === 'int64' ? new Tensor('int64', BigInt64Array.from(values, BigInt), dims) : new Tensor('int32', Int32Array.from(values), dims);

interface GatherCase {
  op?: 'Gather' | 'GatherElements';
  dims: number[];
  axis: number;
  indices: number[];
  indexDims: number[];
  indexType?: 'int32' | 'int64';
  /** Indices as a graph input (run-time values) instead of an initializer. */
  runTime?: boolean;
  dataType?: DType;
}

const gather = (c: GatherCase) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const indexType = c.indexType ?? 'int64';
  const dataType = c.dataType ?? 'float32';
  const indices = indexTensor(indexType, c.indices, c.indexDims);
  const random = randomTensor(c.dims, 5);
  const x = dataType === 'int32' ? new Tensor('int32', Int32Array.from(random.data, (v) => Math.round(v * 1e6)), c.dims) : random;
  const model = await expectMatchesReference({
    inputs: [{ name: 'x', type: dataType, dims: c.dims }, ...(c.runTime ? [{ name: 'i', type: indexType, dims: c.indexDims }] : [])],
    outputs: [{ name: 'y', type: dataType }],
    initializers: c.runTime ? {} : { i: indices },
    nodes: [{ op: c.op ?? 'Gather', inputs: ['x', 'i'], outputs: ['y'], attrs: { axis: c.axis } }],
  }, c.runTime ? { x, i: indices } : { x }, { tolerance: 0 });
  model.release();
};

describe('webgpu Gather', () => {
  it('axis 0, int64 constant indices with negatives', gather({ dims: [7, 3], axis: 0, indices: [0, -1, 3, -7, 6], indexDims: [5] }));
  it('axis 1 of a 4-D tensor, 2-D indices', gather({ dims: [2, 5, 3, 4], axis: 1, indices: [4, 0, -2, 1, 1, 3], indexDims: [2, 3] }));
  it('last axis, scalar index', gather({ dims: [3, 4, 9], axis: -1, indices: [-3], indexDims: [] }));
  it('run-time int64 indices (token ids into an embedding table)', gather({ dims: [50, 16], axis: 0, indices: [3, 49, 0, 17, 17, -50, 8], indexDims: [1, 7], runTime: true }));
  it('run-time int32 indices', gather({ dims: [6, 5], axis: 1, indices: [4, -5, 2], indexDims: [3], indexType: 'int32', runTime: true }));
  it('int32 data', gather({ dims: [4, 3], axis: 0, indices: [3, 1], indexDims: [2], dataType: 'int32' }));
  it('a constant index outside the axis stays on the reference (which reports it)', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const graph = importModel(buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [3, 2] }],
      outputs: [{ name: 'y', type: 'float32' }],
      initializers: { i: indexTensor('int64', [3], [1]) },
      nodes: [{ op: 'Gather', inputs: ['x', 'i'], outputs: ['y'], attrs: { axis: 0 } }],
    }));
    const model = await compileGraph(graph);
    expect(model.placement.map((p) => p.backend)).toEqual(['cpu']);
    model.release();
  });
  it('run-time index outside the axis writes 0 (kernel) instead of reading out of bounds', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const graph = importModel(buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [3, 2] }, { name: 'i', type: 'int64', dims: [2] }],
      outputs: [{ name: 'y', type: 'float32' }],
      nodes: [{ op: 'Gather', inputs: ['x', 'i'], outputs: ['y'], attrs: { axis: 0 } }],
    }));
    const model = await compileGraph(graph);
    const x = new Tensor('float32', [1, 2, 3, 4, 5, 6], [3, 2]);
    const feeds = new Map<string, Tensor>([['x', x], ['i', indexTensor('int64', [2, 2 ** 40], [2])]]);
    const y = (await model.run(feeds, ['y'])).get('y')!;
    expect(Array.from(y.data as Float32Array)).toEqual([5, 6, 0, 0]);
    model.release();
  });
});

describe('webgpu GatherElements', () => {
  it('axis 0 with negatives', gather({ op: 'GatherElements', dims: [3, 3], axis: 0, indices: [1, 2, 0, 2, 0, -3], indexDims: [2, 3] }));
  it('axis 1, indices smaller than the data on the other axis', gather({ op: 'GatherElements', dims: [4, 5], axis: 1, indices: [4, 0, 1, -1, 2, 3], indexDims: [2, 3] }));
  it('3-D, last axis, run-time int32 indices', gather({ op: 'GatherElements', dims: [2, 3, 4], axis: -1, indices: [0, 3, 1, 2, 2, 2, -4, 1, 0, 3, 3, 1], indexDims: [2, 3, 2], indexType: 'int32', runTime: true }));
});
