/**
 * The wasm backend: C kernels compiled to WebAssembly SIMD (kernels-wasm/), driven from here. Weights are packed
 * once per session; each distinct set of input dims gets a Plan (memory planned, steps resolved) on first use.
 */
import { WebliteError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Backend, CompiledModel, PlacementEntry, ProfileEntry } from '../../runtime/backend.js';
import { log } from '../../runtime/env.js';
import type { Heap } from './heap.js';
import { type KernelContext, acquireContext, discardContext, releaseContext } from './context.js';
import { type WasmKernels, detectFlavor, threadsUnavailableReason } from './loader.js';
import type { WorkerPool } from './threads.js';
import type { Lowering } from './lowering.js';
import { LOWERINGS } from './lower/index.js';
import { Plan, buildPlan } from './plan.js';
import { specialize } from './specialize.js';

/** Plans kept per session (distinct input shapes); the oldest is dropped beyond this. */
const MAX_PLANS = 4;

export const wasmBackend: Backend = {
  name: 'wasm',
  integerKernels: true,
  async probe() {
    const support = detectFlavor();
    if (!support.simd) return { available: false, reason: 'WebAssembly SIMD is not supported by this engine' };
    return { available: true, reason: `WebAssembly SIMD${support.relaxed ? ' + relaxed SIMD' : ''}` };
  },
  async compile(graph, options) {
    const threads = chooseThreads(options.threads);
    const started = performance.now();
    const context = await acquireContext(threads > 1 ? 'simd-threads' : 'auto', threads);
    const acquired = performance.now();
    let model: WasmModel;
    try {
      // Weights are packed on this thread while a new pool's workers boot on theirs.
      model = WasmModel.create(graph, context);
    } catch (error) {
      releaseContext(context);
      throw error;
    }
    const planned = performance.now();
    try {
      await context.pool?.ready;
    } catch (error) {
      discardContext(context);
      throw error;
    }
    // `instantiate` is ~0 when a released session's context is reused; `workers` is the wait for booting workers.
    const { specialize: specializeMs = 0, pack = 0 } = model.createTimings;
    model.createTimings = { instantiate: acquired - started, specialize: specializeMs, plan: planned - acquired - specializeMs - pack, pack, workers: performance.now() - planned };
    return model;
  },
};

let warnedThreads = false;

/**
 * Threads to use: the request, or by default min(4, hardwareConcurrency) on cross-origin-isolated pages and 1
 * elsewhere (like onnxruntime-web). Without shared memory it is 1, and weblite says why, once.
 */
function chooseThreads(requested: number | undefined): number {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw new WebliteError('BAD_ARGUMENT', `threads must be a positive integer, got ${requested}`);
  }
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  const wanted = requested ?? (isolated ? Math.min(4, cores) : 1);
  if (wanted <= 1) return 1;
  const reason = threadsUnavailableReason();
  if (reason) {
    if (!warnedThreads) log('warning', `wasm: running single-threaded (${wanted} threads asked): ${reason}`);
    warnedThreads = true;
    return 1;
  }
  return wanted;
}

class WasmModel implements CompiledModel {
  private readonly plans = new Map<string, Plan>();
  private readonly cache = new WeakMap<object, Map<string, unknown>>();
  placement: PlacementEntry[] = [];
  /** Phases of creation in ms (see wasmBackend.compile); `specialize` and `pack` are gathered while planning. */
  createTimings: Record<string, number> = {};
  private released = false;
  private profiling = false;

  private readonly kernels: WasmKernels;
  private readonly heap: Heap;
  private readonly pool: WorkerPool | undefined;

  private constructor(
    private readonly graph: Graph,
    private readonly context: KernelContext,
    private readonly lowerings: readonly Lowering[],
  ) {
    this.kernels = context.kernels;
    this.heap = context.heap;
    this.pool = context.pool;
  }

  /** Threads really used (the calling thread included). */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  static create(graph: Graph, context: KernelContext): WasmModel {
    const kernels = context.kernels;
    const available = LOWERINGS.filter((lowering) => lowering.requires.every((name) => kernels.has(name)));
    if (available.length < LOWERINGS.length) {
      const missing = LOWERINGS.filter((l) => !available.includes(l)).map((l) => l.name);
      log('warning', `wasm: weblite-${kernels.flavor}.wasm lacks the kernels of ${missing.join(', ')}; those nodes run on the CPU reference`);
    }
    const model = new WasmModel(graph, context, available);
    // Plan once up front so placement is known and weights are packed before the first run. With symbolic input dims
    // the trial binds them to 1, which some models cannot take (a pooling window larger than a 1×1 image): then the
    // plan waits for the first run's real dims, and placement says so until then.
    const symbolic = graph.inputs.some((name) => (graph.tensor(name).dims ?? []).some((d) => typeof d !== 'number'));
    const dims = new Map(graph.inputs.map((name) => [name, (graph.tensor(name).dims ?? []).map((d) => (typeof d === 'number' ? d : 1))]));
    try {
      model.placement = model.planFor(dims).placement;
    } catch (error) {
      if (!symbolic || !(error instanceof WebliteError) || error.code === 'OUT_OF_MEMORY') throw error;
      model.placement = graph.nodes.map((node) => ({ node: node.name, op: node.op, backend: 'wasm', kernel: 'planned at the first run (symbolic input dims)' }));
    }
    return model;
  }

  private planFor(inputDims: Map<string, readonly number[]>): Plan {
    const key = [...inputDims.values()].map((d) => d.join('x')).join('|');
    let plan = this.plans.get(key);
    if (!plan) {
      const started = performance.now();
      const specialized = specialize(this.graph, inputDims);
      this.addTime('specialize', performance.now() - started);
      plan = buildPlan(specialized, this.heap, this.kernels, {
        lowerings: this.lowerings,
        cached: (key, purpose, make) => this.cached(key, purpose, make),
        pool: this.pool,
      });
      if (this.plans.size >= MAX_PLANS) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(key, plan);
      log('verbose', `wasm: planned ${key}: arena ${plan.arenaBytes} bytes, heap ${this.heap.used} bytes`);
    }
    return plan;
  }

  private cached<T>(key: object, purpose: string, make: () => T): T {
    let entries = this.cache.get(key);
    if (!entries) this.cache.set(key, (entries = new Map()));
    if (!entries.has(purpose)) {
      // Everything cached is packed weights (or another once-per-session table made from constants).
      const started = performance.now();
      entries.set(purpose, make());
      this.addTime('pack', performance.now() - started);
    }
    return entries.get(purpose) as T;
  }

  private addTime(phase: string, ms: number): void {
    this.createTimings[phase] = (this.createTimings[phase] ?? 0) + ms;
  }

  async run(feeds: Map<string, Tensor>, outputs: readonly string[]): Promise<Map<string, Tensor>> {
    if (this.released) throw new WebliteError('RELEASED', 'run: the session was released');
    const dims = new Map(this.graph.inputs.map((name) => [name, feeds.get(name)!.dims]));
    const plan = this.planFor(dims);
    this.placement = plan.placement;
    if (this.profiling && !plan.profile) plan.profile = new Float64Array(plan.steps.length);
    return plan.run(feeds, outputs);
  }

  setProfiling(on: boolean): void {
    this.profiling = on;
    if (!on) return;
    for (const plan of this.plans.values()) {
      plan.profile = new Float64Array(plan.steps.length);
      plan.profileRuns = 0;
    }
  }

  takeProfile(): ProfileEntry[] {
    const entries = new Map<string, ProfileEntry>();
    for (const plan of this.plans.values()) {
      if (!plan.profile) continue;
      plan.steps.forEach((step, i) => {
        const index = plan.stepNodes[i]!;
        const where = index >= 0 ? plan.placement[index]! : { node: '(layout conversion)', op: 'Transpose', kernel: step.kernel };
        const key = `${where.node}\u0000${step.kernel}`;
        const entry = entries.get(key) ?? { node: where.node, op: where.op, kernel: step.kernel, runs: plan.profileRuns, totalMs: 0 };
        entry.totalMs += plan.profile![i]!;
        entries.set(key, entry);
      });
      plan.profile = undefined;
    }
    return [...entries.values()];
  }

  /** Memory reserved in the module (weights, plans, arenas), for reports. */
  get memoryBytes(): number {
    return this.heap.used;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.plans.clear();
    // The memory, heap and workers serve the next session (context.ts).
    releaseContext(this.context);
  }
}
