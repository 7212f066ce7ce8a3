/**
 * LayerNorm / RMSNorm / InstanceNorm (NHWC) / BatchNorm (NHWC, NCHW) kernels (kernels-wasm/normalization): edge sizes,
 * optional scale/bias, fused activations, splits, in place, large offsets, against float64 references.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, maxRelativeError, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? 'file://' + dir + '/' : undefined;

const EPS = 1e-5;
const SIZES = [1, 3, 4, 5, 8, 15, 16, 17, 1000];
const relu = (v: number) => Math.max(v, 0);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function normalize64(values: number[], rms: boolean): { mean: number; inv: number } {
  const n = values.length;
  const mean = rms ? 0 : values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return { mean, inv: 1 / Math.sqrt(variance + EPS) };
}

describe.each(FLAVORS)('normalization (%s)', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(flavor);
  });

  it.each([
    ['layernorm', false],
    ['rmsnorm', true],
  ] as const)('%s: edge sizes, optional scale/bias, relu, splits, in place, offset rows', (name, rms) => {
    for (const cols of SIZES) {
      for (const variant of ['none', 'scale', 'bias', 'both'] as const) {
        if (rms && (variant === 'bias' || variant === 'both')) continue;
        for (const act of [0, 1]) {
          const rows = 5;
          h.reset();
          const x = randomData(rows * cols, cols).map((v, i) => v * 3 + (Math.floor(i / cols) === 2 ? 1000 : 0));
          const scale = randomData(cols, 2), bias = randomData(cols, 3);
          const hasScale = variant === 'scale' || variant === 'both', hasBias = variant === 'bias' || variant === 'both';
          const px = h.putF32(x), py = h.alloc(x.length * 4);
          const ps = hasScale ? h.putF32(scale) : 0, pb = hasBias ? h.putF32(bias) : 0;
          const pact = act ? h.putActivation(0, 0, 0, 0, Infinity) : 0;
          const call = (start: number, end: number, out: number, input = px) =>
            rms
              ? h.fn('wl_f32_rmsnorm')(start, end, cols, input, ps, out, EPS, pact)
              : h.fn('wl_f32_layernorm')(start, end, cols, input, ps, pb, out, EPS, pact);
          call(0, 3, py);
          call(3, rows, py);
          const want: number[] = [];
          for (let r = 0; r < rows; r++) {
            const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
            const { mean, inv } = normalize64(row, rms);
            row.forEach((v, i) => {
              let t = (v - mean) * inv * (hasScale ? scale[i]! : 1) + (hasBias ? bias[i]! : 0);
              if (act) t = relu(t);
              want.push(t);
            });
          }
          // row 2 carries a +1000 offset: the shifted mean and centred variance keep it as accurate as the others
          expect(maxRelativeError(h.f32(py, x.length), want), `${name} cols=${cols} ${variant}`).toBeLessThanOrEqual(2e-6);
          const copy = Array.from(h.f32(py, x.length));
          call(0, rows, px, px);
          expect(Array.from(h.f32(px, x.length))).toEqual(copy);
        }
      }
    }
  });

  it('instancenorm NHWC: per (n, c) over HW, every split, activations, in place', () => {
    for (const [n, hw, c] of [[1, 1, 1], [2, 7, 3], [1, 16, 4], [2, 5, 17], [1, 300, 70], [3, 33, 8], [1, 600, 5]] as const) {
      for (const act of [undefined, { kind: 0, min: 0, max: 6 }, { kind: 3 }]) {
        h.reset();
        const x = randomData(n * hw * c, hw + c).map((v, i) => v * 2 + (i % c) * 10);
        const scale = randomData(c, 4), bias = randomData(c, 5);
        const px = h.putF32(x), ps = h.putF32(scale), pb = h.putF32(bias), py = h.alloc(x.length * 4);
        const pact = act ? h.putActivation(act.kind, 0, 0, act.min ?? -Infinity, act.max ?? Infinity) : 0;
        const units = n * c, k = Math.max(1, Math.floor(units / 3) + 1);
        h.fn('wl_f32_instancenorm_nhwc')(0, k, hw, c, px, ps, pb, py, EPS, pact);
        h.fn('wl_f32_instancenorm_nhwc')(k, units, hw, c, px, ps, pb, py, EPS, pact);
        const want = new Array<number>(x.length);
        for (let b = 0; b < n; b++) {
          for (let ch = 0; ch < c; ch++) {
            const values = Array.from({ length: hw }, (_, p) => x[(b * hw + p) * c + ch]!);
            const { mean, inv } = normalize64(values, false);
            values.forEach((v, p) => {
              let t = (v - mean) * inv * scale[ch]! + bias[ch]!;
              if (act?.kind === 0) t = Math.min(Math.max(t, 0), 6);
              if (act?.kind === 3) t = sigmoid(t);
              want[(b * hw + p) * c + ch] = t;
            });
          }
        }
        expect(maxRelativeError(h.f32(py, x.length), want), `${n}x${hw}x${c}`).toBeLessThanOrEqual(2e-6);
        const copy = Array.from(h.f32(py, x.length));
        h.fn('wl_f32_instancenorm_nhwc')(0, units, hw, c, px, ps, pb, px, EPS, pact);
        expect(Array.from(h.f32(px, x.length))).toEqual(copy);
      }
    }
  });

  it('batchnorm: fold, NHWC and NCHW, activations, splits', () => {
    for (const c of [1, 3, 4, 5, 8, 17]) {
      for (const act of [undefined, { kind: 0, min: 0, max: 6 }, { kind: 4 }]) {
        const n = 2, hw = 9;
        h.reset();
        const gamma = randomData(c, 1), beta = randomData(c, 2), mean = randomData(c, 3);
        const variance = randomData(c, 4).map((v) => Math.abs(v) + 0.1);
        const pg = h.putF32(gamma), pbeta = h.putF32(beta), pm = h.putF32(mean), pv = h.putF32(variance);
        const pscale = h.alloc(c * 4), pshift = h.alloc(c * 4);
        h.fn('wl_f32_batchnorm_fold')(c, pg, pbeta, pm, pv, EPS, pscale, pshift);
        const bn = (v: number, ch: number) => {
          let t = ((v - mean[ch]!) / Math.sqrt(variance[ch]! + EPS)) * gamma[ch]! + beta[ch]!;
          if (act?.kind === 0) t = Math.min(Math.max(t, 0), 6);
          if (act?.kind === 4) t = t * sigmoid(t);
          return t;
        };
        const pact = act ? h.putActivation(act.kind, 0, 0, act.min ?? -Infinity, act.max ?? Infinity) : 0;
        const x = randomData(n * hw * c, c + 10).map((v) => v * 4);
        const px = h.putF32(x), py = h.alloc(x.length * 4);
        h.fn('wl_f32_batchnorm_nhwc')(0, 5, c, px, pscale, pshift, py, pact);
        h.fn('wl_f32_batchnorm_nhwc')(5, n * hw, c, px, pscale, pshift, py, pact);
        expect(maxRelativeError(h.f32(py, x.length), Array.from(x, (v, i) => bn(v, i % c)))).toBeLessThanOrEqual(2e-6);
        h.fn('wl_f32_batchnorm_nchw')(0, 1, c, hw, px, pscale, pshift, py, pact);
        h.fn('wl_f32_batchnorm_nchw')(1, n * c, c, hw, px, pscale, pshift, py, pact);
        const wantNchw = Array.from(x, (v, i) => bn(v, Math.floor(i / hw) % c));
        expect(maxRelativeError(h.f32(py, x.length), wantNchw)).toBeLessThanOrEqual(2e-6);
      }
    }
  });
});
