/**
 * .wlm bytes → Graph. `verifyWlm` first proves the flatbuffer structurally sound, so the generated
 * accessors below only ever read inside the buffer; this file then checks meaning: format version, enums,
 * tensor indices, op names, names, and (via tensor-data.ts) every constant against the data section.
 * Every problem is WebliteError('BAD_MODEL', '<fileName>: <what, where>').
 *
 * Constants are zero-copy views into `bytes` wherever the element type's alignment allows (always, when
 * `bytes.byteOffset` is a multiple of 8), so the Graph shares memory with the file buffer.
 */
import * as flatbuffers from 'flatbuffers';
import { opTable } from '../ops.js';
import * as fb from '../../format/generated/weblite_generated.js';
import { WebliteError } from '../../errors.js';
import { OP_TYPES, type OpType } from '../ops.js';
import { type AttrValue, type Attrs, type Dim, Graph, type Node, type TensorInfo } from '../graph.js';
import { DATA_ALIGNMENT, FORMAT_VERSION, badModel, dtypeFromFormat, safeNumber } from './constants.js';
import { type DataSection, readTensorData } from './tensor-data.js';
import { verifyWlm } from './verify.js';

/**
 * The op names the IR knows. Deliberately the closed name list rather than `isOpType` (which consults
 * opTable): reading a file must not depend on which op specs happen to be registered.
 */
const OP_NAMES: ReadonlySet<string> = new Set(OP_TYPES);

/** Parses a .wlm file; `fileName` only labels error messages. */
export function readWlm(bytes: Uint8Array, fileName = '<memory>'): Graph {
  if (!(bytes instanceof Uint8Array)) throw new WebliteError('BAD_ARGUMENT', `readWlm(${fileName}): expected a Uint8Array`);
  verifyWlm(bytes, fileName);
  const model = fb.Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes));
  return new ModelReader(bytes, model, fileName).read();
}

class ModelReader {
  private readonly graph = new Graph();
  /** Tensor names by file index. */
  private readonly names: string[] = [];
  private readonly section: DataSection;

  constructor(
    bytes: Uint8Array,
    private readonly model: fb.Model,
    private readonly fileName: string,
  ) {
    const version = model.formatVersion();
    if (version !== FORMAT_VERSION) {
      this.fail(version === 0 ? 'format_version is missing' : `format_version ${version} is not supported (this reader reads ${FORMAT_VERSION})`);
    }
    const start = safeNumber(model.dataOffset()) ?? this.fail(`invalid data section offset ${model.dataOffset()}`);
    const length = safeNumber(model.dataLength()) ?? this.fail(`invalid data section length ${model.dataLength()}`);
    if (start % DATA_ALIGNMENT !== 0 || start === 0) this.fail(`data section offset ${start} is not a positive multiple of ${DATA_ALIGNMENT}`);
    if (start + length > bytes.length) {
      this.fail(`data section [${start}, ${start + length}) runs past the end of the file (${bytes.length} bytes; truncated?)`);
    }
    this.section = { bytes, start, length, unclaimed: length };
  }

  read(): Graph {
    for (let i = 0; i < this.model.tensorsLength(); i++) this.readTensor(this.model.tensors(i)!, i);
    for (let i = 0; i < this.model.nodesLength(); i++) this.graph.nodes.push(this.readNode(this.model.nodes(i)!, i));
    for (let i = 0; i < this.model.inputsLength(); i++) {
      this.graph.inputs.push(this.tensorName(this.model.inputs(i)!, `graph input ${i}`, false));
    }
    for (let i = 0; i < this.model.outputsLength(); i++) {
      this.graph.outputs.push(this.tensorName(this.model.outputs(i)!, `graph output ${i}`, false));
    }
    this.readMetadata();
    return this.graph;
  }

  private fail(what: string): never {
    return badModel(this.fileName, what);
  }

  private readTensor(tensor: fb.Tensor, index: number): void {
    const name = tensor.name();
    if (!name) this.fail(`tensor ${index} has no name`);
    const where = `tensor ${index} '${name}'`;
    if (this.graph.tensors.has(name)) this.fail(`${where} has the same name as an earlier tensor`);
    const type = dtypeFromFormat(tensor.type()) ?? this.fail(`${where} has unknown data type ${tensor.type()}`);
    const info: TensorInfo = { name, type };

    if (tensor.hasShape()) {
      const dims: Dim[] = [];
      for (let i = 0; i < tensor.shapeLength(); i++) dims.push(this.readDim(tensor.shape(i)!, `${where} dim ${i}`));
      info.dims = dims;
    } else if (tensor.shapeLength() !== 0) {
      this.fail(`${where} has dims but has_shape is false`);
    }

    const value = tensor.value();
    if (tensor.isConstant() !== (value !== null)) {
      this.fail(`${where}: is_constant is ${tensor.isConstant()} but a value is ${value ? 'present' : 'missing'}`);
    }
    if (value) {
      info.value = readTensorData(value, this.section, `${where} value`, (what) => this.fail(what));
      if (info.value.type !== type) this.fail(`${where} is ${type} but its value is ${info.value.type}`);
    }

    const quantization = tensor.quantization();
    if (quantization) {
      const scale: number[] = [];
      const zeroPoint: number[] = [];
      for (let i = 0; i < quantization.scaleLength(); i++) scale.push(quantization.scale(i)!);
      for (let i = 0; i < quantization.zeroPointLength(); i++) {
        const z = quantization.zeroPoint(i)!;
        zeroPoint.push(safeNumber(z, Number.MIN_SAFE_INTEGER) ?? this.fail(`${where} has zero point ${z} out of range`));
      }
      info.quantization = { scale, zeroPoint, axis: quantization.axis() };
    }
    this.graph.tensors.set(name, info);
    this.names.push(name);
  }

  private readDim(dim: fb.Dim, where: string): Dim {
    const symbol = dim.symbol();
    if (symbol !== null) return symbol;
    return safeNumber(dim.size()) ?? this.fail(`${where} has invalid size ${dim.size()}`);
  }

  /** -1 is an omitted optional input/output (''); anything else must index an existing tensor. */
  private tensorName(index: number, where: string, optional: boolean): string {
    if (index === -1 && optional) return '';
    const name = this.names[index];
    if (!Number.isInteger(index) || index < 0 || name === undefined) {
      this.fail(`${where} refers to tensor index ${index}, but the file has ${this.names.length} tensors`);
    }
    return name;
  }

  private readNode(node: fb.Node, index: number): Node {
    const op = node.op() ?? '';
    const inputs: string[] = [];
    const outputs: string[] = [];
    const at = `node ${index}`;
    for (let i = 0; i < node.outputsLength(); i++) outputs.push(this.tensorName(node.outputs(i)!, `${at} output ${i}`, true));
    // No stored name: the node is named like its first output (write.ts).
    const name = node.name() ?? outputs[0] ?? '';
    const where = `node ${index} '${name}'`;
    if (!OP_NAMES.has(op)) this.fail(`${where} has unknown op ${JSON.stringify(op)}`);
    for (let i = 0; i < node.inputsLength(); i++) inputs.push(this.tensorName(node.inputs(i)!, `${where} input ${i}`, true));

    const attrs: Attrs = {};
    for (let i = 0; i < node.attributesLength(); i++) {
      const attribute = node.attributes(i)!;
      const attrName = attribute.name() ?? this.fail(`${where} attribute ${i} has no name`);
      const attrWhere = `${where} attribute '${attrName}'`;
      if (Object.prototype.hasOwnProperty.call(attrs, attrName)) this.fail(`${attrWhere} appears twice`);
      // defineProperty, not assignment: a name like '__proto__' must become a plain own property.
      Object.defineProperty(attrs, attrName, {
        value: this.readAttribute(attribute, attrWhere),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    // Writers omit attributes equal to their spec default (write.ts); every node gets them back here.
    for (const [attrName, spec] of Object.entries(opTable[op as OpType].attrs)) {
      if (spec.default === undefined || Object.prototype.hasOwnProperty.call(attrs, attrName)) continue;
      attrs[attrName] = Array.isArray(spec.default) ? [...(spec.default as number[])] : spec.default;
    }
    return { name, op: op as OpType, inputs, outputs, attrs };
  }

  private readAttribute(attribute: fb.Attribute, where: string): AttrValue {
    switch (attribute.kind()) {
      case fb.AttributeKind.INT:
        return Number(attribute.i());
      case fb.AttributeKind.FLOAT:
        return attribute.f();
      case fb.AttributeKind.STRING:
        return attribute.s() ?? '';
      case fb.AttributeKind.INTS: {
        const values: number[] = [];
        for (let i = 0; i < attribute.intsLength(); i++) values.push(Number(attribute.ints(i)!));
        return values;
      }
      case fb.AttributeKind.FLOATS: {
        const values: number[] = [];
        for (let i = 0; i < attribute.floatsLength(); i++) values.push(attribute.floats(i)!);
        return values;
      }
      case fb.AttributeKind.STRINGS: {
        const values: string[] = [];
        for (let i = 0; i < attribute.stringsLength(); i++) values.push(attribute.strings(i));
        return values;
      }
      case fb.AttributeKind.TENSOR: {
        const table = attribute.t() ?? this.fail(`${where} is a TENSOR attribute without a tensor`);
        return readTensorData(table, this.section, where, (what) => this.fail(what));
      }
      default:
        return this.fail(`${where} has unknown kind ${attribute.kind()}`);
    }
  }

  private readMetadata(): void {
    const metadata = this.model.metadata();
    if (!metadata) return;
    const sourceOpset = safeNumber(metadata.sourceOpset(), Number.MIN_SAFE_INTEGER) ??
      this.fail(`metadata source_opset ${metadata.sourceOpset()} is out of range`);
    const properties: Record<string, string> = {};
    for (let i = 0; i < metadata.propertiesLength(); i++) {
      const property = metadata.properties(i)!;
      const key = property.key() ?? this.fail(`metadata property ${i} has no key`);
      if (Object.prototype.hasOwnProperty.call(properties, key)) this.fail(`metadata property '${key}' appears twice`);
      Object.defineProperty(properties, key, { value: property.value() ?? '', enumerable: true, writable: true, configurable: true });
    }
    this.graph.metadata = {
      producer: metadata.producer() ?? '',
      producerVersion: metadata.producerVersion() ?? '',
      sourceFormat: metadata.sourceFormat() ?? '',
      sourceOpset,
      properties,
    };
  }
}
