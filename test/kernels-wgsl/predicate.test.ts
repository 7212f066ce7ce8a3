/**
 * elementwise/x32-predicate.wgsl (Not, IsNaN, IsInf with each detect_* setting) and reduce/f32-hardmax-direct.wgsl
 * (every axis, ties, NaN and −∞ lanes, lanes more and fewer than the 64-invocation workgroup) against the
 * references. All exact (tolerance 0).
 */
import { describe, it } from 'vitest';
import type { AttrInput } from '../helpers/onnx-builder.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { Tensor } from '../../src/ir/tensor.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

const SPECIALS = [0, -0, 1.5, -2, Infinity, -Infinity, NaN, 3e38, -1e-40, NaN, Infinity];

const predicate = (op: string, attrs: Record<string, AttrInput> = {}) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const x = new Tensor('float32', Float32Array.from(SPECIALS), [SPECIALS.length]);
  const model = await expectMatchesReference(
    { inputs: [f32('x', [SPECIALS.length])], outputs: [{ name: 'y', type: 'bool' }], nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs }] },
    { x },
    { tolerance: 0 },
  );
  model.release();
};

describe('webgpu Not / IsNaN / IsInf', () => {
  it('Not on 67 bools', async (context: Skip) => {
    if (skipWithoutGpu(context)) return;
    const x = new Tensor('bool', Uint8Array.from({ length: 67 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0), [67]);
    const model = await expectMatchesReference(
      { inputs: [{ name: 'x', type: 'bool', dims: [67] }], outputs: [{ name: 'y', type: 'bool' }], nodes: [{ op: 'Not', inputs: ['x'], outputs: ['y'] }] },
      { x },
      { tolerance: 0 },
    );
    model.release();
  });
  it('IsNaN', predicate('IsNaN'));
  it('IsInf', predicate('IsInf'));
  it('IsInf positive only', predicate('IsInf', { detect_negative: 0 }));
  it('IsInf negative only', predicate('IsInf', { detect_positive: 0 }));
});

const hardmax = (dims: number[], axis: number | undefined, values?: number[]) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const x = values ? new Tensor('float32', Float32Array.from(values), dims) : randomTensor(dims, 3);
  const model = await expectMatchesReference(
    { inputs: [f32('x', dims)], outputs: [f32('y')], nodes: [{ op: 'Hardmax', inputs: ['x'], outputs: ['y'], attrs: axis === undefined ? {} : { axis } }] },
    { x },
    { tolerance: 0 },
  );
  model.release();
};

describe('webgpu Hardmax', () => {
  it('last axis (default), 70 lanes of 5', hardmax([7, 10, 5], undefined));
  it('axis 0', hardmax([6, 4, 3], 0));
  it('middle axis', hardmax([3, 9, 5], 1));
  it('ties, NaN and −∞ lanes', hardmax([4, 3], -1, [1, 2, 2, NaN, 5, 5, -Infinity, -Infinity, -Infinity, NaN, NaN, NaN]));
});
