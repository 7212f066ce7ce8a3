/**
 * Element types. Names follow onnxruntime-web's Tensor types so users can move code across.
 * float16 is stored as raw IEEE half bits in a Uint16Array (as onnxruntime-web does);
 * int64/uint64 use BigInt64Array/BigUint64Array; bool uses Uint8Array (0/1); string uses string[].
 */
export type DType =
  | 'float32'
  | 'float16'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

export const DTYPES: readonly DType[] = [
  'float32', 'float16', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool', 'string',
];

export interface DataTypeMap {
  float32: Float32Array;
  float16: Uint16Array;
  float64: Float64Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
  string: string[];
}

export type NumericArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
export type BigArray = BigInt64Array | BigUint64Array;
export type TensorData = NumericArray | BigArray | string[];

type TypedArrayConstructor = { new (length: number): NumericArray | BigArray; BYTES_PER_ELEMENT: number };

const CONSTRUCTORS: Record<Exclude<DType, 'string'>, TypedArrayConstructor> = {
  float32: Float32Array,
  float16: Uint16Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** Bytes per element; 0 for string. */
export function byteSize(type: DType): number {
  return type === 'string' ? 0 : CONSTRUCTORS[type].BYTES_PER_ELEMENT;
}

export function typedArrayConstructor(type: Exclude<DType, 'string'>): TypedArrayConstructor {
  return CONSTRUCTORS[type];
}

export const isFloat = (t: DType): boolean => t === 'float32' || t === 'float64' || t === 'float16';
export const isBig = (t: DType): t is 'int64' | 'uint64' => t === 'int64' || t === 'uint64';
export const isInteger = (t: DType): boolean =>
  t === 'int8' || t === 'uint8' || t === 'int16' || t === 'uint16' || t === 'int32' || t === 'uint32' || isBig(t);
export const isSigned = (t: DType): boolean =>
  t === 'int8' || t === 'int16' || t === 'int32' || t === 'int64' || isFloat(t);

/** Does `data` have the JS representation that `type` requires? */
export function dataMatchesType(type: DType, data: unknown): boolean {
  if (type === 'string') return Array.isArray(data) && data.every((s) => typeof s === 'string');
  return data instanceof CONSTRUCTORS[type];
}

// ---- float16 <-> float32 (IEEE 754 binary16, round to nearest even) ----
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export function float32ToFloat16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}
