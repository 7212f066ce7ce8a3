/**
 * Binary elementwise kernels (kernels-wasm/elementwise): every op × every broadcast path × every fused activation,
 * edge sizes, in place, [start, end) splits, against float64 references.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, maxRelativeError, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? 'file://' + dir + '/' : undefined;

const SIZES = [1, 3, 4, 5, 8, 15, 16, 17, 1000, 5000];
const OPS: [string, (a: number, b: number) => number][] = [
  ['add', (a, b) => a + b],
  ['sub', (a, b) => a - b],
  ['mul', (a, b) => a * b],
  ['div', (a, b) => a / b],
  ['min', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b))],
  ['max', (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b))],
  ['pow', (a, b) => c99pow(a, b)],
  ['squared_difference', (a, b) => (a - b) ** 2],
  ['prelu', (a, b) => (a < 0 ? a * b : a)],
];
const POW = 6;

/** C99/numpy pow: unlike JS Math.pow, pow(1, NaN) = pow(−1, ±inf) = 1. */
function c99pow(a: number, b: number): number {
  if (a === 1 || b === 0 || (a === -1 && Math.abs(b) === Infinity)) return 1;
  return Math.pow(a, b);
}

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

interface Act {
  name: string;
  kind: number;
  alpha?: number;
  beta?: number;
  min?: number;
  max?: number;
}
const ACTIVATIONS: Act[] = [
  { name: 'identity', kind: 0 },
  { name: 'relu6', kind: 0, min: 0, max: 6 },
  { name: 'clip', kind: 0, min: -0.5, max: 0.25 },
  { name: 'hardswish', kind: 1 },
  { name: 'hardsigmoid', kind: 2, alpha: 0.2, beta: 0.5 },
  { name: 'sigmoid', kind: 3 },
  { name: 'silu', kind: 4 },
  { name: 'leakyrelu', kind: 5, alpha: 0.1 },
  { name: 'gelu', kind: 6 },
  { name: 'tanh', kind: 7 },
  { name: 'elu', kind: 8, alpha: 1.5 },
];

function act64(act: Act | undefined, x: number): number {
  if (!act) return x;
  const { alpha = 0, beta = 0, min = -Infinity, max = Infinity } = act;
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  switch (act.kind) {
    case 0: return Math.min(Math.max(x, min), max);
    case 1: return x * Math.min(Math.max(x / 6 + 0.5, 0), 1);
    case 2: return Math.min(Math.max(alpha * x + beta, 0), 1);
    case 3: return sigmoid(x);
    case 4: return x * sigmoid(x);
    case 5: return x < 0 ? alpha * x : x;
    case 6: return (x / 2) * (1 + erf64(x / Math.SQRT2));
    case 7: return Math.tanh(x);
    case 8: return x > 0 ? x : alpha * Math.expm1(x);
    default: throw new Error('kind');
  }
}

describe.each(FLAVORS)('elementwise (%s)', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(flavor);
  });

  function putAct(act: Act | undefined): number {
    return act ? h.putActivation(act.kind, act.alpha ?? 0, act.beta ?? 0, act.min ?? -Infinity, act.max ?? Infinity) : 0;
  }

  /** Operands for op: pow gets a positive base (plus exact small exponents), div a nonzero divisor. */
  function operands(op: number, n: number, m: number, seed: number): [Float32Array, Float32Array] {
    const a = randomData(n, seed).map((v) => v * 4);
    const b = randomData(m, seed + 7).map((v) => v * 4);
    if (op === POW) a.forEach((v, i) => (a[i] = Math.abs(v) + 0.01));
    if (op === 3) b.forEach((v, i) => (b[i] = Math.abs(v) < 0.05 ? 0.5 : v));
    return [a, b];
  }

  function expectClose(got: Float32Array, want: number[], op: number) {
    const tol = op === POW ? 3e-6 : 1e-6;
    const finite = want.map((w, i) => (Number.isFinite(w) ? i : -1)).filter((i) => i >= 0);
    want.forEach((w, i) => Number.isFinite(w) || expect(Object.is(got[i], Math.fround(w)), `element ${i}: ${got[i]} vs ${w}`).toBe(true));
    expect(maxRelativeError(finite.map((i) => got[i]!), finite.map((i) => want[i]!))).toBeLessThanOrEqual(tol);
  }

  it.each(OPS.map((o, i) => [o[0], i] as const))('%s: same shape, every size, every activation, in place, splits', (_, op) => {
    const f = OPS[op]![1];
    for (const n of SIZES) {
      for (const act of [undefined, ...ACTIVATIONS]) {
        h.reset();
        const [a, b] = operands(op, n, n, n);
        const pa = h.putF32(a), pb = h.putF32(b), py = h.alloc(n * 4), pact = putAct(act);
        const want = Array.from(a, (v, i) => act64(act, f(v, b[i]!)));
        h.fn('wl_f32_vbinary')(op, 0, n, pa, pb, py, pact);
        expectClose(h.f32(py, n), want, op);
        // split at an odd point equals one call
        const py2 = h.alloc(n * 4);
        const k = Math.floor(n / 3);
        h.fn('wl_f32_vbinary')(op, 0, k, pa, pb, py2, pact);
        h.fn('wl_f32_vbinary')(op, k, n, pa, pb, py2, pact);
        expect(Array.from(h.f32(py2, n))).toEqual(Array.from(h.f32(py, n)));
        // in place on a, then on b
        h.fn('wl_f32_vbinary')(op, 0, n, pa, pb, pa, pact);
        expect(Array.from(h.f32(pa, n))).toEqual(Array.from(h.f32(py, n)));
        h.f32(pa, n).set(a);
        h.fn('wl_f32_vbinary')(op, 0, n, pa, pb, pb, pact);
        expect(Array.from(h.f32(pb, n))).toEqual(Array.from(h.f32(py, n)));
      }
    }
  });

  it.each(OPS.map((o, i) => [o[0], i] as const))('%s: scalar operand on either side', (_, op) => {
    const f = OPS[op]![1];
    for (const n of SIZES) {
      for (const which of [1, 2]) {
        for (const act of [undefined, ACTIVATIONS[1]!, ACTIVATIONS[6]!]) {
          h.reset();
          const [v, s] = operands(op, n, 1, n + which);
          if (op === POW && which === 1) s[0] = Math.abs(s[0]!) + 0.5;
          const pv = h.putF32(v), ps = h.putF32(s), py = h.alloc(n * 4), pact = putAct(act);
          const want = Array.from(v, (x) => act64(act, which === 1 ? f(s[0]!, x) : f(x, s[0]!)));
          if (which === 1) h.fn('wl_f32_vbinary_scalar')(op, 0, n, ps, pv, py, 1, pact);
          else h.fn('wl_f32_vbinary_scalar')(op, 0, n, pv, ps, py, 2, pact);
          expectClose(h.f32(py, n), want, op);
        }
      }
    }
  });

  it('pow: exact forms for scalar exponents 0.5, 1, 2, 3, -1 and C99 specials', () => {
    const base = Float32Array.from([0, 1, 2, 3.5, 0.25, 10, 1e-3, 7]);
    for (const e of [0.5, 1, 2, 3, -1, 0, 1.5, -2.5]) {
      h.reset();
      const pa = h.putF32(base), pb = h.putF32([e]), py = h.alloc(base.length * 4);
      h.fn('wl_f32_vbinary_scalar')(POW, 0, base.length, pa, pb, py, 2, 0);
      expectClose(h.f32(py, base.length), Array.from(base, (x) => Math.pow(x, e)), POW);
    }
    const pairs: [number, number][] = [
      [-2, 3], [-2, 2], [-2, 0.5], [-0, -1], [0, -1], [0, 0], [NaN, 0], [1, NaN], [-1, Infinity], [2, Infinity],
      [0.5, Infinity], [2, -Infinity], [-Infinity, 3], [-Infinity, 2], [-Infinity, -1], [Infinity, 0.5], [-8, 1 / 3], [NaN, 2],
    ];
    h.reset();
    const pa = h.putF32(pairs.map((p) => p[0])), pb = h.putF32(pairs.map((p) => p[1])), py = h.alloc(pairs.length * 4);
    h.fn('wl_f32_vbinary')(POW, 0, pairs.length, pa, pb, py, 0);
    const got = h.f32(py, pairs.length);
    pairs.forEach(([a, b], i) => expect(Object.is(got[i], Math.fround(c99pow(a, b))) || Math.abs(got[i]! - c99pow(a, b)) < 1e-5, `pow(${a}, ${b}) = ${got[i]}`).toBe(true));
  });

  it.each(OPS.map((o, i) => [o[0], i] as const))('%s: per-channel vector on either side, splits over rows', (_, op) => {
    const f = OPS[op]![1];
    for (const channels of [1, 3, 4, 5, 8, 17, 64]) {
      for (const rows of [1, 3, 7, 40]) {
        for (const which of [1, 2]) {
          for (const act of [undefined, ACTIVATIONS[1]!, ACTIVATIONS[4]!, ACTIVATIONS[8]!]) {
            h.reset();
            const [big, vec] = operands(op, rows * channels, channels, rows + channels);
            if (op === POW && which === 1) vec.forEach((v, i) => (vec[i] = Math.abs(v) + 0.1));
            const pbig = h.putF32(big), pvec = h.putF32(vec), py = h.alloc(big.length * 4), pact = putAct(act);
            const want = Array.from(big, (x, i) => act64(act, which === 1 ? f(vec[i % channels]!, x) : f(x, vec[i % channels]!)));
            const [pa, pb] = which === 1 ? [pvec, pbig] : [pbig, pvec];
            const k = Math.floor(rows / 2);
            h.fn('wl_f32_vbinary_channel')(op, 0, k, channels, pa, pb, py, which, pact);
            h.fn('wl_f32_vbinary_channel')(op, k, rows, channels, pa, pb, py, which, pact);
            expectClose(h.f32(py, big.length), want, op);
          }
        }
      }
    }
  });

  function strides(dims: number[]): number[] {
    const s = new Array<number>(dims.length).fill(1);
    for (let k = dims.length - 2; k >= 0; k--) s[k] = s[k + 1]! * dims[k + 1]!;
    return s;
  }

  it.each(OPS.map((o, i) => [o[0], i] as const))('%s: N-D strided broadcasting, rank 1–6, every broadcast mask', (_, op) => {
    const f = OPS[op]![1];
    let seed = 1;
    for (let rank = 1; rank <= 6; rank++) {
      const dims = [3, 2, 5, 1, 4, 3].slice(0, rank);
      dims[rank - 1] = [5, 7, 3, 4, 9, 6][rank - 1]!;
      for (let mask = 0; mask < 1 << (2 * rank); mask += rank > 3 ? 37 : 1) {
        // bits 2k / 2k+1: a / b broadcast along axis k; with `transposed`, a is read through swapped strides
        const aDims = dims.map((d, k) => (mask >> (2 * k)) & 1 ? 1 : d);
        const bDims = dims.map((d, k) => (mask >> (2 * k + 1)) & 1 ? 1 : d);
        const total = dims.reduce((p, d) => p * d, 1);
        const [a, b] = operands(op, aDims.reduce((p, d) => p * d, 1), bDims.reduce((p, d) => p * d, 1), seed++);
        const sa = strides(aDims).map((s, k) => (aDims[k] === 1 ? 0 : s));
        const sb = strides(bDims).map((s, k) => (bDims[k] === 1 ? 0 : s));
        const act = ACTIVATIONS[(mask + rank) % ACTIVATIONS.length]!;
        h.reset();
        const pa = h.putF32(a), pb = h.putF32(b), py = h.alloc(total * 4), pact = putAct(act);
        const pd = h.putI32(dims), psa = h.putI32(sa), psb = h.putI32(sb);
        const want: number[] = [];
        const idx = new Array<number>(rank).fill(0);
        for (let i = 0; i < total; i++) {
          let oa = 0, ob = 0;
          for (let k = 0; k < rank; k++) (oa += idx[k]! * sa[k]!), (ob += idx[k]! * sb[k]!);
          want.push(act64(act, f(a[oa]!, b[ob]!)));
          for (let k = rank - 1; k >= 0 && ++idx[k]! === dims[k]; k--) idx[k] = 0;
        }
        const k = Math.floor(dims[0]! / 2);
        h.fn('wl_f32_vbinary_nd')(op, 0, k, rank, pd, pa, psa, pb, psb, py, pact);
        h.fn('wl_f32_vbinary_nd')(op, k, dims[0]!, rank, pd, pa, psa, pb, psb, py, pact);
        expectClose(h.f32(py, total), want, op);
      }
    }
  });

  it('N-D gather path: a read through transposed strides (stride ∉ {0, 1} on the inner axis)', () => {
    for (const [rows, cols] of [[3, 5], [4, 4], [7, 9], [1, 3]] as const) {
      h.reset();
      const a = randomData(rows * cols, 3), b = randomData(rows * cols, 4);
      const pa = h.putF32(a), pb = h.putF32(b), py = h.alloc(rows * cols * 4);
      // y[c, r] = a[r, c] + b[c, r]
      const pd = h.putI32([cols, rows]), psa = h.putI32([1, cols]), psb = h.putI32([rows, 1]);
      h.fn('wl_f32_vbinary_nd')(0, 0, cols, 2, pd, pa, psa, pb, psb, py, 0);
      const want = [];
      for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) want.push(a[r * cols + c]! + b[c * rows + r]!);
      expectClose(h.f32(py, rows * cols), want, 0);
    }
  });

  it('wl_f32_activation (wl_activate_f32x4 + scalar tail) and wl_activate_block_f32 agree for every kind', () => {
    const x = Float32Array.from([...randomData(1003, 9)].map((v) => v * 12).concat([0, -0, 1e-30, -1e-30, 50, -50, 120, -120]));
    const n = x.length;
    for (const act of ACTIVATIONS) {
      h.reset();
      const px = h.putF32(x), py = h.alloc(n * 4), pact = putAct(act);
      h.fn('wl_f32_activation')(0, n, px, py, pact);
      const want = Array.from(x, (v) => act64(act, v));
      expect(maxRelativeError(h.f32(py, n), want), act.name).toBeLessThanOrEqual(act.name === 'gelu' ? 1.5e-6 : 4e-7);
      // the block form (used by the binary kernels' post-pass): x · 1 through wl_f32_vbinary_scalar
      const one = h.putF32([1]), py2 = h.alloc(n * 4);
      h.fn('wl_f32_vbinary_scalar')(2, 0, n, px, one, py2, 2, pact);
      expect(Array.from(h.f32(py2, n)), act.name).toEqual(Array.from(h.f32(py, n)));
      // NaN propagates through every kind; in place works
      const pnan = h.putF32([NaN, NaN, NaN, NaN, NaN]);
      h.fn('wl_f32_activation')(0, 5, pnan, pnan, pact);
      expect(Array.from(h.f32(pnan, 5)).every(Number.isNaN), act.name).toBe(true);
    }
  });
});
