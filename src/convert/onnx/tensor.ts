/** ONNX TensorProto ↔ weblite Tensor, for every storage form (raw_data, typed fields, external data). */
import { WebliteError } from '../../errors.js';
import { type DType, byteSize } from '../../ir/dtype.js';
import { Tensor, limits, sizeOf } from '../../ir/tensor.js';
import { type TensorProto, int64ToBigInt, int64ToNumber } from './proto.js';

/** ONNX TensorProto.DataType → weblite dtype (undefined: not supported, e.g. bfloat16, complex). */
const ONNX_DTYPES: Record<number, DType | undefined> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};
const ONNX_DTYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16', 17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2', 20: 'FLOAT8E5M2FNUZ',
};

export function onnxDType(code: number | undefined, where: string): DType {
  const type = ONNX_DTYPES[code ?? 0];
  if (!type) {
    const name = ONNX_DTYPE_NAMES[code ?? 0] ?? `#${code}`;
    throw new WebliteError('UNSUPPORTED_OP', `${where}: element type ${name} is not supported`);
  }
  return type;
}

export function onnxDTypeCode(type: DType): number {
  for (const [code, t] of Object.entries(ONNX_DTYPES)) if (t === type) return Number(code);
  throw new Error(`internal: no ONNX code for ${type}`);
}

/** Side files for external data, by relative path. */
export type ExternalFiles = Record<string, Uint8Array>;

export function tensorFromProto(proto: TensorProto, where: string, files: ExternalFiles = {}): Tensor {
  const type = onnxDType(proto.data_type, where);
  const dims = (proto.dims ?? []).map((d) => int64ToNumber(d));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new WebliteError('BAD_MODEL', `${where}: invalid dims [${dims.join(', ')}]`);
  }
  const size = sizeOf(dims);
  if (size > limits.maxElements) {
    throw new WebliteError('BAD_MODEL', `${where}: tensor of ${size} elements exceeds the limit ${limits.maxElements}`);
  }
  const mismatch = (given: number, field: string): never => {
    throw new WebliteError('BAD_MODEL', `${where}: ${field} holds ${given} values but dims [${dims.join(', ')}] need ${size}`);
  };

  let raw = proto.raw_data;
  if (proto.data_location === 1) raw = externalBytes(proto, where, files);

  if (type === 'string') {
    const strings = proto.string_data ?? [];
    if (strings.length !== size) mismatch(strings.length, 'string_data');
    const decoder = new TextDecoder();
    return new Tensor('string', strings.map((s) => decoder.decode(s)), dims);
  }

  const out = Tensor.zeros(type, dims);
  if (raw && (raw.length > 0 || size === 0)) {
    const bytes = byteSize(type);
    if (raw.length !== size * bytes) mismatch(raw.length / bytes, 'raw_data');
    // Copy into the (aligned) output; ONNX raw_data is little-endian, as are all wasm/JS hosts we target.
    new Uint8Array(out.data.buffer as ArrayBuffer, (out.data as Uint8Array).byteOffset, raw.length).set(raw);
    return out;
  }

  const data = out.data as unknown as { [i: number]: number | bigint; length: number };
  const fill = (values: ArrayLike<number> | undefined, field: string, map: (v: number) => number = (v) => v) => {
    const length = values?.length ?? 0;
    if (length !== size) mismatch(length, field);
    for (let i = 0; i < size; i++) data[i] = map(values![i]!);
  };
  switch (type) {
    case 'float32':
      fill(proto.float_data, 'float_data');
      break;
    case 'float64':
      fill(proto.double_data, 'double_data');
      break;
    case 'int64': {
      const values = proto.int64_data ?? [];
      if (values.length !== size) mismatch(values.length, 'int64_data');
      for (let i = 0; i < size; i++) data[i] = int64ToBigInt(values[i]);
      break;
    }
    case 'uint64': {
      const values = proto.uint64_data ?? [];
      if (values.length !== size) mismatch(values.length, 'uint64_data');
      for (let i = 0; i < size; i++) data[i] = int64ToBigInt(values[i], true);
      break;
    }
    case 'uint32': {
      const values = proto.uint64_data ?? [];
      if (values.length !== size) mismatch(values.length, 'uint64_data');
      for (let i = 0; i < size; i++) data[i] = int64ToNumber(values[i]) >>> 0;
      break;
    }
    case 'float16':
      fill(proto.int32_data, 'int32_data', (v) => v & 0xffff);
      break;
    default: // int32, int16, int8, uint16, uint8, bool: all in int32_data; typed-array stores wrap/narrow
      fill(proto.int32_data, 'int32_data', type === 'bool' ? (v) => (v ? 1 : 0) : undefined);
  }
  return out;
}

function externalBytes(proto: TensorProto, where: string, files: ExternalFiles): Uint8Array {
  const info: Record<string, string> = {};
  for (const entry of proto.external_data ?? []) info[entry.key ?? ''] = entry.value ?? '';
  const location = info.location;
  if (!location) throw new WebliteError('BAD_MODEL', `${where}: external data without a 'location'`);
  const file = files[location] ?? files[location.replace(/^\.\//, '')];
  if (!file) {
    throw new WebliteError(
      'BAD_MODEL',
      `${where}: weights are stored in the external file '${location}', which was not given (CLI: put it next to the model; API: pass it in options.files)`,
    );
  }
  const offset = info.offset ? Number(info.offset) : 0;
  const length = info.length ? Number(info.length) : file.length - offset;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > file.length) {
    throw new WebliteError(
      'BAD_MODEL',
      `${where}: external data range offset ${info.offset ?? 0} length ${info.length ?? '(rest)'} is outside '${location}' (${file.length} bytes)`,
    );
  }
  return file.subarray(offset, offset + length);
}

