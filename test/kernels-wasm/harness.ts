/**
 * Test harness for calling wasm kernels directly: a bump allocator over the module's memory and typed views.
 * Flavors: 'simd' always; 'relaxed' only when Node validates relaxed SIMD (run with --experimental-wasm-relaxed-simd).
 */
import { detectFlavor, loadKernels, type WasmFlavor, type WasmKernels } from '../../src/backends/wasm/loader.js';

export const FLAVORS: WasmFlavor[] = detectFlavor().relaxed ? ['simd', 'relaxed'] : ['simd'];

export class Harness {
  private top: number;
  constructor(readonly kernels: WasmKernels) {
    this.top = align(kernels.heapBase);
  }

  /** Reserves `bytes` (64-byte aligned), growing memory as needed; returns the pointer. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = align(ptr + Math.max(bytes, 1));
    const memory = this.kernels.memory;
    if (this.top > memory.buffer.byteLength) memory.grow(Math.ceil((this.top - memory.buffer.byteLength) / 65536));
    return ptr;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.kernels.memory.buffer, ptr, length);
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.kernels.memory.buffer, ptr, length);
  }

  /** Copies data in; returns the pointer. */
  putF32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length * 4);
    this.f32(ptr, data.length).set(data);
    return ptr;
  }

  putI32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length * 4);
    this.i32(ptr, data.length).set(data);
    return ptr;
  }

  /** A wl_activation struct: kind, alpha, beta, min, max. */
  putActivation(kind: number, alpha = 0, beta = 0, min = -Infinity, max = Infinity): number {
    const ptr = this.alloc(20);
    this.i32(ptr, 1)[0] = kind;
    this.f32(ptr + 4, 4).set([alpha, beta, min, max]);
    return ptr;
  }

  /** Frees everything allocated so far. */
  reset(): void {
    this.top = align(this.kernels.heapBase);
  }

  fn(name: string): (...args: number[]) => number {
    return this.kernels.fn(name);
  }
}

function align(n: number): number {
  return Math.ceil(n / 64) * 64;
}

export async function harness(flavor: WasmFlavor): Promise<Harness> {
  return new Harness(await loadKernels(flavor));
}

/** Seeded uniform values in [-1, 1). */
export function randomData(length: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** max |a − b| / (1 + |b|) */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return m;
}
