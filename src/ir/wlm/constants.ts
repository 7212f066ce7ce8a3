/**
 * Facts about the .wlm container shared by the writer, the reader and the verifier.
 * The schema itself is src/format/weblite.fbs; this file holds what the schema cannot say.
 */
import type { DType } from '../dtype.js';
import { WebliteError } from '../../errors.js';
import { DataType } from '../../format/generated/weblite_generated.js';

/** Bytes 4..8 of every .wlm file (the flatbuffers file identifier). */
export const FILE_IDENTIFIER = 'WLM1';

/** The format_version this code writes and the only one it reads. Bump on incompatible changes. */
export const FORMAT_VERSION = 1;

/**
 * The data section starts at a multiple of this, and every constant's bytes start at a multiple of this
 * inside it, so a typed-array view of any element size (≤ 8) is aligned whenever the file's buffer is.
 * 64 also matches cache lines and WebGPU's buffer-offset alignment rules of thumb.
 */
export const DATA_ALIGNMENT = 64;
/** Alignment of constants smaller than DATA_ALIGNMENT bytes (8: any element type's view). */
export const SMALL_ALIGNMENT = 8;

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

const DTYPE_TO_FORMAT: Record<DType, DataType> = {
  float32: DataType.FLOAT32,
  float16: DataType.FLOAT16,
  float64: DataType.FLOAT64,
  int8: DataType.INT8,
  uint8: DataType.UINT8,
  int16: DataType.INT16,
  uint16: DataType.UINT16,
  int32: DataType.INT32,
  uint32: DataType.UINT32,
  int64: DataType.INT64,
  uint64: DataType.UINT64,
  bool: DataType.BOOL,
  string: DataType.STRING,
};

const FORMAT_TO_DTYPE = new Map<number, DType>(
  Object.entries(DTYPE_TO_FORMAT).map(([dtype, format]) => [format, dtype as DType]),
);

export function formatDataType(type: DType): DataType {
  return DTYPE_TO_FORMAT[type];
}

/** The weblite dtype of a file's DataType value, or undefined for UNDEFINED and unknown values. */
export function dtypeFromFormat(value: number): DType | undefined {
  return FORMAT_TO_DTYPE.get(value);
}

/** The one way the reader reports a problem: BAD_MODEL naming the file, what is wrong and where. */
export function badModel(fileName: string, what: string): never {
  throw new WebliteError('BAD_MODEL', `${fileName}: ${what}`);
}

/**
 * A file's 64-bit integer as a JS number, or undefined when it is outside [min, Number.MAX_SAFE_INTEGER].
 * Every size and offset read from a file goes through this before any arithmetic.
 */
export function safeNumber(value: bigint, min = 0): number | undefined {
  if (value < BigInt(min) || value > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(value);
}
