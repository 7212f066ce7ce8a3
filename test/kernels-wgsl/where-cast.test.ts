/**
 * elementwise/x32-where-broadcast.wgsl and x32-cast.wgsl against the reference Where and Cast. Where: broadcasting
 * in every input, float32 and int32 data. Cast: every pair among float32/int32/int16/uint16/int8/uint8/bool, with
 * wrapping, truncation toward zero, NaN/±inf and huge floats; int64 from integers; and the casts that must stay on
 * the CPU (float32 → int64). All exact (tolerance 0).
 */
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/convert/index.js';
import type { DType } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { compileGraph, expectMatchesReference, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

const ONNX_TYPE: Partial<Record<DType, number>> = { float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9 };

/** Awkward float32 values: ties, negatives, NaN, infinities, beyond 2^31 and 2^32, ±0. */
const AWKWARD = [0, -0, 0.5, -0.5, 1.5, -1.7, 2.5, 127.9, 128, -129, 255.5, 256, 300.25, -300.75, 32767.5, 65535, 65536.5,
  -70000, 1e6 + 0.5, 2147483520, -2147483648, 3e9, -3e9, 5e9, 1e12, -1e20, NaN, Infinity, -Infinity, 1e-30];

function sample(type: DType, count: number): Tensor {
  const ints = Array.from({ length: count }, (_, i) => ((i * 7919) % 600) - 300);
  switch (type) {
    case 'float32': return new Tensor('float32', Float32Array.from({ length: count }, (_, i) => AWKWARD[i % AWKWARD.length]!), [count]);
    case 'bool': return new Tensor('bool', Uint8Array.from(ints, (v) => (v % 3 === 0 ? 1 : 0)), [count]);
    case 'int32': return new Tensor('int32', Int32Array.from(ints, (v, i) => (i % 5 === 0 ? v * 9_000_001 : v)), [count]);
    case 'int16': return new Tensor('int16', Int16Array.from(ints, (v) => v * 100), [count]);
    case 'uint16': return new Tensor('uint16', Uint16Array.from(ints, (v) => (v + 300) * 200), [count]);
    case 'int8': return new Tensor('int8', Int8Array.from(ints), [count]);
    case 'uint8': return new Tensor('uint8', Uint8Array.from(ints), [count]);
    default: throw new Error(type);
  }
}

const cast = (from: DType, to: DType) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const model = await expectMatchesReference({
    inputs: [{ name: 'x', type: from, dims: [61] }],
    outputs: [{ name: 'y', type: to }],
    nodes: [{ op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: ONNX_TYPE[to]! } }],
  }, { x: sample(from, 61) }, { tolerance: 0 });
  model.release();
};

const TYPES: DType[] = ['float32', 'int32', 'int16', 'uint16', 'int8', 'uint8', 'bool'];

describe('webgpu Cast', () => {
  for (const from of TYPES) for (const to of TYPES) it(`${from} → ${to}`, cast(from, to));
  it('int32 → int64 → float32 (int64 from an integer fits in i32, stays on the GPU)', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference({
      inputs: [{ name: 'x', type: 'int32', dims: [61] }],
      outputs: [{ name: 'y', type: 'float32' }, { name: 'w', type: 'int64' }],
      nodes: [
        { op: 'Cast', inputs: ['x'], outputs: ['w'], attrs: { to: 7 } },
        { op: 'Cast', inputs: ['w'], outputs: ['y'], attrs: { to: 1 } },
      ],
    }, { x: sample('int32', 61) }, { tolerance: 0 });
    model.release();
  });
  it('float32 → int64 stays on the CPU (the values need not fit in 32 bits)', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const graph = importModel(buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [4] }],
      outputs: [{ name: 'y', type: 'int64' }],
      nodes: [{ op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 7 } }],
    }));
    const model = await compileGraph(graph);
    expect(model.placement.map((p) => p.backend)).toEqual(['cpu']);
    model.release();
  });
});

const bools = (dims: number[], seed: number) => new Tensor('bool', Uint8Array.from(randomTensor(dims, seed).data, (v) => (v > 0 ? 1 : 0)), dims);

describe('webgpu Where', () => {
  it('same shapes, float32', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const dims = [3, 5, 7];
    const model = await expectMatchesReference({
      inputs: [{ name: 'c', type: 'bool', dims }, { name: 'x', type: 'float32', dims }, { name: 'y', type: 'float32', dims }],
      outputs: [{ name: 'z', type: 'float32' }],
      nodes: [{ op: 'Where', inputs: ['c', 'x', 'y'], outputs: ['z'] }],
    }, { c: bools(dims, 1), x: randomTensor(dims, 2), y: randomTensor(dims, 3) }, { tolerance: 0 });
    model.release();
  });
  it('broadcast condition, x and y (attention-mask shape), constant y', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference({
      inputs: [{ name: 'c', type: 'bool', dims: [1, 1, 5, 5] }, { name: 'x', type: 'float32', dims: [2, 3, 5, 5] }],
      outputs: [{ name: 'z', type: 'float32' }],
      initializers: { y: new Tensor('float32', [-1e9], []) },
      nodes: [{ op: 'Where', inputs: ['c', 'x', 'y'], outputs: ['z'] }],
    }, { c: bools([1, 1, 5, 5], 4), x: randomTensor([2, 3, 5, 5], 5) }, { tolerance: 0 });
    model.release();
  });
  it('int32 data, condition produced by a Cast on the GPU', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference({
      inputs: [{ name: 'm', type: 'float32', dims: [4, 1] }, { name: 'x', type: 'int32', dims: [1, 9] }, { name: 'y', type: 'int32', dims: [4, 9] }],
      outputs: [{ name: 'z', type: 'int32' }],
      nodes: [
        { op: 'Cast', inputs: ['m'], outputs: ['c'], attrs: { to: 9 } },
        { op: 'Where', inputs: ['c', 'x', 'y'], outputs: ['z'] },
      ],
    }, {
      m: new Tensor('float32', [0, 1, NaN, -0], [4, 1]),
      x: new Tensor('int32', Int32Array.from({ length: 9 }, (_, i) => i * 1000 - 4000), [1, 9]),
      y: new Tensor('int32', Int32Array.from({ length: 36 }, (_, i) => -i), [4, 9]),
    }, { tolerance: 0 });
    model.release();
  });
});
