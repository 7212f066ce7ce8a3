/**
 * A worker pool over one shared WebAssembly memory. Every worker instantiates the threaded kernel module on that
 * memory with its own stack. A parallel kernel call writes (function, arguments, one [start, end) range per thread)
 * into a control block in shared memory and bumps a generation counter; workers spin briefly, then sleep on it
 * with Atomics.wait; the calling thread runs its own range and spins until every worker has reported.
 * Works with Node's worker_threads and with browser Workers (cross-origin isolated pages).
 */
import { WebliteError } from '../../errors.js';
import type { Heap } from './heap.js';
import type { WasmKernels } from './loader.js';

const MAX_THREADS = 16;
const MAX_ARGS = 24;
/** Int32 slots of the control block. */
const GENERATION = 0;
const FUNCTION = 1;
const ARG_COUNT = 2;
const RANGE_INDEX = 3;
const DONE = 4;
const STOP = 5;
const RANGES = 8; // start/end pairs, one per worker
const ARGS_BYTE_OFFSET = 8 * (RANGES + 2 * MAX_THREADS); // Float64 arguments after the ranges
const CONTROL_BYTES = ARGS_BYTE_OFFSET + 8 * MAX_ARGS;
const STACK_BYTES = 256 * 1024;

/** The worker's program, as source text (a Blob URL in browsers, `eval` in Node). Plain JS, no imports. */
const WORKER_SOURCE = `
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
const port = isNode ? require('node:worker_threads').parentPort : self;
const listen = (f) => (isNode ? port.on('message', f) : (self.onmessage = (e) => f(e.data)));
listen(async (message) => {
  const { module, memory, stackTop, control, names, index } = message;
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  instance.exports.__stack_pointer.value = stackTop;
  const fns = names.map((name) => instance.exports[name]);
  const i32 = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
  const f64 = new Float64Array(memory.buffer, control + ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
  port.postMessage('ready');
  let seen = 0;
  for (;;) {
    let spins = 0;
    while (Atomics.load(i32, ${GENERATION}) === seen) {
      if (++spins > 50000) { Atomics.wait(i32, ${GENERATION}, seen); spins = 0; }
    }
    seen = Atomics.load(i32, ${GENERATION});
    if (i32[${STOP}] === 1) break;
    const argc = i32[${ARG_COUNT}], r = i32[${RANGE_INDEX}];
    const start = i32[${RANGES} + 2 * index], end = i32[${RANGES} + 2 * index + 1];
    if (start < end) {
      const args = Array.from(f64.subarray(0, argc));
      args[r] = start;
      args[r + 1] = end;
      fns[i32[${FUNCTION}]](...args);
    }
    Atomics.add(i32, ${DONE}, 1);
  }
  if (isNode) port.close(); else self.close();
});
`;

interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

export class WorkerPool {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly functionIds = new Map<string, number>();

  private constructor(
    readonly kernels: WasmKernels,
    private readonly workers: WorkerHandle[],
    control: number,
    names: string[],
  ) {
    this.i32 = new Int32Array(kernels.memory.buffer, control, CONTROL_BYTES / 4);
    this.f64 = new Float64Array(kernels.memory.buffer, control + ARGS_BYTE_OFFSET, MAX_ARGS);
    names.forEach((name, i) => this.functionIds.set(name, i));
  }

  /** Threads in use, including the calling one. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Spawns the workers and returns at once: they boot and instantiate the module on their own threads while the
   * caller goes on (packing weights); `ready` settles when all of them listen (rejects if one cannot start).
   */
  static async start(kernels: WasmKernels, heap: Heap, threads: number, names: string[]): Promise<WorkerPool> {
    if (!kernels.shared) throw new Error('internal: worker pools need the shared-memory kernel build');
    const count = Math.min(threads, MAX_THREADS) - 1;
    const control = heap.alloc(CONTROL_BYTES, 'thread control block');
    new Int32Array(kernels.memory.buffer, control, CONTROL_BYTES / 4).fill(0);
    const workers: WorkerHandle[] = [];
    const ready: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const stack = heap.alloc(STACK_BYTES, 'worker stack');
      const { worker, onceReady } = await spawnWorker();
      workers.push(worker);
      ready.push(onceReady);
      worker.postMessage({ module: kernels.module, memory: kernels.memory, stackTop: stack + STACK_BYTES, control, names, index });
    }
    const pool = new WorkerPool(kernels, workers, control, names);
    pool.ready = Promise.all(ready).then(
      () => undefined,
      (error: unknown) => {
        for (const w of workers) void w.terminate();
        throw new WebliteError('BACKEND_UNAVAILABLE', `wasm: could not start worker threads: ${(error as Error).message}`);
      },
    );
    // Whoever uses the pool awaits `ready`; this only keeps an unawaited failure from being reported as unhandled.
    pool.ready.catch(() => undefined);
    return pool;
  }

  /** Settles when every worker listens; `run` must not be called before. */
  ready: Promise<void> = Promise.resolve();

  /**
   * Calls kernel `name` with `args`, splitting [0, total) across threads at `rangeIndex`/`rangeIndex + 1` in chunks
   * that are multiples of `granule`. Small calls run on the calling thread alone.
   */
  run(name: string, fn: (...args: number[]) => number, args: number[], rangeIndex: number, total: number, granule: number, minPerThread: number): void {
    const threads = Math.min(this.threads, Math.ceil(total / Math.max(minPerThread, 1)));
    if (threads <= 1) {
      args[rangeIndex] = 0;
      args[rangeIndex + 1] = total;
      fn(...args);
      return;
    }
    const chunk = Math.ceil(total / threads / granule) * granule;
    const i32 = this.i32;
    this.f64.set(args);
    i32[FUNCTION] = this.functionIds.get(name)!;
    i32[ARG_COUNT] = args.length;
    i32[RANGE_INDEX] = rangeIndex;
    for (let w = 0; w < this.workers.length; w++) {
      const start = Math.min(total, (w + 1) * chunk);
      i32[RANGES + 2 * w] = w + 1 < threads ? start : 0;
      i32[RANGES + 2 * w + 1] = w + 1 < threads ? Math.min(total, start + chunk) : 0;
    }
    Atomics.store(i32, DONE, 0);
    Atomics.add(i32, GENERATION, 1);
    Atomics.notify(i32, GENERATION);
    args[rangeIndex] = 0;
    args[rangeIndex + 1] = Math.min(total, chunk);
    fn(...args);
    const expected = this.workers.length;
    while (Atomics.load(i32, DONE) < expected) {
      // Spin: the main thread of a page may not block, and kernels are short.
    }
  }

  terminate(): void {
    this.i32[STOP] = 1;
    Atomics.add(this.i32, GENERATION, 1);
    Atomics.notify(this.i32, GENERATION);
    for (const worker of this.workers) void worker.terminate();
  }
}

async function spawnWorker(): Promise<{ worker: WorkerHandle; onceReady: Promise<void> }> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (isNode) {
    const moduleName = 'node:worker_threads';
    const { Worker: NodeWorker } = (await import(/* @vite-ignore */ moduleName)) as typeof import('node:worker_threads');
    const worker = new NodeWorker(WORKER_SOURCE, { eval: true });
    const onceReady = new Promise<void>((resolve, reject) => {
      worker.once('message', () => {
        // Idle workers must not keep a Node process alive.
        worker.unref();
        resolve();
      });
      worker.once('error', reject);
    });
    return { worker, onceReady };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  const onceReady = new Promise<void>((resolve, reject) => {
    worker.addEventListener('message', () => resolve(), { once: true });
    worker.addEventListener('error', (event) => reject(new Error(event.message)), { once: true });
  });
  return { worker, onceReady };
}
