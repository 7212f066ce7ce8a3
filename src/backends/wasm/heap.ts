/**
 * The backend's view of the module's linear memory: a bump allocator for everything that lives as long as the
 * session (packed weights, indirection buffers, activation parameters, per-shape arenas). Growth happens only here,
 * at session creation or when a new input shape is first planned — never inside a run.
 */
import { WebliteError } from '../../errors.js';
import type { WasmKernels } from './loader.js';

/** wasm32 can address 4 GiB; engines cap memory at 65536 pages. */
const MAX_BYTES = 65536 * 65536;
const ALIGN = 64;

export class Heap {
  private top: number;

  constructor(readonly kernels: WasmKernels) {
    this.top = alignUp(kernels.heapBase);
  }

  /** Bytes reserved so far above the module's own data. */
  get used(): number {
    return this.top - alignUp(this.kernels.heapBase);
  }

  /** The current allocation top, to `rewind` to later. */
  mark(): number {
    return this.top;
  }

  /**
   * Frees everything allocated since `mark` (a released session's weights and arenas, when the next session reuses
   * this memory). The memory keeps its size and its bytes: `alloc` never zeroes, so every user writes what it reads.
   */
  rewind(mark: number): void {
    this.top = mark;
  }

  /**
   * Reserves `bytes` (64-byte aligned) and returns the pointer; OUT_OF_MEMORY before touching memory if it cannot fit.
   * The bytes are not zeroed (memory may have served an earlier session).
   */
  alloc(bytes: number, what: string): number {
    const ptr = this.top;
    const end = alignUp(ptr + Math.max(bytes, 1));
    if (!Number.isFinite(end) || end > MAX_BYTES) {
      throw new WebliteError('OUT_OF_MEMORY', `wasm: ${what} needs ${bytes} bytes; with ${this.used} already reserved that exceeds the 4 GiB of wasm32 memory`);
    }
    const memory = this.kernels.memory;
    if (end > memory.buffer.byteLength) {
      // Grow geometrically: each grow of a non-shared memory may copy the whole buffer.
      const current = memory.buffer.byteLength;
      const target = Math.min(MAX_BYTES, Math.max(end, Math.floor(current * 1.5), current + 16 * 1024 * 1024));
      try {
        memory.grow(Math.ceil((target - current) / 65536));
      } catch (error) {
        throw new WebliteError('OUT_OF_MEMORY', `wasm: cannot grow memory to ${end} bytes for ${what}: ${(error as Error).message}`);
      }
    }
    this.top = end;
    return ptr;
  }

  /**
   * Temporary memory above the allocation top, valid only until the next `alloc` (e.g. unpacked weights while a
   * packing kernel reads them). Grows memory if needed but reserves nothing.
   */
  scratch(bytes: number, what: string): number {
    const top = this.top;
    this.alloc(bytes, what);
    this.top = top;
    return top;
  }

  /** Fails early if `bytes` more could never fit (used before committing to a plan). */
  check(bytes: number, what: string): void {
    if (this.top + bytes > MAX_BYTES) {
      throw new WebliteError('OUT_OF_MEMORY', `wasm: ${what} needs ${bytes} bytes, more than the wasm32 memory left (${MAX_BYTES - this.top})`);
    }
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.kernels.memory.buffer, ptr, length);
  }

  /** Copies `data` into fresh heap memory; returns the pointer. */
  putF32(data: ArrayLike<number>, what: string): number {
    const ptr = this.alloc(data.length * 4, what);
    this.f32(ptr, data.length).set(data);
    return ptr;
  }

  putI32(data: ArrayLike<number>, what: string): number {
    const ptr = this.alloc(data.length * 4, what);
    this.i32(ptr, data.length).set(data);
    return ptr;
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
