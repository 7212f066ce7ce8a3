/**
 * How a tensor's elements are stored on the GPU: every GPU tensor is an array of 32-bit words.
 *   f32  float32 (the values themselves);
 *   i32  int32, int16, uint16, int8, uint8 and bool (values widened; bool as 0/1), and int64 as its value when that
 *        fits in 32 bits. Lowerings bind int64 tensors only where the value provably fits (indices bounded by an
 *        axis, ArgMax results, Casts from narrower types, constants checked at plan time). An int64 that arrives
 *        from the CPU is saturated to the i32 range, so an out-of-range index stays out of range.
 * Other types (float16, float64, uint32, uint64, string) never live on the GPU.
 */
import type { DType } from '../../ir/dtype.js';
import { Tensor } from '../../ir/tensor.js';

export type GpuStorage = 'f32' | 'i32';

const I32_TYPES: ReadonlySet<DType> = new Set(['int32', 'int16', 'uint16', 'int8', 'uint8', 'bool', 'int64']);

export function gpuStorage(type: DType | undefined): GpuStorage | undefined {
  if (type === 'float32') return 'f32';
  return type !== undefined && I32_TYPES.has(type) ? 'i32' : undefined;
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** The words uploaded for a tensor of a GPU storage type (float32 data as it is; integers as Int32Array). */
export function toGpuWords(tensor: Tensor): Float32Array | Int32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'int32') return tensor.data as Int32Array;
  const words = new Int32Array(tensor.size);
  if (tensor.type === 'int64') {
    const data = tensor.data as BigInt64Array;
    for (let i = 0; i < words.length; i++) {
      const value = data[i]!;
      words[i] = value > BigInt(I32_MAX) ? I32_MAX : value < BigInt(I32_MIN) ? I32_MIN : Number(value);
    }
    return words;
  }
  words.set(tensor.data as ArrayLike<number>);
  return words;
}

/** A tensor of `type` from words read back from the GPU (`bytes` is copied out of the mapped range). */
export function fromGpuWords(bytes: ArrayBuffer, type: DType, dims: readonly number[]): Tensor {
  if (type === 'float32') return new Tensor('float32', new Float32Array(bytes), dims);
  const words = new Int32Array(bytes);
  switch (type) {
    case 'int32': return new Tensor('int32', words, dims);
    case 'int64': return new Tensor('int64', BigInt64Array.from(words, (w) => BigInt(w)), dims);
    case 'bool': return new Tensor('bool', Uint8Array.from(words, (w) => (w !== 0 ? 1 : 0)), dims);
    case 'int8': return new Tensor('int8', Int8Array.from(words), dims);
    case 'uint8': return new Tensor('uint8', Uint8Array.from(words), dims);
    case 'int16': return new Tensor('int16', Int16Array.from(words), dims);
    case 'uint16': return new Tensor('uint16', Uint16Array.from(words), dims);
    default: throw new Error(`webgpu: ${type} tensors are not stored on the GPU`);
  }
}

const F16_MAX_BITS = 0x7bff; // 65504

/**
 * float32 values as f16 bit patterns (precision 'fp16' weights), rounded to nearest even; like the kernels'
 * store_float (kernels-wgsl/common/precision.wgsl), magnitudes past 65504 saturate to ±65504 and NaN stays NaN.
 * Padded to an even length so the bytes fill whole 32-bit words (WebGPU copies and bindings are word-sized).
 */
export function toFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length + (values.length % 2));
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const bits = words[i]!;
    const sign = (bits >>> 16) & 0x8000;
    const exponent = (bits >>> 23) & 0xff;
    const mantissa = bits & 0x7fffff;
    if (exponent === 0xff) {
      out[i] = mantissa !== 0 ? 0x7e00 : sign | F16_MAX_BITS;
      continue;
    }
    const e = exponent - 127 + 15;
    let half: number;
    if (e >= 0x1f) {
      half = F16_MAX_BITS;
    } else if (e <= 0) {
      // Subnormal (or zero): shift the mantissa with its implicit 1 into place, rounding to nearest even.
      if (e < -10) {
        half = 0;
      } else {
        const full = mantissa | 0x800000;
        const shift = 14 - e;
        const kept = full >>> shift;
        const rest = full & ((1 << shift) - 1);
        const halfway = 1 << (shift - 1);
        half = kept + (rest > halfway || (rest === halfway && (kept & 1)) ? 1 : 0);
      }
    } else {
      const kept = (e << 10) | (mantissa >>> 13);
      const rest = mantissa & 0x1fff;
      half = kept + (rest > 0x1000 || (rest === 0x1000 && (kept & 1)) ? 1 : 0);
      if (half > F16_MAX_BITS) half = F16_MAX_BITS;
    }
    out[i] = sign | half;
  }
  return out;
}
