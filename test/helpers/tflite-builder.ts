/**
 * Builds small .tflite flatbuffers for tests, with the flatbuffers runtime and the field ids of TFLite's public
 * schema: one subgraph, tensors with optional constant data and quantization, builtin operators with options.
 */
import * as flatbuffers from 'flatbuffers';
import { BUILTIN_OPERATORS } from '../../src/convert/tflite/schema.js';

export type TfliteType = 'float32' | 'float16' | 'int32' | 'uint8' | 'int64' | 'bool' | 'int16' | 'int8';

const TYPE_CODES: Record<TfliteType, number> = { float32: 0, float16: 1, int32: 2, uint8: 3, int64: 4, bool: 6, int16: 7, int8: 9 };
const BYTES: Record<TfliteType, number> = { float32: 4, float16: 2, int32: 4, uint8: 1, int64: 8, bool: 1, int16: 2, int8: 1 };

export interface TensorSpec {
  name?: string;
  type: TfliteType;
  shape: number[];
  /** Constant data (stored values: raw integers for quantized tensors, half bits for float16). */
  data?: ArrayLike<number>;
  quantization?: { scale: number[]; zeroPoint: number[]; axis?: number };
  /** A variable tensor (recurrent state: TFLite zeroes it when allocating and keeps it between invocations). */
  variable?: boolean;
}

/** A builtin options field: its id in the options table and how it is stored. */
export type OptionField =
  | { id: number; int8: number }
  | { id: number; bool: boolean }
  | { id: number; int32: number }
  | { id: number; float32: number }
  | { id: number; int32s: number[] }
  | { id: number; float32s: number[] };

export interface OperatorSpec {
  /** Builtin name (schema.ts BUILTIN_OPERATORS) or `CUSTOM:<code>`. */
  op: string;
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union type (1 = Conv2DOptions, …; see OPTIONS) and fields. */
  options?: { type: number; fields: OptionField[] };
  /** Operator.custom_options: the raw bytes a custom operator reads (flexbuffers, or a C struct for MediaPipe's). */
  customOptions?: Uint8Array;
}

export interface ModelSpec {
  tensors: TensorSpec[];
  inputs: number[];
  outputs: number[];
  operators: OperatorSpec[];
}

/** BuiltinOptions union type ids, in schema order. */
export const OPTIONS = {
  Conv2D: 1, DepthwiseConv2D: 2, Pool2D: 5, FullyConnected: 8, Softmax: 9, Concatenation: 10, Add: 11,
  LocalResponseNormalization: 13, ResizeBilinear: 15, Reshape: 17, SpaceToDepth: 19, Mul: 21, Gather: 23,
  Reducer: 27, Sub: 28, Div: 29, Squeeze: 30, StridedSlice: 32, Split: 35, Cast: 37, ArgMax: 40, TransposeConv: 49,
  Shape: 55, ArgMin: 57, Pack: 59, Unpack: 64, ResizeNearestNeighbor: 74, LeakyRelu: 75, MirrorPad: 77, SplitV: 79,
  DepthToSpace: 94, BatchMatMul: 101, Gelu: 116,
} as const;

function dataBytes(spec: TensorSpec): Uint8Array {
  const values = Array.from(spec.data!);
  const bytes = new Uint8Array(values.length * BYTES[spec.type]);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    const at = i * BYTES[spec.type];
    switch (spec.type) {
      case 'float32': view.setFloat32(at, v, true); break;
      case 'float16': case 'int16': view.setUint16(at, v & 0xffff, true); break;
      case 'int32': view.setInt32(at, v, true); break;
      case 'int64': view.setBigInt64(at, BigInt(v), true); break;
      case 'int8': view.setInt8(at, v); break;
      default: view.setUint8(at, v);
    }
  });
  return bytes;
}

function int32Vector(builder: flatbuffers.Builder, values: readonly number[]): number {
  builder.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) builder.addInt32(values[i]!);
  return builder.endVector();
}

function float32Vector(builder: flatbuffers.Builder, values: readonly number[]): number {
  builder.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) builder.addFloat32(values[i]!);
  return builder.endVector();
}

function offsetVector(builder: flatbuffers.Builder, offsets: readonly number[]): number {
  builder.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) builder.addOffset(offsets[i]!);
  return builder.endVector();
}

export function buildTflite(spec: ModelSpec): Uint8Array {
  const builder = new flatbuffers.Builder(1024);

  // Buffers: 0 is the empty sentinel; each constant tensor gets its own.
  const bufferOffsets: number[] = [];
  const emptyBuffer = () => {
    builder.startObject(1);
    return builder.endObject();
  };
  bufferOffsets.push(emptyBuffer());
  const tensorBuffer = spec.tensors.map((tensor) => {
    if (!tensor.data) return 0;
    const bytes = dataBytes(tensor);
    builder.startVector(1, bytes.length, 16);
    for (let i = bytes.length - 1; i >= 0; i--) builder.addInt8(bytes[i]!);
    const data = builder.endVector();
    builder.startObject(1);
    builder.addFieldOffset(0, data, 0);
    bufferOffsets.push(builder.endObject());
    return bufferOffsets.length - 1;
  });

  const tensorOffsets = spec.tensors.map((tensor, index) => {
    const name = builder.createString(tensor.name ?? `t${index}`);
    const shape = int32Vector(builder, tensor.shape);
    let quantization = 0;
    if (tensor.quantization) {
      const scaleVector = (() => {
        builder.startVector(4, tensor.quantization.scale.length, 4);
        for (let i = tensor.quantization.scale.length - 1; i >= 0; i--) builder.addFloat32(tensor.quantization.scale[i]!);
        return builder.endVector();
      })();
      builder.startVector(8, tensor.quantization.zeroPoint.length, 8);
      for (let i = tensor.quantization.zeroPoint.length - 1; i >= 0; i--) builder.addInt64(BigInt(tensor.quantization.zeroPoint[i]!));
      const zeroPoints = builder.endVector();
      builder.startObject(7);
      builder.addFieldOffset(2, scaleVector, 0);
      builder.addFieldOffset(3, zeroPoints, 0);
      builder.addFieldInt32(6, tensor.quantization.axis ?? 0, 0);
      quantization = builder.endObject();
    }
    builder.startObject(9);
    builder.addFieldOffset(0, shape, 0);
    builder.addFieldInt8(1, TYPE_CODES[tensor.type], 0);
    builder.addFieldInt32(2, tensorBuffer[index]!, 0);
    builder.addFieldOffset(3, name, 0);
    if (quantization) builder.addFieldOffset(4, quantization, 0);
    if (tensor.variable) builder.addFieldInt8(5, 1, 0);
    return builder.endObject();
  });

  const codes: string[] = [];
  const operatorOffsets = spec.operators.map((operator) => {
    if (!codes.includes(operator.op)) codes.push(operator.op);
    const inputs = int32Vector(builder, operator.inputs);
    const outputs = int32Vector(builder, operator.outputs);
    let options = 0;
    if (operator.options) {
      const vectors = operator.options.fields.map((field) =>
        'int32s' in field ? int32Vector(builder, field.int32s) : 'float32s' in field ? float32Vector(builder, field.float32s) : 0,
      );
      const slots = Math.max(0, ...operator.options.fields.map((field) => field.id + 1));
      builder.startObject(slots);
      operator.options.fields.forEach((field, i) => {
        // Written with impossible defaults so that every given value is stored.
        if ('int8' in field) builder.addFieldInt8(field.id, field.int8, -99);
        else if ('bool' in field) builder.addFieldInt8(field.id, field.bool ? 1 : 0, -99);
        else if ('int32' in field) builder.addFieldInt32(field.id, field.int32, -99999);
        else if ('float32' in field) builder.addFieldFloat32(field.id, field.float32, -99999);
        else builder.addFieldOffset(field.id, vectors[i]!, 0);
      });
      options = builder.endObject();
    }
    let customOptions = 0;
    if (operator.customOptions) {
      builder.startVector(1, operator.customOptions.length, 16);
      for (let i = operator.customOptions.length - 1; i >= 0; i--) builder.addInt8(operator.customOptions[i]!);
      customOptions = builder.endVector();
    }
    builder.startObject(7);
    builder.addFieldInt32(0, codes.indexOf(operator.op), 0);
    builder.addFieldOffset(1, inputs, 0);
    builder.addFieldOffset(2, outputs, 0);
    if (operator.options) {
      builder.addFieldInt8(3, operator.options.type, 0);
      builder.addFieldOffset(4, options, 0);
    }
    if (customOptions) builder.addFieldOffset(5, customOptions, 0); // custom_options_format (6) stays FLEXBUFFERS = 0
    return builder.endObject();
  });

  const codeOffsets = codes.map((op) => {
    const custom = op.startsWith('CUSTOM:') ? builder.createString(op.slice(7)) : 0;
    const code = custom ? 32 : BUILTIN_OPERATORS.indexOf(op);
    if (code < 0) throw new Error(`unknown builtin ${op}`);
    builder.startObject(4);
    builder.addFieldInt8(0, Math.min(code, 127), 0);
    if (custom) builder.addFieldOffset(1, custom, 0);
    builder.addFieldInt32(2, 1, 0);
    builder.addFieldInt32(3, code, 0);
    return builder.endObject();
  });

  const tensors = offsetVector(builder, tensorOffsets);
  const inputs = int32Vector(builder, spec.inputs);
  const outputs = int32Vector(builder, spec.outputs);
  const operators = offsetVector(builder, operatorOffsets);
  builder.startObject(5);
  builder.addFieldOffset(0, tensors, 0);
  builder.addFieldOffset(1, inputs, 0);
  builder.addFieldOffset(2, outputs, 0);
  builder.addFieldOffset(3, operators, 0);
  const subgraph = builder.endObject();

  const subgraphs = offsetVector(builder, [subgraph]);
  const operatorCodes = offsetVector(builder, codeOffsets);
  const buffers = offsetVector(builder, bufferOffsets);
  const description = builder.createString('weblite test');
  builder.startObject(8);
  builder.addFieldInt32(0, 3, 0);
  builder.addFieldOffset(1, operatorCodes, 0);
  builder.addFieldOffset(2, subgraphs, 0);
  builder.addFieldOffset(3, description, 0);
  builder.addFieldOffset(4, buffers, 0);
  builder.finish(builder.endObject(), 'TFL3');
  return builder.asUint8Array().slice();
}
