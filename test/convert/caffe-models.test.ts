/**
 * The real Caffe models in ../shared/models/caffe against OpenCV's dnn on the same deterministic input.
 * Tolerance: relative L2 ≤ 1e-3 per output (float32 sums in another order; OpenCV fuses conv + activation).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAFFE_MODELS, MODELS, compareWithOpenCV, modelsPresent, opencvPresent, randomTensor } from './caffe-helpers.js';

const reason = !modelsPresent ? 'no ../shared/models/caffe' : !opencvPresent ? 'python3 cannot import cv2 (OpenCV)' : '';

describe.skipIf(reason !== '')(`Caffe models vs OpenCV dnn${reason ? ` (skipped: ${reason})` : ''}`, () => {
  for (const [name, input, dims] of CAFFE_MODELS) {
    it(name, async () => {
      const prototxt = readFileSync(`${MODELS}${name}.prototxt`, 'utf8');
      const weights = new Uint8Array(readFileSync(`${MODELS}${name}.caffemodel`));
      const feed = randomTensor(dims, 7);
      const results = await compareWithOpenCV(prototxt, weights, { [input]: feed });
      expect(results.length).toBeGreaterThan(0);
      for (const result of results) {
        console.log(`${name}/${result.output} [${result.dims}]: relative L2 ${result.relativeL2.toExponential(2)}`);
        expect(result.dims.reduce((a, b) => a * b, 1)).toBe(result.wantDims.reduce((a, b) => a * b, 1));
        expect(result.relativeL2, `${name}/${result.output}`).toBeLessThanOrEqual(1e-3);
      }
    });
  }
});
