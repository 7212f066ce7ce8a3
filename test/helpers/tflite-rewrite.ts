/**
 * Rewrites a real .tflite so that the TFLite interpreter from @tensorflow/tfjs-tflite can run it: MediaPipe's
 * Convolution2DTransposeBias (which that build does not resolve) becomes the builtin TRANSPOSE_CONV with its bias
 * input, the kernel MediaPipe's was copied from (same padding: the smaller half of the SAME padding first).
 *
 * The original file is kept byte for byte at the end of the new buffer, and new tables (a Model, its SubGraph,
 * the vectors that list operators, tensors, buffers and operator codes, plus the replacement operators) are built
 * in front of it with the flatbuffers Builder. Flatbuffer offsets only point forward, and the new tables point into
 * the old file, so every old object keeps its relative offsets; the old root is simply no longer used.
 */
import * as flatbuffers from 'flatbuffers';
import { FlatBufferReader } from '../../src/convert/tflite/flatbuffer.js';
import { readTfliteModel } from '../../src/convert/tflite/model.js';
import { BUILTIN_OPERATORS, Fields } from '../../src/convert/tflite/schema.js';

const TRANSPOSE_CONV = BUILTIN_OPERATORS.indexOf('TRANSPOSE_CONV');
const TRANSPOSE_CONV_OPTIONS = 49;
const INT32 = 2;

export function replaceTransposeConvBias(bytes: Uint8Array): Uint8Array {
  const model = readTfliteModel(bytes, 'rewrite.tflite');
  const reader = new FlatBufferReader(bytes, 'rewrite.tflite');
  const root = reader.root('Model');
  const F = Fields.Model;
  const S = Fields.SubGraph;
  const codePositions = root.tables(F.operator_codes, 'operator_codes').map((t) => t.position);
  const bufferPositions = root.tables(F.buffers, 'buffers').map((t) => t.position);
  const metadataPositions = root.tables(F.metadata, 'metadata').map((t) => t.position);
  const subgraph = root.tables(F.subgraphs, 'subgraphs')[0]!;
  const tensorPositions = subgraph.tables(S.tensors, 'tensors').map((t) => t.position);
  const operatorPositions = subgraph.tables(S.operators, 'operators').map((t) => t.position);

  const builder = new flatbuffers.Builder(bytes.length + 65536);
  const length = Math.ceil(bytes.length / 16) * 16;
  builder.prep(16, 0);
  for (let i = length - 1; i >= 0; i--) builder.addInt8(i < bytes.length ? bytes[i]! : 0);
  /** Builder offset of the old object at file position `position`. */
  const old = (position: number) => length - position;
  const int32Vector = (values: readonly number[]) => {
    builder.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) builder.addInt32(values[i]!);
    return builder.endVector();
  };
  const offsetVector = (offsets: readonly number[]) => {
    builder.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) builder.addOffset(offsets[i]!);
    return builder.endVector();
  };

  builder.startObject(4);
  builder.addFieldInt8(0, TRANSPOSE_CONV, 0);
  builder.addFieldInt32(2, 3, 1);
  builder.addFieldInt32(3, TRANSPOSE_CONV, 0);
  const codes = [...codePositions.map(old), builder.endObject()];
  const newTensors: number[] = [];
  const newBuffers: number[] = [];
  const operators = model.operators.map((op, index) => {
    if (op.code.custom !== 'Convolution2DTransposeBias') return old(operatorPositions[index]!);
    const view = new DataView(op.customOptions!.buffer, op.customOptions!.byteOffset, op.customOptions!.byteLength);
    const [padding, strideWidth, strideHeight] = [0, 4, 8].map((at) => view.getInt32(at, true));
    const outputShape = model.tensors[op.outputs[0]!]!.shape;
    // output_shape: a new int32 constant tensor with its own buffer.
    const data = new Uint8Array(Int32Array.from(outputShape).buffer);
    builder.startVector(1, data.length, 16);
    for (let i = data.length - 1; i >= 0; i--) builder.addInt8(data[i]!);
    const dataVector = builder.endVector();
    builder.startObject(1);
    builder.addFieldOffset(0, dataVector, 0);
    newBuffers.push(builder.endObject());
    const name = builder.createString(`output_shape_${index}`);
    const shape = int32Vector([4]);
    builder.startObject(4);
    builder.addFieldOffset(0, shape, 0);
    builder.addFieldInt8(1, INT32, 0);
    builder.addFieldInt32(2, bufferPositions.length + newBuffers.length - 1, 0);
    builder.addFieldOffset(3, name, 0);
    newTensors.push(builder.endObject());
    const shapeTensor = tensorPositions.length + newTensors.length - 1;
    builder.startObject(3);
    builder.addFieldInt8(0, padding === 1 ? 0 : 1, -1); // TfLitePadding SAME = 1 → schema SAME = 0
    builder.addFieldInt32(1, strideWidth!, 0);
    builder.addFieldInt32(2, strideHeight!, 0);
    const options = builder.endObject();
    const inputs = int32Vector([shapeTensor, op.inputs[1]!, op.inputs[0]!, op.inputs[2]!]);
    const outputs = int32Vector(op.outputs);
    builder.startObject(5);
    builder.addFieldInt32(0, codes.length - 1, -1);
    builder.addFieldOffset(1, inputs, 0);
    builder.addFieldOffset(2, outputs, 0);
    builder.addFieldInt8(3, TRANSPOSE_CONV_OPTIONS, 0);
    builder.addFieldOffset(4, options, 0);
    return builder.endObject();
  });

  const tensorVector = offsetVector([...tensorPositions.map(old), ...newTensors]);
  const inputVector = int32Vector(model.inputs);
  const outputVector = int32Vector(model.outputs);
  const operatorVector = offsetVector(operators);
  builder.startObject(5);
  builder.addFieldOffset(S.tensors, tensorVector, 0);
  builder.addFieldOffset(S.inputs, inputVector, 0);
  builder.addFieldOffset(S.outputs, outputVector, 0);
  builder.addFieldOffset(S.operators, operatorVector, 0);
  const newSubgraph = builder.endObject();

  const codeVector = offsetVector(codes);
  const subgraphVector = offsetVector([newSubgraph]);
  const description = builder.createString(model.description);
  const bufferVector = offsetVector([...bufferPositions.map(old), ...newBuffers]);
  const metadataVector = offsetVector(metadataPositions.map(old));
  builder.startObject(7);
  builder.addFieldInt32(F.version, 3, 0);
  builder.addFieldOffset(F.operator_codes, codeVector, 0);
  builder.addFieldOffset(F.subgraphs, subgraphVector, 0);
  builder.addFieldOffset(F.description, description, 0);
  builder.addFieldOffset(F.buffers, bufferVector, 0);
  builder.addFieldOffset(F.metadata, metadataVector, 0);
  builder.finish(builder.endObject(), 'TFL3');
  return builder.asUint8Array().slice();
}

/**
 * The same model with `tensors` (indices into the first subgraph) appended to its outputs, so that the interpreter
 * — and weblite, importing the same file — hand back intermediate values for layer-by-layer comparison. Operators,
 * tensors and buffers are the old objects; only the Model and SubGraph tables and the output list are new.
 */
export function exposeTensors(bytes: Uint8Array, tensors: readonly number[]): Uint8Array {
  const model = readTfliteModel(bytes, 'expose.tflite');
  const reader = new FlatBufferReader(bytes, 'expose.tflite');
  const root = reader.root('Model');
  const F = Fields.Model;
  const S = Fields.SubGraph;
  const subgraph = root.tables(F.subgraphs, 'subgraphs')[0]!;
  const builder = new flatbuffers.Builder(bytes.length + 4096);
  const length = Math.ceil(bytes.length / 16) * 16;
  builder.prep(16, 0);
  for (let i = length - 1; i >= 0; i--) builder.addInt8(i < bytes.length ? bytes[i]! : 0);
  const old = (position: number) => length - position;
  const vector = (values: readonly number[], offsets: boolean) => {
    builder.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) offsets ? builder.addOffset(values[i]!) : builder.addInt32(values[i]!);
    return builder.endVector();
  };
  const tensorVector = vector(subgraph.tables(S.tensors, 'tensors').map((t) => old(t.position)), true);
  const inputVector = vector(model.inputs, false);
  const outputVector = vector([...model.outputs, ...tensors.filter((t) => !model.outputs.includes(t))], false);
  const operatorVector = vector(subgraph.tables(S.operators, 'operators').map((t) => old(t.position)), true);
  builder.startObject(5);
  builder.addFieldOffset(S.tensors, tensorVector, 0);
  builder.addFieldOffset(S.inputs, inputVector, 0);
  builder.addFieldOffset(S.outputs, outputVector, 0);
  builder.addFieldOffset(S.operators, operatorVector, 0);
  const newSubgraph = builder.endObject();
  const codeVector = vector(root.tables(F.operator_codes, 'operator_codes').map((t) => old(t.position)), true);
  const subgraphVector = vector([newSubgraph], true);
  const description = builder.createString(model.description);
  const bufferVector = vector(root.tables(F.buffers, 'buffers').map((t) => old(t.position)), true);
  const metadataVector = vector(root.tables(F.metadata, 'metadata').map((t) => old(t.position)), true);
  builder.startObject(7);
  builder.addFieldInt32(F.version, 3, 0);
  builder.addFieldOffset(F.operator_codes, codeVector, 0);
  builder.addFieldOffset(F.subgraphs, subgraphVector, 0);
  builder.addFieldOffset(F.description, description, 0);
  builder.addFieldOffset(F.buffers, bufferVector, 0);
  builder.addFieldOffset(F.metadata, metadataVector, 0);
  builder.finish(builder.endObject(), 'TFL3');
  return builder.asUint8Array().slice();
}
