/**
 * Constant values (weights and TENSOR attributes) in and out of the .wlm data section.
 *
 * Bytes are stored little-endian, row-major, at DATA_ALIGNMENT-aligned offsets inside the section; constants smaller
 * than DATA_ALIGNMENT bytes (scales, zero points, shapes) at SMALL_ALIGNMENT-aligned ones, enough for any element
 * type's typed-array view.
 * Typed arrays use the platform's byte order, which is little-endian on every platform weblite targets
 * (browsers, Node on x86/ARM); a big-endian host would need a byte-swapping path here.
 */
import type * as flatbuffers from 'flatbuffers';
import { TensorData } from '../../format/generated/weblite_generated.js';
import { type BigArray, type DType, type NumericArray, byteSize, typedArrayConstructor } from '../dtype.js';
import { Tensor, limits } from '../tensor.js';
import { WebliteError } from '../../errors.js';
import { DATA_ALIGNMENT, SMALL_ALIGNMENT, alignUp, dtypeFromFormat, formatDataType, safeNumber } from './constants.js';
import { sharedOffset } from './shared.js';

// ---------------------------------------------------------------- writing

/** Collects constants' bytes for the data section, each at an aligned offset. Nothing is copied until `copyInto`. */
export class DataSectionWriter {
  private readonly chunks: { offset: number; bytes: Uint8Array }[] = [];
  length = 0;

  /** Reserves an aligned slot for `bytes` and returns its offset inside the section. */
  add(bytes: Uint8Array): number {
    const offset = alignUp(this.length, bytes.byteLength < DATA_ALIGNMENT ? SMALL_ALIGNMENT : DATA_ALIGNMENT);
    this.chunks.push({ offset, bytes });
    this.length = offset + bytes.byteLength;
    return offset;
  }

  copyInto(target: Uint8Array, sectionStart: number): void {
    for (const chunk of this.chunks) target.set(chunk.bytes, sectionStart + chunk.offset);
  }
}

/** Writes a TensorData table for `tensor`, adding its bytes (if not strings) to `section`. */
export function writeTensorData(builder: flatbuffers.Builder, tensor: Tensor, section: DataSectionWriter, where: string): number {
  const dims = sharedOffset(builder, `data-dims:${tensor.dims.join(',')}`, () => TensorData.createDimsVector(builder, tensor.dims.map((d) => BigInt(d))));
  let stringsVector = 0;
  let offset = 0;
  let length = 0;
  if (tensor.type === 'string') {
    const strings = tensor.data as string[];
    stringsVector = TensorData.createStringsVector(builder, strings.map((s) => builder.createString(s)));
  } else {
    const data = tensor.data as NumericArray | BigArray;
    if (!ArrayBuffer.isView(data)) throw new WebliteError('BAD_ARGUMENT', `${where}: ${tensor.type} tensor data is not a typed array`);
    length = data.byteLength;
    offset = section.add(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  TensorData.startTensorData(builder);
  TensorData.addType(builder, formatDataType(tensor.type));
  TensorData.addDims(builder, dims);
  TensorData.addDataOffset(builder, BigInt(offset));
  TensorData.addDataLength(builder, BigInt(length));
  if (stringsVector) TensorData.addStrings(builder, stringsVector);
  return TensorData.endTensorData(builder);
}

// ---------------------------------------------------------------- reading

/** The file's data section, plus how many bytes constants may still claim (see `readTensorData`). */
export interface DataSection {
  bytes: Uint8Array;
  /** Absolute offset of the section in `bytes`. */
  start: number;
  length: number;
  /**
   * Bytes not yet claimed by any constant. Constants may not claim more than the section holds in total,
   * so a file that points many tensors at the same bytes cannot make the reader copy them many times.
   */
  unclaimed: number;
}

type ViewConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => NumericArray | BigArray;

/**
 * A constant from a verified TensorData table. Every number is checked before use; `fail(what)` throws
 * BAD_MODEL naming the file and `where`. The data is a view into `section.bytes` when its absolute address
 * is aligned for the element type, and a copy otherwise.
 */
export function readTensorData(table: TensorData, section: DataSection, where: string, fail: (what: string) => never): Tensor {
  const type = dtypeFromFormat(table.type()) ?? fail(`${where} has unknown data type ${table.type()}`);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < table.dimsLength(); i++) {
    const dim = safeNumber(table.dims(i)!) ?? fail(`${where} has invalid dim ${table.dims(i)} at index ${i}`);
    dims.push(dim);
    count *= dim;
    // Checked per dim so the running product stays exact (below 2^28 · 2^53 would not be).
    if (count > limits.maxElements) fail(`${where} has dims [${dimsText(table)}], more than ${limits.maxElements} elements`);
  }

  if (type === 'string') {
    if (table.stringsLength() !== count) fail(`${where} has ${table.stringsLength()} strings for dims [${dims.join(', ')}]`);
    const strings: string[] = [];
    for (let i = 0; i < count; i++) strings.push(table.strings(i));
    return new Tensor('string', strings, dims);
  }
  if (table.stringsLength() !== 0) fail(`${where} is ${type} but carries strings`);

  const elementSize = byteSize(type);
  const offset = safeNumber(table.dataOffset()) ?? fail(`${where} has invalid data offset ${table.dataOffset()}`);
  const length = safeNumber(table.dataLength()) ?? fail(`${where} has invalid data length ${table.dataLength()}`);
  if (length !== count * elementSize) {
    fail(`${where} has ${length} data bytes, but dims [${dims.join(', ')}] of ${type} need ${count * elementSize}`);
  }
  const alignment = length < DATA_ALIGNMENT ? SMALL_ALIGNMENT : DATA_ALIGNMENT;
  if (offset % alignment !== 0) fail(`${where} data offset ${offset} is not a multiple of ${alignment}`);
  if (offset + length > section.length) {
    fail(`${where} data [${offset}, ${offset + length}) lies outside the ${section.length}-byte data section`);
  }
  section.unclaimed -= length;
  if (section.unclaimed < 0) fail(`${where}: constants claim more bytes in total than the data section holds`);

  const start = section.start + offset;
  const { bytes } = section;
  const Constructor = typedArrayConstructor(type as Exclude<DType, 'string'>) as unknown as ViewConstructor;
  let data: NumericArray | BigArray;
  if ((bytes.byteOffset + start) % elementSize === 0) {
    data = new Constructor(bytes.buffer, bytes.byteOffset + start, count);
  } else {
    // Not `bytes.slice`: on a Node Buffer that is a view, not a copy.
    const copy = new Uint8Array(length);
    copy.set(bytes.subarray(start, start + length));
    data = new Constructor(copy.buffer, 0, count);
  }
  if (type === 'bool') {
    const values = data as Uint8Array;
    for (let i = 0; i < values.length; i++) if (values[i]! > 1) fail(`${where} has bool value ${values[i]} at index ${i}`);
  }
  return new Tensor(type, data, dims);
}

function dimsText(table: TensorData): string {
  const dims: string[] = [];
  for (let i = 0; i < table.dimsLength(); i++) dims.push(String(table.dims(i)));
  return dims.join(', ');
}
