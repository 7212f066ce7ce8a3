/**
 * NHWC convolution kernels (kernels-wasm/conv/) against a float64 NCHW reference (ONNX Conv / ConvTranspose
 * semantics), inputs and outputs transposed NCHW <-> NHWC, on both builds: indirect GEMM for any kernel, stride,
 * dilation, asymmetric padding, groups, batch; ConvTranspose via the deconv indirection; 1x1/stride-1/no-pad convs
 * through wl_f32_gemm (what the TypeScript side does, also per group); residual + activations; [start, end) splits.
 * Tolerance: |got − want| ≤ 1e-5 · (1 + |want|) · sqrt(K), K = Cin/groups · kernel_h · kernel_w.
 * Uses the committed bin/ unless WEBLITE_WASM_DIR points at a private build (scripts/build-wasm.mjs --out DIR).
 */
import { describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

// wl_activation kinds (kernels-wasm/common/weblite.h); gemm.test.ts checks every kind, here the epilogue's wiring.
const ACTIVATIONS: [string, number, number, number, number, (x: number) => number][] = [
  // name, kind, alpha, min, max, reference
  ['identity', 0, 0, -Infinity, Infinity, (x) => x],
  ['relu6', 0, 0, 0, 6, (x) => Math.min(Math.max(x, 0), 6)],
  ['hardswish', 1, 0, -Infinity, Infinity, (x) => x * Math.min(Math.max(x / 6 + 0.5, 0), 1)],
  ['leakyrelu', 5, 0.1, -Infinity, Infinity, (x) => (x >= 0 ? x : 0.1 * x)],
  ['silu', 4, 0, -Infinity, Infinity, (x) => x / (1 + Math.exp(-x))],
];

interface ConvCase {
  batch?: number;
  cin: number;
  cout: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride?: [number, number];
  dilation?: [number, number];
  /** ONNX order: [top, left, bottom, right] */
  pads?: [number, number, number, number];
  groups?: number;
  bias?: boolean;
  residual?: boolean;
  act?: number; // index into ACTIVATIONS
  /** ConvTranspose instead of Conv */
  transpose?: boolean;
  outputPadding?: [number, number];
  /** Output-pixel ranges, each one call; default one call over everything. */
  ranges?: [number, number][];
  seed?: number;
}

function geometry(c: ConvCase) {
  const [sh, sw] = c.stride ?? [1, 1];
  const [dh, dw] = c.dilation ?? [1, 1];
  const [pt, pl, pb, pr] = c.pads ?? [0, 0, 0, 0];
  const [oph, opw] = c.outputPadding ?? [0, 0];
  const oh = c.transpose ? (c.h - 1) * sh - pt - pb + dh * (c.kh - 1) + 1 + oph : Math.floor((c.h + pt + pb - dh * (c.kh - 1) - 1) / sh) + 1;
  const ow = c.transpose ? (c.w - 1) * sw - pl - pr + dw * (c.kw - 1) + 1 + opw : Math.floor((c.w + pl + pr - dw * (c.kw - 1) - 1) / sw) + 1;
  return { sh, sw, dh, dw, pt, pl, pb, pr, oh, ow, groups: c.groups ?? 1, batch: c.batch ?? 1 };
}

/** Float64 NCHW reference; x NCHW, weights OIHW (Conv) or [Cin][Cout/g][kh][kw] (ConvTranspose); returns NCHW. */
function convReference(c: ConvCase, x: Float32Array, wt: Float32Array, bias?: Float32Array): Float64Array {
  const g = geometry(c);
  const cg = c.cin / g.groups;
  const ng = c.cout / g.groups;
  const y = new Float64Array(g.batch * c.cout * g.oh * g.ow);
  for (let n = 0; n < g.batch; n++) {
    for (let o = 0; o < c.cout; o++) {
      for (let i = 0; i < g.oh * g.ow; i++) y[(n * c.cout + o) * g.oh * g.ow + i] = bias ? bias[o]! : 0;
    }
    if (!c.transpose) {
      for (let o = 0; o < c.cout; o++) {
        const group = Math.floor(o / ng);
        for (let oy = 0; oy < g.oh; oy++)
          for (let ox = 0; ox < g.ow; ox++) {
            let s = 0;
            for (let ci = 0; ci < cg; ci++)
              for (let ky = 0; ky < c.kh; ky++)
                for (let kx = 0; kx < c.kw; kx++) {
                  const iy = oy * g.sh - g.pt + ky * g.dh;
                  const ix = ox * g.sw - g.pl + kx * g.dw;
                  if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                  s += x[((n * c.cin + group * cg + ci) * c.h + iy) * c.w + ix]! * wt[((o * cg + ci) * c.kh + ky) * c.kw + kx]!;
                }
            y[((n * c.cout + o) * g.oh + oy) * g.ow + ox]! += s;
          }
      }
    } else {
      // Scatter form, straight from the ONNX definition.
      for (let ci = 0; ci < c.cin; ci++) {
        const group = Math.floor(ci / cg);
        for (let iy = 0; iy < c.h; iy++)
          for (let ix = 0; ix < c.w; ix++) {
            const v = x[((n * c.cin + ci) * c.h + iy) * c.w + ix]!;
            for (let j = 0; j < ng; j++)
              for (let ky = 0; ky < c.kh; ky++)
                for (let kx = 0; kx < c.kw; kx++) {
                  const oy = iy * g.sh - g.pt + ky * g.dh;
                  const ox = ix * g.sw - g.pl + kx * g.dw;
                  if (oy < 0 || oy >= g.oh || ox < 0 || ox >= g.ow) continue;
                  y[((n * c.cout + group * ng + j) * g.oh + oy) * g.ow + ox]! += v * wt[((ci * ng + j) * c.kh + ky) * c.kw + kx]!;
                }
          }
      }
    }
  }
  return y;
}

function toNhwc(x: ArrayLike<number>, n: number, ch: number, hw: number): Float64Array {
  const y = new Float64Array(n * ch * hw);
  for (let b = 0; b < n; b++) for (let c = 0; c < ch; c++) for (let i = 0; i < hw; i++) y[(b * hw + i) * ch + c] = x[(b * ch + c) * hw + i]!;
  return y;
}

function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, k: number): number {
  const scale = 1e-5 * Math.sqrt(Math.max(k, 1));
  for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i]! - want[i]!) <= scale * (1 + Math.abs(want[i]!)))) return i;
  return -1;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, k: number, what: string): void {
  const i = firstMismatch(got, want, k);
  expect(i, i < 0 ? what : `${what}: element ${i} got ${got[i]} want ${want[i]}`).toBe(-1);
}

function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  let bad = -1;
  for (let i = 0; i < a.length && bad < 0; i++) if (a[i] !== b[i]) bad = i;
  expect(bad, bad < 0 ? what : `${what}: element ${bad}: ${a[bad]} vs ${b[bad]}`).toBe(-1);
}

/** Runs the case through the indirect-GEMM path; returns [got NHWC, want NHWC, K]. */
function runConv(h: Harness, c: ConvCase, via: 'igemm' | 'gemm' = 'igemm'): [Float32Array, Float64Array, number] {
  h.reset();
  const g = geometry(c);
  const seed = c.seed ?? 1;
  const cg = c.cin / g.groups;
  const taps = c.kh * c.kw;
  const x = randomData(g.batch * c.cin * c.h * c.w, seed);
  const wt = randomData(c.cout * cg * taps, seed + 1);
  const bias = c.bias === false ? undefined : randomData(c.cout, seed + 2);
  const outPixels = g.oh * g.ow;
  const residual = c.residual ? randomData(g.batch * outPixels * c.cout, seed + 3) : undefined;
  const [, , , min, max, ref] = ACTIVATIONS[c.act ?? 0]!;
  const [, kind, alpha] = ACTIVATIONS[c.act ?? 0]!;
  const want = toNhwc(convReference(c, x, wt, bias), g.batch, c.cout, outPixels);
  for (let i = 0; i < want.length; i++) want[i] = ref(want[i]! + (residual ? residual[i]! : 0));

  const input = h.putF32(toNhwc(x, g.batch, c.cin, c.h * c.w));
  const weights = h.putF32(wt);
  const biasPtr = bias ? h.putF32(bias) : 0;
  const out = h.alloc(want.length * 4);
  h.f32(out, want.length).fill(Number.NaN);
  const res = residual ? h.putF32(residual) : 0;
  const act = h.putActivation(kind, alpha, 0, min, max);

  if (via === 'gemm') {
    // 1x1, stride 1, no padding: one GEMM per group over the NHWC input (strided A and C).
    const ng = c.cout / g.groups;
    const packedSize = h.fn('wl_f32_gemm_packed_size')(ng, cg);
    for (let group = 0; group < g.groups; group++) {
      const packed = h.alloc(packedSize);
      h.fn('wl_f32_gemm_pack')(ng, cg, weights + group * ng * cg * 4, 0, bias ? biasPtr + group * ng * 4 : 0, packed);
      const M = g.batch * c.h * c.w;
      const offset = group * ng * 4;
      h.fn('wl_f32_gemm')(M, ng, cg, input + group * cg * 4, c.cin, packed, out + offset, c.cout, res ? res + offset : 0, c.cout, act, 0, M);
    }
    return [h.f32(out, want.length).slice(), want, cg];
  }

  const zero = h.alloc(cg * 4);
  h.f32(zero, cg).fill(0);
  const indirection = h.alloc(outPixels * taps * 4);
  const build = c.transpose ? 'wl_f32_deconv_indirection' : 'wl_f32_conv_indirection';
  h.fn(build)(indirection, input, zero, c.h, c.w, c.cin, g.oh, g.ow, c.kh, c.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl);
  const size = h.fn('wl_f32_conv_packed_size')(c.cout, cg, g.groups, taps);
  expect(size).toBe(g.groups * Math.ceil(c.cout / g.groups / 8) * (8 + 8 * taps * cg) * 4);
  const packed = h.alloc(size);
  h.fn(c.transpose ? 'wl_f32_deconv_pack' : 'wl_f32_conv_pack')(c.cout, cg, g.groups, taps, weights, biasPtr, packed);
  const conv = h.fn('wl_f32_conv_nhwc');
  for (const [start, end] of c.ranges ?? [[0, g.batch * outPixels]]) {
    conv(g.batch, c.h * c.w, c.cin, outPixels, c.cout, g.groups, taps, indirection, zero, packed, out, res, act, start, end);
  }
  return [h.f32(out, want.length).slice(), want, cg * taps];
}

const CONV_CASES: ConvCase[] = [
  { cin: 3, cout: 8, h: 9, w: 9, kh: 3, kw: 3, pads: [1, 1, 1, 1] },
  { cin: 5, cout: 7, h: 8, w: 7, kh: 3, kw: 3, stride: [2, 2], pads: [1, 1, 1, 1] },
  { cin: 3, cout: 17, h: 15, w: 15, kh: 7, kw: 7, stride: [2, 2], pads: [3, 3, 3, 3] }, // resnet stem, odd sizes
  { cin: 16, cout: 9, h: 6, w: 5, kh: 5, kw: 5, pads: [2, 2, 2, 2] },
  { cin: 4, cout: 1, h: 7, w: 6, kh: 1, kw: 3, pads: [0, 1, 0, 1] },
  { cin: 7, cout: 16, h: 6, w: 8, kh: 3, kw: 1, pads: [1, 0, 1, 0] },
  { cin: 6, cout: 9, h: 7, w: 7, kh: 3, kw: 3, pads: [0, 1, 1, 0] }, // asymmetric (SAME_LOWER/UPPER-like)
  { cin: 6, cout: 9, h: 7, w: 7, kh: 3, kw: 3, stride: [2, 1], pads: [2, 0, 1, 2] },
  { cin: 5, cout: 8, h: 9, w: 10, kh: 3, kw: 3, dilation: [2, 2], pads: [2, 2, 2, 2] },
  { cin: 5, cout: 8, h: 9, w: 10, kh: 3, kw: 2, dilation: [1, 3], stride: [1, 2], pads: [1, 0, 0, 3] },
  { cin: 6, cout: 9, h: 6, w: 6, kh: 3, kw: 3, groups: 3, pads: [1, 1, 1, 1] }, // Cg = 2, Ng = 3
  { cin: 8, cout: 32, h: 5, w: 5, kh: 3, kw: 3, groups: 2, stride: [2, 2], pads: [1, 1, 1, 1] },
  { cin: 16, cout: 16, h: 5, w: 5, kh: 3, kw: 3, groups: 4, pads: [1, 1, 1, 1], bias: false },
  { cin: 4, cout: 8, h: 5, w: 6, kh: 3, kw: 3, groups: 4, pads: [1, 1, 1, 1] }, // depthwise, channel multiplier 2
  { cin: 5, cout: 5, h: 5, w: 5, kh: 3, kw: 3, groups: 5, stride: [2, 2], pads: [1, 1, 1, 1] }, // depthwise via igemm
  { cin: 3, cout: 5, h: 6, w: 5, kh: 3, kw: 3, batch: 3, pads: [1, 1, 1, 1] },
  { cin: 4, cout: 8, h: 5, w: 5, kh: 1, kw: 1, stride: [2, 2] }, // 1x1 strided goes through igemm
  { cin: 4, cout: 8, h: 5, w: 5, kh: 1, kw: 1, pads: [1, 0, 0, 1] }, // 1x1 padded
  { cin: 64, cout: 24, h: 6, w: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, // K = 576
  { cin: 2, cout: 3, h: 3, w: 3, kh: 3, kw: 3 }, // single output pixel
  { cin: 1, cout: 1, h: 4, w: 4, kh: 5, kw: 5, pads: [2, 2, 2, 2] }, // kernel larger than the image
];

const DECONV_CASES: ConvCase[] = [
  { cin: 4, cout: 6, h: 4, w: 5, kh: 3, kw: 3, stride: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] },
  { cin: 8, cout: 3, h: 5, w: 4, kh: 4, kw: 4, stride: [2, 2], pads: [1, 1, 1, 1] },
  { cin: 5, cout: 9, h: 4, w: 4, kh: 3, kw: 3 },
  { cin: 6, cout: 4, h: 4, w: 5, kh: 3, kw: 3, groups: 2, stride: [2, 1], pads: [0, 1, 1, 0] },
  { cin: 3, cout: 17, h: 3, w: 4, kh: 2, kw: 3, dilation: [2, 1], stride: [3, 2], pads: [1, 0, 0, 2], batch: 2 },
  { cin: 9, cout: 8, h: 3, w: 3, kh: 2, kw: 2, stride: [2, 2], residual: true, act: 1 },
  { cin: 4, cout: 4, h: 4, w: 3, kh: 3, kw: 3, groups: 4, stride: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 0] },
];

for (const flavor of FLAVORS) {
  describe(`wasm f32 conv nhwc (${flavor})`, () => {
    let h: Harness;
    const setup = async () => (h ??= await harness(flavor));

    it('indirect GEMM matches the reference (kernel sizes, strides, pads, dilations, groups, batch)', async () => {
      await setup();
      CONV_CASES.forEach((c, i) => {
        const [got, want, k] = runConv(h, { ...c, seed: i + 1 });
        expectClose(got, want, k, JSON.stringify(c));
      });
    });

    it('fuses bias, residual and activations', async () => {
      await setup();
      for (let act = 0; act < ACTIVATIONS.length; act++) {
        for (const base of [CONV_CASES[1]!, CONV_CASES[10]!, { ...CONV_CASES.find((c) => c.batch === 3)!, batch: 2 }]) {
          const c = { ...base, residual: true, act, seed: 5 + act };
          const [got, want, k] = runConv(h, c);
          expectClose(got, want, k, `${ACTIVATIONS[act]![0]} ${JSON.stringify(base)}`);
        }
      }
    });

    it('gives identical results for any [start, end) split over output pixels (also across images)', async () => {
      await setup();
      const base: ConvCase = { cin: 5, cout: 11, h: 7, w: 6, kh: 3, kw: 3, stride: [2, 1], pads: [1, 1, 1, 1], batch: 2, residual: true, act: 4 };
      const pixels = 2 * geometry(base).oh * geometry(base).ow; // 2 * 4 * 6 = 48
      const [single] = runConv(h, base);
      for (const ranges of [[[0, 5], [5, 23], [23, 48]], [[0, 25], [25, 26], [26, 48]], [[30, 48], [0, 30]]] as [number, number][][]) {
        expect(ranges.at(-1)![1] === pixels || ranges[0]![1] === pixels).toBe(true);
        const [split] = runConv(h, { ...base, ranges });
        expectIdentical(split, single, JSON.stringify(ranges));
      }
    });

    it('1x1 / stride 1 / no padding convolutions run through wl_f32_gemm (also per group)', async () => {
      await setup();
      for (const c of [
        { cin: 16, cout: 24, h: 5, w: 7, kh: 1, kw: 1 },
        { cin: 3, cout: 17, h: 3, w: 3, kh: 1, kw: 1, batch: 2, residual: true, act: 1 },
        { cin: 12, cout: 18, h: 4, w: 3, kh: 1, kw: 1, groups: 3, residual: true, act: 2 },
        { cin: 64, cout: 64, h: 8, w: 8, kh: 1, kw: 1, act: 1 },
      ] as ConvCase[]) {
        const [got, want, k] = runConv(h, c, 'gemm');
        expectClose(got, want, k, `gemm ${JSON.stringify(c)}`);
        const [viaIgemm] = runConv(h, c);
        expectClose(viaIgemm, want, k, `igemm ${JSON.stringify(c)}`);
      }
    });

    it('ConvTranspose (deconv indirection + deconv packing) matches the reference', async () => {
      await setup();
      DECONV_CASES.forEach((c, i) => {
        const [got, want, k] = runConv(h, { ...c, transpose: true, seed: 20 + i });
        expectClose(got, want, k, `ConvTranspose ${JSON.stringify(c)}`);
      });
    });
  });
}
