/**
 * wl_qs8_conv_nhwc / wl_qs8_conv_pack / wl_qs8_conv_indirection (kernels-wasm/qs8-conv/) against an exact NHWC
 * reference of TFLite's int8 Conv2D with XNNPACK's fp32 requantization, on both builds:
 *   acc = bias[o] + Σ_{ky,kx,c inside the image} (x − a_zp)·(W[o][c][ky][kx] − w_zp)   (padding contributes 0)
 *   y = clamp(roundHalfEven(f32(f32(acc) · f32(f32(a_scale · w_scale[o]) / out_scale))) + out_zp, qmin, qmax)
 * Tolerance: exact (see qs8-gemm.test.ts for where this differs from TFLite's reference interpreter by one unit).
 * Cases: kernel sizes 1x1..7x7 and 7x1, strides, dilations, asymmetric padding, groups, batch, odd channel counts
 * around the 8-channel k-block and the 8-column panel, int8/uint8 weights, per-channel/per-tensor scales, zero
 * points at the extremes, fused ranges, [start, end) splits; 1x1 through wl_qs8_gemm gives the same bytes.
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 * Relaxed build too: npx vitest run --execArgv=--experimental-wasm-relaxed-simd test/kernels-wasm/qs8-conv.test.ts
 */
import { describe, expect, it } from 'vitest';
import { FLAVORS, harness, type Harness } from './harness.js';
import { expectExact, f32, put, randomInts, requantize, roundHalfEven } from './qs8-helpers.js';

interface QConvCase {
  batch?: number;
  cin: number;
  cout: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride?: [number, number];
  dilation?: [number, number];
  /** [top, left, bottom, right] */
  pads?: [number, number, number, number];
  groups?: number;
  unsignedW?: boolean;
  wZp?: number;
  aZp?: number;
  outZp?: number;
  qmin?: number;
  qmax?: number;
  perChannel?: boolean;
  ranges?: [number, number][];
  seed?: number;
}

function run(h: Harness, c: QConvCase, via: 'igemm' | 'gemm' = 'igemm'): [Int8Array, Int8Array] {
  h.reset();
  const batch = c.batch ?? 1;
  const [sh, sw] = c.stride ?? [1, 1];
  const [dh, dw] = c.dilation ?? [1, 1];
  const [pt, pl, pb, pr] = c.pads ?? [0, 0, 0, 0];
  const groups = c.groups ?? 1;
  const oh = Math.floor((c.h + pt + pb - dh * (c.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((c.w + pl + pr - dw * (c.kw - 1) - 1) / sw) + 1;
  const cg = c.cin / groups;
  const ng = c.cout / groups;
  const taps = c.kh * c.kw;
  const seed = c.seed ?? 1;
  const aZp = c.aZp ?? -7;
  const wZp = c.wZp ?? 0;
  const outZp = c.outZp ?? 4;
  const qmin = c.qmin ?? -128;
  const qmax = c.qmax ?? 127;
  const x = randomInts(batch * c.h * c.w * c.cin, -128, 127, seed);
  const wt = c.unsignedW ? randomInts(c.cout * cg * taps, 0, 255, seed + 1) : randomInts(c.cout * cg * taps, -127, 127, seed + 1);
  const K = cg * taps;
  const spread = Math.round(Math.sqrt(K) * 74 * (74 + Math.abs(aZp)));
  const bias = randomInts(c.cout, -spread, spread, seed + 2);
  const aScale = f32(0.05);
  const wScales = (c.perChannel ? randomInts(c.cout, 50, 150, seed + 3) : [100]).map((v) => f32(v / 1e4));
  const outScale = f32((aScale * 0.01 * spread * 1.5) / 100);

  const want = new Int8Array(batch * oh * ow * c.cout);
  for (let n = 0; n < batch; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < c.cout; o++) {
          const g = Math.floor(o / ng);
          let acc = bias[o]!;
          for (let ky = 0; ky < c.kh; ky++)
            for (let kx = 0; kx < c.kw; kx++) {
              const iy = oy * sh - pt + ky * dh;
              const ix = ox * sw - pl + kx * dw;
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (let ci = 0; ci < cg; ci++) {
                const xv = x[((n * c.h + iy) * c.w + ix) * c.cin + g * cg + ci]!;
                acc += (xv - aZp) * (wt[((o * cg + ci) * c.kh + ky) * c.kw + kx]! - wZp);
              }
            }
          const scale = f32(f32(aScale * wScales[c.perChannel ? o : 0]!) / outScale);
          want[((n * oh + oy) * ow + ox) * c.cout + o] = requantize(acc, scale, outZp, qmin, qmax);
        }

  const input = put(h, x, true);
  const weights = put(h, wt, !c.unsignedW);
  const biasPtr = h.putI32(bias);
  const scales = h.putF32(wScales);
  const outPtr = h.alloc(want.length + 1);
  const out = new Int8Array(h.kernels.memory.buffer, outPtr, want.length + 1);
  out.fill(77);
  if (via === 'gemm') {
    const packed = h.alloc(h.fn('wl_qs8_gemm_packed_size')(c.cout, c.cin));
    h.fn('wl_qs8_gemm_pack')(c.cout, c.cin, weights, 0, c.unsignedW ? 1 : 0, wZp, biasPtr, aZp, aScale, scales, c.perChannel ? 1 : 0, outScale, packed);
    const M = batch * c.h * c.w;
    h.fn('wl_qs8_gemm')(M, c.cout, c.cin, input, c.cin, packed, outPtr, c.cout, outZp, qmin, qmax, 0, M);
  } else {
    const size = h.fn('wl_qs8_conv_packed_size')(c.cout, cg, groups, taps);
    expect(size).toBe(groups * Math.ceil(ng / 8) * (64 + 128 * taps * Math.ceil(cg / 8)));
    const packed = h.alloc(size);
    h.fn('wl_qs8_conv_pack')(c.cout, cg, groups, taps, weights, c.unsignedW ? 1 : 0, wZp, biasPtr, aZp, aScale, scales, c.perChannel ? 1 : 0, outScale, packed);
    const zero = put(h, new Array<number>(cg).fill(aZp), true); // exactly cg bytes: the kernel reads no more
    const indirection = h.alloc(oh * ow * taps * 4);
    h.fn('wl_qs8_conv_indirection')(indirection, input, zero, c.h, c.w, c.cin, oh, ow, c.kh, c.kw, sh, sw, dh, dw, pt, pl);
    const conv = h.fn('wl_qs8_conv_nhwc');
    for (const [start, end] of c.ranges ?? [[0, batch * oh * ow]]) {
      conv(batch, c.h * c.w, c.cin, oh * ow, c.cout, groups, taps, indirection, zero, packed, outPtr, outZp, qmin, qmax, start, end);
    }
  }
  expect(out[want.length], 'nothing written past the output').toBe(77);
  return [out.slice(0, want.length), want];
}

for (const flavor of FLAVORS) {
  describe(`wasm qs8 conv (${flavor})`, () => {
    let h: Harness;
    const setup = async () => (h ??= await harness(flavor));

    it('matches the reference exactly: kernel sizes, strides, dilations, padding, channel counts', async () => {
      await setup();
      const cases: QConvCase[] = [
        { cin: 3, cout: 16, h: 9, w: 9, kh: 3, kw: 3, stride: [2, 2], pads: [0, 0, 1, 1] }, // MobileNet stem (SAME)
        { cin: 8, cout: 8, h: 6, w: 7, kh: 3, kw: 3, pads: [1, 1, 1, 1] },
        { cin: 9, cout: 9, h: 6, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], perChannel: true },
        { cin: 7, cout: 17, h: 7, w: 6, kh: 3, kw: 3, pads: [1, 0, 2, 1], stride: [1, 2] },
        { cin: 16, cout: 1, h: 5, w: 5, kh: 1, kw: 1 },
        { cin: 5, cout: 3, h: 8, w: 8, kh: 1, kw: 1, stride: [2, 2] },
        { cin: 4, cout: 12, h: 9, w: 10, kh: 5, kw: 5, pads: [2, 2, 2, 2], perChannel: true },
        { cin: 17, cout: 23, h: 7, w: 7, kh: 3, kw: 3, dilation: [2, 2], pads: [2, 2, 2, 2] },
        { cin: 6, cout: 10, h: 9, w: 4, kh: 7, kw: 1, pads: [3, 0, 3, 0] },
        { cin: 3, cout: 5, h: 11, w: 11, kh: 7, kw: 7, stride: [2, 2], pads: [3, 3, 3, 3], dilation: [1, 2] },
        { cin: 33, cout: 40, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], perChannel: true },
        { cin: 2, cout: 3, h: 2, w: 2, kh: 3, kw: 3, pads: [2, 2, 2, 2] }, // mostly padding: whole tiles read only `zero`
      ];
      for (const c of cases) {
        const [got, want] = run(h, c);
        expectExact(got, want, JSON.stringify(c));
      }
    });

    it('handles groups, batch, uint8 weights, zero points at the extremes and fused ranges', async () => {
      await setup();
      const cases: QConvCase[] = [
        { cin: 8, cout: 12, h: 5, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], groups: 2 },
        { cin: 12, cout: 18, h: 5, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], groups: 3, perChannel: true, batch: 2 },
        { cin: 6, cout: 6, h: 5, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], groups: 6 }, // depthwise through the GEMM
        { cin: 5, cout: 9, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], batch: 3, aZp: -128, outZp: 127 },
        { cin: 5, cout: 9, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], aZp: 127, outZp: -128, perChannel: true },
        { cin: 10, cout: 11, h: 5, w: 5, kh: 3, kw: 3, pads: [0, 1, 1, 0], unsignedW: true, wZp: 131 },
        { cin: 10, cout: 11, h: 5, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], unsignedW: true, wZp: 255, aZp: -128 },
        { cin: 8, cout: 16, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], outZp: -128, qmin: -128, qmax: 0 },
        { cin: 8, cout: 16, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], outZp: -10, qmin: -10, qmax: 127 },
      ];
      for (const c of cases) {
        const [got, want] = run(h, c);
        expectExact(got, want, JSON.stringify(c));
      }
    });

    it('gives identical results for any [start, end) split, and 1x1 convs through wl_qs8_gemm', async () => {
      await setup();
      const base: QConvCase = { cin: 7, cout: 13, h: 5, w: 7, kh: 3, kw: 3, pads: [1, 1, 1, 1], batch: 2, perChannel: true };
      const [single] = run(h, base);
      for (const ranges of [[[0, 3], [3, 40], [40, 70]], [[0, 35], [35, 70]], [[33, 70], [0, 1], [1, 33]]] as [number, number][][]) {
        const [split] = run(h, { ...base, ranges });
        expectExact(split, single, `ranges ${JSON.stringify(ranges)}`);
      }
      for (const c of [{ cin: 24, cout: 144, h: 5, w: 5, kh: 1, kw: 1, perChannel: true }, { cin: 3, cout: 9, h: 3, w: 2, kh: 1, kw: 1, batch: 2 }] as QConvCase[]) {
        const [viaGemm, want] = run(h, c, 'gemm');
        expectExact(viaGemm, want, `gemm ${JSON.stringify(c)}`);
        const [viaConv] = run(h, c);
        expectExact(viaConv, want, `igemm ${JSON.stringify(c)}`);
      }
    });
  });
}
