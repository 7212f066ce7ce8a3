/**
 * Targeted corruptions of valid .wlm files: each must be refused with BAD_MODEL naming the file and the
 * problem. Field positions are found with the generated accessors on the intact file (vtable slot of
 * field i = 4 + 2i, as in src/format/weblite.fbs).
 */
import { describe, expect, it } from 'vitest';
import * as flatbuffers from 'flatbuffers';
import * as fb from '../../src/format/generated/weblite_generated.js';
import { WebliteError } from '../../src/errors.js';
import { readWlm } from '../../src/ir/wlm/read.js';
import { verifyLimits } from '../../src/ir/wlm/verify.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { everyFeatureGraph, smallGraphs } from './wlm-samples.js';

const FILE = 'corrupt.wlm';

interface TableRef {
  bb: flatbuffers.ByteBuffer | null;
  bb_pos: number;
}

/** Absolute position of a present field (slot = 4 + 2 × field id). */
function fieldAt(table: TableRef, slot: number): number {
  const offset = table.bb!.__offset(table.bb_pos, slot);
  if (!offset) throw new Error(`test setup: field in slot ${slot} is absent`);
  return table.bb_pos + offset;
}

/** Absolute position of the length prefix of the vector (or string) stored in a field. */
function vectorAt(table: TableRef, slot: number): number {
  const position = fieldAt(table, slot);
  return position + table.bb!.readInt32(position);
}

function open(bytes: Uint8Array): { model: fb.Model; view: DataView } {
  return {
    model: fb.Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes)),
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
}

function expectBadModel(bytes: Uint8Array, pattern: RegExp): void {
  let error: unknown;
  try {
    readWlm(bytes, FILE);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(WebliteError);
  expect((error as WebliteError).code).toBe('BAD_MODEL');
  expect((error as WebliteError).message).toContain(`${FILE}: `);
  expect((error as WebliteError).message).toMatch(pattern);
}

/** A fresh everyFeature file with tensor `name` located. */
function withTensor(name: string): { bytes: Uint8Array; view: DataView; tensor: fb.Tensor; model: fb.Model } {
  const bytes = writeWlm(everyFeatureGraph());
  const { model, view } = open(bytes);
  for (let i = 0; i < model.tensorsLength(); i++) {
    const tensor = model.tensors(i)!;
    if (tensor.name() === name) return { bytes, view, tensor, model };
  }
  throw new Error(`test setup: no tensor ${name}`);
}

describe('.wlm corruption → BAD_MODEL', () => {
  it('truncated files', () => {
    const bytes = writeWlm(everyFeatureGraph());
    const dataOffset = Number(open(bytes).model.dataOffset());
    for (const length of [0, 3, 7, 8, 16, dataOffset >> 1, dataOffset - 1, dataOffset + 1, bytes.length - 1]) {
      expectBadModel(bytes.slice(0, length), /./);
    }
    expectBadModel(bytes.slice(0, bytes.length - 1), /runs past the end of the file/);
    expectBadModel(new Uint8Array(0), /too short/);
  });

  it('wrong file identifier', () => {
    const bytes = writeWlm(smallGraphs().addRelu!);
    bytes.set(new TextEncoder().encode('ONNX'), 4);
    expectBadModel(bytes, /file identifier is "ONNX", expected "WLM1"/);
  });

  it('bad root and vtable offsets', () => {
    const rootPastEnd = writeWlm(smallGraphs().addRelu!);
    new DataView(rootPastEnd.buffer).setUint32(0, rootPastEnd.length + 100, true);
    expectBadModel(rootPastEnd, /root offset.*past the end/);

    const badVtable = writeWlm(smallGraphs().addRelu!);
    const { model, view } = open(badVtable);
    view.setInt32(model.bb_pos, 0x7fffffff, true);
    expectBadModel(badVtable, /Model vtable/);

    const shortVtable = writeWlm(smallGraphs().addRelu!);
    const opened = open(shortVtable);
    const vtable = opened.model.bb_pos - opened.view.getInt32(opened.model.bb_pos, true);
    opened.view.setUint16(vtable, 3, true);
    expectBadModel(shortVtable, /vtable at byte \d+ has invalid size 3/);
  });

  it('field offsets outside their table', () => {
    const bytes = writeWlm(smallGraphs().addRelu!);
    const { model, view } = open(bytes);
    const vtable = model.bb_pos - view.getInt32(model.bb_pos, true);
    view.setUint16(vtable + 6, 0x7000, true); // Model.tensors
    expectBadModel(bytes, /Model\.tensors: field offset 28672 lies outside/);
  });

  it('huge vector and string lengths', () => {
    const vector = writeWlm(everyFeatureGraph());
    const opened = open(vector);
    opened.view.setInt32(vectorAt(opened.model, 6), 0x7fffffff, true); // Model.tensors
    expectBadModel(vector, /Model\.tensors: vector at byte \d+ claims 2147483647 elements/);

    const negative = writeWlm(everyFeatureGraph());
    const second = open(negative);
    second.view.setUint32(vectorAt(second.model, 8), 0xffffffff, true); // Model.nodes
    expectBadModel(negative, /Model\.nodes: vector at byte \d+ claims 4294967295 elements/);

    const { bytes, view, tensor } = withTensor('x');
    view.setInt32(vectorAt(tensor, 4), 0x7fffffff, true); // Tensor.name
    expectBadModel(bytes, /Model\.tensors\[\d+\]\.name: string at byte \d+ claims/);
  });

  it('strings without their 0 terminator', () => {
    const { bytes, view, tensor } = withTensor('x');
    const name = vectorAt(tensor, 4);
    view.setUint8(name + 4 + 1, 0x41); // 'x' is 1 byte long; overwrite its terminator
    expectBadModel(bytes, /not 0-terminated/);
  });

  it('bad enums', () => {
    const type = withTensor('x');
    type.view.setUint8(fieldAt(type.tensor, 6), 200);
    expectBadModel(type.bytes, /tensor \d+ 'x' has unknown data type 200/);

    const kind = writeWlm(everyFeatureGraph());
    const { model, view } = open(kind);
    view.setUint8(fieldAt(model.nodes(0)!.attributes(0)!, 6), 99);
    expectBadModel(kind, /node 0 'conv_0' attribute '\w+' has unknown kind 99/);

    const version = writeWlm(everyFeatureGraph());
    const opened = open(version);
    opened.view.setUint32(fieldAt(opened.model, 4), 2, true);
    expectBadModel(version, /format_version 2 is not supported/);
  });

  it('tensor data outside the data section, misaligned or of the wrong length', () => {
    const outside = withTensor('c_float16');
    const value = outside.tensor.value()!;
    outside.view.setBigUint64(fieldAt(value, 8), 1n << 20n, true);
    expectBadModel(outside.bytes, /'c_float16' value data \[1048576, 1048582\) lies outside the \d+-byte data section/);

    const misaligned = withTensor('c_float16');
    // A 6-byte constant sits at a multiple of 8 (64 for constants of 64 bytes or more).
    misaligned.view.setBigUint64(fieldAt(misaligned.tensor.value()!, 8), 4n, true);
    expectBadModel(misaligned.bytes, /data offset 4 is not a multiple of 8/);

    const wrongLength = withTensor('c_float16');
    wrongLength.view.setBigUint64(fieldAt(wrongLength.tensor.value()!, 10), 4n, true);
    expectBadModel(wrongLength.bytes, /has 4 data bytes, but dims \[3\] of float16 need 6/);

    const hugeLength = withTensor('c_float16');
    hugeLength.view.setBigUint64(fieldAt(hugeLength.tensor.value()!, 10), 2n ** 63n, true);
    expectBadModel(hugeLength.bytes, /invalid data length/);

    const section = withTensor('c_float16');
    section.view.setBigUint64(fieldAt(section.model, 18), 1n << 40n, true); // Model.data_length
    expectBadModel(section.bytes, /data section .* runs past the end/);
  });

  it('element counts above the limit and bad dims', () => {
    const huge = withTensor('w');
    const dims = vectorAt(huge.tensor.value()!, 6);
    huge.view.setBigInt64(dims + 4, 1n << 40n, true);
    expectBadModel(huge.bytes, /more than \d+ elements/);

    const negative = withTensor('w');
    negative.view.setBigInt64(vectorAt(negative.tensor.value()!, 6) + 4, -2n, true);
    expectBadModel(negative.bytes, /invalid dim -2/);
  });

  it('bool constants holding values other than 0 and 1', () => {
    const { bytes, model, tensor } = withTensor('c_bool');
    const start = Number(model.dataOffset()) + Number(tensor.value()!.dataOffset());
    bytes[start] = 2;
    expectBadModel(bytes, /bool value 2/);
  });

  it('unknown ops, tensor indices out of range, constant flags that disagree', () => {
    const op = writeWlm(smallGraphs().addRelu!);
    const opened = open(op);
    const relu = vectorAt(opened.model.nodes(1)!, 6);
    op[relu + 4 + 3] = 'y'.charCodeAt(0);
    expectBadModel(op, /node 1 'relu_1' has unknown op "Rely"/);

    const index = writeWlm(smallGraphs().addRelu!);
    const second = open(index);
    second.view.setInt32(vectorAt(second.model.nodes(0)!, 8) + 4, 999, true);
    expectBadModel(index, /node 0 'add_0' input 0 refers to tensor index 999, but the file has 4 tensors/);

    const output = writeWlm(smallGraphs().addRelu!);
    const third = open(output);
    third.view.setInt32(vectorAt(third.model, 12) + 4, -1, true);
    expectBadModel(output, /graph output 0 refers to tensor index -1/);

    const flag = withTensor('c_float16');
    flag.view.setUint8(fieldAt(flag.tensor, 12), 0);
    expectBadModel(flag.bytes, /is_constant is false but a value is present/);
  });

  it('offsets shared too often exhaust the work budget', () => {
    const bytes = writeWlm(everyFeatureGraph());
    // A well-formed file needs less than one unit of work per byte, with no constant allowance.
    const strict = { ...verifyLimits };
    Object.assign(verifyLimits, { workPerByte: 1, baseWork: 0 });
    try {
      expect(readWlm(bytes).nodes.length).toBe(5);
    } finally {
      Object.assign(verifyLimits, strict);
    }
    const saved = { ...verifyLimits };
    Object.assign(verifyLimits, { workPerByte: 0.01, baseWork: 0 });
    try {
      expectBadModel(bytes, /references more data than its size allows/);
    } finally {
      Object.assign(verifyLimits, saved);
    }
  });

  it('rejects non-bytes input with BAD_ARGUMENT', () => {
    expect(() => readWlm([1, 2, 3] as unknown as Uint8Array)).toThrow(/BAD_ARGUMENT/);
  });
});
