/**
 * ONNX protobuf decoding with protobufjs (light build + the descriptor generated from ONNX's onnx.proto).
 * Only the fields weblite reads are typed here. Any decode failure (truncated or corrupted bytes) becomes BAD_MODEL.
 */
import protobuf from 'protobufjs/light.js';
import { WebliteError } from '../../errors.js';
import { onnxDescriptor } from './onnx-proto.generated.js';

/** protobufjs decodes int64 as Long objects (or numbers when small and Long is absent). */
export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
  toNumber(): number;
}
export type Int64 = number | LongLike;

export interface TensorShapeProto {
  dim?: { dim_value?: Int64; dim_param?: string }[];
}
export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  sequence_type?: unknown;
  map_type?: unknown;
  optional_type?: unknown;
  sparse_tensor_type?: unknown;
}
export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
}
export interface StringStringEntryProto {
  key?: string;
  value?: string;
}
export interface TensorProto {
  dims?: Int64[];
  data_type?: number;
  segment?: unknown;
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: Int64[];
  name?: string;
  raw_data?: Uint8Array;
  double_data?: number[];
  uint64_data?: Int64[];
  external_data?: StringStringEntryProto[];
  data_location?: number;
}
export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: unknown;
  sparse_tensor?: unknown;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: unknown[];
  ref_attr_name?: string;
}
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
}
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparse_initializer?: unknown[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
}
export interface ModelProto {
  ir_version?: Int64;
  opset_import?: { domain?: string; version?: Int64 }[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Int64;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: StringStringEntryProto[];
  functions?: unknown[];
}

let root: protobuf.Root | undefined;
function type(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(onnxDescriptor as protobuf.INamespace);
  return root.lookupType(`onnx.${name}`);
}

function decode<T>(typeName: string, bytes: Uint8Array, fileName: string): T {
  try {
    return type(typeName).decode(bytes) as unknown as T;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebliteError('BAD_MODEL', `${fileName}: not a valid ONNX ${typeName} (${reason})`, { cause: error });
  }
}

export const decodeModel = (bytes: Uint8Array, fileName: string): ModelProto => decode('ModelProto', bytes, fileName);
export const decodeTensor = (bytes: Uint8Array, fileName: string): TensorProto => decode('TensorProto', bytes, fileName);

export function int64ToNumber(value: Int64 | undefined): number {
  if (value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

export function int64ToBigInt(value: Int64 | undefined, unsigned = false): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(value);
  const big = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return unsigned ? big : BigInt.asIntN(64, big);
}
