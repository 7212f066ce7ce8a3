/**
 * wl_f32_unary (kernels-wasm/unary): every kind at edge sizes, in place, [start, end) splits, against float64
 * references. Accuracy sweeps of the transcendentals live in math.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, maxRelativeError, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? 'file://' + dir + '/' : undefined;

const SIZES = [1, 3, 4, 5, 8, 15, 16, 17, 1000];

function erf64(x: number): number {
  const a = Math.abs(x);
  if (a > 6) return Math.sign(x);
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 300 && term > sum * 1e-18; n++) sum += term *= (2 * a * a) / (2 * n + 1);
    return (Math.sign(x) * 2 * Math.exp(-a * a) * sum) / Math.sqrt(Math.PI);
  }
  let f = a;
  for (let k = 300; k >= 1; k--) f = a + k / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f);
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const roundHalfEven = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

const ALPHA = 0.3;
const BETA = 0.6;
/** kind, name, reference, input domain ('any' = [-8, 8], 'positive' = (0, 8]). */
const KINDS: [number, string, (x: number) => number, 'any' | 'positive'][] = [
  [0, 'relu', (x) => Math.max(x, 0), 'any'],
  [1, 'clip', (x) => Math.min(Math.max(x, ALPHA), BETA), 'any'],
  [2, 'sigmoid', sigmoid, 'any'],
  [3, 'tanh', Math.tanh, 'any'],
  [4, 'exp', Math.exp, 'any'],
  [5, 'log', Math.log, 'positive'],
  [6, 'sqrt', Math.sqrt, 'positive'],
  [7, 'abs', Math.abs, 'any'],
  [8, 'neg', (x) => -x, 'any'],
  [9, 'erf', erf64, 'any'],
  [10, 'gelu', (x) => (x / 2) * (1 + erf64(x / Math.SQRT2)), 'any'],
  [11, 'gelu_tanh', (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))), 'any'],
  [12, 'hardswish', (x) => x * Math.min(Math.max(x / 6 + 0.5, 0), 1), 'any'],
  [13, 'hardsigmoid', (x) => Math.min(Math.max(ALPHA * x + BETA, 0), 1), 'any'],
  [14, 'leakyrelu', (x) => (x < 0 ? ALPHA * x : x), 'any'],
  [15, 'elu', (x) => (x > 0 ? x : ALPHA * Math.expm1(x)), 'any'],
  [16, 'silu', (x) => x * sigmoid(x), 'any'],
  [17, 'softplus', softplus, 'any'],
  [18, 'reciprocal', (x) => 1 / x, 'positive'],
  [19, 'square', (x) => x * x, 'any'],
  [20, 'rsqrt', (x) => 1 / Math.sqrt(x), 'positive'],
  [21, 'floor', Math.floor, 'any'],
  [22, 'ceil', Math.ceil, 'any'],
  [23, 'round', roundHalfEven, 'any'],
  [24, 'sign', Math.sign, 'any'],
  [25, 'expm1', Math.expm1, 'any'],
  [26, 'selu', (x) => BETA * (x > 0 ? x : ALPHA * Math.expm1(x)), 'any'],
  [27, 'mish', (x) => x * Math.tanh(softplus(x)), 'any'],
  [28, 'softsign', (x) => x / (1 + Math.abs(x)), 'any'],
  [29, 'trunc', Math.trunc, 'any'],
];

describe.each(FLAVORS)('unary (%s)', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(flavor);
  });

  function data(n: number, domain: 'any' | 'positive', seed: number): Float32Array {
    const x = randomData(n, seed).map((v) => v * 8);
    if (domain === 'positive') x.forEach((v, i) => (x[i] = Math.abs(v) + 1e-3));
    else if (n > 8) x.set([0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 3], n - 8); // ties for round, zeros for sign
    return x;
  }

  it.each(KINDS)('kind %i (%s): edge sizes, in place, splits', (kind, _name, ref, domain) => {
    for (const n of SIZES) {
      h.reset();
      const x = data(n, domain, n + kind);
      const px = h.putF32(x), py = h.alloc(n * 4), py2 = h.alloc(n * 4);
      h.fn('wl_f32_unary')(kind, 0, n, px, py, ALPHA, BETA);
      // gelu: |err| ≤ 2.4e-7·|x| where the result is near 0 (x ≈ −3…−5), see math.h
      expect(maxRelativeError(h.f32(py, n), Array.from(x, ref)), `n=${n}`).toBeLessThanOrEqual(kind === 10 ? 1.5e-6 : 5e-7);
      const k = Math.floor((2 * n) / 3);
      h.fn('wl_f32_unary')(kind, 0, k, px, py2, ALPHA, BETA);
      h.fn('wl_f32_unary')(kind, k, n, px, py2, ALPHA, BETA);
      expect(Array.from(h.f32(py2, n))).toEqual(Array.from(h.f32(py, n)));
      h.fn('wl_f32_unary')(kind, 0, n, px, px, ALPHA, BETA);
      expect(Array.from(h.f32(px, n))).toEqual(Array.from(h.f32(py, n)));
    }
  });

  it('writes nothing outside [start, end)', () => {
    h.reset();
    const x = randomData(32, 5);
    const px = h.putF32(x), py = h.putF32(new Float32Array(32).fill(7));
    h.fn('wl_f32_unary')(2, 3, 22, px, py, 0, 0);
    const y = h.f32(py, 32);
    for (let i = 0; i < 32; i++) if (i < 3 || i >= 22) expect(y[i]).toBe(7);
  });

  it('specials: NaN propagates, ±inf limits', () => {
    const x = Float32Array.from([NaN, Infinity, -Infinity]);
    const limits: Record<string, [number, number]> = {
      relu: [Infinity, 0], sigmoid: [1, 0], tanh: [1, -1], exp: [Infinity, 0], erf: [1, -1], gelu: [Infinity, -0],
      gelu_tanh: [Infinity, -0], silu: [Infinity, -0], softplus: [Infinity, 0], mish: [Infinity, -0], elu: [Infinity, Math.fround(-ALPHA)],
      softsign: [1, -1], expm1: [Infinity, -1], abs: [Infinity, Infinity], neg: [-Infinity, Infinity],
    };
    for (const [kind, name] of KINDS) {
      h.reset();
      const px = h.putF32(x), py = h.alloc(12);
      h.fn('wl_f32_unary')(kind, 0, 3, px, py, ALPHA, BETA);
      const y = h.f32(py, 3);
      if (name !== 'clip' && name !== 'hardsigmoid') expect(y[0], `${name}(NaN)`).toBeNaN();
      const limit = limits[name];
      if (limit) expect([y[1], y[2]], name).toEqual(limit);
    }
  });
});
