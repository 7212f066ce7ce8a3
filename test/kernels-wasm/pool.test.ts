/**
 * NHWC pooling (kernels-wasm/pool/) against float64 NCHW references, on both builds: MaxPool (pads, dilation,
 * ceil_mode output sizes), AveragePool (count_include_pad 0 and 1, ceil_mode), GlobalAveragePool, GlobalMaxPool;
 * channel counts around the 8-channel tile, batch, [start, end) splits.
 * Tolerance: max pooling is exact; averages |got − want| ≤ 1e-6 · (1 + |want|).
 * AveragePool divisor with count_include_pad = 1: taps inside the padded input (PyTorch's rule; a ceil_mode window's
 * part beyond the end padding is not counted).
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 */
import { describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

interface PoolCase {
  kind: 'max' | 'avg';
  batch?: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride?: [number, number];
  dilation?: [number, number];
  pads?: [number, number, number, number]; // top, left, bottom, right
  ceil?: boolean;
  includePad?: boolean;
  ranges?: [number, number][];
  seed?: number;
}

function outputSize(size: number, k: number, s: number, d: number, p0: number, p1: number, ceil: boolean): number {
  const span = size + p0 + p1 - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // ceil_mode: the last window must start inside the input or the begin padding (ONNX / PyTorch rule).
  if (ceil && (out - 1) * s >= size + p0) out--;
  return out;
}

function run(h: Harness, p: PoolCase): [Float32Array, Float64Array] {
  h.reset();
  const batch = p.batch ?? 1;
  const [sh, sw] = p.stride ?? [1, 1];
  const [dh, dw] = p.dilation ?? [1, 1];
  const [pt, pl, pb, pr] = p.pads ?? [0, 0, 0, 0];
  const oh = outputSize(p.h, p.kh, sh, dh, pt, pb, p.ceil ?? false);
  const ow = outputSize(p.w, p.kw, sw, dw, pl, pr, p.ceil ?? false);
  const x = randomData(batch * p.c * p.h * p.w, p.seed ?? 1); // NCHW
  const want = new Float64Array(batch * oh * ow * p.c); // NHWC
  for (let n = 0; n < batch; n++)
    for (let c = 0; c < p.c; c++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let acc = p.kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let ky = 0; ky < p.kh; ky++)
            for (let kx = 0; kx < p.kw; kx++) {
              const iy = oy * sh - pt + ky * dh;
              const ix = ox * sw - pl + kx * dw;
              const inside = iy >= 0 && iy < p.h && ix >= 0 && ix < p.w;
              const insidePadded = iy >= -pt && iy < p.h + pb && ix >= -pl && ix < p.w + pr;
              if (p.includePad ? insidePadded : inside) count++;
              if (!inside) continue;
              const v = x[((n * p.c + c) * p.h + iy) * p.w + ix]!;
              acc = p.kind === 'max' ? Math.max(acc, v) : acc + v;
            }
          want[((n * oh + oy) * ow + ox) * p.c + c] = p.kind === 'max' ? acc : acc / count;
        }

  const nhwc = new Float32Array(x.length);
  for (let n = 0; n < batch; n++) for (let c = 0; c < p.c; c++) for (let i = 0; i < p.h * p.w; i++) nhwc[(n * p.h * p.w + i) * p.c + c] = x[(n * p.c + c) * p.h * p.w + i]!;
  const input = h.putF32(nhwc);
  const zero = h.alloc(4); // only compared against, never read
  const taps = p.kh * p.kw;
  const indirection = h.alloc(oh * ow * taps * 4);
  h.fn('wl_f32_conv_indirection')(indirection, input, zero, p.h, p.w, p.c, oh, ow, p.kh, p.kw, sh, sw, dh, dw, pt, pl);
  const out = h.alloc(want.length * 4);
  h.f32(out, want.length).fill(Number.NaN);
  let scales = 0;
  if (p.kind === 'avg') {
    scales = h.alloc(oh * ow * 4);
    h.fn('wl_f32_avgpool_scales')(scales, p.h, p.w, oh, ow, p.kh, p.kw, sh, sw, dh, dw, pt, pl, pb, pr, p.includePad ? 1 : 0);
  }
  for (const [start, end] of p.ranges ?? [[0, batch * oh * ow]]) {
    if (p.kind === 'max') h.fn('wl_f32_maxpool_nhwc')(batch, p.h * p.w, p.c, oh * ow, taps, indirection, zero, out, start, end);
    else h.fn('wl_f32_avgpool_nhwc')(batch, p.h * p.w, p.c, oh * ow, taps, indirection, zero, scales, out, start, end);
  }
  return [h.f32(out, want.length).slice(), want];
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number, what: string): void {
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (!(Math.abs(got[i]! - want[i]!) <= tolerance * (1 + Math.abs(want[i]!)))) bad = i;
  expect(bad, bad < 0 ? what : `${what}: element ${bad} got ${got[bad]} want ${want[bad]}`).toBe(-1);
}

const WINDOWS: Omit<PoolCase, 'kind' | 'c'>[] = [
  { h: 12, w: 11, kh: 3, kw: 3, stride: [2, 2], pads: [1, 1, 1, 1] }, // resnet max pool
  { h: 8, w: 8, kh: 2, kw: 2, stride: [2, 2] },
  { h: 7, w: 9, kh: 3, kw: 2, stride: [2, 3], pads: [0, 1, 2, 0] },
  { h: 9, w: 9, kh: 3, kw: 3, stride: [2, 2], ceil: true },
  { h: 10, w: 7, kh: 3, kw: 3, stride: [3, 2], pads: [1, 1, 1, 1], ceil: true },
  { h: 8, w: 10, kh: 3, kw: 2, stride: [2, 3], ceil: true }, // ceil_mode adds a partial window
  { h: 8, w: 8, kh: 3, kw: 3, stride: [2, 2], pads: [1, 1, 1, 1], ceil: true }, // partial window past the end pad
  { h: 7, w: 7, kh: 7, kw: 7 },
  { h: 6, w: 5, kh: 3, kw: 3, pads: [2, 2, 2, 2], batch: 2 },
  { h: 11, w: 10, kh: 3, kw: 3, dilation: [2, 2], pads: [1, 2, 1, 2] },
];

for (const flavor of FLAVORS) {
  describe(`wasm f32 pooling nhwc (${flavor})`, () => {
    let h: Harness;
    const setup = async () => (h ??= await harness(flavor));

    it('max pooling matches the reference (pads, strides, dilation, ceil_mode, batch, channel counts)', async () => {
      await setup();
      let seed = 1;
      for (const window of WINDOWS)
        for (const c of [1, 3, 4, 8, 9, 17]) {
          const p: PoolCase = { ...window, kind: 'max', c, seed: seed++ };
          const [got, want] = run(h, p);
          expectClose(got, want, 0, JSON.stringify(p));
        }
    });

    it('average pooling matches the reference (count_include_pad 0 and 1, ceil_mode)', async () => {
      await setup();
      let seed = 100;
      for (const window of WINDOWS)
        for (const includePad of [false, true])
          for (const c of [1, 5, 8, 12, 19]) {
            const p: PoolCase = { ...window, kind: 'avg', c, includePad, seed: seed++ };
            const [got, want] = run(h, p);
            expectClose(got, want, 1e-6, JSON.stringify(p));
          }
    });

    it('gives identical results for any [start, end) split', async () => {
      await setup();
      for (const kind of ['max', 'avg'] as const) {
        const base: PoolCase = { kind, c: 13, h: 7, w: 6, kh: 3, kw: 3, stride: [2, 2], pads: [1, 1, 1, 1], batch: 2, includePad: true };
        const [single] = run(h, base);
        const pixels = single.length / 13;
        const [split] = run(h, { ...base, ranges: [[0, 5], [5, 13], [13, pixels]] });
        expect(Array.from(split)).toEqual(Array.from(single));
      }
    });

    it('global average and max pooling, channel ranges', async () => {
      await setup();
      const gap = h.fn('wl_f32_global_avgpool_nhwc');
      const gmp = h.fn('wl_f32_global_maxpool_nhwc');
      for (const [batch, pixels, channels] of [[1, 49, 512], [2, 1, 3], [2, 9, 17], [1, 3136, 64], [3, 5, 1], [1, 7, 33], [2, 4, 5]] as const) {
        h.reset();
        const x = randomData(batch * pixels * channels, channels);
        const input = h.putF32(x);
        const mean = new Float64Array(batch * channels);
        const max = new Float64Array(batch * channels).fill(-Infinity);
        for (let n = 0; n < batch; n++)
          for (let p = 0; p < pixels; p++)
            for (let c = 0; c < channels; c++) {
              const v = x[(n * pixels + p) * channels + c]!;
              mean[n * channels + c]! += v / pixels;
              max[n * channels + c] = Math.max(max[n * channels + c]!, v);
            }
        for (const ranges of [[[0, channels]], [[0, Math.min(5, channels)], [Math.min(5, channels), channels]]] as [number, number][][]) {
          const outAvg = h.alloc(batch * channels * 4);
          const outMax = h.alloc(batch * channels * 4);
          h.f32(outAvg, batch * channels).fill(Number.NaN);
          h.f32(outMax, batch * channels).fill(Number.NaN);
          for (const [start, end] of ranges) {
            gap(batch, pixels, channels, input, outAvg, start, end);
            gmp(batch, pixels, channels, input, outMax, start, end);
          }
          expectClose(h.f32(outAvg, batch * channels), mean, 1e-6 * Math.sqrt(pixels), `gap ${batch}x${pixels}x${channels}`);
          expectClose(h.f32(outMax, batch * channels), max, 0, `gmp ${batch}x${pixels}x${channels}`);
        }
      }
    });
  });
}
