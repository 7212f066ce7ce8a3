/**
 * One run of a Plan. GPU ops are encoded into one compute pass of one command encoder; the only reasons to
 * submit before the end are nodes on the CPU reference, which need their GPU inputs read back first (their
 * outputs go back up with queue.writeBuffer). An all-GPU graph is one submit plus one staging copy and map per
 * requested output, all mapped together.
 */
import { WebliteError } from '../../errors.js';
import { opTable } from '../../ir/ops.js';
import { type Tensor, sizeOf } from '../../ir/tensor.js';
import { MAP_READ_MODE, type GpuDevice } from './device.js';
import { staticDims } from './lowering.js';
import type { Plan, Readback } from './plan.js';
import { fromGpuWords, toGpuWords } from './storage.js';

/** What the last run did (tests check that replays create nothing and dispatch at most once per node). */
export interface RunCounts {
  dispatches: number;
  submits: number;
  /** Staging buffers mapped (tensors read back to the CPU). */
  readbacks: number;
  /** queue.writeBuffer calls (graph inputs and CPU results going up). */
  uploads: number;
  /** Nodes run on the CPU reference. */
  cpuNodes: number;
}

class Encoder {
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;

  constructor(private readonly device: GPUDevice, private readonly counts: RunCounts) {}

  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, grid: [number, number, number]): void {
    this.encoder ??= this.device.createCommandEncoder({ label: 'weblite run' });
    this.pass ??= this.encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(...grid);
    this.counts.dispatches++;
  }

  copy(from: GPUBuffer, to: GPUBuffer, bytes: number): void {
    this.endPass();
    this.encoder ??= this.device.createCommandEncoder({ label: 'weblite run' });
    this.encoder.copyBufferToBuffer(from, 0, to, 0, bytes);
  }

  submit(): void {
    this.endPass();
    if (!this.encoder) return;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = undefined;
    this.counts.submits++;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = undefined;
  }
}

export async function executePlan(plan: Plan, gpu: GpuDevice, feeds: Map<string, Tensor>, outputs: readonly string[]): Promise<{ results: Map<string, Tensor>; counts: RunCounts }> {
  const { graph } = plan;
  const device = gpu.device;
  const counts: RunCounts = { dispatches: 0, submits: 0, readbacks: 0, uploads: 0, cpuNodes: 0 };
  // CPU-side values of this run: feeds, reference results, tensors read back (by name or by alias root).
  const values = new Map<string, Tensor>(feeds);
  const dimsOf = (name: string) => staticDims(graph, name)!;

  const upload = (name: string, tensor: Tensor) => {
    const buffer = plan.bufferOf(name);
    if (!buffer) return;
    const planned = graph.tensor(name).type;
    if (tensor.type !== planned || tensor.size !== sizeOf(dimsOf(name))) {
      throw new WebliteError('RUNTIME_ERROR', `webgpu: '${name}' was planned as ${planned}[${dimsOf(name).join(', ')}] but computed as ${tensor.type}[${tensor.dims.join(', ')}]`);
    }
    const data = toGpuWords(tensor);
    device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    counts.uploads++;
  };
  for (const name of graph.inputs) {
    const feed = feeds.get(name);
    if (feed && plan.root(name) === name) upload(name, feed);
  }

  const known = (name: string): Tensor | undefined => {
    const constant = graph.constant(name);
    if (constant) return constant;
    const value = values.get(name);
    if (value) return value;
    const root = values.get(plan.root(name));
    return root && root.reshape(dimsOf(name));
  };

  const encoder = new Encoder(device, counts);
  /** Copies, submits and maps the staging buffers of `names` not yet known on the CPU. */
  const readBack = async (names: readonly string[]) => {
    const pending = new Map<string, Readback>();
    for (const name of names) {
      if (name === '' || known(name)) continue;
      const readback = plan.readbacks.get(plan.root(name));
      if (!readback) throw new WebliteError('RUNTIME_ERROR', `webgpu: tensor '${name}' has no value`);
      pending.set(readback.root, readback);
    }
    for (const readback of pending.values()) encoder.copy(readback.buffer, readback.staging, readback.bytes);
    encoder.submit();
    await Promise.all([...pending.values()].map(async (readback) => {
      await readback.staging.mapAsync(MAP_READ_MODE, 0, readback.bytes);
      const bytes = readback.staging.getMappedRange(0, readback.bytes).slice(0);
      readback.staging.unmap();
      values.set(readback.root, fromGpuWords(bytes, graph.tensor(readback.root).type, dimsOf(readback.root)));
      counts.readbacks++;
    }));
    gpu.check();
  };

  const profile = plan.profile;
  if (profile) plan.profileRuns++;
  for (const op of plan.ops) {
    const started = profile ? performance.now() : 0;
    if (op.kind === 'gpu') {
      for (const d of op.dispatches) encoder.dispatch(d.pipeline, d.bindGroup, d.grid);
    } else {
      const node = op.node;
      await readBack(node.inputs);
      const inputs = node.inputs.map((name) => (name === '' ? undefined : known(name)));
      let results: Tensor[];
      try {
        results = opTable[node.op].reference(inputs, node.attrs, { outputCount: node.outputs.length, nodeName: node.name });
      } catch (error) {
        if (error instanceof WebliteError) throw error;
        throw new WebliteError('RUNTIME_ERROR', `node '${node.name}' (${node.op}) failed: ${(error as Error).message}`, { cause: error });
      }
      node.outputs.forEach((name, i) => {
        const result = results[i];
        if (name === '' || !result) return;
        values.set(name, result);
        upload(name, result);
      });
      counts.cpuNodes++;
    }
    if (profile) {
      encoder.submit();
      await device.queue.onSubmittedWorkDone();
      profile[op.index]! += performance.now() - started;
    }
  }
  await readBack(outputs);
  const results = new Map<string, Tensor>();
  for (const name of outputs) results.set(name, known(name)!);
  return { results, counts };
}
