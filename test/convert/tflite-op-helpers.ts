/** Shared by the TFLite operator tests in this folder: a checkModel variant with hand-made inputs. */
import { expect } from 'vitest';
import { type ModelSpec, buildTflite } from '../helpers/tflite-builder.js';
import { runTflite } from '../helpers/tflite-interpreter.js';
import { runWlm, toWlm } from '../helpers/tflite-models.js';
import { Tensor } from '../../src/ir/tensor.js';

/**
 * Runs `spec` on the TFLite interpreter and on weblite (reference and wasm) with `inputs` (index ranges and other
 * values that random feeds would miss); floats must agree within `tolerance`·max(1, |want|), integers exactly.
 * Returns the worst float error.
 */
export async function checkWith(spec: ModelSpec, inputs: Tensor[], tolerance = 1e-5): Promise<number> {
  const bytes = buildTflite(spec);
  const want = await runTflite(bytes, inputs);
  const wlm = toWlm(bytes, 'test.tflite');
  let worst = 0;
  for (const backend of ['reference', 'wasm'] as const) {
    const got = await runWlm(wlm, inputs, backend);
    want.forEach(({ tensor }, i) => {
      expect(got[i]!.dims, `${backend} output ${i}`).toEqual(tensor.dims);
      const x = Array.from(got[i]!.data as ArrayLike<number>, Number);
      const y = Array.from(tensor.data as ArrayLike<number>, Number);
      const error = Math.max(0, ...y.map((v, k) => Math.abs(x[k]! - v)));
      worst = Math.max(worst, error);
      expect(error, `${backend} output ${i}`).toBeLessThanOrEqual(tensor.type === 'float32' ? tolerance * Math.max(1, ...y.map(Math.abs)) : 0);
    });
  }
  return worst;
}

export const int32s = (values: number[], shape = [values.length]) => new Tensor('int32', Int32Array.from(values), shape);
export const float32s = (values: number[], shape = [values.length]) => new Tensor('float32', Float32Array.from(values), shape);
