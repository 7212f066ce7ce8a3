/**
 * wl_f32_gemm / wl_f32_gemm_pack (kernels-wasm/gemm/) against a float64 reference, on both builds.
 * Edge sizes the XNNPACK way around the 4x8 tile: M ∈ {1,3,4,5,8,13}, N ∈ {1,7,8,9,16,17}, K ∈ {1,3,4,5,64,67};
 * strides, no bias, residual (also in place), every activation kind, [m_start, m_end) splits.
 * Tolerance: |got − want| ≤ 1e-5 · (1 + |want|) · sqrt(K) (f32 accumulation of K products of values in [-1, 1),
 * plus ~1e-7 from the vector exp/erf/tanh of kernels-wasm/common/math.h).
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 * Relaxed build too: npx vitest run --execArgv=--experimental-wasm-relaxed-simd test/kernels-wasm/gemm.test.ts (Node 20
 * refuses that flag in NODE_OPTIONS).
 */
import { describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

const ACT = { MINMAX: 0, HARDSWISH: 1, HARDSIGMOID: 2, SIGMOID: 3, SILU: 4, LEAKYRELU: 5, GELU: 6, TANH: 7, ELU: 8 } as const;

interface Activation {
  kind: number;
  alpha?: number;
  beta?: number;
  min?: number;
  max?: number;
}

function erf(x: number): number {
  const ax = Math.abs(x);
  let y: number;
  if (ax < 3) {
    // Maclaurin series: converges fast enough and loses < 4 digits below 3.
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    y = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    const t = 1 / (2 * ax * ax);
    y = 1 - (Math.exp(-ax * ax) / (ax * Math.sqrt(Math.PI))) * (1 - t + 3 * t * t - 15 * t * t * t);
  }
  return x < 0 ? -y : y;
}

function activationReference(x: number, act: Activation): number {
  const alpha = act.alpha ?? 0;
  switch (act.kind) {
    case ACT.MINMAX:
      return Math.min(Math.max(x, act.min ?? -Infinity), act.max ?? Infinity);
    case ACT.HARDSWISH:
      return x * Math.min(Math.max(x / 6 + 0.5, 0), 1);
    case ACT.HARDSIGMOID:
      return Math.min(Math.max(alpha * x + (act.beta ?? 0), 0), 1);
    case ACT.SIGMOID:
      return 1 / (1 + Math.exp(-x));
    case ACT.SILU:
      return x / (1 + Math.exp(-x));
    case ACT.LEAKYRELU:
      return x >= 0 ? x : alpha * x;
    case ACT.GELU:
      return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case ACT.TANH:
      return Math.tanh(x);
    case ACT.ELU:
      return x >= 0 ? x : alpha * Math.expm1(x);
    default:
      throw new Error(`unknown activation ${act.kind}`);
  }
}

const ACTIVATIONS: [string, Activation][] = [
  ['identity', { kind: ACT.MINMAX }],
  ['relu', { kind: ACT.MINMAX, min: 0 }],
  ['relu6', { kind: ACT.MINMAX, min: 0, max: 6 }],
  ['clip(-0.5,0.25)', { kind: ACT.MINMAX, min: -0.5, max: 0.25 }],
  ['hardswish', { kind: ACT.HARDSWISH }],
  ['hardsigmoid', { kind: ACT.HARDSIGMOID, alpha: 0.2, beta: 0.5 }],
  ['sigmoid', { kind: ACT.SIGMOID }],
  ['silu', { kind: ACT.SILU }],
  ['leakyrelu', { kind: ACT.LEAKYRELU, alpha: 0.1 }],
  ['gelu', { kind: ACT.GELU }],
  ['tanh', { kind: ACT.TANH }],
  ['elu', { kind: ACT.ELU, alpha: 1.3 }],
];

function putActivation(h: Harness, act: Activation): number {
  return h.putActivation(act.kind, act.alpha ?? 0, act.beta ?? 0, act.min ?? -Infinity, act.max ?? Infinity);
}

/** Index of the first element outside tolerance, or -1. */
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, k: number): number {
  const scale = 1e-5 * Math.sqrt(Math.max(k, 1));
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (!(Math.abs(got[i]! - w) <= scale * (1 + Math.abs(w)))) return i;
  }
  return -1;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, k: number, what: string): void {
  const i = firstMismatch(got, want, k);
  expect(i, i < 0 ? what : `${what}: element ${i} got ${got[i]} want ${want[i]}`).toBe(-1);
}

function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  let bad = -1;
  for (let i = 0; i < a.length && bad < 0; i++) if (!(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) bad = i;
  expect(bad, bad < 0 ? what : `${what}: element ${bad}: ${a[bad]} vs ${b[bad]}`).toBe(-1);
}

interface GemmCase {
  M: number;
  N: number;
  K: number;
  kxn?: boolean;
  bias?: boolean;
  residual?: boolean;
  inPlace?: boolean;
  act?: Activation;
  lda?: number;
  ldc?: number;
  ldr?: number;
  /** Row ranges, each passed as one call; default one call over [0, M). */
  ranges?: [number, number][];
  seed?: number;
}

function gemmReference(c: GemmCase, a: Float32Array, w: Float32Array, bias: Float32Array | undefined, r: Float32Array | undefined): Float64Array {
  const { M, N, K } = c;
  const lda = c.lda ?? K;
  const ldr = c.ldr ?? N;
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let sum = bias ? bias[n]! : 0;
      for (let k = 0; k < K; k++) sum += a[m * lda + k]! * (c.kxn ? w[k * N + n]! : w[n * K + k]!);
      if (r) sum += r[m * ldr + n]!;
      out[m * N + n] = activationReference(sum, c.act ?? { kind: ACT.MINMAX });
    }
  }
  return out;
}

/** Runs the case; returns [got (M x N, dense), want]. */
function runGemm(h: Harness, c: GemmCase): [Float32Array, Float64Array] {
  h.reset();
  const { M, N, K } = c;
  const lda = c.lda ?? K;
  const ldc = c.ldc ?? N;
  const ldr = c.inPlace ? ldc : (c.ldr ?? N);
  const seed = c.seed ?? 1;
  const a = randomData(M * lda, seed);
  const w = randomData(K * N, seed + 1);
  const bias = c.bias === false ? undefined : randomData(N, seed + 2);
  const r = c.residual || c.inPlace ? randomData(M * ldr, seed + 3) : undefined;
  const want = gemmReference({ ...c, ldr }, a, w, bias, r);

  const aPtr = h.putF32(a);
  const wPtr = h.putF32(w);
  const biasPtr = bias ? h.putF32(bias) : 0;
  const size = h.fn('wl_f32_gemm_packed_size')(N, K);
  expect(size).toBe(Math.ceil(N / 8) * (8 + 8 * K) * 4);
  const packed = h.alloc(size);
  h.fn('wl_f32_gemm_pack')(N, K, wPtr, c.kxn ? 1 : 0, biasPtr, packed);
  const cPtr = h.alloc(M * ldc * 4);
  h.f32(cPtr, M * ldc).fill(Number.NaN);
  let rPtr = 0;
  if (c.inPlace) {
    h.f32(cPtr, M * ldc).set(r!);
    rPtr = cPtr;
  } else if (r) {
    rPtr = h.putF32(r);
  }
  const act = putActivation(h, c.act ?? { kind: ACT.MINMAX });
  const gemm = h.fn('wl_f32_gemm');
  for (const [start, end] of c.ranges ?? [[0, M]]) gemm(M, N, K, aPtr, lda, packed, cPtr, ldc, rPtr, ldr, act, start, end);

  const full = h.f32(cPtr, M * ldc);
  const got = new Float32Array(M * N);
  for (let m = 0; m < M; m++) got.set(full.subarray(m * ldc, m * ldc + N), m * N);
  // Columns between N and ldc must be untouched (NaN) unless they hold the in-place residual.
  if (!c.inPlace) for (let m = 0; m < M; m++) for (let n = N; n < ldc; n++) expect(Number.isNaN(full[m * ldc + n]!)).toBe(true);
  return [got, want];
}

for (const flavor of FLAVORS) {
  describe(`wasm f32 gemm (${flavor})`, () => {
    let h: Harness;
    const setup = async () => (h ??= await harness(flavor));

    it('matches the reference at tile edge sizes (M, N, K around 4x8)', async () => {
      await setup();
      let seed = 1;
      for (const M of [1, 3, 4, 5, 8, 13]) {
        for (const N of [1, 7, 8, 9, 16, 17]) {
          for (const K of [1, 3, 4, 5, 64, 67]) {
            const c: GemmCase = { M, N, K, kxn: seed % 2 === 0, seed: seed++ };
            const [got, want] = runGemm(h, c);
            expectClose(got, want, K, `M=${M} N=${N} K=${K}`);
          }
        }
      }
    });

    it('handles no bias, strided A/C/residual, larger shapes', async () => {
      await setup();
      for (const c of [
        { M: 7, N: 9, K: 5, bias: false },
        { M: 13, N: 17, K: 67, lda: 70, ldc: 20, ldr: 19, residual: true },
        { M: 64, N: 72, K: 576, kxn: true },
        { M: 33, N: 100, K: 129, residual: true, act: { kind: ACT.MINMAX, min: 0 } },
        // 128 KiB panels: the driver's 1 MiB column blocks hold 8 panels, so N = 75 takes two blocks.
        { M: 6, N: 75, K: 4096, residual: true, act: { kind: ACT.SILU }, ranges: [[0, 5], [5, 6]] },
      ] as GemmCase[]) {
        const [got, want] = runGemm(h, c);
        expectClose(got, want, c.K, JSON.stringify(c));
      }
    });

    it('fuses residual and every activation kind', async () => {
      await setup();
      for (const [name, act] of ACTIVATIONS) {
        for (const [M, N, K] of [[5, 17, 19], [4, 8, 64], [1, 3, 3]] as const) {
          const [got, want] = runGemm(h, { M, N, K, residual: true, act, seed: 7 });
          expectClose(got, want, K, `${name} M=${M} N=${N} K=${K}`);
        }
      }
    });

    it('adds the residual in place (residual == C)', async () => {
      await setup();
      for (const [M, N] of [[5, 9], [13, 17], [4, 8]] as const) {
        const [got, want] = runGemm(h, { M, N, K: 11, inPlace: true, act: { kind: ACT.SILU } });
        expectClose(got, want, 11, `in place M=${M} N=${N}`);
      }
    });

    it('gives identical results for any [m_start, m_end) split', async () => {
      await setup();
      for (const act of [{ kind: ACT.MINMAX, min: 0 }, { kind: ACT.GELU }]) {
        const base: GemmCase = { M: 13, N: 17, K: 67, residual: true, act, seed: 3 };
        const [single] = runGemm(h, base);
        for (const ranges of [[[0, 3], [3, 7], [7, 13]], [[0, 1], [1, 2], [2, 13]], [[5, 13], [0, 5]], [[0, 8], [8, 12], [12, 13]]] as [number, number][][]) {
          const [split] = runGemm(h, { ...base, ranges });
          expectIdentical(split, single, `ranges ${JSON.stringify(ranges)}`);
        }
      }
    });

    it('runs MatMul with a run-time B packed into scratch (batched)', async () => {
      await setup();
      h.reset();
      const [batch, M, K, N] = [3, 6, 10, 13];
      const a = randomData(batch * M * K, 11);
      const b = randomData(batch * K * N, 12);
      const aPtr = h.putF32(a);
      const bPtr = h.putF32(b);
      const scratch = h.alloc(h.fn('wl_f32_gemm_packed_size')(N, K));
      const cPtr = h.alloc(batch * M * N * 4);
      const act = putActivation(h, { kind: ACT.MINMAX });
      for (let i = 0; i < batch; i++) {
        h.fn('wl_f32_gemm_pack')(N, K, bPtr + i * K * N * 4, 1, 0, scratch);
        h.fn('wl_f32_gemm')(M, N, K, aPtr + i * M * K * 4, K, scratch, cPtr + i * M * N * 4, N, 0, 0, act, 0, M);
      }
      const got = h.f32(cPtr, batch * M * N);
      const want = new Float64Array(batch * M * N);
      for (let i = 0; i < batch; i++)
        for (let m = 0; m < M; m++)
          for (let n = 0; n < N; n++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += a[(i * M + m) * K + k]! * b[(i * K + k) * N + n]!;
            want[(i * M + m) * N + n] = s;
          }
      expectClose(got, want, K, 'batched matmul');
    });
  });
}
