/**
 * The one tensor class: user-facing (mirrors onnxruntime-web's `new Tensor(type, data, dims)`) and the value
 * type every reference op computes on. Data is never copied by the constructor.
 */
import { WebliteError } from '../errors.js';
import { type DType, type DataTypeMap, type TensorData, dataMatchesType, isDType, typedArrayConstructor } from './dtype.js';

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
    return this.data.length;
  }

  /** For parity with GPU-resident tensors: resolves to the CPU data. */
  async getData(): Promise<DataTypeMap[T]> {
    return this.data;
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

  /** Same data, new dims (no copy). */
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

export type { TensorData };
