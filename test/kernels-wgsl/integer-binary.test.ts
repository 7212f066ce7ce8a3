/**
 * elementwise/i32-binary-broadcast.wgsl against the references: Add, Sub, Mul, Max, Min (and Sum of two) on int32,
 * int16, uint16, int8 and uint8 with values at the ends of each range so that sums and products wrap (int32 products
 * past 2^53 too), same-shape and broadcast operands, sizes above and below the 64-invocation workgroup, and int64
 * Max/Min of a Cast from int32 and a constant (values that fit in 32 bits); Div, Mod (both fmod) and Pow the same way,
 * with zero and −1 divisors among the values (the ends of the range included: −2^31 / −1), and Pow with exponents in
 * −3..33 (negative ones, wrapping past 2^32). Exact (tolerance 0).
 */
import { describe, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';
import { expectMatchesReference, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

const RANGES: Partial<Record<DType, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1], int16: [-32768, 32767], uint16: [0, 65535], int8: [-128, 127], uint8: [0, 255],
};

/** Values spread over the whole range of `type`, its ends included, from a seeded generator. */
function values(type: DType, dims: number[], seed: number): Tensor {
  const [low, high] = RANGES[type]!;
  const size = dims.reduce((a, b) => a * b, 1);
  let s = seed;
  const data = Array.from({ length: size }, (_, i) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    if (i % 7 === 0) return i % 2 ? high : low;
    if (i % 5 === 0) return (s % 7) - 3;
    return low + Math.floor((s / 2 ** 32) * (high - low + 1));
  });
  return new Tensor(type, data, dims);
}

const binary = (op: string, type: DType, aDims: number[], bDims: number[], attrs: Record<string, number> = {}, b?: Tensor) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const model = await expectMatchesReference(
    {
      inputs: [{ name: 'a', type, dims: aDims }, { name: 'b', type, dims: bDims }],
      outputs: [{ name: 'y', type }],
      nodes: [{ op, inputs: ['a', 'b'], outputs: ['y'], attrs }],
    },
    { a: values(type, aDims, 11), b: b ?? values(type, bDims, 29) },
    { tolerance: 0 },
  );
  model.release();
};

describe('webgpu integer Add / Sub / Mul / Max / Min', () => {
  for (const type of ['int32', 'int16', 'uint16', 'int8', 'uint8'] as const) {
    for (const op of ['Add', 'Sub', 'Mul', 'Max', 'Min']) {
      it(`${op} ${type}, same shape 5×27`, binary(op, type, [5, 27], [5, 27]));
    }
    it(`Mul ${type}, broadcast [3, 1, 9] × [4, 1]`, binary('Mul', type, [3, 1, 9], [4, 1]));
    it(`Sub ${type}, broadcast scalar − [70]`, binary('Sub', type, [], [70]));
  }
  it('Sum of two int32, broadcast', binary('Sum', 'int32', [2, 3, 4], [4]));

  for (const op of ['Max', 'Min']) {
    it(`${op} int64 (a Cast from int32 and a constant, both fitting in 32 bits)`, async (context: Skip) => {
      if (skipWithoutGpu(context)) return;
      const x = new Tensor('int32', Int32Array.from([-(2 ** 31), 5, -7, 2 ** 31 - 1, 0, 3]), [2, 3]);
      const b = new Tensor('int64', BigInt64Array.from([4n, -4n, 9n]), [3]);
      const model = await expectMatchesReference(
        {
          inputs: [{ name: 'x', type: 'int32', dims: [2, 3] }],
          outputs: [{ name: 'y', type: 'int64' }],
          initializers: { b },
          nodes: [
            { op: 'Cast', inputs: ['x'], outputs: ['wide'], attrs: { to: 7 } },
            { op, inputs: ['wide', 'b'], outputs: ['y'] },
          ],
        },
        { x },
        { tolerance: 0 },
      );
      model.release();
    });
  }
});

/** Small exponents for Pow: −3..33 (negative, zero, and past 32 so products wrap), from a seeded generator. */
function exponents(type: DType, dims: number[]): Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  const signed = type.startsWith('int');
  return new Tensor(type, Array.from({ length: size }, (_, i) => ((i * 7) % 37) - (signed ? 3 : 0)), dims);
}

describe('webgpu integer Div / Mod / Pow', () => {
  for (const type of ['int32', 'int16', 'uint16', 'int8', 'uint8'] as const) {
    it(`Div ${type}, same shape 5×27 (zero divisors give 0)`, binary('Div', type, [5, 27], [5, 27]));
    it(`Div ${type}, broadcast [3, 1, 9] / [4, 1]`, binary('Div', type, [3, 1, 9], [4, 1]));
    it(`Mod ${type} (Python's %), same shape 5×27`, binary('Mod', type, [5, 27], [5, 27]));
    it(`Mod ${type} fmod=1 (C's fmod), broadcast [2, 65] % [65]`, binary('Mod', type, [2, 65], [65], { fmod: 1 }));
    it(`Pow ${type}, odd 3×23 exponents −3..33`, binary('Pow', type, [3, 23], [3, 23], {}, exponents(type, [3, 23])));
  }
  it('Div int32: −2^31 / −1 wraps as the int32 store does; signs truncate toward zero', binary('Div', 'int32', [6], [6], {},
    new Tensor('int32', Int32Array.from([-1, 2, -2, 3, -3, 7]), [6])));

  for (const fmod of [0, 1]) {
    it(`Mod int64 fmod=${fmod} of fitting inputs (a Cast from int32 and a constant)`, async (context: Skip) => {
      if (skipWithoutGpu(context)) return;
      const x = new Tensor('int32', Int32Array.from([-(2 ** 31), 5, -7, 2 ** 31 - 1, 0, -3]), [2, 3]);
      const b = new Tensor('int64', BigInt64Array.from([4n, -3n, 0n]), [3]);
      const model = await expectMatchesReference(
        {
          inputs: [{ name: 'x', type: 'int32', dims: [2, 3] }],
          outputs: [{ name: 'y', type: 'int64' }],
          initializers: { b },
          nodes: [
            { op: 'Cast', inputs: ['x'], outputs: ['wide'], attrs: { to: 7 } },
            { op: 'Mod', inputs: ['wide', 'b'], outputs: ['y'], attrs: { fmod } },
          ],
        },
        { x },
        { tolerance: 0 },
      );
      model.release();
    });
  }
});
