/**
 * Shared pieces of the qs8 kernel tests: the fp32 requantization reference (XNNPACK's formula), seeded integer data,
 * copying bytes into the kernel module, exact comparison, and pointing the loader at a private build when
 * WEBLITE_WASM_DIR is set (scripts/build-wasm.mjs --out DIR).
 */
import { expect } from 'vitest';
import { env } from '../../src/runtime/env.js';
import type { Harness } from './harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

export const f32 = Math.fround;

export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
}

export function requantize(acc: number, scale: number, zp: number, qmin: number, qmax: number): number {
  return Math.min(Math.max(roundHalfEven(f32(f32(acc) * scale)) + zp, qmin), qmax);
}

export function randomInts(length: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out.push(lo + ((s >>> 0) % (hi - lo + 1)));
  }
  return out;
}

export function put(h: Harness, bytes: ArrayLike<number>, signed: boolean): number {
  const ptr = h.alloc(bytes.length);
  (signed ? new Int8Array(h.kernels.memory.buffer, ptr, bytes.length) : new Uint8Array(h.kernels.memory.buffer, ptr, bytes.length)).set(bytes);
  return ptr;
}

export function expectExact(got: Int8Array, want: Int8Array, what: string): void {
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (got[i] !== want[i]) bad = i;
  expect(bad, bad < 0 ? what : `${what}: element ${bad} got ${got[bad]} want ${want[bad]}`).toBe(-1);
}
