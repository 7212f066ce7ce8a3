/**
 * wl_f32_reduce (kernels-wasm/reduce): every op over [outer, reduce, inner] views, contiguous (inner = 1) and strided,
 * edge sizes, splits of the output range at odd points, empty reductions, NaN, against float64 references.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? 'file://' + dir + '/' : undefined;

const OPS: [number, string, (v: number[]) => number][] = [
  [0, 'sum', (v) => v.reduce((a, b) => a + b, 0)],
  [1, 'mean', (v) => v.reduce((a, b) => a + b, 0) / v.length],
  [2, 'max', (v) => Math.max(...v)],
  [3, 'min', (v) => Math.min(...v)],
  [4, 'sum_square', (v) => v.reduce((a, b) => a + b * b, 0)],
  [5, 'l1', (v) => v.reduce((a, b) => a + Math.abs(b), 0)],
  [6, 'l2', (v) => Math.sqrt(v.reduce((a, b) => a + b * b, 0))],
  [7, 'log_sum_exp', (v) => {
    const m = Math.max(...v);
    return m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
  }],
  [8, 'prod', (v) => v.reduce((a, b) => a * b, 1)],
  [9, 'log_sum', (v) => Math.log(v.reduce((a, b) => a + b, 0))],
];
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 1, 1], [2, 5, 1], [3, 17, 1], [2, 1000, 1], [1, 4099, 1],
  [2, 3, 4], [3, 5, 3], [2, 7, 17], [1, 300, 70], [4, 9, 1000], [2, 1, 5], [1, 600, 5],
];

describe.each(FLAVORS)('reduce (%s)', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(flavor);
  });

  it.each(OPS)('op %i (%s): contiguous and strided, splits', (op, name, ref) => {
    for (const [outer, reduce, inner] of SHAPES) {
      h.reset();
      let x = randomData(outer * reduce * inner, outer + reduce + inner).map((v) => v * 3);
      if (name === 'prod') x = x.map((v) => 1 + v * 0.01); // keep the product finite
      if (name === 'log_sum') x = x.map((v) => Math.abs(v) + 0.1);
      const px = h.putF32(x), py = h.alloc(outer * inner * 4);
      const total = outer * inner, k = Math.floor(total / 3) + (total > 2 ? 1 : 0);
      h.fn('wl_f32_reduce')(op, 0, k, reduce, inner, px, py);
      h.fn('wl_f32_reduce')(op, k, total, reduce, inner, px, py);
      const want: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) want.push(ref(Array.from({ length: reduce }, (_, r) => x[(o * reduce + r) * inner + i]!)));
      }
      // sums: error relative to Σ|x| (cancellation), others relative
      const scale = want.map((_, j) => {
        const o = Math.floor(j / inner), i = j % inner;
        let s = 0;
        for (let r = 0; r < reduce; r++) s += Math.abs(x[(o * reduce + r) * inner + i]!);
        return name === 'sum' || name === 'mean' ? s / (name === 'mean' ? reduce : 1) : Math.abs(want[j]!);
      });
      const got = h.f32(py, total);
      let err = 0;
      want.forEach((w, j) => (err = Math.max(err, Math.abs(got[j]! - w) / (1 + scale[j]!))));
      expect(err, `${name} ${outer}x${reduce}x${inner}`).toBeLessThanOrEqual(2e-6);
      const one = h.alloc(total * 4);
      h.fn('wl_f32_reduce')(op, 0, total, reduce, inner, px, one);
      expect(Array.from(h.f32(one, total))).toEqual(Array.from(got)); // any split gives identical bits
    }
  });

  it('empty reductions, NaN propagation, infinite log-sum-exp', () => {
    const expected = [0, NaN, -Infinity, Infinity, 0, 0, 0, -Infinity, 1, -Infinity];
    for (const [op] of OPS) {
      for (const inner of [1, 6]) {
        h.reset();
        const px = h.putF32([1]), py = h.alloc(2 * inner * 4);
        h.fn('wl_f32_reduce')(op, 0, 2 * inner, 0, inner, px, py);
        for (const v of h.f32(py, 2 * inner)) expect(Object.is(v, expected[op]) || (Number.isNaN(v) && Number.isNaN(expected[op]!)), `op ${op}`).toBe(true);
      }
    }
    for (const inner of [1, 5]) {
      h.reset();
      const x = new Float32Array(7 * inner).fill(1);
      x[3 * inner] = NaN;
      const px = h.putF32(x), py = h.alloc(inner * 4);
      for (const op of [0, 2, 3, 7]) {
        h.fn('wl_f32_reduce')(op, 0, inner, 7, inner, px, py);
        expect(Number.isNaN(h.f32(py, 1)[0]!), `op ${op} inner ${inner}`).toBe(true);
      }
      x.fill(-Infinity);
      const pinf = h.putF32(x);
      h.fn('wl_f32_reduce')(7, 0, inner, 7, inner, pinf, py);
      expect(h.f32(py, 1)[0]).toBe(-Infinity);
    }
  });
});
