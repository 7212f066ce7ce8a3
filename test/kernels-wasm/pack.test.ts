/**
 * Weight packing (wl_f32_conv_pack, wl_f32_gemm_pack; kernels-wasm/gemm/gemm.c wl_f32_pack_panels) against the panel
 * layout written out in TypeScript, bit for bit: per group, per panel of 8 output channels, [8 bias][taps x Cg x 8],
 * zero past the group's channels. Shapes cover channel counts below, equal to, and above 4 and 8 (the SIMD path
 * takes 4 channels at a time), K = Cg x taps not a multiple of 4, 1x1, 3x3 and 5x5 taps, groups, no bias.
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 */
import { describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, randomData } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

/** The documented layout (conv-pack.c header). weights: [outC][cg][taps]. */
function referencePack(outC: number, cg: number, groups: number, taps: number, weights: Float32Array, bias: Float32Array | undefined): Float32Array {
  const ng = outC / groups;
  const panels = Math.ceil(ng / 8);
  const out = new Float32Array(groups * panels * (8 + 8 * taps * cg));
  let p = 0;
  for (let g = 0; g < groups; g++) {
    for (let n0 = 0; n0 < ng; n0 += 8) {
      for (let j = 0; j < 8; j++) out[p++] = n0 + j < ng && bias ? bias[g * ng + n0 + j]! : 0;
      for (let t = 0; t < taps; t++) {
        for (let c = 0; c < cg; c++) {
          for (let j = 0; j < 8; j++) out[p++] = n0 + j < ng ? weights[((g * ng + n0 + j) * cg + c) * taps + t]! : 0;
        }
      }
    }
  }
  return out;
}

// [outC, cg, groups, taps, bias]
const CASES: [number, number, number, number, boolean][] = [
  [1, 1, 1, 1, true],
  [3, 5, 1, 9, true],
  [4, 4, 1, 1, false],
  [5, 7, 1, 9, true],
  [8, 8, 1, 1, true],
  [8, 3, 1, 9, false],
  [12, 6, 1, 25, true],
  [16, 16, 1, 9, true],
  [17, 13, 1, 1, true],
  [21, 10, 1, 9, false],
  [24, 4, 3, 9, true],
  [30, 5, 6, 1, true],
  [64, 32, 1, 9, true],
  [13, 9, 1, 2, true],
];

describe.each(FLAVORS)('weight packing (%s)', (flavor) => {
  it('wl_f32_conv_pack writes the documented panels exactly', async () => {
    const h = await harness(flavor);
    for (const [outC, cg, groups, taps, hasBias] of CASES) {
      h.reset();
      const weights = randomData(outC * cg * taps, outC * 131 + cg * 7 + taps);
      const bias = hasBias ? randomData(outC, outC + 5) : undefined;
      const want = referencePack(outC, cg, groups, taps, weights, bias);
      const size = h.fn('wl_f32_conv_packed_size')(outC, cg, groups, taps);
      expect(size).toBe(want.length * 4);
      // Pre-fill with NaN: every packed float, zero padding included, must be written.
      const packed = h.alloc(size);
      h.f32(packed, want.length).fill(Number.NaN);
      h.fn('wl_f32_conv_pack')(outC, cg, groups, taps, h.putF32(weights), bias ? h.putF32(bias) : 0, packed);
      expect(Array.from(h.f32(packed, want.length)), `conv ${outC}x${cg}x${taps} groups ${groups}`).toEqual(Array.from(want));
    }
  });

  it('wl_f32_gemm_pack (N x K and K x N) writes the documented panels exactly', async () => {
    const h = await harness(flavor);
    for (const [n, k] of [[1, 1], [3, 7], [8, 8], [13, 5], [17, 33], [40, 12]] as const) {
      h.reset();
      const nk = randomData(n * k, n * 17 + k);
      const kn = new Float32Array(n * k);
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) kn[j * n + i] = nk[i * k + j]!;
      const bias = randomData(n, n + 3);
      const want = referencePack(n, k, 1, 1, nk, bias);
      for (const [weights, isKxN] of [[nk, 0], [kn, 1]] as const) {
        const packed = h.alloc(want.length * 4);
        h.f32(packed, want.length).fill(Number.NaN);
        h.fn('wl_f32_gemm_pack')(n, k, h.putF32(weights), isKxN, h.putF32(bias), packed);
        expect(Array.from(h.f32(packed, want.length)), `gemm ${n}x${k} kxn ${isKxN}`).toEqual(Array.from(want));
      }
    }
  });
});
