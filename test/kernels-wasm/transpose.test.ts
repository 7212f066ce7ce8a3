/**
 * Transpose kernels (kernels-wasm/transpose): every permutation of ranks 1–4, sampled permutations of ranks 5–6,
 * odd and tile-sized dims, size-1 axes, [start, end) splits, 1/2/4/8-byte elements, NCHW ↔ NHWC; against a JS
 * index-mapping reference (exact).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from '../../src/runtime/env.js';
import { FLAVORS, harness, type Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? 'file://' + dir + '/' : undefined;

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

function stridesOf(dims: number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let k = dims.length - 2; k >= 0; k--) s[k] = s[k + 1]! * dims[k + 1]!;
  return s;
}

/** Output element order as input indices. */
function reference(dims: number[], perm: number[]): number[] {
  const inStrides = stridesOf(dims);
  const outDims = perm.map((p) => dims[p]!);
  const total = dims.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < total; i++) {
    out.push(idx.reduce((o, v, k) => o + v * inStrides[perm[k]!]!, 0));
    for (let k = dims.length - 1; k >= 0 && ++idx[k]! === outDims[k]; k--) idx[k] = 0;
  }
  return out;
}

const BYTES = { wl_x8_transpose: 1, wl_x16_transpose: 2, wl_x32_transpose: 4, wl_x64_transpose: 8 } as const;

describe.each(FLAVORS)('transpose (%s)', (flavor) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(flavor);
  });

  /** Runs the kernel in two [start, end) pieces and compares with the reference, element by element (as bytes). */
  function check(name: keyof typeof BYTES, dims: number[], perm: number[]) {
    const size = BYTES[name];
    const total = dims.reduce((a, b) => a * b, 1);
    h.reset();
    const px = h.alloc(total * size), py = h.alloc(total * size);
    const input = h.u8(px, total * size);
    for (let i = 0; i < input.length; i++) input[i] = (i * 37 + (i >> 8) * 11) & 255;
    h.u8(py, total * size).fill(0xee);
    const inStrides = stridesOf(dims);
    const pd = h.putI32(perm.map((p) => dims[p]!)), ps = h.putI32(perm.map((p) => inStrides[p]!));
    const d0 = dims[perm[0]!]!, k = Math.floor(d0 / 2);
    h.fn(name)(0, k, dims.length, pd, ps, px, py);
    h.fn(name)(k, d0, dims.length, pd, ps, px, py);
    const x = h.u8(px, total * size), y = h.u8(py, total * size);
    const want = reference(dims, perm);
    for (let i = 0; i < total; i++) {
      for (let b = 0; b < size; b++) {
        if (y[i * size + b] !== x[want[i]! * size + b]) throw new Error(`${name} dims ${dims} perm ${perm}: element ${i} differs`);
      }
    }
  }

  it.each(Object.keys(BYTES) as (keyof typeof BYTES)[])('%s: all permutations up to rank 4, sampled rank 5–6', (name) => {
    const shapes = [[7], [5, 9], [4, 4], [33, 17], [64, 40], [1, 6], [3, 1, 5], [4, 8, 5], [2, 3, 4, 5], [3, 1, 6, 9], [2, 8, 16, 3]];
    for (const dims of shapes) for (const perm of permutations(dims.length)) check(name, dims, perm);
    // strides that are multiples of 128 elements take the buffered 32×32-block path for x32 (with ragged edges)
    for (const dims of [[128, 40], [40, 256], [33, 128], [2, 128, 64]]) check(name, dims, [...dims.keys()].reverse());
    const big = [[2, 3, 4, 1, 5], [2, 3, 2, 3, 2, 5]];
    for (const dims of big) permutations(dims.length).forEach((perm, i) => i % 7 === 0 && check(name, dims, perm));
    expect(true).toBe(true);
  });

  it('NCHW ↔ NHWC (x32), every pixel split, odd channel counts', () => {
    for (const [n, c, hw] of [[1, 1, 1], [1, 3, 10], [2, 4, 16], [2, 5, 37], [1, 64, 49], [3, 17, 5], [1, 128, 70], [2, 40, 256]] as const) {
      h.reset();
      const total = n * c * hw;
      const nchw = Int32Array.from({ length: total }, (_, i) => i * 7 + 1);
      const px = h.putI32(nchw), py = h.alloc(total * 4), pz = h.alloc(total * 4);
      const units = n * hw, k = Math.floor(units / 3) + 1;
      h.fn('wl_x32_nchw_to_nhwc')(0, k, c, hw, px, py);
      h.fn('wl_x32_nchw_to_nhwc')(k, units, c, hw, px, py);
      const nhwc = h.i32(py, total);
      for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) expect(nhwc[(b * hw + p) * c + ch]).toBe(nchw[(b * c + ch) * hw + p]);
      h.fn('wl_x32_nhwc_to_nchw')(0, k, c, hw, py, pz);
      h.fn('wl_x32_nhwc_to_nchw')(k, units, c, hw, py, pz);
      expect(Array.from(h.i32(pz, total))).toEqual(Array.from(nchw));
    }
  });
});
