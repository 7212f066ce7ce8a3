/**
 * Graph → .wlm bytes. Layout: [flatbuffer][zero padding to DATA_ALIGNMENT][data section].
 *
 * The flatbuffer records the data section's absolute offset, which depends on the flatbuffer's own size.
 * The builder's output is deterministic and that offset is a fixed-width field that is always present
 * (the section never starts at 0), so building once with a placeholder gives the size, and building again
 * with the real offset gives identical layout.
 */
import * as flatbuffers from 'flatbuffers';
import * as fb from '../../format/generated/weblite_generated.js';
import { WebliteError } from '../../errors.js';
import type { AttrType } from '../op-spec.js';
import { opTable } from '../ops.js';
import { Tensor } from '../tensor.js';
import { dataMatchesType } from '../dtype.js';
import type { AttrValue, Dim, Graph, Node, TensorInfo } from '../graph.js';
import { DATA_ALIGNMENT, FORMAT_VERSION, alignUp, formatDataType } from './constants.js';
import { DataSectionWriter, writeTensorData } from './tensor-data.js';
import { sharedOffset } from './shared.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Serialises `graph` to a .wlm file. Throws BAD_ARGUMENT if the graph is inconsistent (unknown names…). */
export function writeWlm(graph: Graph): Uint8Array {
  const placeholder = build(graph, Number.MAX_SAFE_INTEGER);
  const dataOffset = alignUp(placeholder.flatbuffer.length, DATA_ALIGNMENT);
  const { flatbuffer, section } = build(graph, dataOffset);
  if (flatbuffer.length !== placeholder.flatbuffer.length) {
    throw new Error('internal: .wlm flatbuffer size changed between the two builds');
  }
  const file = new Uint8Array(dataOffset + section.length);
  file.set(flatbuffer, 0);
  section.copyInto(file, dataOffset);
  return file;
}

function build(graph: Graph, dataOffset: number): { flatbuffer: Uint8Array; section: DataSectionWriter } {
  const builder = new flatbuffers.Builder(1024);
  const section = new DataSectionWriter();

  const indices = new Map<string, number>();
  const tensorOffsets: number[] = [];
  for (const [name, info] of graph.tensors) {
    if (name === '') throw badArgument(`tensor names must not be empty ('' marks an omitted input)`);
    if (info.name !== name) throw badArgument(`tensor map key '${name}' differs from its name '${info.name}'`);
    indices.set(name, indices.size);
    tensorOffsets.push(writeTensor(builder, info, section));
  }
  const indexOf = (name: string, where: string, optional: boolean): number => {
    if (name === '' && optional) return -1;
    const index = indices.get(name);
    if (index === undefined) throw badArgument(`${where} refers to unknown tensor '${name}'`);
    return index;
  };

  const nodeOffsets = graph.nodes.map((node, i) => writeNode(builder, node, i, section, indexOf));
  const tensors = fb.Model.createTensorsVector(builder, tensorOffsets);
  const nodes = fb.Model.createNodesVector(builder, nodeOffsets);
  const inputs = fb.Model.createInputsVector(builder, graph.inputs.map((name) => indexOf(name, 'graph input', false)));
  const outputs = fb.Model.createOutputsVector(builder, graph.outputs.map((name) => indexOf(name, 'graph output', false)));
  const metadata = writeMetadata(builder, graph);

  fb.Model.startModel(builder);
  fb.Model.addFormatVersion(builder, FORMAT_VERSION);
  fb.Model.addTensors(builder, tensors);
  fb.Model.addNodes(builder, nodes);
  fb.Model.addInputs(builder, inputs);
  fb.Model.addOutputs(builder, outputs);
  fb.Model.addMetadata(builder, metadata);
  fb.Model.addDataOffset(builder, BigInt(dataOffset));
  fb.Model.addDataLength(builder, BigInt(section.length));
  fb.Model.finishModelBuffer(builder, fb.Model.endModel(builder));
  return { flatbuffer: builder.asUint8Array(), section };
}

function writeTensor(builder: flatbuffers.Builder, info: TensorInfo, section: DataSectionWriter): number {
  const where = `tensor '${info.name}'`;
  const name = builder.createString(info.name);
  const dims = info.dims;
  const shape = dims === undefined ? 0 : sharedOffset(builder, `shape:${JSON.stringify(dims)}`, () =>
    fb.Tensor.createShapeVector(builder, dims.map((d) => writeDim(builder, d, where))));
  let value = 0;
  if (info.value !== undefined) {
    if (!(info.value instanceof Tensor) || info.value.type !== info.type || !dataMatchesType(info.type, info.value.data)) {
      throw badArgument(`${where} is ${info.type} but its value is not a ${info.type} Tensor`);
    }
    value = writeTensorData(builder, info.value, section, where);
  }
  const quantization = info.quantization === undefined ? 0 : writeQuantization(builder, info.quantization, where);

  fb.Tensor.startTensor(builder);
  fb.Tensor.addName(builder, name);
  fb.Tensor.addType(builder, formatDataType(info.type));
  fb.Tensor.addHasShape(builder, info.dims !== undefined);
  if (shape) fb.Tensor.addShape(builder, shape);
  fb.Tensor.addIsConstant(builder, value !== 0);
  if (value) fb.Tensor.addValue(builder, value);
  if (quantization) fb.Tensor.addQuantization(builder, quantization);
  return fb.Tensor.endTensor(builder);
}

function writeDim(builder: flatbuffers.Builder, dim: Dim, where: string): number {
  if (typeof dim === 'string') {
    const symbol = builder.createSharedString(dim);
    fb.Dim.startDim(builder);
    fb.Dim.addSymbol(builder, symbol);
    return fb.Dim.endDim(builder);
  }
  if (!Number.isSafeInteger(dim) || dim < 0) throw badArgument(`${where} has invalid dim ${dim}`);
  return sharedOffset(builder, `dim:${dim}`, () => fb.Dim.createDim(builder, BigInt(dim), 0));
}

function writeQuantization(builder: flatbuffers.Builder, q: NonNullable<TensorInfo['quantization']>, where: string): number {
  if (!q.zeroPoint.every((z) => Number.isSafeInteger(z)) || !Number.isInteger(q.axis)) {
    throw badArgument(`${where} has non-integer quantization zero points or axis`);
  }
  return sharedOffset(builder, `quantization:${q.axis}:${q.scale.join(',')}:${q.zeroPoint.join(',')}`, () => {
    const scale = fb.Quantization.createScaleVector(builder, q.scale);
    const zeroPoint = fb.Quantization.createZeroPointVector(builder, q.zeroPoint.map((z) => BigInt(z)));
    return fb.Quantization.createQuantization(builder, scale, zeroPoint, q.axis);
  });
}

function writeNode(
  builder: flatbuffers.Builder,
  node: Node,
  position: number,
  section: DataSectionWriter,
  indexOf: (name: string, where: string, optional: boolean) => number,
): number {
  const where = `node ${position} '${node.name}' (${node.op})`;
  // A node named like its first output (most are) stores no name; the reader takes the output's.
  const name = node.name === node.outputs[0] ? 0 : builder.createString(node.name);
  const op = builder.createSharedString(node.op);
  const inputs = fb.Node.createInputsVector(builder, node.inputs.map((input) => indexOf(input, `${where} input`, true)));
  const outputs = fb.Node.createOutputsVector(builder, node.outputs.map((output) => indexOf(output, `${where} output`, true)));
  // Attributes equal to their spec default are left out (the reader restores them): most nodes of a quantized
  // graph are Q/DQ pairs whose every attribute is the default.
  const stored = Object.entries(node.attrs).filter(([attrName, value]) => !isDefault(node.op, attrName, value));
  const attributes = stored.length === 0 ? 0 : fb.Node.createAttributesVector(
    builder,
    stored.map(([attrName, value]) => writeAttribute(builder, node.op, attrName, value, section, where)),
  );
  return fb.Node.createNode(builder, name, op, inputs, outputs, attributes);
}

function writeAttribute(
  builder: flatbuffers.Builder,
  op: string,
  name: string,
  value: AttrValue,
  section: DataSectionWriter,
  nodeWhere: string,
): number {
  const where = `${nodeWhere} attribute '${name}'`;
  const kind = attributeKind(declaredAttrType(op, name), value, where);
  const nameOffset = builder.createSharedString(name);
  // Children first: the builder cannot start a string or vector while a table is open.
  let child = 0;
  if (kind === 'string') child = builder.createSharedString(value as string);
  if (kind === 'ints') child = fb.Attribute.createIntsVector(builder, (value as number[]).map(toInt64));
  if (kind === 'floats') child = fb.Attribute.createFloatsVector(builder, value as number[]);
  if (kind === 'strings') child = fb.Attribute.createStringsVector(builder, (value as string[]).map((s) => builder.createString(s)));
  if (kind === 'tensor') child = writeTensorData(builder, value as Tensor, section, where);

  fb.Attribute.startAttribute(builder);
  fb.Attribute.addName(builder, nameOffset);
  fb.Attribute.addKind(builder, ATTRIBUTE_KINDS[kind]);
  if (kind === 'int') fb.Attribute.addI(builder, toInt64(value as number));
  if (kind === 'float') fb.Attribute.addF(builder, value as number);
  if (kind === 'string') fb.Attribute.addS(builder, child);
  if (kind === 'ints') fb.Attribute.addInts(builder, child);
  if (kind === 'floats') fb.Attribute.addFloats(builder, child);
  if (kind === 'strings') fb.Attribute.addStrings(builder, child);
  if (kind === 'tensor') fb.Attribute.addT(builder, child);
  return fb.Attribute.endAttribute(builder);
}

export const ATTRIBUTE_KINDS: Record<AttrType, fb.AttributeKind> = {
  int: fb.AttributeKind.INT,
  float: fb.AttributeKind.FLOAT,
  string: fb.AttributeKind.STRING,
  ints: fb.AttributeKind.INTS,
  floats: fb.AttributeKind.FLOATS,
  strings: fb.AttributeKind.STRINGS,
  tensor: fb.AttributeKind.TENSOR,
};

/** Whether `value` equals the op spec's default for the attribute (numbers, strings and number lists). */
function isDefault(op: string, name: string, value: AttrValue): boolean {
  const spec = Object.prototype.hasOwnProperty.call(opTable, op) ? opTable[op as keyof typeof opTable].attrs[name] : undefined;
  const fallback = spec?.default;
  if (fallback === undefined) return false;
  if (Array.isArray(fallback)) return Array.isArray(value) && value.length === fallback.length && value.every((v, i) => v === fallback[i]);
  return value === fallback;
}

/** The attribute's type as the op spec declares it, if the spec exists and declares it. */
function declaredAttrType(op: string, name: string): AttrType | undefined {
  // Read defensively: op specs are still being filled in, so the entry or its attrs may be missing.
  const spec = Object.prototype.hasOwnProperty.call(opTable, op) ? (opTable as Record<string, unknown>)[op] : undefined;
  const attrs = (spec as { attrs?: Record<string, { type?: AttrType }> } | undefined)?.attrs;
  if (!attrs || !Object.prototype.hasOwnProperty.call(attrs, name)) return undefined;
  return attrs[name]?.type;
}

/**
 * The kind an attribute is stored as: the declared kind when the spec has one (the value must fit it),
 * else inferred from the JS value: integer → int, other number → float, likewise for arrays (an empty
 * array counts as ints), Tensor → tensor.
 */
export function attributeKind(declared: AttrType | undefined, value: AttrValue, where: string): AttrType {
  const inferred = inferAttributeKind(value, where);
  if (declared === undefined) return inferred;
  const fits =
    declared === inferred ||
    (declared === 'float' && inferred === 'int') ||
    (declared === 'floats' && inferred === 'ints') ||
    (declared === 'strings' && Array.isArray(value) && value.length === 0);
  if (!fits) throw badArgument(`${where}: the op declares ${declared}, but the value is ${describe(value)}`);
  return declared;
}

function inferAttributeKind(value: AttrValue, where: string): AttrType {
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'string';
  if (value instanceof Tensor) return 'tensor';
  if (Array.isArray(value)) {
    const items = value as unknown[];
    if (items.length > 0 && items.every((item) => typeof item === 'string')) return 'strings';
    if (items.every((item) => typeof item === 'number')) {
      return items.every((item) => Number.isInteger(item)) ? 'ints' : 'floats';
    }
  }
  throw badArgument(`${where}: cannot store ${describe(value)} as an attribute`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array [${value.slice(0, 4).map((v) => JSON.stringify(v)).join(', ')}${value.length > 4 ? ', …' : ''}]`;
  if (value instanceof Tensor) return `a ${value.type} Tensor`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** int64 attributes: integers beyond the int64 range (only possible as imprecise doubles) saturate. */
function toInt64(value: number): bigint {
  const big = BigInt(value);
  return big > INT64_MAX ? INT64_MAX : big < INT64_MIN ? INT64_MIN : big;
}

function writeMetadata(builder: flatbuffers.Builder, graph: Graph): number {
  const { producer, producerVersion, sourceFormat, sourceOpset, properties } = graph.metadata;
  if (!Number.isSafeInteger(sourceOpset)) throw badArgument(`metadata sourceOpset ${sourceOpset} is not an integer`);
  const keyValues = Object.entries(properties).map(([key, value]) =>
    fb.KeyValue.createKeyValue(builder, builder.createString(key), builder.createString(value)),
  );
  return fb.Metadata.createMetadata(
    builder,
    builder.createString(producer),
    builder.createString(producerVersion),
    builder.createString(sourceFormat),
    BigInt(sourceOpset),
    fb.Metadata.createPropertiesVector(builder, keyValues),
  );
}

function badArgument(what: string): WebliteError {
  return new WebliteError('BAD_ARGUMENT', `writeWlm: ${what}`);
}
