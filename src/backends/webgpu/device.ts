/**
 * Finding a GPU and holding one device per session. Browsers provide `navigator.gpu`; Node gets one injected with
 * `setGpu` (e.g. from the `webgpu` package, Dawn). The device records its own loss and uncaptured errors; the
 * session reports them on the next run() instead of returning wrong numbers.
 */
/// <reference types="@webgpu/types" />
import { WebliteError } from '../../errors.js';

/** GPUBufferUsage / GPUMapMode bits (fixed by the spec; Node has no such globals unless the embedder adds them). */
export const BufferUsage = { MAP_READ: 0x0001, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080, QUERY_RESOLVE: 0x0200 } as const;
export const MAP_READ_MODE = 0x0001;

let injectedGpu: GPU | undefined;

/** Use this GPU object instead of `navigator.gpu` (Node: `create([])` from the `webgpu` package); undefined resets. */
export function setGpu(gpu: GPU | undefined): void {
  injectedGpu = gpu;
}

export function findGpu(): GPU | undefined {
  if (injectedGpu) return injectedGpu;
  const scope = globalThis as { navigator?: { gpu?: GPU }; gpu?: GPU };
  return scope.navigator?.gpu ?? scope.gpu;
}

export async function requestAdapter(): Promise<{ adapter?: GPUAdapter; reason: string }> {
  const gpu = findGpu();
  if (!gpu) return { reason: 'WebGPU is not available here (no navigator.gpu; in Node, inject one with setGpu)' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { reason: `requestAdapter failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!adapter) return { reason: 'WebGPU found no adapter (requestAdapter returned null)' };
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.device].filter((part) => part).join(' ');
  return { adapter, reason: `WebGPU adapter ${name || 'of unknown vendor'}` };
}

/**
 * Whether this GPU gives a usable device, not only an adapter: backend selection ('auto') must not choose webgpu on
 * an adapter whose requestDevice fails or hands back a device that is already lost. The probe's device (default
 * limits, a few ms on SwiftShader) is destroyed at once; the session requests its own with the limits it needs.
 */
export async function probeDevice(): Promise<{ available: boolean; reason: string }> {
  const { adapter, reason } = await requestAdapter();
  if (!adapter) return { available: false, reason };
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ label: 'weblite probe' });
  } catch (error) {
    return { available: false, reason: `${reason}, but requestDevice failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  // A device that could not be created may come back already lost (the spec's way of failing requestDevice).
  const lost = await Promise.race([device.lost, new Promise<undefined>((resolve) => setTimeout(resolve, 0))]);
  device.destroy();
  if (lost) return { available: false, reason: `${reason}, but its device was lost at once (${lost.reason ?? 'unknown'}: ${lost.message || 'no message'})` };
  return { available: true, reason: `${reason}; device obtained` };
}

/** What a model needs from the device beyond WebGPU's defaults. */
export interface DeviceNeeds {
  /** Largest single tensor or pooled buffer, in bytes. */
  largestBuffer: number;
  /** True when input dims are symbolic: later shapes may need more than the first plan. */
  dynamic: boolean;
  /** precision 'fp16': the device must have 'shader-f16' (requested here; refused when the adapter lacks it). */
  f16?: boolean;
}

const F16_MISSING = "precision 'fp16' needs the WebGPU feature 'shader-f16'";

const DEFAULT_BINDING_SIZE = 128 * 2 ** 20;
const DEFAULT_BUFFER_SIZE = 256 * 2 ** 20;

export interface CreationCounts {
  buffers: number;
  pipelines: number;
  shaderModules: number;
  bindGroups: number;
}

/** A device plus what it has created and whether it is still usable. */
export class GpuDevice {
  readonly created: CreationCounts = { buffers: 0, pipelines: 0, shaderModules: 0, bindGroups: 0 };
  /** Bytes of constants uploaded (weights, tables). */
  uploadedBytes = 0;
  /** Set once the device is lost (the message of GPUDeviceLostInfo). */
  lostReason: string | undefined;
  /** The first uncaptured GPU error since the last run, if any. */
  uncapturedError: string | undefined;
  private destroyed = false;

  private readonly onError = (event: GPUUncapturedErrorEvent) => {
    this.uncapturedError ??= event.error.message;
  };

  /** `owned`: created for this session, destroyed with it; a caller's device is only let go of. */
  private constructor(readonly device: GPUDevice, readonly adapterReason: string, private readonly owned: boolean) {
    void device.lost.then((info) => {
      if (!this.destroyed) this.lostReason = `${info.reason ?? 'unknown'}: ${info.message || 'no message'}`;
    });
    // A listener, not `onuncapturederror`: sessions sharing a device must not replace each other's handler.
    if (typeof device.addEventListener === 'function') device.addEventListener('uncapturederror', this.onError);
    else device.onuncapturederror = this.onError;
  }

  static async create(needs: DeviceNeeds, external?: GPUDevice): Promise<GpuDevice> {
    if (external) return GpuDevice.adopt(needs, external);
    const { adapter, reason } = await requestAdapter();
    if (!adapter) throw new WebliteError('BACKEND_UNAVAILABLE', reason);
    const requiredLimits: Record<string, number> = {};
    const binding = adapter.limits.maxStorageBufferBindingSize;
    const buffer = adapter.limits.maxBufferSize;
    if (needs.largestBuffer > Math.min(binding, buffer)) {
      throw new WebliteError('OUT_OF_MEMORY', `webgpu: the model needs a ${needs.largestBuffer}-byte buffer; this adapter allows ${Math.min(binding, buffer)} bytes per binding`);
    }
    // Ask for more than the defaults only when needed; with symbolic dims ask for all the adapter has.
    if (needs.dynamic || needs.largestBuffer > DEFAULT_BINDING_SIZE) requiredLimits.maxStorageBufferBindingSize = binding;
    if (needs.dynamic || needs.largestBuffer > DEFAULT_BUFFER_SIZE) requiredLimits.maxBufferSize = buffer;
    if (needs.f16 && !adapter.features.has('shader-f16')) {
      throw new WebliteError('BACKEND_UNAVAILABLE', `${F16_MISSING}, which this adapter lacks (${reason}); use precision 'fp32'`);
    }
    // Optional features cost nothing until used: timestamp-query until a pass asks for timestamps (profiling),
    // shader-f16 until an f16 shader compiles (an fp16 session; a caller sharing this device may want it too).
    const requiredFeatures = (['timestamp-query', 'shader-f16'] as const).filter((feature) => adapter.features.has(feature));
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'weblite' });
    return new GpuDevice(device, reason, true);
  }

  /** A caller's device (SessionOptions.gpuDevice), shared with whatever else uses it; checked against the model's needs. */
  private static adopt(needs: DeviceNeeds, device: GPUDevice): GpuDevice {
    if (needs.f16 && !device.features.has('shader-f16')) {
      throw new WebliteError('BACKEND_UNAVAILABLE', `${F16_MISSING}; the given gpuDevice was created without it (requiredFeatures: ['shader-f16'], where the adapter has it)`);
    }
    const allowed = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (needs.largestBuffer > allowed) {
      throw new WebliteError('BAD_ARGUMENT', `webgpu: the model needs a ${needs.largestBuffer}-byte buffer; the given gpuDevice allows ${allowed} bytes per binding (request higher maxStorageBufferBindingSize / maxBufferSize limits)`);
    }
    return new GpuDevice(device, `WebGPU device supplied by the caller${device.label ? ` ('${device.label}')` : ''}`, false);
  }

  /** Whether passes can carry timestamp writes (the device has 'timestamp-query'). */
  get timestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** Throws the loss or the first uncaptured error as a WebliteError (and clears the latter). */
  check(): void {
    if (this.destroyed) throw new WebliteError('RELEASED', 'webgpu: the session was released');
    if (this.lostReason) throw new WebliteError('DEVICE_LOST', `webgpu: the GPU device was lost (${this.lostReason}); create a new session`);
    const error = this.uncapturedError;
    if (error) {
      this.uncapturedError = undefined;
      throw new WebliteError('GPU_ERROR', `webgpu: the GPU reported an error: ${error}`);
    }
  }

  /**
   * What a failure in the middle of a run means: a WebliteError stays as it is; anything else (a rejected mapAsync)
   * becomes DEVICE_LOST when the device turns out to be lost — its `lost` promise may settle just after.
   */
  async explain(error: unknown): Promise<unknown> {
    if (error instanceof WebliteError) return error;
    await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 50))]);
    await Promise.resolve();
    if (this.lostReason) return new WebliteError('DEVICE_LOST', `webgpu: the GPU device was lost during the run (${this.lostReason}); create a new session`, { cause: error });
    return error;
  }

  createBuffer(size: number, usage: number, label: string): GPUBuffer {
    this.created.buffers++;
    return this.device.createBuffer({ size: Math.max(16, Math.ceil(size / 16) * 16), usage, label });
  }

  /** A storage buffer holding `data` (weights and other constants), uploaded once. */
  uploadF32(data: Float32Array, label: string): GPUBuffer {
    const buffer = this.createBuffer(data.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC, label);
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    this.uploadedBytes += data.byteLength;
    return buffer;
  }

  /** Destroys the device if this session created it; a caller's device stays usable by its other users. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (typeof this.device.removeEventListener === 'function') this.device.removeEventListener('uncapturederror', this.onError);
    if (this.owned) this.device.destroy();
  }
}
