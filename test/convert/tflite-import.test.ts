// The TFLite front-end's contract apart from numerics: the graph's interface, error reporting for unsupported
// operators, and BAD_MODEL (never a TypeError/RangeError, never a hang) for truncated or corrupted files.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sniffFormat } from '../../src/convert/sniff.js';
import { importTflite } from '../../src/convert/tflite/index.js';
import { WebliteError } from '../../src/errors.js';
import { OPTIONS, type ModelSpec, buildTflite } from '../helpers/tflite-builder.js';
import { f32, i32, quantized, random, weights } from '../helpers/tflite-check.js';
import { MODELS, readModel } from '../helpers/tflite-models.js';

const conv: ModelSpec = {
  tensors: [
    quantized('uint8', [1, 6, 6, 3], 1 / 128, 128),
    quantized('uint8', [4, 3, 3, 3], 0.02, 127, random(108, 0, 255, 3).map(Math.floor)),
    { ...i32([4], [100, -100, 50, 0]), quantization: { scale: [0.02 / 128], zeroPoint: [0] } },
    quantized('uint8', [1, 6, 6, 4], 0.05, 10),
  ],
  inputs: [0],
  outputs: [3],
  operators: [{ op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: { type: OPTIONS.Conv2D, fields: [{ id: 1, int32: 1 }, { id: 2, int32: 1 }] } }],
};

function errorOf(action: () => unknown): WebliteError {
  try {
    action();
  } catch (error) {
    if (error instanceof WebliteError) return error;
    throw error;
  }
  throw new Error('expected a WebliteError');
}

describe('TFLite import', () => {
  it('keeps TFLite names, NHWC shapes and stored dtypes at the graph edges', () => {
    const bytes = buildTflite(conv);
    expect(sniffFormat(bytes)).toBe('tflite');
    const graph = importTflite(bytes, { fileName: 'conv.tflite' });
    expect(graph.inputs).toEqual(['t0']);
    expect(graph.outputs).toEqual(['t3']);
    expect(graph.tensor('t0')).toMatchObject({ type: 'uint8', dims: [1, 6, 6, 3] });
    expect(graph.tensor('t3')).toMatchObject({ type: 'uint8', dims: [1, 6, 6, 4] });
    expect(graph.metadata.sourceFormat).toBe('tflite');
    // The quantized edges carry their parameters (per tensor: axis 0).
    expect(graph.tensor('t0').quantization).toEqual({ scale: [1 / 128], zeroPoint: [128], axis: 0 });
    expect(graph.tensor('t3').quantization).toEqual({ scale: [Math.fround(0.05)], zeroPoint: [10], axis: 0 });
    // Weights and bias stay as stored (uint8 weights, int32 bias) behind DequantizeLinear with their scales.
    const convNode = graph.nodes.find((node) => node.op === 'Conv')!;
    const producer = (name: string) => graph.nodes.find((node) => node.outputs[0] === name)!;
    const weights = producer(convNode.inputs[1]!);
    const bias = producer(convNode.inputs[2]!);
    expect(weights.op).toBe('DequantizeLinear');
    expect(graph.tensor(weights.inputs[0]!).value?.type).toBe('uint8');
    expect(graph.tensor(weights.inputs[0]!).dims).toEqual([4, 3, 3, 3]);
    expect(graph.tensor(bias.inputs[0]!).value?.type).toBe('int32');
    expect(graph.tensor(convNode.inputs[1]!).dims).toEqual([4, 3, 3, 3]);
  });

  it('reports every unsupported operator at once, with operator indices', () => {
    const spec: ModelSpec = {
      tensors: [f32([1, 4]), f32([1, 4]), f32([1, 4]), f32([1, 4])],
      inputs: [0],
      outputs: [3],
      operators: [
        { op: 'CUSTOM:MyOp', inputs: [0], outputs: [1] },
        { op: 'HASHTABLE_LOOKUP', inputs: [1], outputs: [2] },
        { op: 'CUSTOM:MyOp', inputs: [2], outputs: [3] },
      ],
    };
    const error = errorOf(() => importTflite(buildTflite(spec), { fileName: 'custom.tflite' }));
    expect(error.code).toBe('UNSUPPORTED_OP');
    expect(error.message).toContain('custom.tflite: 2 unsupported operator type(s)');
    expect(error.message).toContain('CUSTOM:MyOp (operators 0, 2)');
    expect(error.message).toContain('HASHTABLE_LOOKUP (operator 1)');
  });

  it('rejects a declared shape that the operator does not produce', () => {
    const spec: ModelSpec = { ...conv, tensors: [...conv.tensors.slice(0, 3), quantized('uint8', [1, 5, 6, 4], 0.05, 10)] };
    const error = errorOf(() => importTflite(buildTflite(spec), { fileName: 'shape.tflite' }));
    expect(error.code).toBe('BAD_MODEL');
    expect(error.message).toMatch(/tensor 3 't3' is declared \[1, 5, 6, 4\] but its operator produces \[1, 6, 6, 4\]/);
  });

  it('rejects constant data whose size does not match its shape, and reads before writes', () => {
    const short: ModelSpec = { ...conv, tensors: [conv.tensors[0]!, { ...conv.tensors[1]!, data: [1, 2, 3] }, ...conv.tensors.slice(2)] };
    expect(errorOf(() => importTflite(buildTflite(short))).message).toMatch(/buffer holds 3 bytes, shape \[4, 3, 3, 3\] of uint8 needs 108/);
    const unordered: ModelSpec = {
      tensors: [f32([2]), f32([2]), f32([2])],
      inputs: [0],
      outputs: [2],
      operators: [
        { op: 'RELU', inputs: [1], outputs: [2] },
        { op: 'RELU', inputs: [0], outputs: [1] },
      ],
    };
    expect(errorOf(() => importTflite(buildTflite(unordered))).code).toBe('BAD_MODEL');
  });

  it('fails with BAD_MODEL on files that are not TFLite', () => {
    expect(errorOf(() => importTflite(new Uint8Array(0))).code).toBe('BAD_MODEL');
    expect(errorOf(() => importTflite(new TextEncoder().encode('not a model at all'))).message).toMatch(/file identifier/);
  });
});

/** Truncations and seeded byte corruptions: each must convert, or fail with a WebliteError. */
function corruptionsOf(bytes: Uint8Array, trials: number, seed: number): Uint8Array[] {
  const variants: Uint8Array[] = [];
  for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 64))) variants.push(bytes.slice(0, cut));
  const values = random(trials * 3, 0, 1, seed);
  for (let t = 0; t < trials; t++) {
    const copy = bytes.slice();
    const flips = 1 + Math.floor(values[3 * t]! * 4);
    for (let f = 0; f < flips; f++) {
      // Corrupt mostly the flatbuffer's tables and vectors near the start and end, where the offsets live.
      const where = Math.floor(((values[3 * t + 1]! + f * 0.37) % 1) * copy.length);
      copy[where] = Math.floor(values[3 * t + 2]! * 256) ^ (f * 77);
    }
    variants.push(copy);
  }
  return variants;
}

describe('TFLite import of corrupted files', () => {
  const sources: [string, Uint8Array][] = [['built conv', buildTflite(conv)]];
  if (existsSync(`${MODELS}tflite/resnet8-cifar10-int8.tflite`)) sources.push(['resnet8-int8', readModel('resnet8-cifar10-int8.tflite')]);

  for (const [name, bytes] of sources) {
    it(`${name}: truncated or corrupted bytes give a WebliteError or a graph`, () => {
      const started = performance.now();
      let failures = 0;
      for (const variant of corruptionsOf(bytes, 300, bytes.length)) {
        try {
          importTflite(variant, { fileName: 'corrupt.tflite' });
        } catch (error) {
          if (!(error instanceof WebliteError)) throw error;
          failures++;
        }
      }
      expect(failures).toBeGreaterThan(0);
      expect(performance.now() - started).toBeLessThan(60_000);
    });
  }

  it('a vector claiming more elements than the file holds is BAD_MODEL', () => {
    const bytes = buildTflite({ tensors: [f32([2]), weights([2]), f32([2])], inputs: [0], outputs: [2], operators: [{ op: 'ADD', inputs: [0, 1], outputs: [2] }] });
    // The shape vector of tensor 0 ([2]) holds the count 1 followed by 2; make the count huge.
    const view = new DataView(bytes.buffer);
    let patched = false;
    for (let at = 8; at + 8 <= bytes.length && !patched; at += 4) {
      if (view.getInt32(at, true) === 1 && view.getInt32(at + 4, true) === 2) {
        view.setInt32(at, 0x7fffffff, true);
        patched = true;
      }
    }
    expect(patched).toBe(true);
    const error = errorOf(() => importTflite(bytes, { fileName: 'huge.tflite' }));
    expect(error.code).toBe('BAD_MODEL');
    expect(error.message).toMatch(/huge\.tflite: .*claims 2147483647 elements/);
  });
});
