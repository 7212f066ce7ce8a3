/**
 * .tflite bytes → plain records of the parts weblite uses: operator codes, the main subgraph's tensors and
 * operators, and the buffers (as views into the file). Every index a record holds is checked here, so the
 * converter can index arrays without further checks.
 */
import { WebliteError } from '../../errors.js';
import { FlatBufferReader, type Table } from './flatbuffer.js';
import { CUSTOM_OPERATOR, Fields, TENSOR_TYPE_NAMES } from './schema.js';

export interface TfliteQuantization {
  scale: number[];
  zeroPoint: number[];
  /** quantized_dimension: the axis per-channel scales run along. */
  axis: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  /** TensorType enum value. */
  type: number;
  shape: number[];
  /** Index into TfliteModel.buffers; 0 is the empty sentinel. */
  buffer: number;
  quantization?: TfliteQuantization;
  isVariable: boolean;
  sparse: boolean;
}

export interface TfliteOperatorCode {
  builtin: number;
  custom?: string;
  version: number;
}

export interface TfliteOperator {
  index: number;
  code: TfliteOperatorCode;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  options?: Table;
  /** custom_options of a custom operator (flexbuffers for the ones weblite implements); a view into the file. */
  customOptions?: Uint8Array;
}

export interface TfliteModel {
  version: number;
  description: string;
  subgraphCount: number;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
  /** Constant data by buffer index (a view into the file); undefined where a buffer holds none. */
  buffers: (Uint8Array | undefined)[];
  /** Model.metadata entries whose buffers hold text (e.g. min_runtime_version). */
  metadata: Record<string, string>;
}

export const TFLITE_IDENTIFIER = 'TFL3';

export function readTfliteModel(bytes: Uint8Array, fileName: string): TfliteModel {
  const reader: FlatBufferReader = new FlatBufferReader(bytes, fileName);
  if (bytes.length < 8) reader.fail(`file is ${bytes.length} bytes, too short for a .tflite model`);
  const identifier = reader.identifier();
  if (identifier !== TFLITE_IDENTIFIER) reader.fail(`file identifier is ${JSON.stringify(identifier)}, expected "${TFLITE_IDENTIFIER}" (not a .tflite file?)`);
  const model = reader.root('Model');
  const F = Fields.Model;
  const version = model.uint32(F.version, 'version');
  if (version !== 3) throw new WebliteError('BAD_MODEL', `${fileName}: schema version ${version} is not supported (expected 3)`);

  const buffers = model.tables(F.buffers, 'buffers').map((table) => readBuffer(reader, table));
  const codes = model.tables(F.operator_codes, 'operator_codes').map(readOperatorCode);
  const subgraphs = model.tables(F.subgraphs, 'subgraphs');
  const main = subgraphs[0];
  if (!main) reader.fail('the model has no subgraph');

  const S = Fields.SubGraph;
  const tensors = main.tables(S.tensors, 'tensors').map((table, index) => readTensor(reader, table, index, buffers.length));
  const tensorIndex = (value: number, where: string, optional: boolean): number => {
    if (optional && value === -1) return -1;
    if (!Number.isInteger(value) || value < 0 || value >= tensors.length) reader.fail(`${where}: tensor index ${value} is out of range (${tensors.length} tensors)`);
    return value;
  };
  const inputs = (main.int32s(S.inputs, 'inputs') ?? []).map((t, i) => tensorIndex(t, `SubGraph.inputs[${i}]`, false));
  const outputs = (main.int32s(S.outputs, 'outputs') ?? []).map((t, i) => tensorIndex(t, `SubGraph.outputs[${i}]`, false));

  const O = Fields.Operator;
  const operators = main.tables(S.operators, 'operators').map((table, index): TfliteOperator => {
    const where = `operator ${index}`;
    const opcode = table.uint32(O.opcode_index, 'opcode_index');
    const code = codes[opcode];
    if (!code) reader.fail(`${where}: opcode_index ${opcode} is out of range (${codes.length} operator codes)`);
    return {
      index,
      code,
      inputs: (table.int32s(O.inputs, 'inputs') ?? []).map((t, i) => tensorIndex(t, `${where} input ${i}`, true)),
      outputs: (table.int32s(O.outputs, 'outputs') ?? []).map((t, i) => tensorIndex(t, `${where} output ${i}`, false)),
      options: table.table(O.builtin_options, 'builtin_options'),
      customOptions: code.builtin === CUSTOM_OPERATOR ? readCustomOptions(reader, table) : undefined,
    };
  });

  const metadata: Record<string, string> = {};
  for (const entry of model.tables(F.metadata, 'metadata')) {
    const name = entry.string(Fields.Metadata.name, 'name') ?? '';
    const data = buffers[entry.uint32(Fields.Metadata.buffer, 'buffer')];
    // Only short printable entries (min_runtime_version, …); TFLite support metadata is a binary flatbuffer.
    if (data && data.length <= 256 && data.every((b) => b === 0 || (b >= 32 && b < 127))) {
      metadata[name] = new TextDecoder().decode(data).replace(/\0+$/, '');
    }
  }

  return {
    version,
    description: model.string(F.description, 'description') ?? '',
    subgraphCount: subgraphs.length,
    tensors,
    inputs,
    outputs,
    operators,
    buffers,
    metadata,
  };
}

function readBuffer(reader: FlatBufferReader, table: Table): Uint8Array | undefined {
  const B = Fields.Buffer;
  const offset = table.uint64(B.offset, 'offset');
  // Models over 2 GB keep constant data after the flatbuffer; offset counts from the file's start and is valid if > 1.
  if (offset > 1) {
    const size = table.uint64(B.size, 'size');
    reader.require(offset, size, `${table.where} data`);
    return reader.bytes.subarray(offset, offset + size);
  }
  const data = table.bytes(B.data, 'data');
  return data && data.length > 0 ? data : undefined;
}

/** custom_options, or for models over 2 GB the bytes at large_custom_options_offset (from the file's start). */
function readCustomOptions(reader: FlatBufferReader, table: Table): Uint8Array | undefined {
  const O = Fields.Operator;
  const offset = table.uint64(O.large_custom_options_offset, 'large_custom_options_offset');
  if (offset > 1) {
    const size = table.uint64(O.large_custom_options_size, 'large_custom_options_size');
    reader.require(offset, size, `${table.where} custom options`);
    return reader.bytes.subarray(offset, offset + size);
  }
  return table.bytes(O.custom_options, 'custom_options');
}

function readOperatorCode(table: Table): TfliteOperatorCode {
  const C = Fields.OperatorCode;
  const deprecated = table.int8(C.deprecated_builtin_code, 'deprecated_builtin_code');
  const extended = table.int32(C.builtin_code, 'builtin_code');
  // Writers before schema 3a set only the byte field; newer ones set both (the byte one saturating at 127).
  const builtin = Math.max(deprecated, extended);
  const custom = builtin === CUSTOM_OPERATOR ? table.string(C.custom_code, 'custom_code') : undefined;
  return { builtin, custom, version: table.int32(C.version, 'version', 1) };
}

function readTensor(reader: FlatBufferReader, table: Table, index: number, bufferCount: number): TfliteTensor {
  const T = Fields.Tensor;
  const where = `tensor ${index}`;
  const shape = table.int32s(T.shape, 'shape') ?? [];
  const name = table.string(T.name, 'name') ?? '';
  for (const d of shape) if (d < 0) reader.fail(`${where} '${name}': shape [${shape.join(', ')}] has a negative dim (dynamic shapes are not supported)`);
  const type = table.int8(T.type, 'type');
  if (type < 0 || type >= TENSOR_TYPE_NAMES.length) reader.fail(`${where} '${name}': unknown tensor type ${type}`);
  const buffer = table.uint32(T.buffer, 'buffer');
  if (buffer >= Math.max(bufferCount, 1)) reader.fail(`${where} '${name}': buffer index ${buffer} is out of range (${bufferCount} buffers)`);
  return {
    index,
    name,
    type,
    shape,
    buffer,
    quantization: readQuantization(reader, table.table(T.quantization, 'quantization'), `${where} '${name}'`),
    isVariable: table.bool(T.is_variable, 'is_variable'),
    sparse: table.has(T.sparsity, 'sparsity'),
  };
}

function readQuantization(reader: FlatBufferReader, table: Table | undefined, where: string): TfliteQuantization | undefined {
  if (!table) return undefined;
  const Q = Fields.QuantizationParameters;
  if (table.uint8(Q.details_type, 'details_type') !== 0) {
    throw new WebliteError('UNSUPPORTED_OP', `${reader.fileName}: ${where} uses custom quantization, which is not supported`);
  }
  const scale = table.float32s(Q.scale, 'scale') ?? [];
  const zeroPoint = table.int64s(Q.zero_point, 'zero_point') ?? [];
  if (scale.length === 0) return undefined; // min/max only: not a quantized tensor for inference
  if (zeroPoint.length !== 0 && zeroPoint.length !== scale.length) {
    reader.fail(`${where}: ${scale.length} scales but ${zeroPoint.length} zero points`);
  }
  if (scale.some((s) => !Number.isFinite(s))) reader.fail(`${where}: quantization scale is not finite`);
  return {
    scale,
    zeroPoint: zeroPoint.length === 0 ? scale.map(() => 0) : zeroPoint,
    axis: table.int32(Q.quantized_dimension, 'quantized_dimension'),
  };
}
