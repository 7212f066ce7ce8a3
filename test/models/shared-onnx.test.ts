/**
 * The real pretrained ONNX models in ../shared/models (when present) against onnxruntime-node on the same input.
 * Tolerance: max |got − want| ≤ 1e-4 · max(1, max |want|) per output. Relative L2 is not used because some outputs
 * are sigmoid tails near 1e-7 where onnxruntime's own sigmoid approximation differs from the exact value by 100%.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InferenceSession, type Tensor } from '../../src/index.js';
import { MODELS, SHARED_ONNX_MODELS, mnistDigit, onnxModelsPresent, smoothInput } from '../helpers/shared-onnx.js';

describe.skipIf(!onnxModelsPresent)('shared ONNX models vs onnxruntime-node', () => {
  for (const name of SHARED_ONNX_MODELS) {
    it(name, async () => {
      const bytes = readFileSync(`${MODELS}onnx/${name}.onnx`);
      const session = await InferenceSession.create(bytes, { backend: 'reference' });
      const reference = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
      const feeds: Record<string, Tensor> = {};
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const input of session.inputs) {
        const dims = input.dims.map((d) => (typeof d === 'number' ? d : 1));
        feeds[input.name] = smoothInput(input.type, dims);
        ortFeeds[input.name] = new ort.Tensor('float32', feeds[input.name]!.data as Float32Array, dims);
      }
      const got = await session.run(feeds);
      const want = await reference.run(ortFeeds);
      for (const [output, expected] of Object.entries(want)) {
        const a = got[output]!.data as Float32Array;
        const b = expected.data as Float32Array;
        expect(got[output]!.dims).toEqual([...expected.dims]);
        let maxWant = 1;
        let maxError = 0;
        for (let i = 0; i < b.length; i++) {
          maxWant = Math.max(maxWant, Math.abs(b[i]!));
          maxError = Math.max(maxError, Math.abs(a[i]! - b[i]!));
        }
        expect(maxError, `${name}/${output}`).toBeLessThanOrEqual(1e-4 * maxWant);
      }
    }, 120_000);
  }

  it('mnist classifies the ten sample digits', async () => {
    const session = await InferenceSession.create(`${MODELS}onnx/mnist.onnx`, { backend: 'reference' });
    for (let digit = 0; digit < 10; digit++) {
      const out = await session.run({ [session.inputs[0]!.name]: mnistDigit(digit) });
      const scores = Array.from(out[session.outputs[0]!.name]!.data as Float32Array);
      expect(scores.indexOf(Math.max(...scores))).toBe(digit);
    }
  });
});
