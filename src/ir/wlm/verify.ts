/**
 * Structural verifier for .wlm flatbuffers. The flatbuffers JS runtime trusts every offset it reads, so
 * nothing generated may touch a file until this has walked it: root offset, identifier, every table's
 * vtable, every field, vector, string and nested table, with bounds and alignment checks.
 *
 * Invariants after `verifyWlm` returns:
 * - every field the schema knows lies inside its table, and its table inside the buffer;
 * - every offset the runtime will follow is a positive int32 (the runtime reads offsets as signed) that
 *   lands inside the buffer with the alignment the builder would have given it;
 * - every vector and string (with its 0 terminator) fits inside the buffer, so the generated accessors
 *   never read out of bounds for indices below their length;
 * - the total work (tables + vector elements + string bytes visited) is within a budget proportional to
 *   the file size, so a file cannot make the verifier, or the reader that follows it, run long by
 *   pointing many offsets at the same object.
 * Enum values, tensor indices and the data section are checked afterwards by the reader (read.ts).
 *
 * TABLE_LAYOUTS mirrors src/format/weblite.fbs field by field (field i lives in vtable slot 4 + 2i);
 * test/format/wlm-schema.test.ts fails if the two drift apart.
 */
import { FILE_IDENTIFIER, badModel } from './constants.js';

export type FieldLayout =
  | { name: string; kind: 'scalar'; size: 1 | 4 | 8 }
  | { name: string; kind: 'string' }
  /** A vector of scalars of `size` bytes each. */
  | { name: string; kind: 'vector'; size: 4 | 8 }
  | { name: string; kind: 'strings' }
  | { name: string; kind: 'table'; table: TableLayout }
  | { name: string; kind: 'tables'; table: TableLayout };

export interface TableLayout {
  name: string;
  fields: FieldLayout[];
}

const scalar = (name: string, size: 1 | 4 | 8): FieldLayout => ({ name, kind: 'scalar', size });
const string = (name: string): FieldLayout => ({ name, kind: 'string' });
const vector = (name: string, size: 4 | 8): FieldLayout => ({ name, kind: 'vector', size });
const strings = (name: string): FieldLayout => ({ name, kind: 'strings' });
const table = (name: string, layout: TableLayout): FieldLayout => ({ name, kind: 'table', table: layout });
const tables = (name: string, layout: TableLayout): FieldLayout => ({ name, kind: 'tables', table: layout });

const DIM: TableLayout = { name: 'Dim', fields: [scalar('size', 8), string('symbol')] };
const QUANTIZATION: TableLayout = {
  name: 'Quantization',
  fields: [vector('scale', 8), vector('zero_point', 8), scalar('axis', 4)],
};
const TENSOR_DATA: TableLayout = {
  name: 'TensorData',
  fields: [scalar('type', 1), vector('dims', 8), scalar('data_offset', 8), scalar('data_length', 8), strings('strings')],
};
const TENSOR: TableLayout = {
  name: 'Tensor',
  fields: [
    string('name'), scalar('type', 1), scalar('has_shape', 1), tables('shape', DIM), scalar('is_constant', 1),
    table('value', TENSOR_DATA), table('quantization', QUANTIZATION),
  ],
};
const ATTRIBUTE: TableLayout = {
  name: 'Attribute',
  fields: [
    string('name'), scalar('kind', 1), scalar('i', 8), scalar('f', 8), string('s'), vector('ints', 8),
    vector('floats', 8), strings('strings'), table('t', TENSOR_DATA),
  ],
};
const NODE: TableLayout = {
  name: 'Node',
  fields: [string('name'), string('op'), vector('inputs', 4), vector('outputs', 4), tables('attributes', ATTRIBUTE)],
};
const KEY_VALUE: TableLayout = { name: 'KeyValue', fields: [string('key'), string('value')] };
const METADATA: TableLayout = {
  name: 'Metadata',
  fields: [
    string('producer'), string('producer_version'), string('source_format'), scalar('source_opset', 8),
    tables('properties', KEY_VALUE),
  ],
};
export const MODEL_LAYOUT: TableLayout = {
  name: 'Model',
  fields: [
    scalar('format_version', 4), tables('tensors', TENSOR), tables('nodes', NODE), vector('inputs', 4),
    vector('outputs', 4), table('metadata', METADATA), scalar('data_offset', 8), scalar('data_length', 8),
  ],
};

export const TABLE_LAYOUTS: readonly TableLayout[] = [
  DIM, QUANTIZATION, TENSOR_DATA, TENSOR, ATTRIBUTE, NODE, KEY_VALUE, METADATA, MODEL_LAYOUT,
];

/** Tunable limits; the schema nests at most 4 tables deep, so maxDepth only guards future schemas. */
export const verifyLimits = {
  maxDepth: 16,
  /** Work allowed per byte of input, plus `baseWork`; a well-formed file needs less than 1 per byte. */
  workPerByte: 2,
  baseWork: 1024,
};

/** Largest vtable or inline table size the runtime reads correctly (it reads both as signed int16). */
const MAX_INLINE_SIZE = 0x7fff;
const IDENTIFIER_END = 8;

/** Throws BAD_MODEL('<fileName>: …') unless `bytes` is a structurally sound .wlm flatbuffer. */
export function verifyWlm(bytes: Uint8Array, fileName: string): void {
  new Verifier(bytes, fileName).verifyRoot();
}

class Verifier {
  private readonly view: DataView;
  private readonly length: number;
  private work = 0;
  private readonly maxWork: number;

  constructor(
    bytes: Uint8Array,
    private readonly fileName: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
    this.maxWork = this.length * verifyLimits.workPerByte + verifyLimits.baseWork;
  }

  verifyRoot(): void {
    if (this.length < IDENTIFIER_END) this.fail(`file is ${this.length} bytes, too short for a .wlm header`);
    let identifier = '';
    for (let i = 4; i < IDENTIFIER_END; i++) identifier += String.fromCharCode(this.view.getUint8(i));
    if (identifier !== FILE_IDENTIFIER) {
      this.fail(`file identifier is ${JSON.stringify(identifier)}, expected "${FILE_IDENTIFIER}" (not a .wlm file?)`);
    }
    const root = this.follow(0, 'root offset');
    if (root < IDENTIFIER_END) this.fail(`root table offset ${root} overlaps the file header`);
    this.verifyTable(root, MODEL_LAYOUT, 0, 'Model');
  }

  private fail(what: string): never {
    return badModel(this.fileName, what);
  }

  private charge(units: number, where: string): void {
    this.work += units;
    if (this.work > this.maxWork) this.fail(`${where}: the file references more data than its size allows (shared or looping offsets)`);
  }

  private require(position: number, size: number, alignment: number, what: string): void {
    if (position < 0 || position + size > this.length) {
      this.fail(`${what} at byte ${position} (${size} bytes) lies outside the file (${this.length} bytes)`);
    }
    if (position % alignment !== 0) this.fail(`${what} at byte ${position} is not ${alignment}-byte aligned`);
  }

  /** Follows the uoffset stored at `position`; the target is checked only for lying inside the file. */
  private follow(position: number, what: string): number {
    this.require(position, 4, 4, `${what} offset`);
    const offset = this.view.getInt32(position, true);
    if (offset <= 0) this.fail(`${what}: offset ${offset} at byte ${position} must be positive`);
    const target = position + offset;
    if (target >= this.length) this.fail(`${what}: offset at byte ${position} points to ${target}, past the end of the file (${this.length} bytes)`);
    return target;
  }

  private verifyTable(position: number, layout: TableLayout, depth: number, where: string): void {
    if (depth > verifyLimits.maxDepth) this.fail(`${where}: tables nest deeper than ${verifyLimits.maxDepth}`);
    this.charge(1, where);
    this.require(position, 4, 4, `${where} table`);
    const vtable = position - this.view.getInt32(position, true);
    this.require(vtable, 4, 2, `${where} vtable`);
    const vtableSize = this.view.getUint16(vtable, true);
    const tableSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0 || vtableSize > MAX_INLINE_SIZE) {
      this.fail(`${where}: vtable at byte ${vtable} has invalid size ${vtableSize}`);
    }
    if (tableSize < 4 || tableSize > MAX_INLINE_SIZE) this.fail(`${where}: table at byte ${position} has invalid size ${tableSize}`);
    this.require(vtable, vtableSize, 2, `${where} vtable`);
    this.require(position, tableSize, 4, `${where} table`);

    // Slots past the vtable's end are absent fields (an older writer); slots past our layout are newer
    // fields this reader does not know, and are ignored.
    const slots = Math.min(layout.fields.length, (vtableSize - 4) / 2);
    for (let id = 0; id < slots; id++) {
      const field = layout.fields[id]!;
      const fieldOffset = this.view.getUint16(vtable + 4 + 2 * id, true);
      if (fieldOffset === 0) continue;
      const fieldWhere = `${where}.${field.name}`;
      const size = field.kind === 'scalar' ? field.size : 4;
      if (fieldOffset < 4 || fieldOffset + size > tableSize) {
        this.fail(`${fieldWhere}: field offset ${fieldOffset} lies outside its ${tableSize}-byte table at byte ${position}`);
      }
      this.verifyField(position + fieldOffset, field, depth, fieldWhere);
    }
  }

  private verifyField(position: number, field: FieldLayout, depth: number, where: string): void {
    switch (field.kind) {
      case 'scalar':
        this.require(position, field.size, field.size, where);
        return;
      case 'string':
        this.verifyString(this.follow(position, where), where);
        return;
      case 'vector':
        this.verifyVector(this.follow(position, where), field.size, where);
        return;
      case 'strings': {
        const { start, count } = this.verifyVector(this.follow(position, where), 4, where);
        for (let i = 0; i < count; i++) this.verifyString(this.follow(start + 4 * i, `${where}[${i}]`), `${where}[${i}]`);
        return;
      }
      case 'table':
        this.verifyTable(this.follow(position, where), field.table, depth + 1, where);
        return;
      case 'tables': {
        const { start, count } = this.verifyVector(this.follow(position, where), 4, where);
        for (let i = 0; i < count; i++) {
          this.verifyTable(this.follow(start + 4 * i, `${where}[${i}]`), field.table, depth + 1, `${where}[${i}]`);
        }
        return;
      }
    }
  }

  /** A vector: int32 element count, then the elements (8-byte elements start 8-byte aligned). */
  private verifyVector(position: number, elementSize: 4 | 8, where: string): { start: number; count: number } {
    this.require(position, 4, 4, `${where} vector`);
    const count = this.view.getInt32(position, true);
    const start = position + 4;
    if (count < 0 || count > (this.length - start) / elementSize) {
      this.fail(`${where}: vector at byte ${position} claims ${count >>> 0} elements, more than the file holds`);
    }
    this.require(start, count * elementSize, elementSize, `${where} vector data`);
    this.charge(1 + count, where);
    return { start, count };
  }

  /** A string: int32 byte length, the UTF-8 bytes, then a 0 byte. */
  private verifyString(position: number, where: string): void {
    this.require(position, 4, 4, `${where} string`);
    const byteLength = this.view.getInt32(position, true);
    if (byteLength < 0 || byteLength > this.length - position - 5) {
      this.fail(`${where}: string at byte ${position} claims ${byteLength >>> 0} bytes, more than the file holds`);
    }
    if (this.view.getUint8(position + 4 + byteLength) !== 0) this.fail(`${where}: string at byte ${position} is not 0-terminated`);
    this.charge(1 + byteLength, where);
  }
}
