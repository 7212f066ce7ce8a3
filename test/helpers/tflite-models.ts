/** Shared pieces of the TFLite model tests: where the models are, conversion to .wlm, running, reading results. */
import { existsSync, readFileSync } from 'node:fs';
import pngjs from 'pngjs';
import { importTflite } from '../../src/convert/tflite/index.js';
import type { OpSpec } from '../../src/ir/op-spec.js';
import { OP_TYPES, opTable } from '../../src/ir/ops.js';
import { quantizeOps } from '../../src/ir/ops/quantize.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { Tensor } from '../../src/ir/tensor.js';
import { type RgbImage, readImage, resizeBilinear } from './images.js';

export const MODELS = new URL('../../../shared/models/', import.meta.url).pathname;
export const modelsPresent = existsSync(`${MODELS}tflite`);

/**
 * QuantizeLinear/DequantizeLinear join the op table when `quantizeOps` is registered in src/ir/ops.ts; until then
 * this adds them at run time (a no-op afterwards). It runs when this module loads, before the session code (and the
 * .wlm reader, which snapshots OP_TYPES) is imported: runWlm imports it lazily.
 */
function registerQuantizeOps(): void {
  const table = opTable as unknown as Record<string, OpSpec>;
  for (const [name, spec] of Object.entries(quantizeOps)) {
    if (Object.prototype.hasOwnProperty.call(table, name)) continue;
    table[name] = spec;
    (OP_TYPES as unknown as string[]).push(name);
  }
}
registerQuantizeOps();

export function readModel(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${MODELS}tflite/${name}`));
}

/** .tflite → IR (validated after every pass) → .wlm bytes. */
export function toWlm(bytes: Uint8Array, fileName: string): Uint8Array {
  return writeWlm(runPipeline(importTflite(bytes, { fileName }), { validate: true }));
}

export async function runWlm(wlm: Uint8Array, feeds: Tensor[], backend: 'reference' | 'wasm'): Promise<Tensor[]> {
  const { InferenceSession } = await import('../../src/index.js');
  const session = await InferenceSession.create(wlm, { backend });
  try {
    const named = Object.fromEntries(session.inputs.map((input, i) => [input.name, feeds[i]!]));
    const results = await session.run(named);
    return session.outputs.map((output) => results[output.name]!);
  } finally {
    await session.release();
  }
}

/** A sample image from ../shared/models/images, resized to size × size. */
export function sampleImage(file: string, size: number, options?: Parameters<typeof resizeBilinear>[3]): RgbImage {
  return resizeBilinear(readImage(new Uint8Array(readFileSync(`${MODELS}images/${file}`))), size, size, options);
}

/** An NHWC [1, H, W, 3] input tensor from RGB bytes, each byte mapped through `value`. */
export function imageInput(image: RgbImage, type: 'uint8' | 'int8' | 'float32', value: (byte: number) => number = (b) => b): Tensor {
  const data = Tensor.zeros(type, [1, image.height, image.width, 3]);
  const out = data.data as Uint8Array | Int8Array | Float32Array;
  for (let i = 0; i < image.rgb.length; i++) out[i] = value(image.rgb[i]!);
  return data;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export function labels(file: string): string[] {
  return readFileSync(`${MODELS}images/${file}`, 'utf8').split('\n').map((line) => line.trim());
}

/** Max |a − b| over two numeric tensors of the same size (integers compared as numbers). */
export function maxDifference(a: Tensor, b: Tensor): number {
  const x = a.data as ArrayLike<number>;
  const y = b.data as ArrayLike<number>;
  if (x.length !== y.length) throw new Error(`sizes differ: ${x.length} vs ${y.length}`);
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  return max;
}

/** Fraction of elements of two integer tensors that differ by at most one quantization step. */
export function withinOneStep(a: Tensor, b: Tensor): number {
  const x = a.data as ArrayLike<number>;
  const y = b.data as ArrayLike<number>;
  let within = 0;
  for (let i = 0; i < y.length; i++) if (Math.abs(x[i]! - y[i]!) <= 1) within++;
  return within / y.length;
}

export function scores(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number>, Number);
}

/**
 * DeepLabV3's golden mask for images/segmentation-input.jpg: class · 10 per pixel (person 15 → 150, horse 13 → 130),
 * 257 × 257, in the red channel.
 */
export function deeplabGoldenMask(): Uint8Array {
  const png = pngjs.PNG.sync.read(readFileSync(`${MODELS}tflite/deeplabv3-257.golden-mask.png`));
  return Uint8Array.from({ length: 257 * 257 }, (_, pixel) => png.data[pixel * 4]!);
}

/** The fraction of pixels whose argmax over DeepLabV3's 21 class logits ([1, 257, 257, 21]) agrees with the golden mask. */
export function maskAgreement(output: Tensor, golden: Uint8Array): number {
  const logits = output.data as Float32Array;
  let agree = 0;
  for (let pixel = 0; pixel < 257 * 257; pixel++) {
    if (argmax(logits.subarray(pixel * 21, pixel * 21 + 21)) * 10 === golden[pixel]) agree++;
  }
  return agree / (257 * 257);
}

/** libcoral's reference keypoints for images/squat.bmp, as (y, x) pairs. */
export function movenetReference(): number[][] {
  const csv = readFileSync(`${MODELS}tflite/movenet-lightning-int8.reference.csv`, 'utf8').trim().split('\n').slice(1);
  return csv.map((line) => line.split(',').map(Number)).map((row) => [row[5]!, row[4]!]);
}

/** The 17 (y, x) keypoints of MoveNet's [1, 1, 17, 3] output (y, x, score). */
export function movenetKeypoints(t: Tensor): number[][] {
  return Array.from({ length: 17 }, (_, k) => [(t.data as Float32Array)[3 * k]!, (t.data as Float32Array)[3 * k + 1]!]);
}

/** Max coordinate difference between two keypoint lists. */
export function keypointDistance(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((p, k) => [Math.abs(p[0]! - b[k]![0]!), Math.abs(p[1]! - b[k]![1]!)]));
}
