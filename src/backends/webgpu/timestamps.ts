/**
 * GPU time per node from 'timestamp-query': while profiling, each GPU node's dispatches get a compute pass of
 * their own whose `timestampWrites` record the pass's start and end into slots 2k and 2k+1 of one query set; at
 * the end of the run the whole set is resolved once, copied to a staging buffer and mapped together with the
 * outputs. Durations are end − start in nanoseconds (implementations may quantise them, e.g. Chromium to 100 µs
 * unless its developer features are on). The objects are made when profiling starts, not inside run().
 */
/// <reference types="@webgpu/types" />
import { BufferUsage, MAP_READ_MODE, type GpuDevice } from './device.js';
import type { PlanOp } from './plan.js';

/** WebGPU's limit on the queries of one set. */
const MAX_QUERIES = 4096;

export class GpuTimer {
  /** Op index → first of its two query slots. */
  private readonly slots = new Map<number, number>();
  private readonly querySet: GPUQuerySet;
  private readonly resolved: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly bytes: number;

  private constructor(gpu: GpuDevice, timed: readonly number[]) {
    timed.forEach((op, k) => this.slots.set(op, 2 * k));
    const count = 2 * timed.length;
    this.bytes = count * 8;
    this.querySet = gpu.device.createQuerySet({ type: 'timestamp', count, label: 'weblite profile' });
    this.resolved = gpu.createBuffer(this.bytes, BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC, 'weblite profile resolve');
    this.staging = gpu.createBuffer(this.bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'weblite profile readback');
  }

  /** A timer for the GPU ops of a plan, or undefined when the device has no timestamps or there are too many ops. */
  static create(gpu: GpuDevice, ops: readonly PlanOp[]): GpuTimer | undefined {
    const timed = ops.flatMap((op) => (op.kind === 'gpu' && op.dispatches.length > 0 ? [op.index] : []));
    if (!gpu.timestamps || timed.length === 0 || 2 * timed.length > MAX_QUERIES) return undefined;
    return new GpuTimer(gpu, timed);
  }

  /** The pass descriptor that times op `index`. */
  pass(index: number): GPUComputePassDescriptor | undefined {
    const slot = this.slots.get(index);
    if (slot === undefined) return undefined;
    return { label: `weblite op ${index}`, timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: slot, endOfPassWriteIndex: slot + 1 } };
  }

  /** Encodes the one resolve of the run (after every timed pass). */
  resolve(encoder: GPUCommandEncoder): void {
    encoder.resolveQuerySet(this.querySet, 0, this.slots.size * 2, this.resolved, 0);
    encoder.copyBufferToBuffer(this.resolved, 0, this.staging, 0, this.bytes);
  }

  /** After the run's last submit: adds each timed op's milliseconds to `profile` (indexed by op). */
  async collect(profile: Float64Array): Promise<void> {
    await this.staging.mapAsync(MAP_READ_MODE, 0, this.bytes);
    const stamps = new BigUint64Array(this.staging.getMappedRange(0, this.bytes).slice(0));
    this.staging.unmap();
    for (const [op, slot] of this.slots) {
      const start = stamps[slot]!;
      const end = stamps[slot + 1]!;
      // A reset or wrapped counter gives end < start: count nothing rather than a huge number.
      profile[op]! += end > start ? Number(end - start) / 1e6 : 0;
    }
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolved.destroy();
    this.staging.destroy();
  }
}
