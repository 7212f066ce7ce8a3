/**
 * Accuracy of kernels-wasm/common/math.h (through wl_f32_unary) against float64 references: dense grids over each
 * function's useful range, log-spaced tiny magnitudes, random float bit patterns, and specials (±0, ±inf, NaN,
 * huge, subnormal). The bounds asserted here are the ones stated in math.h's header, with a little slack.
 * Run with WEBLITE_WASM_DIR=/tmp/wasm-w2 to test a private build instead of the committed bin/.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? 'file://' + dir + '/' : undefined;

const FLT_MIN = 2 ** -126;
const UNARY = { SIGMOID: 2, TANH: 3, EXP: 4, LOG: 5, ERF: 9, GELU: 10, GELU_TANH: 11, ELU: 15, SILU: 16, SOFTPLUS: 17, EXPM1: 25, MISH: 27 };

// ---- float64 references -------------------------------------------------------------------------------------------
function erf64(x: number): number {
  const a = Math.abs(x);
  if (Number.isNaN(x)) return NaN;
  if (a > 6) return Math.sign(x);
  if (a < 2.5) {
    // erf(a) = 2/√π·e^(−a²)·Σ a^(2n+1)·2^n/(2n+1)!!: all terms positive, no cancellation.
    let term = a;
    let sum = a;
    for (let n = 1; n < 300 && term > sum * 1e-18; n++) {
      term *= (2 * a * a) / (2 * n + 1);
      sum += term;
    }
    return (Math.sign(x) * 2 * Math.exp(-a * a) * sum) / Math.sqrt(Math.PI);
  }
  return Math.sign(x) * (1 - erfc64(a));
}

/** erfc(z) for z ≥ 0: continued fraction above 2.5. */
function erfc64(z: number): number {
  if (z < 2.5) return 1 - erf64(z);
  if (z === Infinity) return 0;
  let f = z;
  for (let k = 300; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

const gelu64 = (x: number) => (x === -Infinity ? -0 : x < 0 ? (x / 2) * erfc64(-x / Math.SQRT2) : x === Infinity ? x : (x / 2) * (1 + erf64(x / Math.SQRT2)));
const geluTanh64 = (x: number) => {
  if (x === -Infinity) return -0;
  if (x === Infinity) return x;
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
};
const sigmoid64 = (x: number) => 1 / (1 + Math.exp(-x));
const softplus64 = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const silu64 = (x: number) => (x === -Infinity ? -0 : x * sigmoid64(x));
const mish64 = (x: number) => (x === -Infinity ? -0 : x * Math.tanh(softplus64(x)));

// ---- inputs --------------------------------------------------------------------------------------------------------
/** A dense grid over [lo, hi], tiny magnitudes (incl. subnormals), random bit patterns in range, and specials. */
function inputs(lo: number, hi: number, count = 100_000, specials = true): Float32Array {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(lo + ((hi - lo) * i) / (count - 1));
  for (let e = -45; e <= 1; e += 0.01) out.push(10 ** e, -(10 ** e));
  let s = 12345;
  for (let i = 0; i < 200_000; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push(new Float32Array(new Uint32Array([s]).buffer)[0]!);
  }
  const inRange = out.filter((v) => v >= lo && v <= hi);
  if (specials) inRange.push(0, -0, Infinity, -Infinity, NaN, 3.4e38, -3.4e38, 1e-45, -1e-45, 1.17549435e-38, 1e10, -1e10);
  return Float32Array.from(inRange);
}

interface Errors {
  abs: number;
  rel: number;
  scaled: number; // |err| / max(1, |x|)
  worst: number;
}

function measure(x: Float32Array, y: Float32Array, ref: (x: number) => number, relFloor = FLT_MIN): Errors {
  const e: Errors = { abs: 0, rel: 0, scaled: 0, worst: 0 };
  for (let i = 0; i < x.length; i++) {
    const r = ref(x[i]!);
    const g = y[i]!;
    if (!Number.isFinite(r) || Math.fround(r) === Infinity || Math.fround(r) === -Infinity) {
      // NaN or overflow: must match exactly (NaN ↔ NaN, ±inf).
      const rf = Math.fround(r);
      if (!(Number.isNaN(rf) ? Number.isNaN(g) : g === rf)) throw new Error(`f(${x[i]}) = ${g}, expected ${rf}`);
      continue;
    }
    if (!Number.isFinite(g)) throw new Error(`f(${x[i]}) = ${g}, expected ${r}`);
    const abs = Math.abs(g - r);
    if (abs > e.abs) [e.abs, e.worst] = [abs, x[i]!];
    if (Math.abs(r) >= relFloor) e.rel = Math.max(e.rel, abs / Math.abs(r));
    e.scaled = Math.max(e.scaled, abs / Math.max(1, Math.abs(x[i]!)));
  }
  return e;
}

const report: string[] = [];

describe.each(FLAVORS)('math.h (%s)', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(flavor);
  });

  function run(kind: number, x: Float32Array, alpha = 0, beta = 0): Float32Array {
    h.reset();
    const px = h.putF32(x);
    const py = h.alloc(x.length * 4);
    h.fn('wl_f32_unary')(kind, 0, x.length, px, py, alpha, beta);
    return h.f32(py, x.length).slice();
  }

  function check(name: string, kind: number, lo: number, hi: number, ref: (x: number) => number, bounds: Partial<Errors>, alpha = 0) {
    const x = inputs(lo, hi);
    const e = measure(x, run(kind, x, alpha), ref);
    report.push(`${flavor} ${name}: abs ${e.abs.toExponential(2)} (at ${e.worst}), rel ${e.rel.toExponential(2)}, abs/max(1,|x|) ${e.scaled.toExponential(2)}`);
    if (bounds.abs !== undefined) expect(e.abs, `${name} abs`).toBeLessThanOrEqual(bounds.abs);
    if (bounds.rel !== undefined) expect(e.rel, `${name} rel`).toBeLessThanOrEqual(bounds.rel);
    if (bounds.scaled !== undefined) expect(e.scaled, `${name} scaled`).toBeLessThanOrEqual(bounds.scaled);
  }

  it('exp: relative ≤ 3e-7 for normal results, subnormal results within one subnormal ulp', () => {
    check('exp', UNARY.EXP, -110, 89, Math.exp, { rel: 3e-7 });
    const x = inputs(-104, -87.4, 20_000, false);
    const e = measure(x, run(UNARY.EXP, x), Math.exp);
    expect(e.abs).toBeLessThanOrEqual(2 ** -148); // two roundings into the subnormal range
    const special = run(UNARY.EXP, Float32Array.from([0, -0, Infinity, -Infinity, NaN, 88.72283, 88.7229, -104, -1000]));
    expect(Array.from(special.slice(0, 4))).toEqual([1, 1, Infinity, 0]);
    expect(special[4]).toBeNaN();
    expect(special[5]).toBeGreaterThan(3.4e38);
    expect(special[6]).toBe(Infinity);
    expect(Array.from(special.slice(7))).toEqual([0, 0]);
  });

  it('expm1: relative ≤ 3e-7', () => {
    check('expm1', UNARY.EXPM1, -20, 89, Math.expm1, { rel: 3e-7 });
  });

  it('log: relative ≤ 2e-7 over (0, 3.4e38] incl. subnormals; specials', () => {
    check('log', UNARY.LOG, 0, 3.4e38, Math.log, { rel: 2e-7 });
    check('log', UNARY.LOG, 0, 100, Math.log, { rel: 2e-7 });
    const near1 = inputs(0.5, 2, 100_000, false);
    expect(measure(near1, run(UNARY.LOG, near1), Math.log).abs).toBeLessThanOrEqual(1e-7);
    const x = Float32Array.from([1e-45, 1e-40, 1e-30, 1e10, 3.4e38, 1, 2, 0.5]);
    expect(measure(x, run(UNARY.LOG, x), Math.log).rel).toBeLessThanOrEqual(2e-7);
    const special = run(UNARY.LOG, Float32Array.from([0, -0, -1, Infinity, -Infinity, NaN, 1]));
    expect(Array.from(special.slice(0, 2))).toEqual([-Infinity, -Infinity]);
    expect(special[2]).toBeNaN();
    expect(special[3]).toBe(Infinity);
    expect(special[4]).toBeNaN();
    expect(special[5]).toBeNaN();
    expect(special[6]).toBe(0);
  });

  it('sigmoid: absolute ≤ 1e-7 (XNNPACK accepts 5e-6), relative ≤ 4e-7', () => {
    check('sigmoid', UNARY.SIGMOID, -110, 110, sigmoid64, { abs: 1e-7, rel: 4e-7 });
  });

  it('tanh: absolute ≤ 2e-7 (XNNPACK accepts 5e-6), relative ≤ 4e-7', () => {
    check('tanh', UNARY.TANH, -12, 12, Math.tanh, { abs: 2e-7, rel: 4e-7 });
    const special = run(UNARY.TANH, Float32Array.from([0, -0, Infinity, -Infinity, NaN]));
    expect(Object.is(special[0], 0) && Object.is(special[1], -0)).toBe(true);
    expect(Array.from(special.slice(2, 4))).toEqual([1, -1]);
    expect(special[4]).toBeNaN();
  });

  it('erf: absolute ≤ 4e-7, relative ≤ 4e-7', () => {
    check('erf', UNARY.ERF, -6, 6, erf64, { abs: 4e-7, rel: 4e-7 });
  });

  it('gelu (erf form): |err| ≤ 2.5e-7·max(1, |x|)', () => {
    check('gelu', UNARY.GELU, -20, 20, gelu64, { scaled: 2.5e-7 });
  });

  it('gelu (tanh form): |err| ≤ 2e-7·max(1, |x|)', () => {
    check('gelu_tanh', UNARY.GELU_TANH, -20, 20, geluTanh64, { scaled: 2e-7 });
  });

  it('silu, softplus, mish, elu: |err| ≤ 2e-7·max(1, |x|)', () => {
    check('silu', UNARY.SILU, -120, 120, silu64, { scaled: 2e-7 });
    check('softplus', UNARY.SOFTPLUS, -110, 110, softplus64, { scaled: 2e-7, rel: 4e-7 });
    check('mish', UNARY.MISH, -120, 120, mish64, { scaled: 2e-7 });
    check('elu', UNARY.ELU, -30, 30, (x) => (x > 0 ? x : Math.expm1(x)), { scaled: 3e-7, rel: 3e-7 }, 1);
  });

  it('prints the measured errors', () => {
    console.log(report.filter((line) => line.startsWith(flavor)).join('\n'));
  });
});
