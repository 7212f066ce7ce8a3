/**
 * NHWC depthwise convolution (kernels-wasm/dwconv/: 9p8c for 3x3, 25p8c for 5x5, up8c for any other tap count)
 * against a float64 NCHW reference (ONNX Conv with group == Cin == Cout), on both builds: odd channel counts around
 * the 8-channel tile, strides 1/2, symmetric and asymmetric pads, dilations, batch, residual + activations,
 * [start, end) splits.
 * Tolerance: |got − want| ≤ 1e-5 · (1 + |want|) · sqrt(taps).
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 */
import { describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

// name, wl_activation kind, alpha, min, max, reference (gemm.test.ts checks every kind).
const ACTIVATIONS: [string, number, number, number, number, (x: number) => number][] = [
  ['identity', 0, 0, -Infinity, Infinity, (x) => x],
  ['relu6', 0, 0, 0, 6, (x) => Math.min(Math.max(x, 0), 6)],
  ['hardswish', 1, 0, -Infinity, Infinity, (x) => x * Math.min(Math.max(x / 6 + 0.5, 0), 1)],
  ['leakyrelu', 5, 0.2, -Infinity, Infinity, (x) => (x >= 0 ? x : 0.2 * x)],
  ['sigmoid', 3, 0, -Infinity, Infinity, (x) => 1 / (1 + Math.exp(-x))],
  ['silu', 4, 0, -Infinity, Infinity, (x) => x / (1 + Math.exp(-x))],
];

interface DwCase {
  batch?: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride?: [number, number];
  dilation?: [number, number];
  pads?: [number, number, number, number]; // top, left, bottom, right
  bias?: boolean;
  residual?: boolean;
  act?: number;
  ranges?: [number, number][];
  seed?: number;
}

function run(h: Harness, d: DwCase): [Float32Array, Float64Array] {
  h.reset();
  const batch = d.batch ?? 1;
  const [sh, sw] = d.stride ?? [1, 1];
  const [dh, dw] = d.dilation ?? [1, 1];
  const [pt, pl, pb, pr] = d.pads ?? [0, 0, 0, 0];
  const oh = Math.floor((d.h + pt + pb - dh * (d.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((d.w + pl + pr - dw * (d.kw - 1) - 1) / sw) + 1;
  const taps = d.kh * d.kw;
  const seed = d.seed ?? 1;
  const x = randomData(batch * d.c * d.h * d.w, seed); // NCHW
  const wt = randomData(d.c * taps, seed + 1); // [C][1][kh][kw]
  const bias = d.bias === false ? undefined : randomData(d.c, seed + 2);
  const residual = d.residual ? randomData(batch * oh * ow * d.c, seed + 3) : undefined; // NHWC
  const [, kind, alpha, min, max, ref] = ACTIVATIONS[d.act ?? 0]!;

  const want = new Float64Array(batch * oh * ow * d.c); // NHWC
  for (let n = 0; n < batch; n++)
    for (let c = 0; c < d.c; c++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let s = bias ? bias[c]! : 0;
          for (let ky = 0; ky < d.kh; ky++)
            for (let kx = 0; kx < d.kw; kx++) {
              const iy = oy * sh - pt + ky * dh;
              const ix = ox * sw - pl + kx * dw;
              if (iy >= 0 && iy < d.h && ix >= 0 && ix < d.w) s += x[((n * d.c + c) * d.h + iy) * d.w + ix]! * wt[c * taps + ky * d.kw + kx]!;
            }
          const o = ((n * oh + oy) * ow + ox) * d.c + c;
          want[o] = ref(s + (residual ? residual[o]! : 0));
        }

  const nhwc = new Float32Array(x.length);
  for (let n = 0; n < batch; n++) for (let c = 0; c < d.c; c++) for (let i = 0; i < d.h * d.w; i++) nhwc[(n * d.h * d.w + i) * d.c + c] = x[(n * d.c + c) * d.h * d.w + i]!;
  const input = h.putF32(nhwc);
  const zero = h.alloc(d.c * 4);
  h.f32(zero, d.c).fill(0);
  const indirection = h.alloc(oh * ow * taps * 4);
  h.fn('wl_f32_conv_indirection')(indirection, input, zero, d.h, d.w, d.c, oh, ow, d.kh, d.kw, sh, sw, dh, dw, pt, pl);
  const size = h.fn('wl_f32_dwconv_packed_size')(d.c, taps);
  expect(size).toBe(Math.ceil(d.c / 8) * (8 + 8 * taps) * 4);
  const packed = h.alloc(size);
  h.fn('wl_f32_dwconv_pack')(d.c, taps, h.putF32(wt), bias ? h.putF32(bias) : 0, packed);
  const out = h.alloc(want.length * 4);
  h.f32(out, want.length).fill(Number.NaN);
  const res = residual ? h.putF32(residual) : 0;
  const act = h.putActivation(kind, alpha, 0, min, max);
  for (const [start, end] of d.ranges ?? [[0, batch * oh * ow]]) {
    h.fn('wl_f32_dwconv_nhwc')(batch, d.h * d.w, d.c, oh * ow, taps, indirection, zero, packed, out, res, act, start, end);
  }
  return [h.f32(out, want.length).slice(), want];
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, k: number, what: string): void {
  const scale = 1e-5 * Math.sqrt(k);
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (!(Math.abs(got[i]! - want[i]!) <= scale * (1 + Math.abs(want[i]!)))) bad = i;
  expect(bad, bad < 0 ? what : `${what}: element ${bad} got ${got[bad]} want ${want[bad]}`).toBe(-1);
}

const KERNELS: [number, number][] = [
  [3, 3], // 9p8c
  [5, 5], // 25p8c
  [7, 7], // up8c, 49 taps: pointers resolved per channel tile
  [3, 1], // up8c, 3 taps
  [2, 2], // up8c, 4 taps
  [1, 1], // up8c, 1 tap
];

for (const flavor of FLAVORS) {
  describe(`wasm f32 depthwise conv nhwc (${flavor})`, () => {
    let h: Harness;
    const setup = async () => (h ??= await harness(flavor));

    it('matches the reference for every kernel, channel counts around the tile, strides 1 and 2', async () => {
      await setup();
      let seed = 1;
      for (const [kh, kw] of KERNELS) {
        for (const c of [1, 3, 4, 5, 7, 8, 9, 16, 17, 35]) {
          for (const stride of [1, 2]) {
            const d: DwCase = { c, h: 9, w: 8, kh, kw, stride: [stride, stride], pads: [kh >> 1, kw >> 1, kh >> 1, kw >> 1], seed: seed++ };
            const [got, want] = run(h, d);
            expectClose(got, want, kh * kw, JSON.stringify(d));
          }
        }
      }
    });

    it('handles asymmetric pads, dilation, no padding, no bias, batch', async () => {
      await setup();
      for (const d of [
        { c: 9, h: 7, w: 7, kh: 3, kw: 3, pads: [0, 0, 1, 1], stride: [2, 2] }, // TF SAME, stride 2
        { c: 12, h: 8, w: 6, kh: 3, kw: 3, pads: [1, 0, 0, 2] },
        { c: 10, h: 11, w: 9, kh: 3, kw: 3, dilation: [2, 2], pads: [2, 2, 2, 2] },
        { c: 5, h: 12, w: 12, kh: 5, kw: 5, dilation: [2, 3], stride: [2, 1], pads: [1, 6, 4, 2] },
        { c: 24, h: 6, w: 6, kh: 3, kw: 3 },
        { c: 13, h: 6, w: 5, kh: 5, kw: 5, pads: [2, 2, 2, 2], bias: false },
        { c: 19, h: 5, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], batch: 3 },
        { c: 8, h: 4, w: 4, kh: 7, kw: 7, pads: [3, 3, 3, 3], batch: 2 },
        { c: 144, h: 14, w: 14, kh: 3, kw: 3, pads: [1, 1, 1, 1], stride: [2, 2] }, // mobilenet-v2-like
      ] as DwCase[]) {
        const [got, want] = run(h, d);
        expectClose(got, want, d.kh * d.kw, JSON.stringify(d));
      }
    });

    it('fuses residual and activations', async () => {
      await setup();
      for (let act = 0; act < ACTIVATIONS.length; act++) {
        for (const [kh, kw] of [[3, 3], [5, 5], [3, 1]] as const) {
          const d: DwCase = { c: 21, h: 6, w: 5, kh, kw, pads: [1, 1, 1, 1], batch: 2, residual: true, act, seed: 40 + act };
          const [got, want] = run(h, d);
          expectClose(got, want, kh * kw, `${ACTIVATIONS[act]![0]} ${kh}x${kw}`);
        }
      }
    });

    it('gives identical results for any [start, end) split (also across images)', async () => {
      await setup();
      for (const [kh, kw] of [[3, 3], [5, 5], [2, 3]] as const) {
        const base: DwCase = { c: 11, h: 5, w: 4, kh, kw, pads: [1, 1, 1, 1], batch: 2, residual: true, act: 5 };
        const [single] = run(h, base);
        const pixels = single.length / 11;
        for (const ranges of [[[0, 7], [7, 19], [19, pixels]], [[13, pixels], [0, 13]]] as [number, number][][]) {
          const [split] = run(h, { ...base, ranges });
          let bad = -1;
          for (let i = 0; i < single.length && bad < 0; i++) if (split[i] !== single[i]) bad = i;
          expect(bad, `${kh}x${kw} ${JSON.stringify(ranges)}`).toBe(-1);
        }
      }
    });
  });
}
