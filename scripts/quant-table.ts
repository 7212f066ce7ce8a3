/**
 * The quantization table of issue #4 on the real float MobileNet (TFLite v1 0.25, 224): file size against the
 * float32 .wlm, worst-case cosine similarity of the outputs against float32 over the evaluation images, and top-1
 * agreement, for fp16 / int8-weights / int8 on the reference and wasm backends.
 *
 *   npx tsx scripts/quant-table.ts [--method minmax (default)|percentile|mse|kl|auto] [--adaptive-rounding]
 *
 * Calibration (int8) uses 4 images, evaluation 4 others, from ../shared/models/images, pre-processed as MODELS.md
 * says for this model: bilinear resize to 224×224, (pixel − 127.5) / 127.5, NHWC. test/convert/quantize-mobilenet
 * checks the same numbers against the targets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeImage, imageTensor } from '../src/cli/images.js';
import { convert } from '../src/convert/index.js';
import type { Tensor } from '../src/ir/tensor.js';
import { InferenceSession } from '../src/index.js';
import type { CalibrationMethod } from '../src/passes/quantize/ranges.js';

export const SHARED = fileURLToPath(new URL('../../shared/models/', import.meta.url));
export const MODEL = `${SHARED}tflite/mobilenet-v1-0.25-224-float.tflite`;
export const modelPresent = existsSync(MODEL);
export const CALIBRATION_IMAGES = ['burger.jpg', 'cat.bmp', 'street.jpg', 'face.jpg'];
export const EVALUATION_IMAGES = ['cats-and-dogs.jpg', 'grace-hopper.bmp', 'segmentation-input.jpg', 'squat.bmp'];
export const MODES = ['fp16', 'int8-weights', 'int8'] as const;
export const BACKENDS = ['reference', 'wasm'] as const;
/** Issue #4's targets: size against float32, worst-case output cosine. */
export const TARGETS = {
  fp16: { size: 0.55, cosine: 0.999 },
  'int8-weights': { size: 0.3, cosine: 0.99 },
  int8: { size: 0.3, cosine: 0.98 },
} as const;

export function image(file: string): Tensor {
  return imageTensor(decodeImage(new Uint8Array(readFileSync(`${SHARED}images/${file}`)), file), {
    width: 224,
    height: 224,
    mean: [127.5],
    std: [127.5],
    layout: 'nhwc',
  });
}

export interface Row {
  mode: (typeof MODES)[number];
  bytes: number;
  sizeRatio: number;
  /** Per backend: the lowest cosine over the evaluation images, and whether every top-1 matched float32's. */
  backends: Record<(typeof BACKENDS)[number], { worstCosine: number; top1: boolean[] }>;
}

async function outputs(bytes: Uint8Array, backend: string, inputs: Tensor[]): Promise<Float32Array[]> {
  const session = await InferenceSession.create(bytes, { backend: backend as 'reference' });
  try {
    const results: Float32Array[] = [];
    for (const input of inputs) {
      const out = await session.run({ [session.inputs[0]!.name]: input });
      results.push(out[session.outputs[0]!.name]!.data as Float32Array);
    }
    return results;
  } finally {
    await session.release();
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let [dot, x, y] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [dot, x, y] = [dot + a[i]! * b[i]!, x + a[i]! ** 2, y + b[i]! ** 2];
  return dot / Math.sqrt(x * y);
}

const argmax = (values: Float32Array) => values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);

export async function measure(method: CalibrationMethod = 'minmax', adaptiveRounding = false): Promise<{ fp32Bytes: number; rows: Row[]; top1: number[] }> {
  const source = new Uint8Array(readFileSync(MODEL));
  const fp32 = await convert(source);
  const evaluation = EVALUATION_IMAGES.map(image);
  const calibration = CALIBRATION_IMAGES.map((file) => ({ input: image(file) }));
  // float32 on the reference backend is the truth every mode and backend is compared with.
  const want = await outputs(fp32, 'reference', evaluation);
  const rows: Row[] = [];
  for (const mode of MODES) {
    const bytes = await convert(source, { quantize: mode, calibration, calibrationMethod: method, adaptiveRounding });
    const row: Row = { mode, bytes: bytes.length, sizeRatio: bytes.length / fp32.length, backends: {} as Row['backends'] };
    for (const backend of BACKENDS) {
      const got = await outputs(bytes, backend, evaluation);
      row.backends[backend] = {
        worstCosine: Math.min(...got.map((values, i) => cosine(values, want[i]!))),
        top1: got.map((values, i) => argmax(values) === argmax(want[i]!)),
      };
    }
    rows.push(row);
  }
  return { fp32Bytes: fp32.length, rows, top1: want.map(argmax) };
}

export function formatTable({ fp32Bytes, rows }: { fp32Bytes: number; rows: Row[] }): string {
  const lines = [
    `| mode | .wlm bytes | size vs fp32 (target) | worst cosine, reference | worst cosine, wasm | target | same top-1 (ref / wasm) |`,
    `|---|---|---|---|---|---|---|`,
    `| fp32 | ${fp32Bytes} | 1 | 1 | — | — | — |`,
  ];
  for (const row of rows) {
    const target = TARGETS[row.mode];
    const top1 = BACKENDS.map((b) => `${row.backends[b].top1.filter(Boolean).length}/${row.backends[b].top1.length}`).join(' / ');
    lines.push(
      `| ${row.mode} | ${row.bytes} | ${row.sizeRatio.toFixed(3)} (≤ ${target.size}) | ${row.backends.reference.worstCosine.toFixed(5)} | ` +
        `${row.backends.wasm.worstCosine.toFixed(5)} | ≥ ${target.cosine} | ${top1} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!modelPresent) {
    console.error(`quant-table: ${MODEL} is absent (the shared models folder; see MODELS.md)`);
    process.exit(1);
  }
  const flag = process.argv.indexOf('--method');
  const method = (flag > 0 ? process.argv[flag + 1] : 'minmax') as CalibrationMethod;
  const adaptiveRounding = process.argv.includes('--adaptive-rounding');
  const result = await measure(method, adaptiveRounding);
  console.log(`mobilenet-v1-0.25-224-float.tflite; int8 calibrated on ${CALIBRATION_IMAGES.join(', ')} (${method}${adaptiveRounding ? ', adaptive rounding' : ''});`);
  console.log(`evaluated on ${EVALUATION_IMAGES.join(', ')} (float32 top-1: ${result.top1.join(', ')})\n`);
  console.log(formatTable(result));
}
