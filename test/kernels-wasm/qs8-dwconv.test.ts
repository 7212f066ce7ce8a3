/**
 * wl_qs8_dwconv_nhwc / wl_qs8_dwconv_pack (kernels-wasm/qs8-dwconv/) against an exact NHWC reference of TFLite's
 * int8 DepthwiseConv2D (multiplier 1) with XNNPACK's fp32 requantization, on both builds:
 *   acc = bias[c] + Σ_{taps inside the image} (x − a_zp)·(W[c][t] − w_zp)
 *   y = clamp(roundHalfEven(f32(f32(acc) · f32(f32(a_scale · w_scale[c]) / out_scale))) + out_zp, qmin, qmax)
 * Tolerance: exact (see qs8-gemm.test.ts for where this differs from TFLite's reference interpreter by one unit).
 * Cases: 3x3 (stride 1/2, SAME/VALID, dilation), 5x5, 7x7 and 3x1 / 1x1 kernels, channels around the 16-channel
 * tile (1, 7, 8, 9, 15, 16, 17, 24, 33), batch, int8/uint8 weights, per-channel/per-tensor scales, zero points at the
 * extremes, fused ranges, [start, end) splits.
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 * Relaxed build too: npx vitest run --execArgv=--experimental-wasm-relaxed-simd test/kernels-wasm/qs8-dwconv.test.ts
 */
import { describe, expect, it } from 'vitest';
import { FLAVORS, harness, type Harness } from './harness.js';
import { expectExact, f32, put, randomInts, requantize, roundHalfEven } from './qs8-helpers.js';

interface QDwCase {
  batch?: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride?: [number, number];
  dilation?: [number, number];
  /** [top, left, bottom, right] */
  pads?: [number, number, number, number];
  unsignedW?: boolean;
  wZp?: number;
  aZp?: number;
  outZp?: number;
  qmin?: number;
  qmax?: number;
  perChannel?: boolean;
  bias?: boolean;
  ranges?: [number, number][];
  seed?: number;
}

function run(h: Harness, k: QDwCase): [Int8Array, Int8Array] {
  h.reset();
  const batch = k.batch ?? 1;
  const [sh, sw] = k.stride ?? [1, 1];
  const [dh, dw] = k.dilation ?? [1, 1];
  const [pt, pl, pb, pr] = k.pads ?? [0, 0, 0, 0];
  const oh = Math.floor((k.h + pt + pb - dh * (k.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((k.w + pl + pr - dw * (k.kw - 1) - 1) / sw) + 1;
  const C = k.c;
  const taps = k.kh * k.kw;
  const seed = k.seed ?? 1;
  const aZp = k.aZp ?? 9;
  const wZp = k.wZp ?? 0;
  const outZp = k.outZp ?? -3;
  const qmin = k.qmin ?? -128;
  const qmax = k.qmax ?? 127;
  const x = randomInts(batch * k.h * k.w * C, -128, 127, seed);
  const wt = k.unsignedW ? randomInts(C * taps, 0, 255, seed + 1) : randomInts(C * taps, -127, 127, seed + 1);
  const spread = Math.round(Math.sqrt(taps) * 74 * (74 + Math.abs(aZp)));
  const bias = k.bias === false ? undefined : randomInts(C, -spread, spread, seed + 2);
  const aScale = f32(0.05);
  const wScales = (k.perChannel ? randomInts(C, 50, 150, seed + 3) : [100]).map((v) => f32(v / 1e4));
  const outScale = f32((aScale * 0.01 * spread * 1.5) / 100);

  const want = new Int8Array(batch * oh * ow * C);
  for (let n = 0; n < batch; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < C; c++) {
          let acc = bias ? bias[c]! : 0;
          for (let ky = 0; ky < k.kh; ky++)
            for (let kx = 0; kx < k.kw; kx++) {
              const iy = oy * sh - pt + ky * dh;
              const ix = ox * sw - pl + kx * dw;
              if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
              acc += (x[((n * k.h + iy) * k.w + ix) * C + c]! - aZp) * (wt[c * taps + ky * k.kw + kx]! - wZp);
            }
          const scale = f32(f32(aScale * wScales[k.perChannel ? c : 0]!) / outScale);
          want[((n * oh + oy) * ow + ox) * C + c] = requantize(acc, scale, outZp, qmin, qmax);
        }

  const input = put(h, x, true);
  const weights = put(h, wt, !k.unsignedW);
  const biasPtr = bias ? h.putI32(bias) : 0;
  const scales = h.putF32(wScales);
  const size = h.fn('wl_qs8_dwconv_packed_size')(C, taps);
  expect(size).toBe(Math.ceil(C / 16) * (128 + 64 * Math.ceil(taps / 2)));
  const packed = h.alloc(size);
  h.fn('wl_qs8_dwconv_pack')(C, taps, weights, k.unsignedW ? 1 : 0, wZp, biasPtr, aZp, aScale, scales, k.perChannel ? 1 : 0, outScale, packed);
  const zero = put(h, new Array<number>(C).fill(aZp), true); // exactly C bytes: the kernel reads no more
  const indirection = h.alloc(oh * ow * taps * 4);
  h.fn('wl_qs8_conv_indirection')(indirection, input, zero, k.h, k.w, C, oh, ow, k.kh, k.kw, sh, sw, dh, dw, pt, pl);
  const outPtr = h.alloc(want.length + 1);
  const out = new Int8Array(h.kernels.memory.buffer, outPtr, want.length + 1);
  out.fill(77);
  for (const [start, end] of k.ranges ?? [[0, batch * oh * ow]]) {
    h.fn('wl_qs8_dwconv_nhwc')(batch, k.h * k.w, C, oh * ow, taps, indirection, zero, packed, outPtr, outZp, qmin, qmax, start, end);
  }
  expect(out[want.length], 'nothing written past the output').toBe(77);
  return [out.slice(0, want.length), want];
}

for (const flavor of FLAVORS) {
  describe(`wasm qs8 depthwise conv (${flavor})`, () => {
    let h: Harness;
    const setup = async () => (h ??= await harness(flavor));

    it('matches the reference exactly: 3x3 / 5x5 / 7x7 / 3x1 / 1x1 at channel counts around the tile', async () => {
      await setup();
      let seed = 1;
      for (const c of [1, 7, 8, 9, 15, 16, 17, 24, 33]) {
        const cases: QDwCase[] = [
          { c, h: 7, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1] },
          { c, h: 8, w: 9, kh: 3, kw: 3, stride: [2, 2], pads: [0, 0, 1, 1], perChannel: true }, // TFLite SAME, stride 2
          { c, h: 6, w: 6, kh: 3, kw: 3 },
          { c, h: 9, w: 8, kh: 5, kw: 5, pads: [2, 2, 2, 2], perChannel: true },
          { c, h: 9, w: 9, kh: 5, kw: 5, stride: [2, 2], pads: [1, 1, 2, 2] },
          { c, h: 9, w: 7, kh: 7, kw: 7, pads: [3, 3, 3, 3] },
          { c, h: 7, w: 5, kh: 3, kw: 1, pads: [1, 0, 1, 0], perChannel: true },
          { c, h: 4, w: 5, kh: 1, kw: 1 },
          { c, h: 7, w: 7, kh: 3, kw: 3, dilation: [2, 2], pads: [2, 2, 2, 2] },
        ];
        for (const k of cases) {
          const [got, want] = run(h, { ...k, seed: seed++ });
          expectExact(got, want, JSON.stringify(k));
        }
      }
    });

    it('handles batch, uint8 weights, no bias, zero points at the extremes and fused ranges', async () => {
      await setup();
      const cases: QDwCase[] = [
        { c: 24, h: 5, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], batch: 3, perChannel: true },
        { c: 12, h: 5, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], aZp: -128, outZp: 127 },
        { c: 12, h: 5, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], aZp: 127, outZp: -128, perChannel: true },
        { c: 13, h: 6, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], unsignedW: true, wZp: 140 },
        { c: 13, h: 6, w: 5, kh: 5, kw: 5, pads: [2, 2, 2, 2], unsignedW: true, wZp: 255, aZp: -128 },
        { c: 13, h: 6, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], unsignedW: true, wZp: 0, bias: false },
        { c: 16, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], outZp: -128, qmin: -128, qmax: -128 + 60 },
        { c: 16, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], outZp: 20, qmin: 20, qmax: 127 },
      ];
      for (const k of cases) {
        const [got, want] = run(h, k);
        expectExact(got, want, JSON.stringify(k));
      }
    });

    it('gives identical results for any [start, end) split', async () => {
      await setup();
      const base: QDwCase = { c: 19, h: 5, w: 7, kh: 3, kw: 3, pads: [1, 1, 1, 1], batch: 2, perChannel: true };
      const [single] = run(h, base);
      for (const ranges of [[[0, 3], [3, 40], [40, 70]], [[0, 35], [35, 70]], [[33, 70], [0, 1], [1, 33]]] as [number, number][][]) {
        const [split] = run(h, { ...base, ranges });
        expectExact(split, single, `ranges ${JSON.stringify(ranges)}`);
      }
    });
  });
}
