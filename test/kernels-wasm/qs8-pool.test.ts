/**
 * wl_qs8_avgpool_nhwc, wl_qs8_global_avgpool_nhwc and wl_s8_maxpool_nhwc (kernels-wasm/qs8-pool/) against exact
 * references, on both builds:
 *   average: y = clamp(roundHalfEven(f32(f32(Σ_{taps in the image}(x − in_zp)) · f32(scale · inv_divisor[p]))) + out_zp,
 *            qmin, qmax), inv_divisor from wl_f32_avgpool_scales (count_include_pad either way), scale = f32(in/out scale)
 *   global:  the same over all H·W pixels with inv_divisor = f32(1 / (H·W))
 *   max:     clamp(max over the taps inside the image, qmin, qmax) (padding ignored)
 * Tolerance: exact; and, where TFLite's constraints hold (same scale and zero point in and out, padding not
 * counted), within one unit of TFLite's reference interpreter (integer division, ties away from zero).
 * Cases: 2x2/3x3/7x7 windows, strides, dilation, SAME-style padding, channels around the 16-channel tile (1, 8,
 * 15, 16, 17, 40), batch, zero points at the extremes, fused ranges, more than 256 pixels (i16 partial sums),
 * [start, end) and channel splits.
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 * Relaxed build too: npx vitest run --execArgv=--experimental-wasm-relaxed-simd test/kernels-wasm/qs8-pool.test.ts
 */
import { describe, expect, it } from 'vitest';
import { FLAVORS, harness, type Harness } from './harness.js';
import { expectExact, f32, randomInts, roundHalfEven } from './qs8-helpers.js';

interface PoolCase {
  kind: 'avg' | 'max';
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
  countIncludePad?: boolean;
  scale?: number;
  inZp?: number;
  outZp?: number;
  qmin?: number;
  qmax?: number;
  ranges?: [number, number][];
  seed?: number;
}

function put(h: Harness, bytes: ArrayLike<number>): number {
  const ptr = h.alloc(bytes.length);
  new Int8Array(h.kernels.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/** [got, want, tflite (or undefined when TFLite's constraints do not hold)] */
function runPool(h: Harness, p: PoolCase): [Int8Array, Int8Array, Int8Array | undefined] {
  h.reset();
  const batch = p.batch ?? 1;
  const [sh, sw] = p.stride ?? [1, 1];
  const [dh, dw] = p.dilation ?? [1, 1];
  const [pt, pl, pb, pr] = p.pads ?? [0, 0, 0, 0];
  const oh = Math.floor((p.h + pt + pb - dh * (p.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((p.w + pl + pr - dw * (p.kw - 1) - 1) / sw) + 1;
  const C = p.c;
  const taps = p.kh * p.kw;
  const inZp = p.inZp ?? -20;
  const outZp = p.outZp ?? inZp;
  const [qmin, qmax] = [p.qmin ?? -128, p.qmax ?? 127];
  const scale = f32(p.scale ?? 1);
  const x = randomInts(batch * p.h * p.w * C, -128, 127, p.seed ?? 1);
  const input = put(h, x);
  const zero = put(h, new Array<number>(C).fill(inZp));
  const indirection = h.alloc(oh * ow * taps * 4);
  h.fn('wl_qs8_conv_indirection')(indirection, input, zero, p.h, p.w, C, oh, ow, p.kh, p.kw, sh, sw, dh, dw, pt, pl);
  const scalesPtr = h.alloc(oh * ow * 4);
  h.fn('wl_f32_avgpool_scales')(scalesPtr, p.h, p.w, oh, ow, p.kh, p.kw, sh, sw, dh, dw, pt, pl, pb, pr, p.countIncludePad ? 1 : 0);
  const inv = h.f32(scalesPtr, oh * ow).slice();

  const want = new Int8Array(batch * oh * ow * C);
  const tflite = p.kind === 'avg' && scale === 1 && inZp === outZp && !p.countIncludePad ? new Int8Array(want.length) : undefined;
  for (let n = 0; n < batch; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < C; c++) {
          let acc = 0;
          let raw = 0;
          let count = 0;
          let max = -128;
          for (let ky = 0; ky < p.kh; ky++)
            for (let kx = 0; kx < p.kw; kx++) {
              const iy = oy * sh - pt + ky * dh;
              const ix = ox * sw - pl + kx * dw;
              if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
              const v = x[((n * p.h + iy) * p.w + ix) * C + c]!;
              acc += v - inZp;
              raw += v;
              count++;
              max = Math.max(max, v);
            }
          const o = ((n * oh + oy) * ow + ox) * C + c;
          if (p.kind === 'max') {
            want[o] = Math.min(Math.max(max, qmin), qmax);
          } else {
            const m = f32(scale * inv[oy * ow + ox]!);
            want[o] = Math.min(Math.max(roundHalfEven(f32(f32(acc) * m)) + outZp, qmin), qmax);
            if (tflite) {
              // tensorflow/lite/kernels/internal/reference/integer_ops/pooling.h
              const average = count === 0 ? 0 : raw > 0 ? Math.trunc((raw + Math.floor(count / 2)) / count) : Math.trunc((raw - Math.floor(count / 2)) / count);
              tflite[o] = Math.min(Math.max(average, qmin), qmax);
            }
          }
        }

  const outPtr = h.alloc(want.length + 1);
  const out = new Int8Array(h.kernels.memory.buffer, outPtr, want.length + 1);
  out.fill(77);
  for (const [start, end] of p.ranges ?? [[0, batch * oh * ow]]) {
    if (p.kind === 'max') h.fn('wl_s8_maxpool_nhwc')(batch, p.h * p.w, C, oh * ow, taps, indirection, zero, qmin, qmax, outPtr, start, end);
    else h.fn('wl_qs8_avgpool_nhwc')(batch, p.h * p.w, C, oh * ow, taps, indirection, zero, scalesPtr, scale, inZp, outZp, qmin, qmax, outPtr, start, end);
  }
  expect(out[want.length], 'nothing written past the output').toBe(77);
  return [out.slice(0, want.length), want, tflite];
}

function expectWithinOne(got: Int8Array, want: Int8Array, what: string): void {
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (Math.abs(got[i]! - want[i]!) > 1) bad = i;
  expect(bad, bad < 0 ? what : `${what}: element ${bad} got ${got[bad]} TFLite ${want[bad]}`).toBe(-1);
}

for (const flavor of FLAVORS) {
  describe(`wasm qs8 pooling (${flavor})`, () => {
    let h: Harness;
    const setup = async () => (h ??= await harness(flavor));

    it('average and max pooling match exactly at channel counts around the 16-channel tile', async () => {
      await setup();
      let seed = 1;
      for (const kind of ['avg', 'max'] as const) {
        for (const c of [1, 8, 15, 16, 17, 40]) {
          const cases: PoolCase[] = [
            { kind, c, h: 6, w: 7, kh: 2, kw: 2, stride: [2, 2] },
            { kind, c, h: 7, w: 7, kh: 3, kw: 3, stride: [2, 2], pads: [1, 1, 1, 1] },
            { kind, c, h: 7, w: 8, kh: 3, kw: 3, pads: [1, 1, 1, 1], countIncludePad: true },
            { kind, c, h: 8, w: 8, kh: 3, kw: 3, stride: [2, 2], pads: [0, 0, 1, 1] }, // TFLite SAME
            { kind, c, h: 7, w: 7, kh: 7, kw: 7 }, // a global pool through the indirection
            { kind, c, h: 7, w: 7, kh: 2, kw: 3, dilation: [2, 2], pads: [1, 2, 1, 2] },
          ];
          for (const p of cases) {
            const [got, want, tflite] = runPool(h, { ...p, seed: seed++ });
            expectExact(got, want, JSON.stringify(p));
            if (tflite) expectWithinOne(got, tflite, `TFLite ${JSON.stringify(p)}`);
          }
        }
      }
    });

    it('requantizes (scale, zero points at the extremes), fuses ranges, handles batch and splits', async () => {
      await setup();
      const cases: PoolCase[] = [
        { kind: 'avg', c: 19, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], scale: 0.37, inZp: -128, outZp: 127 },
        { kind: 'avg', c: 19, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1], scale: 2.9, inZp: 127, outZp: -128 },
        { kind: 'avg', c: 24, h: 5, w: 5, kh: 2, kw: 2, batch: 3, inZp: -128, qmin: -100, qmax: 50 },
        { kind: 'max', c: 24, h: 5, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], batch: 3, qmin: -60, qmax: 60 },
        { kind: 'max', c: 5, h: 2, w: 2, kh: 3, kw: 3, pads: [2, 2, 2, 2], qmin: -100 }, // windows entirely in padding
        { kind: 'avg', c: 33, h: 6, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], batch: 2, ranges: [[0, 7], [7, 31], [31, 60]] },
        { kind: 'max', c: 33, h: 6, w: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1], batch: 2, ranges: [[40, 60], [0, 40]] },
      ];
      for (const p of cases) {
        const [got, want] = runPool(h, p);
        expectExact(got, want, JSON.stringify(p));
      }
    });

    it('global average pooling matches exactly (also > 256 pixels and channel splits)', async () => {
      await setup();
      let seed = 100;
      for (const [batch, hw, C, scale, inZp, outZp, qmin, qmax, splits] of [
        [1, 49, 1280, 1, -128, -128, -128, 127, [[0, 1280]]],
        [2, 49, 17, 0.8, 5, -3, -128, 127, [[0, 5], [5, 17]]],
        [1, 300, 40, 1, 127, 127, -128, 127, [[0, 40]]],
        [3, 1000, 16, 1.3, -128, 0, -50, 100, [[0, 16]]],
        [1, 7, 15, 0.5, 0, 0, -128, 127, [[0, 8], [8, 15]]],
      ] as [number, number, number, number, number, number, number, number, [number, number][]][]) {
        h.reset();
        const x = randomInts(batch * hw * C, -128, 127, seed++);
        const s = f32(scale);
        const m = f32(s * f32(1 / hw));
        const want = new Int8Array(batch * C);
        for (let n = 0; n < batch; n++)
          for (let c = 0; c < C; c++) {
            let acc = 0;
            for (let i = 0; i < hw; i++) acc += x[(n * hw + i) * C + c]! - inZp;
            want[n * C + c] = Math.min(Math.max(roundHalfEven(f32(f32(acc) * m)) + outZp, qmin), qmax);
          }
        const input = put(h, x);
        const outPtr = h.alloc(batch * C + 1);
        const out = new Int8Array(h.kernels.memory.buffer, outPtr, batch * C + 1);
        out.fill(77);
        for (const [c0, c1] of splits) h.fn('wl_qs8_global_avgpool_nhwc')(batch, hw, C, input, outPtr, s, inZp, outZp, qmin, qmax, c0, c1);
        expect(out[batch * C]).toBe(77);
        expectExact(out.slice(0, batch * C), want, `global ${batch}x${hw}x${C}`);
      }
    });
  });
}
