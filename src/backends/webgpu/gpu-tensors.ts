/**
 * GPU-resident feeds and outputs of a webgpu session.
 *   - A feed that is a GPU tensor is copied on the GPU into the plan's buffer for that input (one
 *     copyBufferToBuffer in the run's command encoder; nothing goes through the CPU). It must be on the session's
 *     device: a tensor that names its device is compared; a bare buffer is checked once, by encoding (not
 *     submitting) a 4-byte copy inside a validation error scope.
 *   - With `outputLocation: 'gpu-buffer'` each float32 output is copied into a buffer the output tensor owns.
 *     Those buffers come from a per-session free list: `tensor.dispose()` hands its buffer back, so a loop that
 *     disposes its outputs creates no buffer after the first run. Outputs that are not float32 stay on the CPU.
 */
/// <reference types="@webgpu/types" />
import { WebliteError } from '../../errors.js';
import { Tensor, gpuResidence } from '../../ir/tensor.js';
import { BufferUsage, type GpuDevice } from './device.js';

/** Free output buffers kept per size; more are destroyed when handed back. */
const MAX_FREE_PER_SIZE = 8;

export class GpuTensors {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly checked = new WeakSet<GPUBuffer>();
  /** Destination of the trial copies that check a bare buffer's device (created once, never written). */
  private readonly probe: GPUBuffer;
  private released = false;

  constructor(private readonly gpu: GpuDevice) {
    this.probe = gpu.createBuffer(16, BufferUsage.COPY_DST, 'weblite device check');
  }

  /** Throws BAD_INPUT unless every GPU feed is alive and on this session's device. */
  async checkFeeds(feeds: Map<string, Tensor>): Promise<void> {
    for (const [name, tensor] of feeds) {
      const residence = gpuResidence(tensor);
      if (!residence) continue;
      const buffer = residence.use(`run: input '${name}'`);
      if (residence.device) {
        if (residence.device !== this.gpu.device) {
          throw new WebliteError(
            'BAD_INPUT',
            `run: input '${name}' is a GPU tensor on another GPUDevice than this session's; create the session with { gpuDevice } ` +
              `set to that device (e.g. the producing session's session.gpuDevice), or download the tensor with getData()`,
          );
        }
        continue;
      }
      if (this.checked.has(buffer)) continue;
      const device = this.gpu.device;
      device.pushErrorScope('validation');
      const encoder = device.createCommandEncoder({ label: 'weblite device check' });
      encoder.copyBufferToBuffer(buffer, 0, this.probe, 0, 4);
      encoder.finish();
      const error = await device.popErrorScope();
      if (error) throw new WebliteError('BAD_INPUT', `run: input '${name}': this session's GPU device cannot read its buffer (another device, or destroyed?): ${error.message}`);
      this.checked.add(buffer);
    }
  }

  /** A buffer of at least `bytes` for an output tensor, reused when one of that size was handed back. */
  take(bytes: number): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    return this.free.get(size)?.pop() ?? this.gpu.createBuffer(size, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST, 'weblite output');
  }

  /** An output tensor owning `buffer`: disposing it returns the buffer here (or destroys it after release). */
  wrap(buffer: GPUBuffer, dims: readonly number[]): Tensor<'float32'> {
    return Tensor.fromGpuBuffer(buffer, { type: 'float32', dims, device: this.gpu.device, dispose: () => this.give(buffer) });
  }

  private give(buffer: GPUBuffer): void {
    let list = this.free.get(buffer.size);
    if (!list) this.free.set(buffer.size, (list = []));
    if (this.released || list.length >= MAX_FREE_PER_SIZE) buffer.destroy();
    else list.push(buffer);
  }

  /** Destroys the free buffers; output tensors still alive keep theirs until disposed (or the device goes). */
  release(): void {
    this.released = true;
    for (const list of this.free.values()) for (const buffer of list) buffer.destroy();
    this.free.clear();
    this.probe.destroy();
  }
}
