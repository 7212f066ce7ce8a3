/**
 * A Plan is one specialised graph (concrete input dims) turned into GPU objects, all created here, before the
 * first run:
 *   1. pick a lowering per node (first that supports it; the CPU reference otherwise) and build its dispatches;
 *   2. decide which float32 tensors live on the GPU (those a GPU kernel reads or writes) and resolve aliases;
 *   3. give them pooled buffers by lifetime (memory.ts), upload constants once per session;
 *   4. compile every pipeline in parallel, pack all uniform blocks into one buffer, build every bind group;
 *   5. create one staging buffer per tensor the CPU must read back (reference inputs, graph outputs).
 * run() (execute.ts) then only encodes, submits and reads back.
 */
import { WebliteError } from '../../errors.js';
import type { Graph, Node } from '../../ir/graph.js';
import { type Tensor, sizeOf } from '../../ir/tensor.js';
import type { PlacementEntry } from '../../runtime/backend.js';
import { BufferUsage, type GpuDevice } from './device.js';
import { type DerivedConstant, type Dispatch, type Lowering, type Operand, type Step, isGpuTensor, staticDims } from './lowering.js';
import { assignBuffers, type BufferRequest } from './memory.js';
import type { PipelineCache } from './shaders.js';
import type { GpuTimer } from './timestamps.js';

export interface PlanResources {
  gpu: GpuDevice;
  pipelines: PipelineCache;
  lowerings: readonly Lowering[];
  /** Per-session buffer of a float32 constant or derived table (uploaded on first use). */
  constantBuffer(operand: DerivedConstant | Tensor): GPUBuffer;
}

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
  /** Root name → its GPU buffer (only tensors that live on the GPU). */
  readonly buffers = new Map<string, GPUBuffer>();
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
const tensorBytes = (graph: Graph, name: string) => sizeOf(staticDims(graph, name)!) * 4;

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
  const lifetimes = planResidency(plan, steps);
  return withErrorScopes(resources.gpu.device, async () => {
    createPool(plan, lifetimes, resources.gpu);
    await encodeSteps(plan, steps, resources);
    createStaging(plan, steps, resources.gpu);
    return plan;
  });
}

/** Resolves aliases, marks GPU-produced tensors, and returns the lifetimes (over op indices) of the GPU tensors. */
function planResidency(plan: Plan, steps: readonly (Step | undefined)[]): BufferRequest[] {
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
      lifetimes.set(root, { id: root, bytes: tensorBytes(graph, root), start: index, end: index });
    }
  };
  for (const name of graph.inputs) touch(name, -1);
  graph.nodes.forEach((node, index) => [...node.inputs, ...node.outputs].forEach((name) => touch(name, index)));
  for (const name of graph.outputs) touch(name, graph.nodes.length);
  return [...lifetimes.values()];
}

function createPool(plan: Plan, lifetimes: BufferRequest[], gpu: GpuDevice): void {
  const pool = assignBuffers(lifetimes);
  const usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
  const pooled = pool.sizes.map((bytes, i) => gpu.createBuffer(bytes, usage, `weblite pool ${i}`));
  plan.ownBuffers.push(...pooled);
  plan.poolBytes = pool.sizes.reduce((sum, bytes) => sum + bytes, 0);
  for (const [root, index] of pool.bufferOf) plan.buffers.set(root, pooled[index]!);
}

/** Compiles every pipeline (in parallel), packs all uniform blocks into one buffer, builds every bind group. */
async function encodeSteps(plan: Plan, steps: readonly (Step | undefined)[], resources: PlanResources): Promise<void> {
  const { graph } = plan;
  const { gpu } = resources;
  const dispatches = steps.flatMap((step) => (step?.kind === 'gpu' ? step.dispatches : []));
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

  const operandBinding = (operand: Operand): GPUBufferBinding => {
    if (typeof operand !== 'string') return { buffer: resources.constantBuffer(operand) };
    const constant = graph.constant(operand);
    if (constant) return { buffer: resources.constantBuffer(constant), size: constant.size * 4 };
    const buffer = plan.bufferOf(operand);
    if (!buffer) throw new WebliteError('RUNTIME_ERROR', `webgpu: tensor '${operand}' has no GPU buffer`);
    return { buffer, offset: 0, size: tensorBytes(graph, operand) };
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
    plan.placement.push({ node: node.name, op: node.op, backend: 'webgpu', kernel: step.kernel });
    if (step.kind === 'alias') return;
    const encoded = step.dispatches.map((dispatch) => {
      const pipeline = pipelineOf.get(dispatch)!;
      const uniform = { buffer: uniformBuffer, offset: uniformOffsets.get(dispatch)!, size: dispatch.uniforms.bytes().byteLength };
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: uniform }];
      dispatch.bindings.forEach((operand, i) => {
        if (operand !== undefined) entries.push({ binding: i + 1, resource: operandBinding(operand) });
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
