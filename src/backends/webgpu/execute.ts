/**
 * One run of a Plan. GPU ops are encoded into one compute pass of one command encoder; the only reasons to
 * submit before the end are nodes on the CPU reference, which need their GPU inputs read back first (their
 * outputs go back up with queue.writeBuffer). An all-GPU graph is one submit plus one staging copy and map per
 * requested output, all mapped together — or, with outputs kept on the GPU, one submit and no map at all.
 * GPU-tensor feeds are copied on the GPU into their planned buffers (gpu-tensors.ts); only a CPU node that
 * reads such a feed downloads it.
 */
import { WebliteError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';
import { opTable } from '../../ir/ops.js';
import { Tensor, gpuResidence, sizeOf } from '../../ir/tensor.js';
import { MAP_READ_MODE, type GpuDevice } from './device.js';
import type { GpuTensors } from './gpu-tensors.js';
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
  /** GPU-side buffer copies of GPU-tensor feeds and of outputs kept on the GPU. */
  copies: number;
  /** Nodes run on the CPU reference. */
  cpuNodes: number;
}

class Encoder {
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;

  /** Descriptor of the next pass to begin (a profiled op's timestamp writes). */
  private nextPass: GPUComputePassDescriptor | undefined;

  constructor(private readonly device: GPUDevice, private readonly counts: RunCounts) {}

  /** Ends the current pass; the next dispatch begins one with `descriptor` (undefined: a plain pass). */
  startPass(descriptor: GPUComputePassDescriptor | undefined): void {
    this.endPass();
    this.nextPass = descriptor;
  }

  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, grid: [number, number, number]): void {
    this.encoder ??= this.device.createCommandEncoder({ label: 'weblite run' });
    this.pass ??= this.encoder.beginComputePass(this.nextPass);
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(...grid);
    this.counts.dispatches++;
  }

  copy(from: GPUBuffer, to: GPUBuffer, bytes: number): void {
    this.command((encoder) => encoder.copyBufferToBuffer(from, 0, to, 0, bytes));
  }

  /** Runs `encode` on the command encoder, outside any pass. */
  command(encode: (encoder: GPUCommandEncoder) => void): void {
    this.endPass();
    this.encoder ??= this.device.createCommandEncoder({ label: 'weblite run' });
    encode(this.encoder);
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

/** Keeps outputs on the GPU (outputLocation 'gpu-buffer'): the buffers the output tensors will own. */
export type GpuOutputs = GpuTensors;

export async function executePlan(
  plan: Plan,
  gpu: GpuDevice,
  feeds: Map<string, Tensor>,
  outputs: readonly string[],
  gpuOutputs?: GpuOutputs,
): Promise<{ results: Map<string, Tensor>; counts: RunCounts }> {
  const { graph } = plan;
  const device = gpu.device;
  const counts: RunCounts = { dispatches: 0, submits: 0, readbacks: 0, uploads: 0, copies: 0, cpuNodes: 0 };
  const encoder = new Encoder(device, counts);
  // CPU-side values of this run: CPU feeds, reference results, tensors read back (by name or by alias root).
  const values = new Map<string, Tensor>();
  const gpuFeeds = new Map<string, Tensor>();
  for (const [name, feed] of feeds) (gpuResidence(feed) ? gpuFeeds : values).set(name, feed);
  const dimsOf = (name: string) => staticDims(graph, name)!;
  const bytesOf = (name: string) => sizeOf(dimsOf(name)) * 4;

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

  const known = (name: string): Tensor | undefined => {
    const constant = graph.constant(name);
    if (constant) return constant;
    const value = values.get(name);
    if (value) return value;
    const root = values.get(plan.root(name));
    return root && root.reshape(dimsOf(name));
  };

  /** Copies, submits and maps the staging buffers of `names` not yet known on the CPU (GPU feeds: downloads). */
  const readBack = async (names: readonly string[]) => {
    const pending = new Map<string, Readback>();
    const downloads: string[] = [];
    for (const name of names) {
      if (name === '' || known(name)) continue;
      const root = plan.root(name);
      const readback = plan.readbacks.get(root);
      if (readback) pending.set(readback.root, readback);
      else if (gpuFeeds.has(root)) downloads.push(root);
      else throw new WebliteError('RUNTIME_ERROR', `webgpu: tensor '${name}' has no value`);
    }
    for (const readback of pending.values()) encoder.copy(readback.buffer, readback.staging, readback.bytes);
    encoder.submit();
    await Promise.all([
      ...[...pending.values()].map(async (readback) => {
        await readback.staging.mapAsync(MAP_READ_MODE, 0, readback.bytes);
        const bytes = readback.staging.getMappedRange(0, readback.bytes).slice(0);
        readback.staging.unmap();
        values.set(readback.root, fromGpuWords(bytes, graph.tensor(readback.root).type, dimsOf(readback.root)));
        counts.readbacks++;
      }),
      ...downloads.map(async (root) => {
        const feed = gpuFeeds.get(root)!;
        const data = await gpuResidence(feed)!.download(feed.type as Exclude<DType, 'string'>, feed.size, device);
        values.set(root, new Tensor(feed.type, data as Tensor['data'], feed.dims));
        counts.readbacks++;
      }),
    ]);
    gpu.check();
  };

  for (const name of graph.inputs) {
    if (plan.root(name) !== name) continue;
    const gpuFeed = gpuFeeds.get(name);
    const buffer = plan.bufferOf(name);
    if (!gpuFeed) {
      const feed = feeds.get(name);
      if (feed) upload(name, feed);
    } else if (buffer && gpuFeed.type === 'float32') {
      encoder.copy(gpuFeed.gpuBuffer, buffer, bytesOf(name));
      counts.copies++;
    } else if (buffer) {
      // Other dtypes are stored as converted i32 words (storage.ts): they go through the CPU.
      await readBack([name]);
      upload(name, known(name)!);
    }
  }

  const profile = plan.profile;
  const timer = profile ? plan.timer : undefined;
  if (profile) plan.profileRuns++;
  for (const op of plan.ops) {
    let started = profile ? performance.now() : 0;
    if (op.kind === 'gpu') {
      if (timer) encoder.startPass(timer.pass(op.index));
      for (const d of op.dispatches) encoder.dispatch(d.pipeline, d.bindGroup, d.grid);
      if (timer) encoder.startPass(undefined);
    } else {
      const node = op.node;
      await readBack(node.inputs);
      // With GPU timestamps, a CPU node's time is its own work, not the wait for the GPU work before it.
      if (timer) started = performance.now();
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
      if (timer) profile![op.index]! += performance.now() - started;
    }
    if (profile && !timer) {
      encoder.submit();
      await device.queue.onSubmittedWorkDone();
      profile[op.index]! += performance.now() - started;
    }
  }
  if (timer) encoder.command((commands) => timer.resolve(commands));
  const results = gpuOutputs ? await keepOnGpu() : await readBack(outputs).then(() => new Map(outputs.map((name) => [name, known(name)!])));
  if (timer) await timer.collect(profile!);
  return { results, counts };

  /** Copies each float32 output into a buffer of its own (CPU-known ones are written up); others stay on the CPU. */
  async function keepOnGpu(): Promise<Map<string, Tensor>> {
    const results = new Map<string, Tensor>();
    const cpuOnes = outputs.filter((name) => {
      const root = plan.root(name);
      return graph.tensor(name).type !== 'float32' || !(plan.bufferOf(name) || gpuFeeds.get(root)?.type === 'float32');
    });
    if (cpuOnes.length > 0) await readBack(cpuOnes);
    for (const name of outputs) {
      const root = plan.root(name);
      const source = plan.bufferOf(name) ?? (gpuFeeds.get(root)?.type === 'float32' ? gpuFeeds.get(root)!.gpuBuffer : undefined);
      const cpu = source ? undefined : known(name)!;
      if (graph.tensor(name).type !== 'float32' || (cpu && cpu.type !== 'float32')) {
        results.set(name, cpu ?? known(name)!);
        continue;
      }
      const buffer = gpuOutputs!.take(bytesOf(name));
      if (source) {
        encoder.copy(source, buffer, bytesOf(name));
        counts.copies++;
      } else {
        const data = cpu!.data as Float32Array;
        device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
        counts.uploads++;
      }
      results.set(name, gpuOutputs!.wrap(buffer, dimsOf(name)));
    }
    encoder.submit();
    return results;
  }
}
