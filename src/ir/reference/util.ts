/** Small helpers shared by references: reading numbers out of any tensor, building outputs. */
import { WebliteError } from '../../errors.js';
import { type DType, float32ToFloat16 } from '../dtype.js';
import { Tensor } from '../tensor.js';

/** Element i as a JS number (bigints converted; fine for indices, shapes and counts). */
export function numberAt(t: Tensor, i: number): number {
  const v = (t.data as ArrayLike<number | bigint | string>)[i];
  return typeof v === 'bigint' ? Number(v) : Number(v);
}

/** All elements as JS numbers (for shape/axes/indices inputs). */
export function toNumbers(t: Tensor | undefined): number[] {
  if (!t) return [];
  const out = new Array<number>(t.size);
  for (let i = 0; i < t.size; i++) out[i] = numberAt(t, i);
  return out;
}

/** Requires an input to be present. */
export function required(inputs: (Tensor | undefined)[], i: number, where: string): Tensor {
  const t = inputs[i];
  if (!t) throw new WebliteError('RUNTIME_ERROR', `${where}: input ${i} is required`);
  return t;
}

/** A tensor from JS numbers in the given dtype (int64 → BigInt). */
export function tensorFromNumbers(type: DType, values: readonly number[], dims: readonly number[]): Tensor {
  const t = Tensor.zeros(type, dims);
  const data = t.data as unknown as { [i: number]: number | bigint | string };
  const big = type === 'int64' || type === 'uint64';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    data[i] = big ? BigInt(Math.trunc(v)) : type === 'float16' ? float32ToFloat16(v) : v;
  }
  return t;
}
