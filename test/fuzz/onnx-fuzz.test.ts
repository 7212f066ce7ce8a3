/**
 * Seeded fuzzing of the ONNX path: ≥ 300 mutated .onnx files (truncated, bit-flipped, ints overwritten, chunks
 * duplicated/deleted) go through InferenceSession.create and, when that succeeds, one run. Every case must end in
 * a result or a WebliteError — never another exception — within 5 s.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/convert/index.js';
import { InferenceSession, Tensor, WebliteError } from '../../src/index.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { SeededRandom, mutate } from './mutate.js';

const i64 = (...v: number[]) => new Tensor('int64', BigInt64Array.from(v, BigInt), [v.length]);

function seedModels(): { name: string; bytes: Uint8Array }[] {
  const models = [
    {
      name: 'conv-net',
      bytes: buildModel({
        inputs: [{ name: 'x', type: 'float32', dims: ['batch', 2, 6, 6] }],
        outputs: [{ name: 'y', type: 'float32' }],
        initializers: { w: randomTensor([4, 2, 3, 3], 3), b: randomTensor([4], 4), shape: i64(0, -1), wf: randomTensor([36, 3], 5) },
        nodes: [
          { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1], strides: [1, 1] } },
          { op: 'Relu', inputs: ['c'], outputs: ['r'] },
          { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
          { op: 'Reshape', inputs: ['p', 'shape'], outputs: ['f'] },
          { op: 'MatMul', inputs: ['f', 'wf'], outputs: ['m'] },
          { op: 'Softmax', inputs: ['m'], outputs: ['y'], attrs: { axis: -1 } },
        ],
      }),
    },
    {
      name: 'shape-chain',
      bytes: buildModel({
        opset: 11,
        inputs: [{ name: 'x', type: 'float32', dims: [2, 3, 4] }, { name: 'idx', type: 'int64', dims: [2] }],
        outputs: [{ name: 'y', type: 'float32' }, { name: 'g', type: 'float32' }],
        initializers: { zero: new Tensor('int64', BigInt64Array.of(0n), []), minus1: i64(-1) },
        nodes: [
          { op: 'Shape', inputs: ['x'], outputs: ['s'] },
          { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
          { op: 'Unsqueeze', inputs: ['n'], outputs: ['n1'], attrs: { axes: [0] } },
          { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['t'], attrs: { axis: 0 } },
          { op: 'Reshape', inputs: ['x', 't'], outputs: ['y'] },
          { op: 'Gather', inputs: ['x', 'idx'], outputs: ['g'], attrs: { axis: 2 } },
        ],
      }),
    },
    {
      name: 'norm-reduce',
      bytes: buildModel({
        opset: 17,
        inputs: [{ name: 'x', type: 'float32', dims: [1, 5, 8] }],
        outputs: [{ name: 'y', type: 'float32' }],
        initializers: { g: randomTensor([8], 9), b: randomTensor([8], 10), axes: i64(1) },
        nodes: [
          { op: 'LayerNormalization', inputs: ['x', 'g', 'b'], outputs: ['l'], attrs: { axis: -1 } },
          { op: 'ReduceMean', inputs: ['l', 'axes'], outputs: ['m'] },
          { op: 'Tanh', inputs: ['m'], outputs: ['y'] },
        ],
      }),
    },
  ];
  const mnist = new URL('../../../shared/models/onnx/mnist.onnx', import.meta.url);
  if (existsSync(mnist)) models.push({ name: 'mnist', bytes: new Uint8Array(readFileSync(mnist)) });
  return models;
}

function syntheticFeeds(session: InferenceSession): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const input of session.inputs) feeds[input.name] = Tensor.zeros(input.type, input.dims.map((d) => (typeof d === 'number' ? d : 1)));
  return feeds;
}

describe('ONNX fuzz', () => {
  it('every mutated .onnx ends in a result or a WebliteError within 5 s', async () => {
    const seeds = seedModels();
    const random = new SeededRandom(20261129);
    const tally = new Map<string, number>();
    const cases = 360;
    for (let i = 0; i < cases; i++) {
      const seed = seeds[i % seeds.length]!;
      const { bytes, applied } = mutate(seed.bytes, random);
      const started = performance.now();
      let outcome: string;
      try {
        const session = await InferenceSession.create(bytes, { backend: 'reference' });
        await session.run(syntheticFeeds(session));
        outcome = 'ran';
      } catch (error) {
        if (!(error instanceof WebliteError)) {
          throw new Error(`case ${i} (${seed.name}: ${applied.join(', ')}) threw a non-WebliteError: ${String(error)}`, { cause: error });
        }
        outcome = error.code;
      }
      const seconds = (performance.now() - started) / 1000;
      expect(seconds, `case ${i} (${seed.name}: ${applied.join(', ')}) took ${seconds.toFixed(1)} s`).toBeLessThan(5);
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    }
    console.log(`ONNX fuzz: ${cases} cases over ${seeds.length} seed models →`, Object.fromEntries(tally));
    expect([...tally.values()].reduce((a, b) => a + b, 0)).toBe(cases);
  }, 300_000);
});

describe('.wlm fuzz through the runtime', () => {
  it('every mutated .wlm ends in a result or a WebliteError within 5 s, on the reference and wasm backends', async () => {
    const seeds = await Promise.all(seedModels().map(async (seed) => ({ name: seed.name, bytes: await convert(seed.bytes) })));
    const random = new SeededRandom(4242);
    const tally = new Map<string, number>();
    const cases = 320;
    for (let i = 0; i < cases; i++) {
      const seed = seeds[i % seeds.length]!;
      // Most mutations land in the flatbuffer (offsets, lengths, enums) rather than in the weights.
      const { bytes, applied } = mutate(seed.bytes, random, { hotLength: Math.min(seed.bytes.length, 4096) });
      const backend = i % 2 === 0 ? 'reference' : 'wasm';
      const started = performance.now();
      let outcome: string;
      try {
        const session = await InferenceSession.create(bytes, { backend });
        await session.run(syntheticFeeds(session));
        await session.release();
        outcome = 'ran';
      } catch (error) {
        if (!(error instanceof WebliteError)) {
          throw new Error(`case ${i} (${seed.name}.wlm on ${backend}: ${applied.join(', ')}) threw a non-WebliteError: ${String(error)}`, { cause: error });
        }
        outcome = error.code;
      }
      const seconds = (performance.now() - started) / 1000;
      expect(seconds, `case ${i} (${seed.name}.wlm: ${applied.join(', ')}) took ${seconds.toFixed(1)} s`).toBeLessThan(5);
      tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    }
    console.log(`.wlm fuzz: ${cases} cases over ${seeds.length} seed models →`, Object.fromEntries(tally));
  }, 300_000);
});
