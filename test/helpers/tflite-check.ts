/**
 * Op-level TFLite tests: build a small model, run it on the TFLite interpreter and on weblite (reference and wasm
 * backends, through .wlm), compare every output. Float outputs must agree within `tolerance`·max(1, |want|max);
 * quantized outputs within `steps` quantization steps; integer and bool outputs exactly.
 */
import { expect } from 'vitest';
import { importTflite } from '../../src/convert/tflite/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { type ModelSpec, type OperatorSpec, type TensorSpec, type TfliteType, buildTflite } from './tflite-builder.js';
import { runTflite } from './tflite-interpreter.js';
import { runWlm, toWlm } from './tflite-models.js';

/** Deterministic pseudo-random numbers in [low, high). */
export function random(count: number, low = -1, high = 1, seed = count): number[] {
  let state = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length: count }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return low + ((state >>> 0) / 2 ** 32) * (high - low);
  });
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export const f32 = (shape: number[], data?: ArrayLike<number>): TensorSpec => ({ type: 'float32', shape, data });
export const i32 = (shape: number[], data?: ArrayLike<number>): TensorSpec => ({ type: 'int32', shape, data });
/** A constant with pseudo-random float data. */
export const weights = (shape: number[], seed = 7, low = -1, high = 1): TensorSpec => f32(shape, random(size(shape), low, high, seed));
export const quantized = (type: 'int8' | 'uint8' | 'int16', shape: number[], scale: number | number[], zeroPoint: number | number[], data?: ArrayLike<number>, axis = 0): TensorSpec => ({
  type,
  shape,
  data,
  quantization: { scale: [scale].flat(), zeroPoint: [zeroPoint].flat(), axis },
});

/** Graph input values for the non-constant tensors in `inputs` order. */
export function feed(spec: TensorSpec, seed = 1, low = -1, high = 1): Tensor {
  const count = size(spec.shape);
  const values = random(count, low, high, seed);
  const types: Record<TfliteType, Tensor['type']> = { float32: 'float32', float16: 'float16', int32: 'int32', uint8: 'uint8', int64: 'int64', bool: 'bool', int16: 'int16', int8: 'int8' };
  const type = types[spec.type];
  if (type === 'float32') return new Tensor('float32', Float32Array.from(values), spec.shape);
  const span: Record<string, [number, number]> = { uint8: [0, 255], int8: [-128, 127], int16: [-1000, 1000], int32: [-50, 50] };
  const [a, b] = span[type] ?? [0, 1];
  return new Tensor(type, values.map((v) => Math.round(a + ((v - low) / (high - low)) * (b - a))), spec.shape);
}

/** A model of one operator: tensors[0..n) are its inputs (those without data are graph inputs), the last its output. */
export function oneOp(op: string, inputs: TensorSpec[], output: TensorSpec, options?: OperatorSpec['options']): ModelSpec {
  const tensors = [...inputs, output];
  return {
    tensors,
    inputs: inputs.flatMap((t, i) => (t.data ? [] : [i])),
    outputs: [inputs.length],
    operators: [{ op, inputs: inputs.map((_, i) => i), outputs: [inputs.length], options }],
  };
}

export interface CheckOptions {
  tolerance?: number;
  /** Allowed quantization steps, one number for every output or one per output. */
  steps?: number | number[];
  /** Input value range for float graph inputs. */
  range?: [number, number];
  backends?: ('reference' | 'wasm')[];
}

export async function checkModel(spec: ModelSpec, options: CheckOptions = {}): Promise<Graph> {
  const bytes = buildTflite(spec);
  const [low, high] = options.range ?? [-1, 1];
  const inputs = spec.inputs.map((index, i) => feed(spec.tensors[index]!, 11 + i, low, high));
  const want = await runTflite(bytes, inputs);
  const wlm = toWlm(bytes, 'test.tflite');
  for (const backend of options.backends ?? ['reference', 'wasm']) {
    const got = await runWlm(wlm, inputs, backend);
    expect(got.length).toBe(want.length);
    want.forEach(({ name, tensor: expected }, i) => {
      const actual = got[i]!;
      const where = `${backend} output ${i} '${name}'`;
      expect(actual.dims, where).toEqual(expected.dims);
      expect(actual.type, where).toBe(expected.type);
      const x = Array.from(actual.data as ArrayLike<number>, Number);
      const y = Array.from(expected.data as ArrayLike<number>, Number);
      let worst = 0;
      for (let k = 0; k < y.length; k++) worst = Math.max(worst, Math.abs(x[k]! - y[k]!));
      const quantization = spec.tensors[spec.outputs[i]!]!.quantization;
      if (expected.type === 'float32') {
        const scale = Math.max(1, ...y.map(Math.abs));
        expect(worst, `${where}: max |got − want| (float)`).toBeLessThanOrEqual((options.tolerance ?? 1e-5) * scale);
      } else if (quantization) {
        const steps = Array.isArray(options.steps) ? options.steps[i]! : options.steps ?? 1;
        expect(worst, `${where}: max difference in quantization steps`).toBeLessThanOrEqual(steps);
      } else {
        expect(worst, `${where}: integers must match`).toBe(0);
      }
    });
  }
  return runPipeline(importTflite(bytes, { fileName: 'test.tflite' }));
}

export function countOps(graph: Graph, op: string): number {
  return graph.nodes.filter((node) => node.op === op).length;
}
