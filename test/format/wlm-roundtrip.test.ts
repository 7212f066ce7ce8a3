import { describe, expect, it } from 'vitest';
import * as flatbuffers from 'flatbuffers';
import * as fb from '../../src/format/generated/weblite_generated.js';
import { Graph } from '../../src/ir/graph.js';
import { opTable } from '../../src/ir/ops.js';
import { Tensor } from '../../src/ir/tensor.js';
import { DATA_ALIGNMENT, FILE_IDENTIFIER, FORMAT_VERSION } from '../../src/ir/wlm/constants.js';
import { readWlm } from '../../src/ir/wlm/read.js';
import { attributeKind, writeWlm } from '../../src/ir/wlm/write.js';
import { addNode, addTensor, everyFeatureGraph } from './wlm-samples.js';
import { WebliteError } from '../../src/errors.js';

function modelOf(bytes: Uint8Array): fb.Model {
  return fb.Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes));
}

/** `bytes` copied into a fresh buffer at the given byteOffset. */
function placedAt(bytes: Uint8Array, byteOffset: number): Uint8Array {
  const placed = new Uint8Array(new ArrayBuffer(bytes.length + byteOffset), byteOffset, bytes.length);
  placed.set(bytes);
  return placed;
}

function bufferOf(graph: Graph, name: string): ArrayBufferLike {
  return (graph.constant(name)!.data as ArrayBufferView).buffer;
}

describe('.wlm round trip', () => {
  it('keeps every dtype, symbolic dims, attribute kinds, metadata, quantization and omitted inputs', () => {
    const graph = everyFeatureGraph();
    const back = readWlm(writeWlm(graph), 'every-feature.wlm');
    expect(back).toEqual(graph);
    expect(back.tensor('relu').dims).toBeUndefined();
    expect(back.tensor('x').dims).toEqual(['batch', 3, 'height', 'width']);
    expect(back.nodes[0]!.inputs).toEqual(['x', 'w', '']);
    expect(back.constant('c_int64')!.data).toEqual(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, -1n]));
    expect(Object.is((back.constant('c_float32')!.data as Float32Array)[2], -0)).toBe(true);
  });

  it('writes the documented layout: identifier, version, aligned data section and constants', () => {
    const bytes = writeWlm(everyFeatureGraph());
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe(FILE_IDENTIFIER);
    const model = modelOf(bytes);
    expect(model.formatVersion()).toBe(FORMAT_VERSION);
    const dataOffset = Number(model.dataOffset());
    expect(dataOffset % DATA_ALIGNMENT).toBe(0);
    expect(dataOffset + Number(model.dataLength())).toBe(bytes.length);
    for (let i = 0; i < model.tensorsLength(); i++) {
      const value = model.tensors(i)!.value();
      // 64-byte aligned weights; constants below 64 bytes (scales, zero points, shapes) 8-byte aligned.
      if (value) expect(Number(value.dataOffset()) % (Number(value.dataLength()) < DATA_ALIGNMENT ? 8 : DATA_ALIGNMENT)).toBe(0);
    }
  });

  it('round-trips an empty graph and a graph without constants', () => {
    expect(readWlm(writeWlm(new Graph()))).toEqual(new Graph());
    const graph = new Graph();
    addTensor(graph, 'a', 'float32', [2]);
    addTensor(graph, 'b', 'float32', [2]);
    addNode(graph, 'Relu', ['a'], ['b']);
    graph.inputs = ['a'];
    graph.outputs = ['b'];
    expect(readWlm(writeWlm(graph))).toEqual(graph);
  });

  it('keeps an attribute named __proto__ as a plain own property', () => {
    const graph = new Graph();
    addTensor(graph, 'a', 'float32', [1]);
    const attrs = {};
    Object.defineProperty(attrs, '__proto__', { value: 3, enumerable: true, writable: true, configurable: true });
    addNode(graph, 'Identity', ['a'], ['a'], attrs);
    const back = readWlm(writeWlm(graph));
    expect(Object.getOwnPropertyDescriptor(back.nodes[0]!.attrs, '__proto__')?.value).toBe(3);
    expect(Object.getPrototypeOf(back.nodes[0]!.attrs)).toBe(Object.prototype);
  });
});

describe('.wlm constants: zero-copy views', () => {
  it('views the file buffer when it is aligned', () => {
    const bytes = placedAt(writeWlm(everyFeatureGraph()), 64);
    const graph = readWlm(bytes);
    for (const name of ['w', 'c_float64', 'c_int64', 'c_float16', 'c_uint8']) {
      expect(bufferOf(graph, name), name).toBe(bytes.buffer);
    }
  });

  it('copies only what is misaligned when the Uint8Array starts at an odd byteOffset', () => {
    const original = everyFeatureGraph();
    const bytes = placedAt(writeWlm(original), 1);
    const graph = readWlm(bytes);
    expect(graph).toEqual(original);
    for (const name of ['w', 'c_float64', 'c_int64', 'c_float16']) {
      expect(bufferOf(graph, name), name).not.toBe(bytes.buffer);
    }
    // A Node Buffer from the shared pool at an odd offset reads the same.
    const pooled = Buffer.concat([Buffer.from([7]), Buffer.from(writeWlm(original))]).subarray(1);
    expect(readWlm(pooled)).toEqual(original);
    // One-byte elements are always aligned.
    expect(bufferOf(graph, 'c_uint8')).toBe(bytes.buffer);
    expect(bufferOf(graph, 'c_bool')).toBe(bytes.buffer);
  });
});

describe('.wlm attribute kinds', () => {
  it('infers kinds from values when no spec declares them', () => {
    expect(attributeKind(undefined, 3, 'a')).toBe('int');
    expect(attributeKind(undefined, 0.5, 'a')).toBe('float');
    expect(attributeKind(undefined, 'x', 'a')).toBe('string');
    expect(attributeKind(undefined, [1, 2], 'a')).toBe('ints');
    expect(attributeKind(undefined, [1, 2.5], 'a')).toBe('floats');
    expect(attributeKind(undefined, ['x'], 'a')).toBe('strings');
    expect(attributeKind(undefined, [], 'a')).toBe('ints');
    expect(attributeKind(undefined, new Tensor('float32', [1]), 'a')).toBe('tensor');
  });

  it('prefers the declared kind and refuses values that do not fit it', () => {
    expect(attributeKind('float', 1, 'a')).toBe('float');
    expect(attributeKind('floats', [1, 2], 'a')).toBe('floats');
    expect(attributeKind('strings', [], 'a')).toBe('strings');
    expect(() => attributeKind('int', 1.5, 'a')).toThrow(WebliteError);
    expect(() => attributeKind('ints', 'x', 'a')).toThrow(/declares ints/);
  });

  it('stores a declared float as FLOAT even when the value is integral', () => {
    const table = opTable as unknown as Record<string, unknown>;
    const saved = Object.getOwnPropertyDescriptor(table, 'Elu');
    table.Elu = { ...(saved?.value as object), attrs: { alpha: { type: 'float', default: 1 } } };
    try {
      const graph = new Graph();
      addTensor(graph, 'a', 'float32', [1]);
      addTensor(graph, 'b', 'float32', [1]);
      addNode(graph, 'Elu', ['a'], ['b'], { alpha: 2 });
      const bytes = writeWlm(graph);
      expect(modelOf(bytes).nodes(0)!.attributes(0)!.kind()).toBe(fb.AttributeKind.FLOAT);
      expect(readWlm(bytes).nodes[0]!.attrs).toEqual({ alpha: 2 });
    } finally {
      if (saved) Object.defineProperty(table, 'Elu', saved);
      else delete table.Elu;
    }
  });
});

describe('writeWlm refuses inconsistent graphs', () => {
  it('names unknown tensors, bad dims and mismatched values', () => {
    const graph = new Graph();
    addTensor(graph, 'a', 'float32', [2]);
    addNode(graph, 'Relu', ['a'], ['missing']);
    expect(() => writeWlm(graph)).toThrow(/unknown tensor 'missing'/);

    const badDims = new Graph();
    addTensor(badDims, 'a', 'float32', [-1]);
    expect(() => writeWlm(badDims)).toThrow(/invalid dim -1/);

    const mismatch = new Graph();
    addTensor(mismatch, 'a', 'float32', [1], new Tensor('int32', [1]) as unknown as Tensor<'float32'>);
    expect(() => writeWlm(mismatch)).toThrow(/BAD_ARGUMENT/);
  });
});
