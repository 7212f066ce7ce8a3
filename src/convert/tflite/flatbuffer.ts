/**
 * A bounds-checked flatbuffers reader. The flatbuffers JS runtime trusts every offset it reads; this one checks
 * each table, vtable, field, vector and string against the buffer before touching it, so a truncated or corrupted
 * .tflite file fails with BAD_MODEL instead of reading out of bounds.
 *
 * Invariants:
 * - a Table exists only after its vtable and inline area were checked to lie inside the buffer;
 * - a field is read only if its vtable slot points inside its table's inline area;
 * - every vector or string is checked to fit inside the buffer before any element is read;
 * - reading is driven by the caller's fixed schema walk (no recursion on data), and every table and vector
 *   element visited is charged against a budget proportional to the file size, so offsets that point many
 *   fields at the same large object cannot make the reader run long.
 * Multi-byte reads go through a little-endian DataView, so no alignment is assumed.
 */
import { WebliteError } from '../../errors.js';

/** Work allowed per byte of input (plus a constant); a well-formed file needs far less than one unit per byte. */
export const readerLimits = { workPerByte: 4, baseWork: 1 << 16 };

export class FlatBufferReader {
  readonly view: DataView;
  readonly length: number;
  private work = 0;
  private readonly maxWork: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly fileName: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
    this.maxWork = this.length * readerLimits.workPerByte + readerLimits.baseWork;
  }

  fail(what: string): never {
    throw new WebliteError('BAD_MODEL', `${this.fileName}: ${what}`);
  }

  /** Counts `units` of work; fails once the file has made the reader do more than its size allows. */
  charge(units: number, where: string): void {
    this.work += units;
    if (this.work > this.maxWork) this.fail(`${where}: the file references more data than its size allows (shared or looping offsets)`);
  }

  require(position: number, size: number, what: string): void {
    if (!Number.isSafeInteger(position) || position < 0 || size < 0 || position + size > this.length) {
      this.fail(`${what} at byte ${position} (${size} bytes) lies outside the file (${this.length} bytes)`);
    }
  }

  /** The 4-byte file identifier at bytes 4..8, or '' when the file is shorter. */
  identifier(): string {
    if (this.length < 8) return '';
    let text = '';
    for (let i = 4; i < 8; i++) text += String.fromCharCode(this.view.getUint8(i));
    return text;
  }

  /** Follows the uoffset stored at `position` to the object it points at. */
  follow(position: number, what: string): number {
    this.require(position, 4, `${what} offset`);
    const offset = this.view.getUint32(position, true);
    if (offset === 0) this.fail(`${what}: offset at byte ${position} is 0`);
    const target = position + offset;
    if (target >= this.length) this.fail(`${what}: offset at byte ${position} points to ${target}, past the end of the file (${this.length} bytes)`);
    return target;
  }

  root(where: string): Table {
    return this.table(this.follow(0, `${where} root`), where);
  }

  table(position: number, where: string): Table {
    this.charge(1, where);
    this.require(position, 4, `${where} table`);
    const vtable = position - this.view.getInt32(position, true);
    this.require(vtable, 4, `${where} vtable`);
    const vtableSize = this.view.getUint16(vtable, true);
    const tableSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0) this.fail(`${where}: vtable at byte ${vtable} has invalid size ${vtableSize}`);
    if (tableSize < 4) this.fail(`${where}: table at byte ${position} has invalid size ${tableSize}`);
    this.require(vtable, vtableSize, `${where} vtable`);
    this.require(position, tableSize, `${where} table`);
    return new Table(this, position, vtable, (vtableSize - 4) / 2, tableSize, where);
  }

  /** A vector at `position`: its element count and where the elements start, checked to fit in the file. */
  vector(position: number, elementSize: number, where: string): { start: number; count: number } {
    this.require(position, 4, `${where} vector`);
    const count = this.view.getUint32(position, true);
    const start = position + 4;
    if (count > (this.length - start) / elementSize) this.fail(`${where}: vector at byte ${position} claims ${count} elements, more than the file holds`);
    this.charge(1 + (elementSize === 1 ? count >>> 6 : count), where);
    return { start, count };
  }
}

export class Table {
  constructor(
    private readonly reader: FlatBufferReader,
    readonly position: number,
    private readonly vtable: number,
    private readonly slots: number,
    private readonly size: number,
    readonly where: string,
  ) {}

  /** Absolute position of field `id` (vtable slot 4 + 2·id), or undefined when the field is absent. */
  private field(id: number, size: number, name: string): number | undefined {
    if (id >= this.slots) return undefined; // written by an older schema: the field is absent
    const offset = this.reader.view.getUint16(this.vtable + 4 + 2 * id, true);
    if (offset === 0) return undefined;
    if (offset < 4 || offset + size > this.size) {
      this.reader.fail(`${this.where}.${name}: field offset ${offset} lies outside its ${this.size}-byte table at byte ${this.position}`);
    }
    return this.position + offset;
  }

  has(id: number, name: string): boolean {
    return this.field(id, 1, name) !== undefined;
  }

  int8(id: number, name: string, fallback = 0): number {
    const at = this.field(id, 1, name);
    return at === undefined ? fallback : this.reader.view.getInt8(at);
  }

  uint8(id: number, name: string, fallback = 0): number {
    const at = this.field(id, 1, name);
    return at === undefined ? fallback : this.reader.view.getUint8(at);
  }

  bool(id: number, name: string, fallback = false): boolean {
    const at = this.field(id, 1, name);
    return at === undefined ? fallback : this.reader.view.getUint8(at) !== 0;
  }

  int32(id: number, name: string, fallback = 0): number {
    const at = this.field(id, 4, name);
    return at === undefined ? fallback : this.reader.view.getInt32(at, true);
  }

  uint32(id: number, name: string, fallback = 0): number {
    const at = this.field(id, 4, name);
    return at === undefined ? fallback : this.reader.view.getUint32(at, true);
  }

  float32(id: number, name: string, fallback = 0): number {
    const at = this.field(id, 4, name);
    return at === undefined ? fallback : this.reader.view.getFloat32(at, true);
  }

  /** A 64-bit unsigned field as a number; values above 2^53 (never valid offsets or sizes) are rejected. */
  uint64(id: number, name: string, fallback = 0): number {
    const at = this.field(id, 8, name);
    if (at === undefined) return fallback;
    const value = this.reader.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.reader.fail(`${this.where}.${name}: value ${value} is too large`);
    return Number(value);
  }

  string(id: number, name: string): string | undefined {
    const at = this.field(id, 4, name);
    if (at === undefined) return undefined;
    const where = `${this.where}.${name}`;
    const { start, count } = this.reader.vector(this.reader.follow(at, where), 1, where);
    return new TextDecoder().decode(this.reader.bytes.subarray(start, start + count));
  }

  table(id: number, name: string): Table | undefined {
    const at = this.field(id, 4, name);
    return at === undefined ? undefined : this.reader.table(this.reader.follow(at, `${this.where}.${name}`), `${this.where}.${name}`);
  }

  /** A vector of tables, each checked. */
  tables(id: number, name: string): Table[] {
    const where = `${this.where}.${name}`;
    const at = this.field(id, 4, name);
    if (at === undefined) return [];
    const { start, count } = this.reader.vector(this.reader.follow(at, where), 4, where);
    const out: Table[] = [];
    for (let i = 0; i < count; i++) out.push(this.reader.table(this.reader.follow(start + 4 * i, `${where}[${i}]`), `${where}[${i}]`));
    return out;
  }

  private elements<T>(id: number, name: string, size: number, read: (view: DataView, position: number) => T): T[] | undefined {
    const at = this.field(id, 4, name);
    if (at === undefined) return undefined;
    const where = `${this.where}.${name}`;
    const { start, count } = this.reader.vector(this.reader.follow(at, where), size, where);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = read(this.reader.view, start + size * i);
    return out;
  }

  int32s(id: number, name: string): number[] | undefined {
    return this.elements(id, name, 4, (view, at) => view.getInt32(at, true));
  }

  float32s(id: number, name: string): number[] | undefined {
    return this.elements(id, name, 4, (view, at) => view.getFloat32(at, true));
  }

  /** int64 elements as numbers (quantization zero points; always small). */
  int64s(id: number, name: string): number[] | undefined {
    return this.elements(id, name, 8, (view, at) => Number(view.getBigInt64(at, true)));
  }

  /** A [ubyte] vector as a view into the file (no copy). */
  bytes(id: number, name: string): Uint8Array | undefined {
    const at = this.field(id, 4, name);
    if (at === undefined) return undefined;
    const where = `${this.where}.${name}`;
    const { start, count } = this.reader.vector(this.reader.follow(at, where), 1, where);
    return this.reader.bytes.subarray(start, start + count);
  }
}
