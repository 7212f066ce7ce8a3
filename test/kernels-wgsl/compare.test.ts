/**
 * elementwise/x32-compare-broadcast.wgsl against the reference comparisons and logical ops: float32 with NaN, ±0
 * and ±inf, int32, bool And/Or/Xor, broadcasting on both sides, and a mask chain (Less → Where) all on the GPU. Exact.
 */
import { describe, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

const SPECIAL = [NaN, 0, -0, Infinity, -Infinity, 0.5, -0.5, 1];

function floats(dims: number[], seed: number): Tensor {
  const x = randomTensor(dims, seed);
  return new Tensor('float32', x.data.map((v, i) => (i % 5 === 0 ? SPECIAL[(i * 7 + seed) % SPECIAL.length]! : Math.round(v * 2) / 2)), dims);
}

const ints = (dims: number[], seed: number) => new Tensor('int32', Int32Array.from(randomTensor(dims, seed).data, (v) => Math.round(v * 3)), dims);
const bools = (dims: number[], seed: number) => new Tensor('bool', Uint8Array.from(randomTensor(dims, seed).data, (v) => (v > 0 ? 1 : 0)), dims);

const compare = (op: string, make: (dims: number[], seed: number) => Tensor, aDims: number[], bDims: number[]) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const a = make(aDims, 51);
  const model = await expectMatchesReference({
    inputs: [{ name: 'a', type: a.type, dims: aDims }, { name: 'b', type: a.type, dims: bDims }],
    outputs: [{ name: 'y', type: 'bool' }],
    nodes: [{ op, inputs: ['a', 'b'], outputs: ['y'] }],
  }, { a, b: make(bDims, 52) }, { tolerance: 0 });
  model.release();
};

describe('webgpu comparisons and logical ops', () => {
  for (const op of ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual']) {
    it(`${op} float32 with NaN/±0/±inf, broadcast`, compare(op, floats, [3, 1, 7], [4, 1]));
    it(`${op} int32`, compare(op, ints, [5, 6], [5, 6]));
  }
  for (const op of ['And', 'Or', 'Xor']) it(`${op} bool, broadcast`, compare(op, bools, [2, 3, 4], [3, 1]));
  it('Less → Where (a causal mask built and applied on the GPU)', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference({
      inputs: [f32('scores', [2, 6, 6]), f32('rows', [6, 1]), f32('columns', [1, 6])],
      outputs: [f32('y')],
      initializers: { masked: new Tensor('float32', [-1e9], []) },
      nodes: [
        { op: 'Less', inputs: ['rows', 'columns'], outputs: ['future'] },
        { op: 'Where', inputs: ['future', 'masked', 'scores'], outputs: ['y'] },
      ],
    }, {
      scores: randomTensor([2, 6, 6], 53),
      rows: new Tensor('float32', [0, 1, 2, 3, 4, 5], [6, 1]),
      columns: new Tensor('float32', [0, 1, 2, 3, 4, 5], [1, 6]),
    }, { tolerance: 0 });
    model.release();
  });
});
