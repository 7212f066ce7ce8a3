/**
 * Helpers for the Caffe front-end tests: deterministic tensors, a .caffemodel encoder (protobufjs with weblite's
 * own Caffe schema, so OpenCV reading the file also checks our field numbers), and a comparison of weblite's
 * reference backend with OpenCV's dnn (test/convert/caffe-reference.py, Debian's python3-opencv).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../src/cli/npy.js';
import { importCaffe } from '../../src/convert/caffe/index.js';
import { readNet } from '../../src/convert/caffe/net.js';
import { caffeType, parseNetText } from '../../src/convert/caffe/proto.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { InferenceSession } from '../../src/runtime/session.js';
import { Tensor } from '../../src/ir/tensor.js';

export const MODELS = new URL('../../../shared/models/caffe/', import.meta.url).pathname;
export const modelsPresent = existsSync(`${MODELS}lenet.prototxt`);
const SCRIPT = new URL('./caffe-reference.py', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';

/** The real Caffe models in MODELS (../shared/models/caffe): name, input blob, input dims. */
export const CAFFE_MODELS: readonly [name: string, input: string, dims: number[]][] = [
  ['lenet', 'data', [64, 1, 28, 28]],
  ['mtcnn-det1', 'data', [1, 3, 12, 12]],
  ['mtcnn-det2', 'data', [1, 3, 24, 24]],
  ['mtcnn-det3', 'data', [1, 3, 48, 48]],
  ['ultraface-rfb-320', 'input', [1, 3, 240, 320]],
];

export const opencvPresent = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import cv2'], { encoding: 'utf8' }).status === 0;

/** Values in [−1, 1) from a fixed linear congruential sequence (the same on every run and platform). */
export function pseudoRandom(count: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

export function randomTensor(dims: number[], seed: number, scale = 1): Tensor<'float32'> {
  return new Tensor('float32', pseudoRandom(dims.reduce((a, b) => a * b, 1), seed, scale), dims);
}

export interface BlobSpec {
  dims: number[];
  data: ArrayLike<number>;
  /** Store the shape in the legacy num/channels/height/width fields (4-D, as old .caffemodels do). */
  legacy?: boolean;
}

export interface LayerWeights {
  name: string;
  /** V2 type string, or the V1 enum name when encoding the V1 form. */
  type: string;
  blobs: BlobSpec[];
}

function blobMessage(blob: BlobSpec): Record<string, unknown> {
  const data = Array.from(blob.data);
  if (!blob.legacy) return { shape: { dim: blob.dims }, data };
  const padded = [...new Array<number>(4 - blob.dims.length).fill(1), ...blob.dims];
  return { num: padded[0], channels: padded[1], height: padded[2], width: padded[3], data };
}

/** A binary .caffemodel holding only layer names, types and blobs (what both readers need). */
export function encodeCaffeModel(layers: LayerWeights[], form: 'v2' | 'v1' = 'v2', name = 'test'): Uint8Array {
  const type = caffeType('NetParameter');
  const entries = layers.map((layer) => ({ name: layer.name, type: layer.type, blobs: layer.blobs.map(blobMessage) }));
  const message = type.fromObject(form === 'v2' ? { name, layer: entries } : { name, layers: entries });
  return type.encode(message).finish();
}

/** Weights for every layer of `prototxt` that needs them, from `shapes` (layer name → blob dims), deterministic. */
export function randomWeights(shapes: Record<string, number[][]>, types: Record<string, string>, scale = 0.5): LayerWeights[] {
  return Object.entries(shapes).map(([name, blobs], layerIndex) => ({
    name,
    type: types[name] ?? 'Convolution',
    blobs: blobs.map((dims, i) => ({ dims, data: pseudoRandom(dims.reduce((a, b) => a * b, 1), 100 * layerIndex + i + 1, scale) })),
  }));
}

export interface Comparison {
  output: string;
  dims: readonly number[];
  wantDims: readonly number[];
  relativeL2: number;
}

/** The layer whose first top is the last write of `blob` (OpenCV's forward() takes layer names). */
function lastWriter(prototxt: string, blob: string): string {
  const net = readNet(parseNetText(prototxt, 'net.prototxt'), 'net.prototxt');
  const writers = net.layers.filter((layer) => layer.tops.includes(blob));
  return writers.length > 0 ? writers[writers.length - 1]!.name : blob;
}

/**
 * Converts with importCaffe (+ the optimisation pipeline, validated), runs weblite's reference backend and OpenCV on
 * the same feeds, and returns the relative L2 error ‖got − want‖ / ‖want‖ of every weblite output.
 */
export async function compareWithOpenCV(prototxt: string, weights: Uint8Array, feeds: Record<string, Tensor>, optimize = true): Promise<Comparison[]> {
  const graph = runPipeline(importCaffe(prototxt, { weights, fileName: 'net.prototxt' }), { validate: true, optimize });
  const session = await InferenceSession.create(writeWlm(graph), { backend: 'reference' });
  const got = await session.run(feeds);
  const wants = runOpenCV(prototxt, weights, feeds, session.outputs.map((output) => output.name));
  return session.outputs.map((output, i) => {
    const want = wants[i]!;
    const mine = got[output.name]!;
    return { output: output.name, dims: mine.dims, wantDims: want.dims, relativeL2: relativeL2(mine.data as Float32Array, want.data as Float32Array) };
  });
}

/** OpenCV dnn's values of the blobs named `outputs` (each the last write of that blob) for `feeds`, in that order. */
export function runOpenCV(prototxt: string, weights: Uint8Array, feeds: Record<string, Tensor>, outputs: readonly string[]): Tensor[] {
  const folder = mkdtempSync(join(tmpdir(), 'weblite-caffe-'));
  try {
    writeFileSync(join(folder, 'net.prototxt'), prototxt);
    writeFileSync(join(folder, 'net.caffemodel'), weights);
    const inputs = Object.entries(feeds).map(([name, tensor], i) => {
      writeFileSync(join(folder, `input${i}.npy`), writeNpy(tensor));
      return `${name}=${join(folder, `input${i}.npy`)}`;
    });
    const layers = outputs.map((output) => lastWriter(prototxt, output));
    const result = spawnSync(PYTHON, [SCRIPT, join(folder, 'net.prototxt'), join(folder, 'net.caffemodel'), folder, layers.join(','), ...inputs], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`OpenCV failed: ${result.stderr}`);
    return outputs.map((_, i) => readNpy(new Uint8Array(readFileSync(join(folder, `${i}.npy`))), `${i}.npy`));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export function relativeL2(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Infinity;
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < want.length; i++) {
    difference += (got[i]! - want[i]!) ** 2;
    norm += want[i]! ** 2;
  }
  return Math.sqrt(difference) / Math.max(Math.sqrt(norm), 1e-12);
}
