/**
 * A kernel context: one instance of the kernel module with its memory, heap and (threaded build) worker pool. A
 * session takes one at creation and hands it back at release; the next session with the same module and thread count
 * reuses it instead of instantiating, growing and first-touching a fresh memory and booting new workers.
 *
 * Why: on a 2-core EPYC (Node 20), first touch of 85 MB of fresh wasm memory costs ~37 ms against ~4 ms for memory
 * already touched, and each worker takes ~25 ms to boot. onnxruntime-web keeps one memory and one thread pool per
 * page for the same reason; like it, a released session's memory is kept for the next one, not given back.
 * At most one idle context is kept per (module, threads), two in all; concurrent sessions each get their own.
 */
import { Heap } from './heap.js';
import { type WasmFlavor, type WasmKernels, compileKernels, instantiateKernels } from './loader.js';
import { WorkerPool } from './threads.js';

export interface KernelContext {
  readonly kernels: WasmKernels;
  readonly heap: Heap;
  readonly pool: WorkerPool | undefined;
  /** Threads asked for when the context was made (its pool has threads - 1 workers). */
  readonly threads: number;
  /** Heap top once the context is set up (pool control block, worker stacks): sessions allocate above it. */
  readonly base: number;
}

const idle: KernelContext[] = [];
const MAX_IDLE = 2;

/**
 * A context for `threads` threads (the shared-memory build when more than one): an idle one when there is one,
 * else a new one. Workers of a new pool may still be booting; await `pool.ready` before the first run.
 */
export async function acquireContext(flavor: WasmFlavor | 'auto', threads: number): Promise<KernelContext> {
  const { flavor: chosen, module } = await compileKernels(flavor);
  const index = idle.findIndex((c) => c.kernels.module === module && c.threads === threads);
  if (index >= 0) return idle.splice(index, 1)[0]!;
  const kernels = await instantiateKernels(chosen, module);
  const heap = new Heap(kernels);
  let pool: WorkerPool | undefined;
  if (threads > 1) {
    const names = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
    pool = await WorkerPool.start(kernels, heap, threads, names);
  }
  return { kernels, heap, pool, threads, base: heap.mark() };
}

/** Returns a context whose session is released: its heap is emptied and it waits for the next session. */
export function releaseContext(context: KernelContext): void {
  context.heap.rewind(context.base);
  const index = idle.findIndex((c) => c.kernels.module === context.kernels.module && c.threads === context.threads);
  if (index >= 0) {
    // Keep the larger memory (it fits more models without growing); drop the other.
    const [smaller] = idle[index]!.kernels.memory.buffer.byteLength >= context.kernels.memory.buffer.byteLength ? [context] : idle.splice(index, 1, context);
    discardContext(smaller!);
    return;
  }
  idle.push(context);
  // Other modules (env.wasmPaths changed) or thread counts: keep only the most recently released few.
  while (idle.length > MAX_IDLE) discardContext(idle.shift()!);
}

/** Stops a context's workers; its memory goes with the last reference. */
export function discardContext(context: KernelContext): void {
  context.pool?.terminate();
}
