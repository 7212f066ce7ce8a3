/**
 * The webgpu backend: WGSL kernels (kernels-wgsl/) on a WebGPU device, driven from here. A session owns one
 * device; weights are uploaded once; each distinct set of input dims gets a Plan (buffers pooled by lifetime,
 * pipelines compiled in parallel, bind groups built) on first use, and every later run with those dims only
 * encodes and submits — nothing is created per run (see `stats`).
 *
 * Layout: tensors stay in the IR's NCHW layout on the GPU (no NHWC conversion yet). Nodes without a GPU kernel run
 * on the CPU reference, visibly: placement says backend 'cpu', kernel 'reference/<Op>'.
 *
 * Browsers: `navigator.gpu`. Node: inject a GPU first, e.g.
 *   import { create, globals } from 'webgpu'; Object.assign(globalThis, globals); setGpu(create([]));
 */
/// <reference types="@webgpu/types" />
import { WebliteError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { sizeOf } from '../../ir/tensor.js';
import type { Backend, CompiledModel, OutputLocation, PlacementEntry, ProfileEntry } from '../../runtime/backend.js';
import { log } from '../../runtime/env.js';
import { GpuDevice, probeDevice } from './device.js';
import { type RunCounts, executePlan } from './execute.js';
import { GpuTensors } from './gpu-tensors.js';
import type { DerivedConstant, Lowering } from './lowering.js';
import { LOWERINGS } from './lower/index.js';
import { int64FeedFits, markFittingInputs } from './lower/values.js';
import { Plan, buildPlan } from './plan.js';
import type { PipelineCache } from './shaders.js';
import { planKey, shapeInputs, specializeGraph } from './specialize.js';
import type { Precision } from './precision.js';
import { toFloat16Bits, toGpuWords } from './storage.js';
import { GpuTimer } from './timestamps.js';

export { setGpu } from './device.js';

/** Plans kept per session (distinct input shapes); the oldest is dropped beyond this. */
const MAX_PLANS = 4;

export const webgpuBackend: Backend = {
  name: 'webgpu',
  /** Available only when an adapter and a device are obtained ('auto' then says which adapter). */
  probe: probeDevice,
  async compile(graph, options) {
    return WebGpuModel.create(graph, LOWERINGS, options.gpuDevice, options.precision);
  },
};

/** What the session has created on the device, and what its last run did. */
export interface WebGpuStats {
  pipelinesCreated: number;
  shaderModulesCreated: number;
  buffersCreated: number;
  bindGroupsCreated: number;
  runs: number;
  lastRun: RunCounts | undefined;
}

export class WebGpuModel implements CompiledModel {
  /** The plan of the latest run (of compilation before the first run). */
  private current: Plan | undefined;
  private readonly plans = new Map<string, Plan>();
  private readonly constants = new WeakMap<object, Map<string, GPUBuffer>>();
  /** Every constant buffer, destroyed on release (on a caller's device they would otherwise outlive the session). */
  private readonly constantBuffers: GPUBuffer[] = [];
  private readonly gpuTensors: GpuTensors;
  private readonly pipelines: PipelineCache;
  private readonly shapeNames: string[];
  /** int64 data inputs: each plan knows which of them its feeds keep in the i32 range (lower/values.ts). */
  private readonly int64Inputs: string[];
  private runs = 0;
  private lastRun: RunCounts | undefined;
  private profiling = false;
  private released = false;
  /** Runs execute one at a time: they share staging buffers, and a new plan may evict an old one. */
  private running: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly graph: Graph,
    private readonly gpu: GpuDevice,
    private readonly lowerings: readonly Lowering[],
    pipelines: PipelineCache,
    private readonly precision: Precision = 'fp32',
  ) {
    this.pipelines = pipelines;
    this.shapeNames = shapeInputs(graph);
    this.int64Inputs = graph.inputs.filter((name) => graph.tensor(name).type === 'int64' && !this.shapeNames.includes(name));
    this.gpuTensors = new GpuTensors(gpu);
  }

  /** `device`: the caller's GPUDevice to share (SessionOptions.gpuDevice); otherwise one is requested for this model. */
  /** `precision` 'fp16-emulated' plans as fp16 with f32 storage (tests of the plan on adapters without shader-f16). */
  static async create(graph: Graph, lowerings: readonly Lowering[], device?: GPUDevice, precision: Precision = 'fp32'): Promise<WebGpuModel> {
    const firstDims = new Map(graph.inputs.map((name) => [name, (graph.tensor(name).dims ?? []).map((d) => (typeof d === 'number' ? d : 1))]));
    const dynamic = graph.inputs.some((name) => (graph.tensor(name).dims ?? []).some((d) => typeof d !== 'number'));
    const specialized = specializeGraph(graph, firstDims, new Map());
    let largestBuffer = 0;
    for (const info of specialized.tensors.values()) {
      const dims = info.dims;
      if (dims && dims.every((d): d is number => typeof d === 'number')) largestBuffer = Math.max(largestBuffer, sizeOf(dims) * 4);
    }
    const gpu = await GpuDevice.create({ largestBuffer, dynamic, f16: precision === 'fp16' }, device);
    // The WGSL sources load with the first compiled model, not with the backend's registration: `?raw` imports
    // need a bundler (or Vitest), and plain Node scripts that merely list backends must not trip over them.
    let model: WebGpuModel | undefined;
    let plan: Plan;
    try {
      const { PipelineCache } = await import('./shaders.js');
      model = new WebGpuModel(graph, gpu, lowerings, new PipelineCache(gpu), precision);
      // Plan once up front (symbolic dims as 1) so placement is known and weights are uploaded before the first run.
      plan = await model.planFor(firstDims, specialized);
    } catch (error) {
      // On a caller's device, what was created so far must go too (release() destroys it; destroy() only owned devices).
      if (model) model.release();
      else gpu.destroy();
      throw error;
    }
    model.current = plan;
    const onGpu = plan.placement.filter((p) => p.backend === 'webgpu').length;
    log('verbose', `webgpu: ${gpu.adapterReason}; ${onGpu}/${plan.placement.length} nodes on GPU kernels`);
    return model;
  }

  /** The device this model runs on: GPU-tensor feeds must live on it, GPU outputs do. */
  get gpuDevice(): GPUDevice {
    return this.gpu.device;
  }

  /** Where each node runs in the current plan (plans differ only where shape inputs were bound at run time). */
  get placement(): PlacementEntry[] {
    return this.current?.placement ?? [];
  }

  /** Creation counters (cumulative) and the last run's dispatch/submit/readback counts. */
  get stats(): WebGpuStats {
    const created = this.gpu.created;
    return {
      pipelinesCreated: created.pipelines,
      shaderModulesCreated: created.shaderModules,
      buffersCreated: created.buffers,
      bindGroupsCreated: created.bindGroups,
      runs: this.runs,
      lastRun: this.lastRun && { ...this.lastRun },
    };
  }

  /** Bytes of weights and tables uploaded, plus the pooled activation buffers of the plans held. */
  get memoryBytes(): number {
    let bytes = this.gpu.uploadedBytes;
    for (const plan of this.plans.values()) bytes += plan.poolBytes;
    return bytes;
  }

  /**
   * The plan for these input dims (and shape-input values, src/backends/webgpu/specialize.ts), built on first use.
   * Without feeds (at compile time) shape inputs stay run-time values and their readers run on the reference.
   * int64 data inputs are checked on every run: plans differ by which of them hold values beyond i32 (usually
   * none, which the compile-time plan assumes); readers of those run on the reference, the rest as i32 on the GPU.
   */
  private async planFor(inputDims: Map<string, readonly number[]>, specialized?: Graph, feeds?: Map<string, Tensor>): Promise<Plan> {
    const unfit = feeds ? this.int64Inputs.filter((name) => feeds.has(name) && !int64FeedFits(feeds.get(name)!)) : [];
    const key = `${planKey(this.graph, this.shapeNames, inputDims, feeds)}|beyond i32: ${unfit.join(',')}`;
    let plan = this.plans.get(key);
    if (!plan) {
      const shapeValues = new Map(this.shapeNames.flatMap((name) => (feeds?.has(name) ? [[name, feeds.get(name)!] as const] : [])));
      const graph = specialized ?? specializeGraph(this.graph, inputDims, shapeValues);
      markFittingInputs(graph, this.int64Inputs.filter((name) => !unfit.includes(name)));
      plan = await buildPlan(graph, {
        gpu: this.gpu,
        pipelines: this.pipelines,
        lowerings: this.lowerings,
        constantBuffer: (operand, stored) => this.constantBuffer(operand, stored),
        precision: this.precision,
      });
      if (this.plans.size >= MAX_PLANS) {
        const oldest = this.plans.keys().next().value!;
        this.plans.get(oldest)!.destroy();
        this.plans.delete(oldest);
      }
      this.plans.set(key, plan);
      if (this.profiling) this.startProfile(plan);
    }
    return plan;
  }

  /** A constant's (or derived table's) GPU buffer, uploaded on first use and kept for the session. */
  private constantBuffer(operand: DerivedConstant | Tensor, stored?: 'f16'): GPUBuffer {
    const derived = 'make' in operand;
    const key = derived ? operand.key : operand;
    const purpose = derived ? operand.purpose : (stored ?? 'f32');
    let entries = this.constants.get(key);
    if (!entries) this.constants.set(key, (entries = new Map()));
    let buffer = entries.get(purpose);
    if (!buffer) {
      const words = derived ? operand.make() : stored === 'f16' ? toFloat16Bits(operand.data as Float32Array) : toGpuWords(operand);
      // Integer words upload bit for bit (a Float32Array view of them, never a conversion).
      const data = words instanceof Float32Array ? words : new Float32Array(words.buffer, words.byteOffset, words.byteLength / 4);
      buffer = this.gpu.uploadF32(data, derived ? purpose : `constant ${operand.dims.join('x')}`);
      entries.set(purpose, buffer);
      this.constantBuffers.push(buffer);
    }
    return buffer;
  }

  run(feeds: Map<string, Tensor>, outputs: readonly string[], options: { outputLocation?: OutputLocation } = {}): Promise<Map<string, Tensor>> {
    const result = this.running.then(() => this.runNow(feeds, outputs, options.outputLocation === 'gpu-buffer'));
    this.running = result.catch(() => undefined);
    return result;
  }

  private async runNow(feeds: Map<string, Tensor>, outputs: readonly string[], keepOnGpu: boolean): Promise<Map<string, Tensor>> {
    if (this.released) throw new WebliteError('RELEASED', 'run: the session was released');
    this.gpu.check();
    await this.gpuTensors.checkFeeds(feeds);
    const dims = new Map(this.graph.inputs.map((name) => [name, feeds.get(name)!.dims]));
    try {
      const plan = await this.planFor(dims, undefined, feeds);
      this.current = plan;
      const { results, counts } = await executePlan(plan, this.gpu, feeds, outputs, keepOnGpu ? this.gpuTensors : undefined);
      this.gpu.check();
      this.runs++;
      this.lastRun = counts;
      return results;
    } catch (error) {
      // A device lost mid-run rejects mapAsync with a DOMException: report it as what it is.
      throw await this.gpu.explain(error);
    }
  }

  /** Profiling: GPU timestamps per node when the device has 'timestamp-query', else CPU wall time per step. */
  setProfiling(on: boolean): void {
    this.profiling = on;
    if (on) for (const plan of this.plans.values()) this.startProfile(plan);
  }

  private startProfile(plan: Plan): void {
    plan.profile = new Float64Array(plan.placement.length);
    plan.profileRuns = 0;
    plan.timer ??= GpuTimer.create(this.gpu, plan.ops);
  }

  /**
   * Per-node totals. With timestamps: GPU time of each GPU node's pass ('gpu'), and the CPU time of each
   * reference node ('cpu'). Without: each step submitted and awaited on its own, wall time (overhead included).
   */
  takeProfile(): ProfileEntry[] {
    const entries: ProfileEntry[] = [];
    for (const plan of this.plans.values()) {
      const profile = plan.profile;
      if (!profile) continue;
      const timed = plan.timer !== undefined;
      plan.placement.forEach((p, i) => {
        const clock = timed && p.backend === 'webgpu' ? 'gpu' : 'cpu';
        entries.push({ node: p.node, op: p.op, kernel: p.kernel, runs: plan.profileRuns, totalMs: profile[i]!, clock });
      });
      plan.profile = undefined;
      plan.timer?.destroy();
      plan.timer = undefined;
    }
    return entries;
  }

  /** Destroys what this model created on the device (and the device itself unless it was the caller's). */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const plan of this.plans.values()) plan.destroy();
    this.plans.clear();
    for (const buffer of this.constantBuffers) buffer.destroy();
    this.gpuTensors.release();
    this.gpu.destroy();
  }
}
