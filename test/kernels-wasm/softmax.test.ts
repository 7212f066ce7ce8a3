/**
 * Softmax / LogSoftmax over the innermost axis (kernels-wasm/softmax): edge column counts, in place, row splits,
 * extreme values, against float64 references.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? 'file://' + dir + '/' : undefined;

const COLS = [1, 3, 4, 5, 8, 15, 16, 17, 1000, 30000];

function softmax64(row: ArrayLike<number>, log: boolean): number[] {
  const m = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return log ? Array.from(row, (v) => v - m - Math.log(s)) : e.map((v) => v / s);
}

describe.each(FLAVORS)('softmax (%s)', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(flavor);
  });

  it.each([
    ['wl_f32_softmax', false],
    ['wl_f32_log_softmax', true],
  ] as const)('%s: edge sizes, splits, in place', (name, log) => {
    for (const cols of COLS) {
      const rows = cols > 1000 ? 2 : 5;
      h.reset();
      const x = randomData(rows * cols, cols).map((v, i) => v * 20 + (i % 7) * 100); // offsets stress the max-shift
      const px = h.putF32(x), py = h.alloc(x.length * 4);
      h.fn(name)(0, 2, cols, px, py);
      h.fn(name)(2, rows, cols, px, py);
      const y = h.f32(py, x.length);
      let err = 0;
      for (let r = 0; r < rows; r++) {
        const want = softmax64(x.subarray(r * cols, (r + 1) * cols), log);
        // softmax: relative to each probability (plus 1e-30 for underflowed ones); log-softmax: absolute/(1+|y|)
        want.forEach((w, i) => (err = Math.max(err, Math.abs(y[r * cols + i]! - w) / (log ? 1 + Math.abs(w) : Math.abs(w) + 1e-30))));
      }
      expect(err, `cols=${cols}`).toBeLessThanOrEqual(log ? 5e-7 : cols > 1000 ? 2e-5 : 1e-6);
      const copy = Array.from(y);
      h.fn(name)(0, rows, cols, px, px); // in place
      expect(Array.from(h.f32(px, x.length))).toEqual(copy);
    }
  });

  it('probabilities sum to 1; huge, tiny and -inf inputs; NaN rows', () => {
    h.reset();
    const rows = [
      [1e30, 1e30, -1e30, 0, 5],
      [-Infinity, 0, -Infinity, 1, 2],
      [88, 89, 90, -200, 1000],
      [NaN, 1, 2, 3, 4],
    ];
    const px = h.putF32(rows.flat()), py = h.alloc(20 * 4), pl = h.alloc(20 * 4);
    h.fn('wl_f32_softmax')(0, 4, 5, px, py);
    h.fn('wl_f32_log_softmax')(0, 4, 5, px, pl);
    const y = h.f32(py, 20), l = h.f32(pl, 20);
    for (let r = 0; r < 3; r++) {
      const want = softmax64(rows[r]!, false), wantLog = softmax64(rows[r]!, true);
      for (let i = 0; i < 5; i++) {
        expect(Math.abs(y[r * 5 + i]! - want[i]!)).toBeLessThanOrEqual(1e-7);
        if (Number.isFinite(wantLog[i]!)) expect(Math.abs(l[r * 5 + i]! - wantLog[i]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(wantLog[i]!)));
        else expect(l[r * 5 + i]).toBe(wantLog[i]);
      }
    }
    expect(Array.from(y.subarray(15, 20)).every(Number.isNaN)).toBe(true);
  });
});
