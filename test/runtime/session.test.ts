/** The InferenceSession API surface: sources, backend selection, feed validation, release. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/convert/index.js';
import { InferenceSession, Tensor, WebliteError } from '../../src/index.js';
import { buildModel } from '../helpers/onnx-builder.js';

const model = buildModel({
  inputs: [
    { name: 'a', type: 'float32', dims: ['batch', 3] },
    { name: 'b', type: 'float32', dims: ['batch', 3] },
  ],
  outputs: [{ name: 'sum', type: 'float32' }, { name: 'product', type: 'float32' }],
  nodes: [
    { op: 'Add', inputs: ['a', 'b'], outputs: ['sum'] },
    { op: 'Mul', inputs: ['a', 'b'], outputs: ['product'] },
  ],
});

const t = (data: number[], dims: number[]) => new Tensor('float32', Float32Array.from(data), dims);

async function errorOf(fn: () => unknown): Promise<WebliteError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebliteError);
    return error as WebliteError;
  }
  throw new Error('expected an error');
}

describe('InferenceSession', () => {
  it('loads .onnx bytes, .wlm bytes, an ArrayBuffer and a file path alike', async () => {
    const wlm = await convert(model);
    const dir = mkdtempSync(join(tmpdir(), 'weblite-'));
    writeFileSync(join(dir, 'm.wlm'), wlm);
    const sources = [model, wlm, wlm.slice().buffer, join(dir, 'm.wlm')];
    for (const source of sources) {
      const session = await InferenceSession.create(source, { backend: 'reference' });
      const out = await session.run({ a: t([1, 2, 3], [1, 3]), b: t([4, 5, 6], [1, 3]) });
      expect(Array.from(out.sum!.data as Float32Array)).toEqual([5, 7, 9]);
      expect(out.product!.dims).toEqual([1, 3]);
      await session.release();
    }
  });

  it('describes inputs and outputs with symbolic dims', async () => {
    const session = await InferenceSession.create(model, { backend: 'reference' });
    expect(session.inputs).toEqual([
      { name: 'a', type: 'float32', dims: ['batch', 3] },
      { name: 'b', type: 'float32', dims: ['batch', 3] },
    ]);
    expect(session.outputs.map((o) => o.name)).toEqual(['sum', 'product']);
    expect(session.outputs[0]!.dims).toEqual(['batch', 3]);
  });

  it("'auto' picks a backend and says why; unavailable backends are refused, never swapped", async () => {
    const session = await InferenceSession.create(model);
    expect(session.backend).toBe('wasm');
    expect(session.backendReason).toMatch(/auto chose 'wasm'.*skipped webgpu/);
    expect(session.placement.map((p) => p.node)).toEqual(['Add_0', 'Mul_1']);
    const reference = await InferenceSession.create(model, { backend: 'reference' });
    expect(reference.placement.map((p) => p.kernel)).toEqual(['reference/Add', 'reference/Mul']);
    const error = await errorOf(() => InferenceSession.create(model, { backend: 'webgpu' }));
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect((await errorOf(() => InferenceSession.create(model, { backend: 'cuda' as 'wasm' }))).code).toBe('BAD_ARGUMENT');
  });

  it('returns only the requested outputs', async () => {
    const session = await InferenceSession.create(model, { backend: 'reference' });
    const ok = await session.run({ a: t([1, 1, 1], [1, 3]), b: t([2, 2, 2], [1, 3]) }, { outputs: ['product'] });
    expect(Object.keys(ok)).toEqual(['product']);
    expect((await errorOf(() => session.run({ a: t([1, 1, 1], [1, 3]), b: t([2, 2, 2], [1, 3]) }, { outputs: ['nope'] }))).code).toBe('BAD_INPUT');
  });

  describe('wrong feeds are BAD_INPUT with a message naming the input', () => {
    const cases: [string, () => Record<string, Tensor>, RegExp][] = [
      ['missing input', () => ({ a: t([1, 2, 3], [1, 3]) }), /missing input 'b'/],
      ['unknown input', () => ({ a: t([1, 2, 3], [1, 3]), b: t([1, 2, 3], [1, 3]), c: t([1], [1]) }), /unknown input 'c'/],
      ['wrong dtype', () => ({ a: new Tensor('int32', Int32Array.of(1, 2, 3), [1, 3]), b: t([1, 2, 3], [1, 3]) }), /'a' must be float32, got int32/],
      ['wrong rank', () => ({ a: t([1, 2, 3], [3]), b: t([1, 2, 3], [1, 3]) }), /'a' must have rank 2/],
      ['wrong static dim', () => ({ a: t([1, 2, 3, 4], [1, 4]), b: t([1, 2, 3], [1, 3]) }), /'a' dim 1 must be 3/],
      ['inconsistent symbolic dim', () => ({ a: t([1, 2, 3], [1, 3]), b: t([1, 2, 3, 4, 5, 6], [2, 3]) }), /'batch' is 1 in input 'a' but 2 in input 'b'/],
      ['not a tensor', () => ({ a: [1, 2, 3] as unknown as Tensor, b: t([1, 2, 3], [1, 3]) }), /'a' must be a Tensor/],
      ['tensor-like with short data', () => ({ a: { type: 'float32', data: new Float32Array(2), dims: [1, 3] } as unknown as Tensor, b: t([1, 2, 3], [1, 3]) }), /'a' has 2 values/],
    ];
    for (const [name, feeds, pattern] of cases) {
      it(name, async () => {
        const session = await InferenceSession.create(model, { backend: 'reference' });
        const error = await errorOf(() => session.run(feeds()));
        expect(error.code).toBe('BAD_INPUT');
        expect(error.message).toMatch(pattern);
      });
    }
  });

  it('Tensor refuses data whose length does not match dims, and data of the wrong kind', async () => {
    expect((await errorOf(() => new Tensor('float32', new Float32Array(5), [2, 3]))).code).toBe('BAD_INPUT');
    expect((await errorOf(() => new Tensor('int64', new Int32Array(2) as never, [2]))).message).toMatch(/BigInt64Array/);
    expect((await errorOf(() => new Tensor('float32', new Float32Array(2), [-2]))).code).toBe('BAD_INPUT');
  });

  it('run after release is RELEASED', async () => {
    const session = await InferenceSession.create(model, { backend: 'reference' });
    await session.release();
    const error = await errorOf(() => session.run({ a: t([1, 2, 3], [1, 3]), b: t([1, 2, 3], [1, 3]) }));
    expect(error.code).toBe('RELEASED');
  });

  it('a missing file is IO_ERROR', async () => {
    expect((await errorOf(() => InferenceSession.create('/nonexistent/model.wlm'))).code).toBe('IO_ERROR');
  });
});
