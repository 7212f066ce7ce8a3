/**
 * The GPU side of a tensor whose values live in a GPUBuffer (`Tensor.fromGpuBuffer`, webgpu outputs with
 * `outputLocation: 'gpu-buffer'`). Layout: the values densely packed, row-major, from byte 0 of the buffer; the
 * buffer may be larger. Downloads go through a temporary staging buffer, so the caller's buffer needs only COPY_SRC.
 */
/// <reference types="@webgpu/types" />
import { WebliteError } from '../errors.js';
import { type DType, typedArrayConstructor } from './dtype.js';

/** GPUBufferUsage / GPUMapMode bits, fixed by the spec (Node has no such globals unless the embedder adds them). */
const USAGE_MAP_READ = 0x0001;
const USAGE_COPY_SRC = 0x0004;
const USAGE_COPY_DST = 0x0008;
const MAP_MODE_READ = 0x0001;

export interface GpuBufferOptions<T extends DType = DType> {
  type: T;
  dims: readonly number[];
  /** The device that owns the buffer: lets `getData()` download and sessions check the buffer is on their device. */
  device?: GPUDevice;
  /** Called once by `tensor.dispose()` (e.g. to destroy or recycle the buffer). */
  dispose?: () => void;
}

const align4 = (bytes: number) => Math.ceil(bytes / 4) * 4;

/** Bytes `size` elements of `type` take in a buffer (copies move whole 4-byte words, hence the rounding). */
export function gpuBytes(type: Exclude<DType, 'string'>, size: number): number {
  return align4(size * typedArrayConstructor(type).BYTES_PER_ELEMENT);
}

export function checkGpuBuffer(buffer: GPUBuffer, type: Exclude<DType, 'string'>, size: number): void {
  const like = buffer as Partial<GPUBuffer> | undefined;
  if (!like || typeof like !== 'object' || typeof like.size !== 'number' || typeof like.usage !== 'number') {
    throw new WebliteError('BAD_INPUT', `Tensor.fromGpuBuffer: expected a GPUBuffer, got ${Object.prototype.toString.call(buffer)}`);
  }
  if ((like.usage & USAGE_COPY_SRC) === 0) {
    throw new WebliteError('BAD_INPUT', `Tensor.fromGpuBuffer: the buffer needs GPUBufferUsage.COPY_SRC (its usage is 0x${like.usage.toString(16)})`);
  }
  const bytes = gpuBytes(type, size);
  if (like.size < bytes) {
    throw new WebliteError('BAD_INPUT', `Tensor.fromGpuBuffer: a buffer of ${like.size} bytes is too small for ${size} ${type} values (${bytes} bytes)`);
  }
}

export class GpuResidence {
  private disposed = false;

  constructor(
    private readonly buffer: GPUBuffer,
    /** The buffer's device, when known. */
    readonly device: GPUDevice | undefined,
    private readonly onDispose: (() => void) | undefined,
    /** 'float32[1, 3, 224, 224]', for messages. */
    readonly describe: string,
  ) {}

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The buffer, or a BAD_INPUT error naming `what` when the tensor was disposed. */
  use(what: string): GPUBuffer {
    if (this.disposed) throw new WebliteError('BAD_INPUT', `${what}: the GPU tensor ${this.describe} was disposed`);
    return this.buffer;
  }

  /** Copies the values to a staging buffer and maps it; `device` defaults to the tensor's own. */
  async download(type: Exclude<DType, 'string'>, size: number, device = this.device): Promise<ArrayLike<unknown>> {
    const buffer = this.use('getData');
    if (!device) {
      throw new WebliteError('BAD_ARGUMENT', `getData: the GPU tensor ${this.describe} does not know its device; pass { device } to Tensor.fromGpuBuffer to download it`);
    }
    const Ctor = typedArrayConstructor(type);
    const bytes = gpuBytes(type, size);
    device.pushErrorScope('validation');
    const staging = device.createBuffer({ size: Math.max(bytes, 4), usage: USAGE_MAP_READ | USAGE_COPY_DST, label: `weblite download ${this.describe}` });
    const encoder = device.createCommandEncoder({ label: 'weblite download' });
    if (bytes > 0) encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    const rejected = await device.popErrorScope();
    try {
      if (rejected) throw new WebliteError('BAD_INPUT', `getData: the GPU refused to copy the tensor ${this.describe} (destroyed buffer, or another device?): ${rejected.message}`);
      try {
        await staging.mapAsync(MAP_MODE_READ, 0, Math.max(bytes, 4));
      } catch (error) {
        throw new WebliteError('DEVICE_LOST', `getData: mapping the download of ${this.describe} failed (${(error as Error).message}); the GPU device was probably lost`, { cause: error });
      }
      const copy = staging.getMappedRange(0, Math.max(bytes, 4)).slice(0, size * Ctor.BYTES_PER_ELEMENT);
      staging.unmap();
      return new (Ctor as unknown as new (buffer: ArrayBuffer) => ArrayLike<unknown>)(copy);
    } finally {
      staging.destroy();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.onDispose?.();
  }
}
