/**
 * A Plan is one specialised graph (concrete input dims) turned into GPU objects, all created here, before the
 * first run:
 *   1. pick a lowering per node (first that supports it; the CPU reference otherwise) and build its dispatches;
 *   2. decide which float32 tensors live on the GPU (those a GPU kernel reads or writes) and resolve aliases;
 *   3. give them pooled buffers by lifetime (memory.ts), upload constants once per session;
 *   4. compile every pipeline in parallel, pack all uniform blocks into one buffer, build every bind group;
 *   5. create one staging buffer per tensor the CPU must read back (reference inputs, graph outputs).
 * With precision 'fp16' (precision.ts) step 2 also decides which steps run their F16 variant and which tensors are
 * stored as f16, and the conversions between the two storages join the dispatches of the op they follow/precede.
 * run() (execute.ts) then only encodes, submits and reads back.
 */
import { WebliteError } from '../../errors.js';
import type { Graph, Node } from '../../ir/graph.js';
import { type Tensor, sizeOf } from '../../ir/tensor.js';
import type { PlacementEntry } from '../../runtime/backend.js';
import { BufferUsage, type GpuDevice } from './device.js';
import { type DerivedConstant, type Dispatch, type Lowering, type Operand, type Step, isGpuTensor, staticDims } from './lowering.js';
import { assignBuffers, type BufferRequest } from './memory.js';
import { Uniforms, linearGrid } from './uniforms.js';
import { type PrecisionPlan, type Precision, type Shadow, type Stored, planPrecision, shadowKey } from './precision.js';
import type { PipelineCache } from './shaders.js';
import type { GpuTimer } from './timestamps.js';

export interface PlanResources {
  gpu: GpuDevice;
  pipelines: PipelineCache;
  lowerings: readonly Lowering[];
  /** Per-session buffer of a float32 constant or derived table (uploaded on first use); 'f16': as f16 values. */
  constantBuffer(operand: DerivedConstant | Tensor, stored?: 'f16'): GPUBuffer;
  /** 'fp32' unless the session asked for fp16 (precision.ts). */
  precision?: Precision;
}

const CONVERT_KERNEL = 'elementwise/f32-f16-convert.wgsl';

export interface EncodedDispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  grid: [number, number, number];
}

export type PlanOp =
  | { kind: 'gpu'; index: number; dispatches: EncodedDispatch[] }
  | { kind: 'cpu'; index: number; node: Node };

/** A GPU tensor the CPU reads: copied into its staging buffer, then mapped. */
export interface Readback {
  root: string;
  buffer: GPUBuffer;
  staging: GPUBuffer;
  bytes: number;
}

export class Plan {
  /** Placement entry per node, in node order (op index = node index). */
  readonly placement: PlacementEntry[] = [];
  readonly ops: PlanOp[] = [];
  /** Tensor name → the name whose buffer holds it (itself, or the input it aliases). */
  readonly roots = new Map<string, string>();
  /** Root name → its GPU buffer holding f32 values (what uploads, read-backs and GPU outputs use). */
  readonly buffers = new Map<string, GPUBuffer>();
  /** Root name → the buffer its producer writes (in `precision`'s home storage), and shadowKey → shadow copies. */
  readonly homeBuffers = new Map<string, GPUBuffer>();
  readonly shadowBuffers = new Map<string, GPUBuffer>();
  /** Which steps run in f16 and where storages change (all f32 at precision 'fp32'). */
  precision!: PrecisionPlan;
  /** Roots written by GPU kernels (their values exist only on the GPU until read back). */
  readonly gpuProduced = new Set<string>();
  readonly readbacks = new Map<string, Readback>();
  /** Bytes of pooled activation buffers. */
  poolBytes = 0;
  /** Buffers this plan created (not the session's constants), destroyed with the plan. */
  readonly ownBuffers: GPUBuffer[] = [];
  /** Profiling: milliseconds per op, accumulated. */
  profile: Float64Array | undefined;
  profileRuns = 0;
  /** Profiling with 'timestamp-query': GPU time per op (absent: CPU wall time per step). */
  timer: GpuTimer | undefined;

  constructor(readonly graph: Graph) {}

  root(name: string): string {
    return this.roots.get(name) ?? name;
  }

  destroy(): void {
    for (const buffer of this.ownBuffers) buffer.destroy();
    this.timer?.destroy();
    this.timer = undefined;
  }

  /** The GPU buffer holding a tensor, if it lives on the GPU. */
  bufferOf(name: string): GPUBuffer | undefined {
    return this.buffers.get(this.root(name));
  }
}

const ALIGN_UNIFORM = 256;
const alignUp = (n: number, to: number) => Math.ceil(n / to) * to;
const tensorBytes = (graph: Graph, name: string, bytesPerElement = 4) => alignUp(sizeOf(staticDims(graph, name)!) * bytesPerElement, 4);
const isFloat32 = (graph: Graph, name: string) => graph.tensors.get(name)?.type === 'float32';

function chooseSteps(graph: Graph, lowerings: readonly Lowering[]): (Step | undefined)[] {
  const ctx = { graph, dims: (name: string) => staticDims(graph, name) ?? [], constant: (name: string) => graph.constant(name) };
  return graph.nodes.map((node) => {
    const lowering = lowerings.find((l) => l.supports(node, graph));
    return lowering?.build(node, ctx);
  });
}

export async function buildPlan(graph: Graph, resources: PlanResources): Promise<Plan> {
  const plan = new Plan(graph);
  const steps = chooseSteps(graph, resources.lowerings);
  const onGpu = planResidency(plan, steps);
  plan.precision = planPrecision(resources.precision ?? 'fp32', { graph, steps, root: (name) => plan.root(name), onGpu: (root) => onGpu.has(root) && isGpuTensor(graph, root), supportsF16: (file) => resources.pipelines.supportsF16(file) });
  const lifetimes = planLifetimes(plan, onGpu);
  return withErrorScopes(resources.gpu.device, async () => {
    createPool(plan, lifetimes, resources.gpu);
    await encodeSteps(plan, steps, resources);
    createStaging(plan, steps, resources.gpu);
    return plan;
  });
}

/** Resolves aliases, marks GPU-produced tensors, and returns the roots that live on the GPU. */
function planResidency(plan: Plan, steps: readonly (Step | undefined)[]): Set<string> {
  const { graph } = plan;
  const onGpu = new Set<string>();
  steps.forEach((step, index) => {
    const node = graph.nodes[index]!;
    if (step?.kind === 'alias') {
      plan.roots.set(node.outputs[0]!, plan.root(node.inputs[0]!));
      onGpu.add(node.inputs[0]!);
    } else if (step?.kind === 'gpu') {
      for (const dispatch of step.dispatches) {
        for (const operand of dispatch.bindings) if (typeof operand === 'string' && !graph.constant(operand)) onGpu.add(operand);
      }
      for (const name of node.outputs) if (name !== '') plan.gpuProduced.add(plan.root(name));
    }
  });
  for (const name of [...onGpu]) onGpu.add(plan.root(name));
  for (const name of plan.gpuProduced) onGpu.add(name);
  return onGpu;
}

/** Lifetimes (over op indices) of the GPU tensors in their home storage, and of their shadow copies. */
function planLifetimes(plan: Plan, onGpu: Set<string>): BufferRequest[] {
  const { graph, precision } = plan;
  // Graph inputs exist before op 0; graph outputs must survive past the last op.
  const lifetimes = new Map<string, BufferRequest>();
  const touch = (name: string, index: number) => {
    if (name === '' || graph.constant(name)) return;
    const root = plan.root(name);
    if (!onGpu.has(root) || !isGpuTensor(graph, root)) return;
    const known = lifetimes.get(root);
    if (known) {
      known.start = Math.min(known.start, index);
      known.end = Math.max(known.end, index);
    } else {
      lifetimes.set(root, { id: root, bytes: tensorBytes(graph, root, precision.f16Homes.has(root) ? precision.f16Bytes : 4), start: index, end: index });
    }
  };
  for (const name of graph.inputs) touch(name, -1);
  graph.nodes.forEach((node, index) => [...node.inputs, ...node.outputs].forEach((name) => touch(name, index)));
  for (const name of graph.outputs) touch(name, graph.nodes.length);
  for (const [key, shadow] of precision.shadows) {
    lifetimes.set(key, { id: key, bytes: tensorBytes(graph, shadow.root, shadow.stored === 'f16' ? precision.f16Bytes : 4), start: shadow.op, end: shadow.lastUse });
  }
  return [...lifetimes.values()];
}

function createPool(plan: Plan, lifetimes: BufferRequest[], gpu: GpuDevice): void {
  const pool = assignBuffers(lifetimes);
  const usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
  const pooled = pool.sizes.map((bytes, i) => gpu.createBuffer(bytes, usage, `weblite pool ${i}`));
  plan.ownBuffers.push(...pooled);
  plan.poolBytes = pool.sizes.reduce((sum, bytes) => sum + bytes, 0);
  for (const [id, index] of pool.bufferOf) (plan.precision.shadows.has(id) ? plan.shadowBuffers : plan.homeBuffers).set(id, pooled[index]!);
  for (const [root, buffer] of plan.homeBuffers) {
    const f32 = plan.precision.f16Homes.has(root) ? plan.shadowBuffers.get(shadowKey(root, 'f32')) : buffer;
    if (f32) plan.buffers.set(root, f32);
  }
}

/** The dispatch that copies a tensor from its home storage into its shadow (f32 ⇄ stored float). */
function conversion(plan: Plan, shadow: Shadow): Dispatch {
  const size = sizeOf(staticDims(plan.graph, shadow.root)!);
  const flags = [plan.precision.flag, ...(shadow.stored === 'f16' ? ['TO_F16'] : [])];
  return { shader: { file: CONVERT_KERNEL, flags }, uniforms: new Uniforms().u32(size, 0, 0, 0), bindings: [shadow.root, shadowKey(shadow.root, shadow.stored)], grid: linearGrid(size) };
}

/** Compiles every pipeline (in parallel), packs all uniform blocks into one buffer, builds every bind group. */
async function encodeSteps(plan: Plan, steps: readonly (Step | undefined)[], resources: PlanResources): Promise<void> {
  const { graph, precision } = plan;
  const { gpu } = resources;
  // Per op: conversions due before it, its own dispatches, conversions due after it (precision.ts).
  const before = new Map<number, Dispatch[]>();
  const after = new Map<number, Dispatch[]>();
  for (const shadow of precision.shadows.values()) {
    const list = shadow.when === 'before' ? before : after;
    list.set(shadow.op, [...(list.get(shadow.op) ?? []), conversion(plan, shadow)]);
  }
  const conversions = new Set([...before.values(), ...after.values()].flat());
  const opDispatches = steps.map((step, index) => {
    const own = step?.kind === 'gpu' ? step.dispatches.map((d) => (precision.f16Steps.has(index) ? { ...d, shader: { ...d.shader, flags: [...(d.shader.flags ?? []), precision.flag] } } : d)) : [];
    return [...(before.get(index) ?? []), ...own, ...(after.get(index) ?? [])];
  });
  const dispatches = opDispatches.flat();
  const compiling = Promise.all(dispatches.map((d) => resources.pipelines.get(d.shader)));

  const uniformAlign = Math.max(ALIGN_UNIFORM, gpu.limits.minUniformBufferOffsetAlignment);
  const uniformOffsets = new Map<Dispatch, number>();
  let uniformBytes = 0;
  for (const dispatch of dispatches) {
    uniformOffsets.set(dispatch, uniformBytes);
    uniformBytes = alignUp(uniformBytes + dispatch.uniforms.bytes().byteLength, uniformAlign);
  }
  const uniformBuffer = gpu.createBuffer(Math.max(uniformBytes, 16), BufferUsage.UNIFORM | BufferUsage.COPY_DST, 'weblite uniforms');
  plan.ownBuffers.push(uniformBuffer);
  for (const dispatch of dispatches) gpu.device.queue.writeBuffer(uniformBuffer, uniformOffsets.get(dispatch)!, dispatch.uniforms.bytes());

  /** The buffer of `operand` as a kernel of storage `stored` sees it (integers and f32 kernels: 32-bit words). */
  const operandBinding = (operand: Operand, stored: Stored): GPUBufferBinding => {
    if (typeof operand !== 'string') return { buffer: resources.constantBuffer(operand) };
    const f16 = stored === 'f16' && isFloat32(graph, operand);
    const bytes = f16 ? precision.f16Bytes : 4;
    const constant = graph.constant(operand);
    if (constant) return { buffer: resources.constantBuffer(constant, f16 && bytes === 2 ? 'f16' : undefined), size: alignUp(constant.size * bytes, 4) };
    const root = plan.root(operand);
    const home: Stored = precision.f16Homes.has(root) ? 'f16' : 'f32';
    const wanted: Stored = isFloat32(graph, operand) ? stored : 'f32';
    const buffer = wanted === home ? plan.homeBuffers.get(root) : plan.shadowBuffers.get(shadowKey(root, wanted));
    if (!buffer) throw new WebliteError('RUNTIME_ERROR', `webgpu: tensor '${operand}' has no GPU buffer${wanted === home ? '' : ` in ${wanted}`}`);
    return { buffer, offset: 0, size: tensorBytes(graph, operand, bytes) };
  };
  /** Storage of each binding: a conversion reads the home and writes the shadow; a step uses its own. */
  const bindingStorage = (dispatch: Dispatch, index: number, stepStored: Stored): Stored => {
    if (!conversions.has(dispatch)) return stepStored;
    const shadow = dispatch.bindings[1] as string;
    const to: Stored = shadow.endsWith('@f16') ? 'f16' : 'f32';
    return index === 0 ? (to === 'f16' ? 'f32' : 'f16') : to;
  };
  const resolved = await compiling;
  const pipelineOf = new Map(dispatches.map((d, i) => [d, resolved[i]!]));

  steps.forEach((step, index) => {
    const node = graph.nodes[index]!;
    if (!step) {
      plan.ops.push({ kind: 'cpu', index, node });
      plan.placement.push({ node: node.name, op: node.op, backend: 'cpu', kernel: `reference/${node.op}` });
      return;
    }
    const f16 = precision.f16Steps.has(index);
    plan.placement.push({ node: node.name, op: node.op, backend: 'webgpu', kernel: f16 ? `${step.kernel}#F16` : step.kernel });
    if (step.kind === 'alias') return;
    const stepStored: Stored = f16 ? 'f16' : 'f32';
    const encoded = opDispatches[index]!.map((dispatch) => {
      const pipeline = pipelineOf.get(dispatch)!;
      const uniform = { buffer: uniformBuffer, offset: uniformOffsets.get(dispatch)!, size: dispatch.uniforms.bytes().byteLength };
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: uniform }];
      dispatch.bindings.forEach((operand, i) => {
        if (operand === undefined) return;
        // A conversion's second binding names the shadow itself.
        const name = conversions.has(dispatch) ? (dispatch.bindings[0] as string) : operand;
        entries.push({ binding: i + 1, resource: operandBinding(name, bindingStorage(dispatch, i, stepStored)) });
      });
      gpu.created.bindGroups++;
      const bindGroup = gpu.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries, label: `${node.name} ${step.kernel}` });
      return { pipeline, bindGroup, grid: dispatch.grid };
    });
    plan.ops.push({ kind: 'gpu', index, dispatches: encoded });
  });
}

/** A staging buffer for every GPU-produced tensor the CPU reads: reference inputs and graph outputs. */
function createStaging(plan: Plan, steps: readonly (Step | undefined)[], gpu: GpuDevice): void {
  const { graph } = plan;
  const cpuReads = graph.nodes.flatMap((node, index) => (steps[index] ? [] : node.inputs));
  for (const name of [...cpuReads, ...graph.outputs]) {
    if (name === '' || graph.constant(name)) continue;
    const root = plan.root(name);
    const buffer = plan.buffers.get(root);
    if (!buffer || !plan.gpuProduced.has(root) || plan.readbacks.has(root)) continue;
    const bytes = tensorBytes(graph, root);
    const staging = gpu.createBuffer(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, `weblite readback ${root}`);
    plan.ownBuffers.push(staging);
    plan.readbacks.set(root, { root, buffer, staging, bytes });
  }
}

/**
 * Runs `make` inside out-of-memory and validation error scopes and turns what they caught into WebliteErrors (an
 * allocation failure is OUT_OF_MEMORY; a validation error is a bug in a lowering). Scopes are popped on every path.
 */
async function withErrorScopes<T>(device: GPUDevice, make: () => Promise<T>): Promise<T> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let result: T | undefined;
  let failure: unknown;
  try {
    result = await make();
  } catch (error) {
    failure = error;
  }
  const outOfMemory = await device.popErrorScope();
  const validation = await device.popErrorScope();
  if (outOfMemory) throw new WebliteError('OUT_OF_MEMORY', `webgpu: allocating the model's buffers failed: ${outOfMemory.message}`);
  if (validation) throw new WebliteError('RUNTIME_ERROR', `webgpu: building the plan failed: ${validation.message}`);
  if (failure !== undefined) throw failure;
  return result!;
}
