/**
 * Resize NHWC kernels (kernels-wasm/resize): nearest (x32) and bilinear (f32) with caller-computed index/weight
 * tables for several coordinate modes, up- and down-sampling, odd channel counts, row splits; against float64
 * references.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, maxRelativeError, randomData, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? 'file://' + dir + '/' : undefined;

type Mode = 'half_pixel' | 'align_corners' | 'asymmetric';
function source(o: number, inSize: number, outSize: number, mode: Mode): number {
  if (mode === 'align_corners') return outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1);
  if (mode === 'asymmetric') return (o * inSize) / outSize;
  return ((o + 0.5) * inSize) / outSize - 0.5;
}

/** Bilinear tables: [lo, hi] index pairs and the weight of hi, clamped like ONNX Resize. */
function linearTable(inSize: number, outSize: number, mode: Mode): { index: number[]; weight: number[] } {
  const index: number[] = [], weight: number[] = [];
  for (let o = 0; o < outSize; o++) {
    const s = Math.min(Math.max(source(o, inSize, outSize, mode), 0), inSize - 1);
    const lo = Math.floor(s), hi = Math.min(lo + 1, inSize - 1);
    index.push(lo, hi);
    weight.push(s - lo);
  }
  return { index, weight };
}

const CASES: [number, number, number, number, number, number][] = [
  // n, in_h, in_w, out_h, out_w, channels
  [1, 1, 1, 3, 4, 1], [1, 4, 5, 8, 10, 3], [2, 7, 3, 5, 9, 4], [1, 6, 6, 3, 3, 8], [2, 5, 4, 11, 7, 17], [1, 2, 3, 2, 3, 5],
];

describe.each(FLAVORS)('resize NHWC (%s)', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(flavor);
  });

  it('nearest: every case, row splits, floor and round modes', () => {
    for (const [n, ih, iw, oh, ow, c] of CASES) {
      for (const mode of ['asymmetric', 'half_pixel'] as Mode[]) {
        h.reset();
        const round = mode === 'half_pixel' ? Math.round : Math.floor;
        const yIndex = Array.from({ length: oh }, (_, o) => Math.min(Math.max(round(source(o, ih, oh, mode)), 0), ih - 1));
        const xIndex = Array.from({ length: ow }, (_, o) => Math.min(Math.max(round(source(o, iw, ow, mode)), 0), iw - 1));
        const x = Int32Array.from({ length: n * ih * iw * c }, (_, i) => i * 3 + 1);
        const px = h.putI32(x), py = h.alloc(n * oh * ow * c * 4), pyi = h.putI32(yIndex), pxi = h.putI32(xIndex);
        const rows = n * oh, k = Math.floor(rows / 2) + 1;
        h.fn('wl_x32_resize_nearest_nhwc')(0, k, ih, iw, oh, ow, c, px, py, pyi, pxi);
        h.fn('wl_x32_resize_nearest_nhwc')(k, rows, ih, iw, oh, ow, c, px, py, pyi, pxi);
        const want: number[] = [];
        for (let b = 0; b < n; b++)
          for (let oy = 0; oy < oh; oy++)
            for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) want.push(x[((b * ih + yIndex[oy]!) * iw + xIndex[ox]!) * c + ch]!);
        expect(Array.from(h.i32(py, want.length))).toEqual(want);
      }
    }
  });

  it('bilinear: every case × coordinate mode, row splits', () => {
    for (const [n, ih, iw, oh, ow, c] of CASES) {
      for (const mode of ['half_pixel', 'align_corners', 'asymmetric'] as Mode[]) {
        h.reset();
        const ty = linearTable(ih, oh, mode), tx = linearTable(iw, ow, mode);
        const x = randomData(n * ih * iw * c, ih * iw + c).map((v) => v * 10);
        const px = h.putF32(x), py = h.alloc(n * oh * ow * c * 4);
        const pyi = h.putI32(ty.index), pyw = h.putF32(ty.weight), pxi = h.putI32(tx.index), pxw = h.putF32(tx.weight);
        const rows = n * oh, k = Math.floor(rows / 3) + 1;
        h.fn('wl_f32_resize_bilinear_nhwc')(0, k, ih, iw, oh, ow, c, px, py, pyi, pyw, pxi, pxw);
        h.fn('wl_f32_resize_bilinear_nhwc')(k, rows, ih, iw, oh, ow, c, px, py, pyi, pyw, pxi, pxw);
        const at = (b: number, yy: number, xx: number, ch: number) => x[((b * ih + yy) * iw + xx) * c + ch]!;
        const want: number[] = [];
        for (let b = 0; b < n; b++)
          for (let oy = 0; oy < oh; oy++)
            for (let ox = 0; ox < ow; ox++) {
              const [y0, y1] = [ty.index[2 * oy]!, ty.index[2 * oy + 1]!], [x0, x1] = [tx.index[2 * ox]!, tx.index[2 * ox + 1]!];
              const wy = Math.fround(ty.weight[oy]!), wx = Math.fround(tx.weight[ox]!);
              for (let ch = 0; ch < c; ch++) {
                const top = (1 - wx) * at(b, y0, x0, ch) + wx * at(b, y0, x1, ch);
                const bottom = (1 - wx) * at(b, y1, x0, ch) + wx * at(b, y1, x1, ch);
                want.push((1 - wy) * top + wy * bottom);
              }
            }
        expect(maxRelativeError(h.f32(py, want.length), want), `${[n, ih, iw, oh, ow, c]} ${mode}`).toBeLessThanOrEqual(1e-6);
      }
    }
  });
});
