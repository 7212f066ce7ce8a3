/**
 * wl_qs8_gemm / wl_qs8_gemm_pack (kernels-wasm/qs8-gemm/) against an exact reference of TFLite's int8 math with
 * XNNPACK's fp32 requantization, on both builds:
 *   acc = bias[n] + Σ_k (A[m][k] − a_zp)·(W[k][n] − w_zp)          (int32, exact in float64)
 *   scale[n] = f32(f32(a_scale · w_scale[n]) / out_scale)
 *   C[m][n] = clamp(roundHalfEven(f32(f32(acc) · scale[n])) + out_zp, qmin, qmax)
 * Tolerance: exact (0 units). The kernels compute exactly this formula; it can differ by one unit from TFLite's
 * reference interpreter, which rounds with a Q31 fixed-point multiplier (from the float64 scale) and rounds ties
 * away from zero (see kernels-wasm/qs8-gemm/qs8-requantization.h).
 * Edge sizes around the 4x8 tile and the 8-k block: M ∈ {1,3,4,5,8,13}, N ∈ {1,7,8,9,16,17}, K ∈ {1,3,7,8,9,16,67};
 * per-channel and per-tensor scales, int8 and uint8 weights, zero points at the extremes, ties (scale 0.5),
 * saturation and fused ranges, strides, [m_start, m_end) splits.
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 * Relaxed build too: npx vitest run --execArgv=--experimental-wasm-relaxed-simd test/kernels-wasm/qs8-gemm.test.ts
 */
import { describe, expect, it } from 'vitest';
import { FLAVORS, harness, type Harness } from './harness.js';
import { expectExact, f32, put, randomInts, requantize, roundHalfEven } from './qs8-helpers.js';

/** XNNPACK's fp32 requantization; scale is already an f32 value. */
/** Seeded integers in [lo, hi]. */
interface QGemmCase {
  M: number;
  N: number;
  K: number;
  kxn?: boolean;
  unsignedW?: boolean;
  wZp?: number;
  aZp?: number;
  outZp?: number;
  qmin?: number;
  qmax?: number;
  perChannel?: boolean;
  bias?: boolean;
  /** Multiplies the scale that keeps outputs in range (> 1 saturates). */
  gain?: number;
  /** Scales chosen so that scale = 0.5 exactly: every odd accumulator is a tie. */
  ties?: boolean;
  lda?: number;
  ldc?: number;
  ranges?: [number, number][];
  seed?: number;
}

/** Runs the case; returns [got M x N, want M x N]. */
function runGemm(h: Harness, c: QGemmCase): [Int8Array, Int8Array] {
  h.reset();
  const { M, N, K } = c;
  const lda = c.lda ?? K;
  const ldc = c.ldc ?? N;
  const seed = c.seed ?? 1;
  const aZp = c.aZp ?? 3;
  const wZp = c.wZp ?? 0;
  const outZp = c.outZp ?? -5;
  const qmin = c.qmin ?? -128;
  const qmax = c.qmax ?? 127;
  const a = randomInts(M * lda, -128, 127, seed);
  const w = c.unsignedW ? randomInts(K * N, 0, 255, seed + 1) : randomInts(K * N, -127, 127, seed + 1);
  const spread = Math.round(Math.sqrt(K) * 74 * (74 + Math.abs(aZp)));
  const bias = c.bias === false ? undefined : randomInts(N, -spread, spread, seed + 2);
  const aScale = c.ties ? 1 : f32(0.02);
  const wScales = (c.perChannel ? randomInts(N, 50, 150, seed + 3) : [100]).map((v) => (c.ties ? 1 : f32(v / 1e4)));
  // Keeps |acc · scale| around 100: acc's spread is about sqrt(K) · 74 · (74 + |a_zp|).
  const outScale = c.ties ? 2 : f32((aScale * 0.01 * Math.sqrt(K) * 74 * (74 + Math.abs(aZp)) * 1.5) / 100 / (c.gain ?? 1));
  const wAt = (k: number, n: number) => (c.kxn ? w[k * N + n]! : w[n * K + k]!);

  const want = new Int8Array(M * N);
  for (let n = 0; n < N; n++) {
    const scale = f32(f32(aScale * wScales[c.perChannel ? n : 0]!) / outScale);
    for (let m = 0; m < M; m++) {
      let acc = bias ? bias[n]! : 0;
      for (let k = 0; k < K; k++) acc += (a[m * lda + k]! - aZp) * (wAt(k, n) - wZp);
      want[m * N + n] = requantize(acc, scale, outZp, qmin, qmax);
    }
  }

  const aPtr = put(h, a, true);
  const wPtr = put(h, w, !c.unsignedW);
  const biasPtr = bias ? h.putI32(bias) : 0;
  const scalesPtr = h.putF32(wScales);
  const size = h.fn('wl_qs8_gemm_packed_size')(N, K);
  expect(size).toBe(Math.ceil(N / 8) * (64 + 128 * Math.ceil(K / 8)));
  const packed = h.alloc(size);
  h.fn('wl_qs8_gemm_pack')(N, K, wPtr, c.kxn ? 1 : 0, c.unsignedW ? 1 : 0, wZp, biasPtr, aZp, aScale, scalesPtr, c.perChannel ? 1 : 0, outScale, packed);
  const cPtr = h.alloc(M * ldc + 1);
  const out = new Int8Array(h.kernels.memory.buffer, cPtr, M * ldc + 1);
  out.fill(77); // a sentinel, also one byte past the end
  for (const [start, end] of c.ranges ?? [[0, M]]) h.fn('wl_qs8_gemm')(M, N, K, aPtr, lda, packed, cPtr, ldc, outZp, qmin, qmax, start, end);
  const got = new Int8Array(M * N);
  for (let m = 0; m < M; m++) {
    got.set(out.subarray(m * ldc, m * ldc + N), m * N);
    for (let n = N; n < ldc; n++) expect(out[m * ldc + n], 'columns past N are untouched').toBe(77);
  }
  expect(out[M * ldc], 'nothing written past C').toBe(77);
  return [got, want];
}

/** Fraction of outputs strictly inside (qmin, qmax): the cases must exercise rounding, not only clamping. */
function interior(x: Int8Array, qmin = -128, qmax = 127): number {
  let n = 0;
  for (const v of x) if (v > qmin && v < qmax) n++;
  return n / x.length;
}

for (const flavor of FLAVORS) {
  describe(`wasm qs8 gemm (${flavor})`, () => {
    let h: Harness;
    const setup = async () => (h ??= await harness(flavor));

    it('matches the reference exactly at tile edge sizes (M, N, K around 4x8 and the 8-k block)', async () => {
      await setup();
      let seed = 1;
      for (const M of [1, 3, 4, 5, 8, 13]) {
        for (const N of [1, 7, 8, 9, 16, 17]) {
          for (const K of [1, 3, 7, 8, 9, 16, 67]) {
            const c: QGemmCase = { M, N, K, kxn: seed % 2 === 0, perChannel: seed % 3 !== 0, seed: seed++ };
            const [got, want] = runGemm(h, c);
            expectExact(got, want, JSON.stringify(c));
            if (M * N >= 32) expect(interior(want)).toBeGreaterThan(0.5);
          }
        }
      }
    });

    it('handles zero points at the extremes, uint8 weights, no bias, ties, saturation and fused ranges', async () => {
      await setup();
      const cases: QGemmCase[] = [
        { M: 5, N: 9, K: 19, aZp: -128, outZp: 127 },
        { M: 5, N: 9, K: 19, aZp: 127, outZp: -128, perChannel: true },
        { M: 6, N: 17, K: 33, unsignedW: true, wZp: 0 },
        { M: 6, N: 17, K: 33, unsignedW: true, wZp: 255, perChannel: true },
        { M: 6, N: 17, K: 33, unsignedW: true, wZp: 128, aZp: -128, kxn: true },
        { M: 7, N: 11, K: 13, wZp: -3, bias: false },
        { M: 9, N: 23, K: 25, ties: true, outZp: 0, bias: false },
        { M: 9, N: 23, K: 25, ties: true, outZp: 1 },
        { M: 8, N: 16, K: 40, gain: 50 },
        { M: 8, N: 16, K: 40, qmin: -5, qmax: 127 },
        { M: 8, N: 16, K: 40, qmin: -128, qmax: 10, outZp: -100 },
        { M: 13, N: 17, K: 67, lda: 70, ldc: 20 },
        { M: 64, N: 72, K: 576, perChannel: true, kxn: true },
        { M: 33, N: 100, K: 129, unsignedW: true, wZp: 100 },
        // Long K (128 KiB panels) with a split.
        { M: 6, N: 75, K: 8192, ranges: [[0, 5], [5, 6]] },
      ];
      for (const c of cases) {
        const [got, want] = runGemm(h, c);
        expectExact(got, want, JSON.stringify(c));
      }
    });

    it('gives identical results for any [m_start, m_end) split', async () => {
      await setup();
      const base: QGemmCase = { M: 13, N: 17, K: 67, perChannel: true, seed: 3 };
      const [single] = runGemm(h, base);
      for (const ranges of [[[0, 3], [3, 7], [7, 13]], [[0, 1], [1, 2], [2, 13]], [[5, 13], [0, 5]], [[0, 8], [8, 12], [12, 13]]] as [number, number][][]) {
        const [split] = runGemm(h, { ...base, ranges });
        expectExact(split, single, `ranges ${JSON.stringify(ranges)}`);
      }
    });
  });
}
