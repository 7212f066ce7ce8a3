/**
 * The one tensor class: user-facing (mirrors onnxruntime-web's `new Tensor(type, data, dims)`) and the value
 * type every reference op computes on. Data is never copied by the constructor.
 *
 * A tensor may instead live in a WebGPU buffer (`Tensor.fromGpuBuffer`, or a webgpu session's outputs with
 * `outputLocation: 'gpu-buffer'`): then `location` is 'gpu-buffer', `data` throws, and `await getData()` downloads.
 * The GPU side (src/ir/gpu-tensor.ts) keeps WebGPU calls out of this file.
 */
/// <reference types="@webgpu/types" />
import { WebliteError } from '../errors.js';
import { type DType, type DataTypeMap, type TensorData, dataMatchesType, isDType, typedArrayConstructor } from './dtype.js';
import { type GpuBufferOptions, GpuResidence, checkGpuBuffer } from './gpu-tensor.js';

/** Where a tensor's values are: in `data`, or in a GPUBuffer (`gpuBuffer`). */
export type TensorLocation = 'cpu' | 'gpu-buffer';

/** GPU residence of GPU tensors; CPU tensors have none (and no extra fields). */
const residences = new WeakMap<Tensor, GpuResidence>();

/** The GPU side of a GPU tensor (for backends), or undefined for a CPU tensor. */
export function gpuResidence(tensor: Tensor): GpuResidence | undefined {
  return residences.get(tensor);
}

/** Largest tensor (in elements) weblite will allocate; guards against absurd shapes in corrupted models. */
export const limits = { maxElements: 2 ** 28 };

export function sizeOf(dims: readonly number[]): number {
  let size = 1;
  for (const d of dims) size *= d;
  return size;
}

export function checkDims(dims: readonly number[], what: string): void {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new WebliteError('BAD_INPUT', `${what}: dims must be non-negative integers, got [${dims.join(', ')}]`);
    }
  }
}

export class Tensor<T extends DType = DType> {
  readonly type: T;
  readonly data: DataTypeMap[T];
  readonly dims: readonly number[];

  constructor(type: T, data: DataTypeMap[T] | readonly (number | bigint | boolean | string)[], dims?: readonly number[]) {
    if (!isDType(type)) throw new WebliteError('BAD_INPUT', `Tensor: unknown type '${String(type)}'`);
    let typed: unknown = data;
    if (Array.isArray(data) && type !== 'string') typed = fromArray(type as Exclude<DType, 'string'>, data);
    if (!dataMatchesType(type, typed)) {
      const given = typed === null || typed === undefined ? String(typed) : (typed as object).constructor?.name;
      throw new WebliteError('BAD_INPUT', `Tensor: data for type '${type}' must be ${expectedData(type)}, got ${given}`);
    }
    const length = (typed as ArrayLike<unknown>).length;
    const shape = dims ? [...dims] : [length];
    checkDims(shape, 'Tensor');
    if (sizeOf(shape) !== length) {
      throw new WebliteError(
        'BAD_INPUT',
        `Tensor: data length ${length} does not match dims [${shape.join(', ')}] (product ${sizeOf(shape)})`,
      );
    }
    this.type = type;
    this.data = typed as DataTypeMap[T];
    this.dims = Object.freeze(shape);
  }

  get size(): number {
    return sizeOf(this.dims);
  }

  get location(): TensorLocation {
    return residences.has(this) ? 'gpu-buffer' : 'cpu';
  }

  /** The GPUBuffer holding a GPU tensor's values (the first `size` elements, densely packed, row-major). */
  get gpuBuffer(): GPUBuffer {
    const gpu = residences.get(this);
    if (!gpu) throw new WebliteError('BAD_ARGUMENT', `tensor ${this.type}[${this.dims.join(', ')}] is on the CPU: it has no gpuBuffer (use .data)`);
    return gpu.use('gpuBuffer');
  }

  /** The values on the CPU: `data` itself, or for a GPU tensor a fresh download (one copy and map per call). */
  async getData(): Promise<DataTypeMap[T]> {
    const gpu = residences.get(this);
    if (!gpu) return this.data;
    return (await gpu.download(this.type as Exclude<DType, 'string'>, this.size)) as DataTypeMap[T];
  }

  /**
   * Lets go of a GPU tensor's buffer: a buffer a webgpu session created for an output goes back to that session
   * for reuse; a caller's buffer is left alone (the `dispose` callback given to `fromGpuBuffer` runs instead).
   * Using the tensor afterwards is a BAD_INPUT error. No-op for CPU tensors (their data is garbage-collected).
   */
  dispose(): void {
    residences.get(this)?.dispose();
  }

  /**
   * A tensor whose values are in `buffer` (densely packed, row-major, from offset 0). The buffer needs COPY_SRC
   * usage (sessions copy from it; `getData` downloads through it). Give `device` (the buffer's GPUDevice) so that
   * `getData()` can download and sessions can check the buffer is theirs; without it a session checks on first use.
   */
  static fromGpuBuffer<T extends Exclude<DType, 'string'>>(buffer: GPUBuffer, options: GpuBufferOptions<T>): Tensor<T> {
    const { type, dims } = options ?? ({} as GpuBufferOptions<T>);
    if (!isDType(type) || (type as DType) === 'string') {
      throw new WebliteError('BAD_INPUT', `Tensor.fromGpuBuffer: type must be a numeric dtype, got '${String(type)}'`);
    }
    if (!Array.isArray(dims)) throw new WebliteError('BAD_INPUT', `Tensor.fromGpuBuffer: dims must be an array of integers, got ${String(dims)}`);
    checkDims(dims, 'Tensor.fromGpuBuffer');
    checkGpuBuffer(buffer, type, sizeOf(dims));
    const tensor = Object.create(Tensor.prototype) as Tensor<T>;
    const describe = `${type}[${dims.join(', ')}]`;
    Object.defineProperties(tensor, {
      type: { value: type, enumerable: true },
      dims: { value: Object.freeze([...dims]), enumerable: true },
      data: {
        enumerable: false,
        get() {
          throw new WebliteError('BAD_ARGUMENT', `tensor ${describe} lives in a GPU buffer (location 'gpu-buffer'): use 'await tensor.getData()' to download it`);
        },
      },
    });
    residences.set(tensor, new GpuResidence(buffer, options.device, options.dispose, describe));
    return tensor;
  }

  /** A tensor of zeros (or empty strings), refusing sizes above `limits.maxElements`. */
  static zeros<T extends DType>(type: T, dims: readonly number[]): Tensor<T> {
    checkDims(dims, `zeros(${type})`);
    const size = sizeOf(dims);
    if (size > limits.maxElements) {
      throw new WebliteError('OUT_OF_MEMORY', `tensor of ${type}[${dims.join(', ')}] has ${size} elements, above the limit ${limits.maxElements}`);
    }
    const data = type === 'string' ? new Array<string>(size).fill('') : new (typedArrayConstructor(type as Exclude<DType, 'string'>))(size);
    return new Tensor(type, data as DataTypeMap[T], dims);
  }

  /** Same data, new dims (no copy). CPU tensors only: a GPU tensor has no `data` to share. */
  reshape(dims: readonly number[]): Tensor<T> {
    return new Tensor(this.type, this.data, dims);
  }
}

function expectedData(type: DType): string {
  return type === 'string' ? 'an array of strings' : typedArrayConstructor(type as Exclude<DType, 'string'>).name;
}

function fromArray(type: Exclude<DType, 'string'>, values: readonly unknown[]): unknown {
  const Ctor = typedArrayConstructor(type);
  const out = new Ctor(values.length);
  const big = type === 'int64' || type === 'uint64';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (big) (out as BigInt64Array)[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    else (out as Float32Array)[i] = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
  }
  return out;
}

export type { TensorData, GpuBufferOptions };
