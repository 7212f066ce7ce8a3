/**
 * Kernel contexts (src/backends/wasm/context.ts): a released session's instance, memory and worker pool serve the
 * next session. The reused memory still holds the old bytes, so every lowering must write what it reads: the second
 * test fills a released context's memory with NaN and checks a new session on it against the reference backend.
 */
import { describe, expect, it } from 'vitest';
import { InferenceSession } from '../../src/index.js';
import { acquireContext, releaseContext } from '../../src/backends/wasm/context.js';
import { type ModelSpec, buildModel, randomTensor } from '../helpers/onnx-builder.js';

const f = (name: string, dims: (number | string)[]) => ({ name, type: 'float32' as const, dims });

// Padded, strided, depthwise and grouped convs, pooling with padding, a residual, a Gemm: the lowerings that use
// zero rows, indirection buffers and packed weights.
const spec: ModelSpec = {
  inputs: [f('x', [1, 6, 13, 11])],
  outputs: [f('y', [])],
  initializers: {
    w: randomTensor([12, 6, 3, 3], 51),
    b: randomTensor([12], 52),
    w2: randomTensor([12, 1, 3, 3], 53),
    w3: randomTensor([12, 4, 1, 1], 54),
    wf: randomTensor([10, 12], 55),
  },
  nodes: [
    { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'Conv', inputs: ['r', 'w2'], outputs: ['d'], attrs: { group: 12, pads: [1, 1, 1, 1], strides: [2, 2] } },
    { op: 'Conv', inputs: ['d', 'w3'], outputs: ['g'], attrs: { group: 3 } },
    { op: 'Add', inputs: ['g', 'd'], outputs: ['s'] },
    { op: 'AveragePool', inputs: ['s'], outputs: ['p'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: 'GlobalAveragePool', inputs: ['p'], outputs: ['q'] },
    { op: 'Flatten', inputs: ['q'], outputs: ['fl'] },
    { op: 'Gemm', inputs: ['fl', 'wf'], outputs: ['y'], attrs: { transB: 1 } },
  ],
};

async function expectMatchesReference(session: InferenceSession) {
  const x = randomTensor([1, 6, 13, 11], 56);
  const reference = await InferenceSession.create(buildModel(spec), { backend: 'reference' });
  const want = (await reference.run({ x })).y!.data as Float32Array;
  const got = (await session.run({ x })).y!.data as Float32Array;
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `y[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i]!)));
}

describe('wasm kernel contexts', () => {
  it('a released context is handed to the next session; contexts in use are never shared', async () => {
    const first = await acquireContext('auto', 1);
    const second = await acquireContext('auto', 1);
    expect(second.kernels).not.toBe(first.kernels);
    const used = first.heap.mark();
    first.heap.alloc(1 << 20, 'test');
    releaseContext(first);
    releaseContext(second);
    const third = await acquireContext('auto', 1);
    // The idle one kept is the larger memory, with its heap emptied.
    expect(third.kernels.memory.buffer.byteLength).toBe(Math.max(first.kernels.memory.buffer.byteLength, second.kernels.memory.buffer.byteLength));
    expect(third.heap.mark()).toBe(third.base);
    if (third === first) expect(third.heap.mark()).toBe(used);
    releaseContext(third);
  });

  for (const threads of [1, 2]) {
    it(`a session on reused memory full of NaN matches the reference (threads: ${threads})`, async () => {
      const model = buildModel(spec);
      const session = await InferenceSession.create(model, { backend: 'wasm', threads });
      await expectMatchesReference(session);
      await session.release();
      // Poison what the released session used, then take the context again.
      const context = await acquireContext(threads > 1 ? 'simd-threads' : 'auto', threads);
      const memory = context.kernels.memory.buffer;
      new Float32Array(memory, context.base, (memory.byteLength - context.base) >> 2).fill(Number.NaN);
      releaseContext(context);
      const again = await InferenceSession.create(model, { backend: 'wasm', threads });
      expect(again.threads).toBe(threads);
      const timings = again.createTimings;
      for (const phase of ['load', 'instantiate', 'specialize', 'plan', 'pack', 'workers']) expect(timings[phase], phase).toBeGreaterThanOrEqual(0);
      const phases = Object.entries(timings).filter(([name]) => name !== 'total').reduce((sum, [, ms]) => sum + ms, 0);
      expect(phases).toBeLessThanOrEqual(timings.total! + 0.5);
      for (let i = 0; i < 2; i++) await expectMatchesReference(again);
      await again.release();
    });
  }
});
