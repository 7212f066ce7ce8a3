/**
 * wl_qs8_vbinary (kernels-wasm/qs8-elementwise/) against the exact fp32 formulas, on both builds:
 *   add: y = clamp(roundHalfEven(f32(f32((a − a_zp)·ma) + f32((b − b_zp)·mb))) + out_zp, qmin, qmax)
 *        ma = f32(a_scale / out_scale), mb = f32(b_scale / out_scale) (SUB: mb negated)
 *   mul: y = clamp(roundHalfEven(f32((a − a_zp)·(b − b_zp)·m)) + out_zp, qmin, qmax), m = f32(f32(a_scale·b_scale)/out_scale)
 * Tolerance: exact. Against real arithmetic (and TFLite's reference interpreter, whose fixed-point multipliers and
 * ties-away rounding differ) the results are within one unit; checked here too.
 * Cases: lengths around the 16-element tile (1..17, 31, 33, 100), dense/scalar/channel operands on either side,
 * zero points at the extremes, fused ranges, saturation, in place, [start, end) splits.
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 * Relaxed build too: npx vitest run --execArgv=--experimental-wasm-relaxed-simd test/kernels-wasm/qs8-elementwise.test.ts
 */
import { describe, expect, it } from 'vitest';
import { FLAVORS, harness, type Harness } from './harness.js';
import { expectExact, f32, randomInts, roundHalfEven } from './qs8-helpers.js';

const ADD = 0;
const MUL = 1;
const DENSE = 0;
const SCALAR = 1;
const CHANNEL = 2;

interface BinaryCase {
  op: number;
  n: number;
  channels?: number;
  aMode?: number;
  bMode?: number;
  aScale?: number;
  bScale?: number;
  outScale?: number;
  aZp?: number;
  bZp?: number;
  outZp?: number;
  qmin?: number;
  qmax?: number;
  sub?: boolean;
  inPlace?: boolean;
  ranges?: [number, number][];
  seed?: number;
}

function operandLength(mode: number, n: number, channels: number): number {
  return mode === DENSE ? n : mode === SCALAR ? 1 : channels;
}

/** [got, want, real]: real is the float64 value before rounding (for the one-unit check). */
function run(h: Harness, c: BinaryCase): [Int8Array, Int8Array, Float64Array] {
  h.reset();
  const channels = c.channels ?? c.n;
  const aMode = c.aMode ?? DENSE;
  const bMode = c.bMode ?? DENSE;
  const seed = c.seed ?? 1;
  const [aZp, bZp, outZp] = [c.aZp ?? 5, c.bZp ?? -9, c.outZp ?? 2];
  const [qmin, qmax] = [c.qmin ?? -128, c.qmax ?? 127];
  const aScale = f32(c.aScale ?? 0.031);
  const bScale = f32(c.bScale ?? 0.047);
  const outScale = f32(c.outScale ?? (c.op === MUL ? 0.4 : 0.06));
  const ma = c.op === MUL ? f32(f32(aScale * bScale) / outScale) : f32(aScale / outScale);
  const mb = c.op === MUL ? 0 : f32((c.sub ? -bScale : bScale) / outScale);
  const a = randomInts(operandLength(aMode, c.n, channels), -128, 127, seed);
  const b = randomInts(operandLength(bMode, c.n, channels), -128, 127, seed + 1);
  const at = (x: number[], mode: number, i: number) => x[mode === DENSE ? i : mode === SCALAR ? 0 : i % channels]!;

  const want = new Int8Array(c.n);
  const real = new Float64Array(c.n);
  for (let i = 0; i < c.n; i++) {
    const [av, bv] = [at(a, aMode, i) - aZp, at(b, bMode, i) - bZp];
    let v: number;
    if (c.op === MUL) {
      v = f32(f32(av * bv) * ma);
      real[i] = (av * bv * aScale * bScale) / outScale + outZp;
    } else {
      v = f32(f32(av * ma) + f32(bv * mb));
      real[i] = ((av * aScale) + (c.sub ? -1 : 1) * bv * bScale) / outScale + outZp;
    }
    want[i] = Math.min(Math.max(roundHalfEven(v) + outZp, qmin), qmax);
  }

  const put = (x: number[]) => {
    const ptr = h.alloc(x.length);
    new Int8Array(h.kernels.memory.buffer, ptr, x.length).set(x);
    return ptr;
  };
  const aPtr = put(a);
  const bPtr = put(b);
  const yPtr = c.inPlace ? aPtr : h.alloc(c.n + 1);
  if (!c.inPlace) new Int8Array(h.kernels.memory.buffer, yPtr, c.n + 1).fill(77);
  const params = h.alloc(28);
  const view = new DataView(h.kernels.memory.buffer, params, 28);
  view.setFloat32(0, ma, true);
  view.setFloat32(4, mb, true);
  [aZp, bZp, outZp, qmin, qmax].forEach((v, i) => view.setInt32(8 + 4 * i, v, true));
  for (const [start, end] of c.ranges ?? [[0, c.n]]) h.fn('wl_qs8_vbinary')(c.op, start, end, channels, aPtr, aMode, bPtr, bMode, yPtr, params);
  const out = new Int8Array(h.kernels.memory.buffer, yPtr, c.n + 1);
  if (!c.inPlace) expect(out[c.n], 'nothing written past y').toBe(77);
  return [out.slice(0, c.n), want, real];
}

for (const flavor of FLAVORS) {
  describe(`wasm qs8 elementwise (${flavor})`, () => {
    let h: Harness;
    const setup = async () => (h ??= await harness(flavor));

    it('add, sub and mul match exactly at lengths around the 16-element tile, and real arithmetic within one unit', async () => {
      await setup();
      let seed = 1;
      for (const op of [ADD, MUL]) {
        for (const sub of op === ADD ? [false, true] : [false]) {
          for (const n of [1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100]) {
            const c: BinaryCase = { op, n, sub, seed: seed++ };
            const [got, want, real] = run(h, c);
            expectExact(got, want, JSON.stringify(c));
            for (let i = 0; i < n; i++) {
              const clamped = Math.min(Math.max(real[i]!, -128), 127);
              expect(Math.abs(got[i]! - clamped), `${JSON.stringify(c)} element ${i}`).toBeLessThan(1);
            }
          }
        }
      }
    });

    it('broadcasts scalar and channel operands on either side', async () => {
      await setup();
      let seed = 50;
      for (const op of [ADD, MUL]) {
        const modes: [number, number][] = [[DENSE, SCALAR], [SCALAR, DENSE], [DENSE, CHANNEL], [CHANNEL, DENSE], [SCALAR, CHANNEL], [CHANNEL, CHANNEL]];
        for (const [aMode, bMode] of modes) {
          for (const [n, channels] of [[5 * 24, 24], [7 * 13, 13], [3 * 40, 40], [17, 17], [6, 1]] as [number, number][]) {
            const c: BinaryCase = { op, n, channels, aMode, bMode, seed: seed++ };
            const [got, want] = run(h, c);
            expectExact(got, want, JSON.stringify(c));
          }
        }
      }
    });

    it('handles zero points at the extremes, fused ranges, saturation, in place and [start, end) splits', async () => {
      await setup();
      const cases: BinaryCase[] = [
        { op: ADD, n: 45, aZp: -128, bZp: 127, outZp: -128 },
        { op: ADD, n: 45, aZp: 127, bZp: -128, outZp: 127 },
        { op: MUL, n: 45, aZp: -128, bZp: -128, outZp: -128, outScale: 1 },
        { op: MUL, n: 45, aZp: 127, bZp: 127, outZp: 127 },
        { op: ADD, n: 40, outZp: -128, qmin: -128, qmax: -20 },
        { op: MUL, n: 40, outZp: 0, qmin: 0, qmax: 127 },
        { op: ADD, n: 64, outScale: 0.001 }, // saturates both ways
        { op: MUL, n: 64, outScale: 0.001 },
        { op: ADD, n: 37, inPlace: true },
        { op: MUL, n: 37, inPlace: true, bMode: SCALAR },
        { op: ADD, n: 100, ranges: [[0, 7], [7, 50], [50, 100]] },
        { op: MUL, n: 100, channels: 12, bMode: CHANNEL, ranges: [[61, 100], [0, 13], [13, 61]] },
      ];
      for (const c of cases) {
        const [got, want] = run(h, c);
        expectExact(got, want, JSON.stringify(c));
      }
    });
  });
}
