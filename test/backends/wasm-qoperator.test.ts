/**
 * onnxruntime QOperator models (QLinearConv, QLinearMatMul and com.microsoft QGemm / QLinearAdd / QLinearConcat …,
 * the form onnxruntime's quantize_static writes with QuantFormat.QOperator), built here by hand, against
 * onnxruntime-node: weblite's reference backend and the wasm backend's int8 kernels. uint8 activations are retyped
 * to int8 at session creation (src/passes/quantize/qdq-fuse.ts), so uint8 models run on the same qs8 kernels.
 *
 * Tolerances: QLinearConcat is table lookup on both sides (exact). The arithmetic ops requantize in float32 on both
 * sides but with different operation orders (onnxruntime's MLAS folds the scales differently), so an output may sit
 * one quantization step away where the exact value is within float32 rounding of a tie: ≤ 1 step, on few elements.
 */
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../src/index.js';
import type { DType } from '../../src/ir/dtype.js';
import { type NodeSpec, buildModel } from '../helpers/onnx-builder.js';
import { runOrt } from '../helpers/ort.js';

function ints(length: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return lo + ((s >>> 0) % (hi - lo + 1));
  });
}

type Q8 = 'int8' | 'uint8';
const LOW: Record<Q8, number> = { int8: -128, uint8: 0 };
const q8 = (type: Q8, values: number[], dims: number[]) => new Tensor(type, type === 'int8' ? Int8Array.from(values) : Uint8Array.from(values), dims);
const random8 = (type: Q8, dims: number[], seed: number) => q8(type, ints(dims.reduce((a, b) => a * b, 1), LOW[type], LOW[type] + 255, seed), dims);
const scalar = (v: number) => new Tensor('float32', Float32Array.of(v), []);
const zero = (type: Q8, v: number) => q8(type, [v], []);

const asNumbers = (t: Tensor) => Array.from(t.data as ArrayLike<number>);

/** Runs `model` on onnxruntime, the reference backend and the wasm backend; returns all three and the placement. */
async function runAll(model: Uint8Array, feeds: Record<string, Tensor>) {
  const ort = await runOrt(model, feeds);
  const reference = await InferenceSession.create(model, { backend: 'reference' });
  const wasm = await InferenceSession.create(model, { backend: 'wasm' });
  const result = { ort, reference: await reference.run(feeds), wasm: await wasm.run(feeds), placement: wasm.placement };
  await Promise.all([reference.release(), wasm.release()]);
  return result;
}

/** Largest |a − b| over two tensors, and how many elements differ. */
function difference(a: Tensor, b: Tensor): { max: number; count: number } {
  expect([...a.dims]).toEqual([...b.dims]);
  const x = asNumbers(a);
  const y = asNumbers(b);
  let max = 0;
  let count = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (d > 0) count++;
    max = Math.max(max, d);
  }
  return { max, count };
}

describe('QLinearConcat (com.microsoft) against onnxruntime', () => {
  for (const type of ['int8', 'uint8'] as const) {
    it(`${type}: requantized inputs (all 256 values, round-half-to-even ties, saturation) and a copied one, exact`, async () => {
      const lo = LOW[type];
      const every = q8(type, Array.from({ length: 256 }, (_, i) => lo + i), [2, 2, 64]);
      const b = random8(type, [2, 3, 64], 81);
      const c = random8(type, [2, 1, 64], 82);
      const nodes: NodeSpec[] = [{ op: 'QLinearConcat', domain: 'com.microsoft', inputs: ['ys', 'yz', 'a', 'as', 'az', 'b', 'bs', 'bz', 'c', 'ys', 'yz'], outputs: ['y'], attrs: { axis: 1 } }];
      const initializers = {
        // a: 0.125 / 0.25 halves every value (ties at odd values); b: a scale that saturates at both ends.
        ys: scalar(0.25), yz: zero(type, lo + 131), as: scalar(0.125), az: zero(type, lo + 6), bs: scalar(0.61), bz: zero(type, lo + 200),
      };
      const model = buildModel({
        inputs: [{ name: 'a', type, dims: [2, 2, 64] }, { name: 'b', type, dims: [2, 3, 64] }, { name: 'c', type, dims: [2, 1, 64] }],
        outputs: [{ name: 'y', type }], nodes, initializers,
      });
      const { ort, reference, wasm, placement } = await runAll(model, { a: every, b, c });
      expect(asNumbers(reference.y!)).toEqual(asNumbers(ort.y!));
      expect(asNumbers(wasm.y!)).toEqual(asNumbers(ort.y!));
      if (type === 'int8') expect(placement.find((p) => p.op === 'QLinearConcat')?.kernel).toBe('ts/concat-requantize-lut-x8');
    });
  }
});
