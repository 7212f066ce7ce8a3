/**
 * Custom options stored as a flexbuffers map of scalars (TFLite_Detection_PostProcess), read by a small
 * bounds-checked reader: every read is checked against the bytes, and any inconsistency is BAD_MODEL.
 *
 * The `flatbuffers` package has a flexbuffers reader, but it is not used: with 8-byte widths (maps holding a
 * double, as its own encoder writes them) its key lookup mixes BigInt and number and throws, it throws strings, and
 * its numericValue() turns 0.0 into null.
 *
 * Format facts (flexbuffers.h): the last byte is the root's byte width, the one before it the root's packed type
 * (type << 2 | log2 width); the root value sits just before those two bytes. A map's offset points at its values
 * (one per key, `width` bytes each, followed by one packed-type byte per value); before the values: the offset to
 * the sorted keys vector, its element width, and the count. Offsets are unsigned and point backwards. Only the
 * keys a converter asks for are looked up (a binary search), never the whole map.
 * Values convert as TFLite's C++ accessors do: a missing key reads as null, which `number` gives as `fallback`.
 */
import { WebliteError } from '../../../../errors.js';

const NULL = 0, INT = 1, UINT = 2, FLOAT = 3, INDIRECT_INT = 6, INDIRECT_UINT = 7, INDIRECT_FLOAT = 8, MAP = 9, BOOL = 26;

interface Value {
  type: number;
  /** Where the value (inline) or its offset (indirect) is stored, and that slot's width. */
  at: number;
  width: number;
  /** The width of an indirect value's target (from the packed type). */
  ownWidth: number;
}

export class FlexbufferMap {
  private readonly view: DataView;
  private readonly values: number;
  private readonly width: number;
  private readonly count: number;
  private readonly keys: number;
  private readonly keyWidth: number;

  constructor(
    private readonly bytes: Uint8Array | undefined,
    private readonly where: string,
  ) {
    if (!bytes || bytes.length < 3) this.fail(`custom options must be a flexbuffers map, got ${bytes?.length ?? 0} bytes`);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const rootWidth = this.view.getUint8(bytes.length - 1);
    const packed = this.view.getUint8(bytes.length - 2);
    if (packed >> 2 !== MAP) this.fail('custom options must be a flexbuffers map');
    this.values = this.indirect(bytes.length - 2 - rootWidth, rootWidth);
    this.width = 1 << (packed & 3);
    this.count = this.uint(this.values - this.width, this.width);
    this.keys = this.indirect(this.values - 3 * this.width, this.width);
    this.keyWidth = this.uint(this.values - 2 * this.width, this.width);
    if (![1, 2, 4, 8].includes(this.keyWidth)) this.fail(`custom options: key width ${this.keyWidth} is not 1, 2, 4 or 8`);
    this.require(this.values, this.count * (this.width + 1), 'map values');
    this.require(this.keys, this.count * this.keyWidth, 'map keys');
  }

  private fail(message: string): never {
    throw new WebliteError('BAD_MODEL', `${this.where}: ${message}`);
  }

  private require(at: number, size: number, what: string): void {
    if (!Number.isSafeInteger(at) || !Number.isSafeInteger(size) || at < 0 || size < 0 || at + size > this.bytes!.length) {
      this.fail(`custom options: ${what} at byte ${at} (${size} bytes) lie outside the ${this.bytes!.length}-byte flexbuffer`);
    }
  }

  private uint(at: number, width: number): number {
    if (![1, 2, 4, 8].includes(width)) this.fail(`custom options: byte width ${width} is not 1, 2, 4 or 8`);
    this.require(at, width, 'a value');
    if (width === 8) {
      const value = this.view.getBigUint64(at, true);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`custom options: offset or size ${value} is too large`);
      return Number(value);
    }
    return width === 1 ? this.view.getUint8(at) : width === 2 ? this.view.getUint16(at, true) : this.view.getUint32(at, true);
  }

  /** The position an offset stored at `at` points to (offsets count backwards). */
  private indirect(at: number, width: number): number {
    const target = at - this.uint(at, width);
    this.require(target, 0, 'an offset target');
    return target;
  }

  /** Compares `key` with the NUL-terminated key at `at`: negative when `key` sorts first. */
  private compareKey(key: Uint8Array, at: number): number {
    for (let i = 0; ; i++) {
      this.require(at + i, 1, 'a key');
      const stored = this.view.getUint8(at + i);
      const wanted = i < key.length ? key[i]! : 0;
      if (wanted !== stored) return wanted - stored;
      if (wanted === 0) return 0;
    }
  }

  private lookup(name: string): Value | undefined {
    const key = new TextEncoder().encode(name);
    let [low, high] = [0, this.count - 1];
    while (low <= high) {
      const middle = (low + high) >> 1;
      const order = this.compareKey(key, this.indirect(this.keys + middle * this.keyWidth, this.keyWidth));
      if (order === 0) {
        const packed = this.view.getUint8(this.values + this.count * this.width + middle);
        return { type: packed >> 2, at: this.values + middle * this.width, width: this.width, ownWidth: 1 << (packed & 3) };
      }
      if (order < 0) high = middle - 1;
      else low = middle + 1;
    }
    return undefined;
  }

  private scalar(value: Value, name: string): number {
    const indirect = value.type === INDIRECT_INT || value.type === INDIRECT_UINT || value.type === INDIRECT_FLOAT;
    const at = indirect ? this.indirect(value.at, value.width) : value.at;
    const width = indirect ? value.ownWidth : value.width;
    this.require(at, width, `custom option '${name}'`);
    switch (value.type) {
      case INT:
      case INDIRECT_INT:
        if (width === 8) return Number(this.view.getBigInt64(at, true));
        return width === 1 ? this.view.getInt8(at) : width === 2 ? this.view.getInt16(at, true) : this.view.getInt32(at, true);
      case UINT:
      case INDIRECT_UINT:
      case BOOL:
        return width === 8 ? Number(this.view.getBigUint64(at, true)) : this.uint(at, width);
      case FLOAT:
      case INDIRECT_FLOAT:
        if (width === 4) return this.view.getFloat32(at, true);
        if (width === 8) return this.view.getFloat64(at, true);
        return this.fail(`custom option '${name}': a ${width}-byte float`);
      default:
        return this.fail(`custom option '${name}' must be a number (flexbuffers type ${value.type})`);
    }
  }

  has(name: string): boolean {
    const value = this.lookup(name);
    return value !== undefined && value.type !== NULL;
  }

  /** A number, bool (0/1) or int (64-bit ones as the nearest number); `fallback` when absent or null. */
  number(name: string, fallback = 0): number {
    const value = this.lookup(name);
    return value === undefined || value.type === NULL ? fallback : this.scalar(value, name);
  }

  bool(name: string, fallback = false): boolean {
    return this.has(name) ? this.number(name) !== 0 : fallback;
  }
}
