/**
 * The real TFLite models in ../shared/models (skipped where that folder is absent), converted to .wlm and run on
 * the reference and wasm backends, against the TFLite interpreter on the same input and against the published
 * facts in MODELS.md. Tolerances, and why:
 * - float models: max |got − want| ≤ 1e-4 · max(1, |want|) (float32 summation order differs);
 * - quantized models run in float with TFLite's requantization points (see src/convert/tflite/op-context.ts): every
 *   operator matches the interpreter within one quantization step on identical inputs, but steps propagate through
 *   the network, so outputs are compared in steps per model (observed worst case noted next to each);
 * - MoveNet decodes keypoints from an argmax over a 48×48 heatmap: a one-step difference can move a keypoint by one
 *   heatmap cell (1/48 ≈ 0.0208), so keypoints must agree with the interpreter within one cell.
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/ir/tensor.js';
import { runTflite } from '../helpers/tflite-interpreter.js';
import {
  argmax, deeplabGoldenMask, imageInput, keypointDistance, labels, maskAgreement, maxDifference, modelsPresent, movenetKeypoints, movenetReference,
  readModel, runWlm, sampleImage, scores, toWlm, withinOneStep,
} from '../helpers/tflite-models.js';
import { InferenceSession } from '../../src/index.js';

const BACKENDS = ['reference', 'wasm'] as const;

interface Run {
  want: Tensor[];
  got: Record<(typeof BACKENDS)[number], Tensor[]>;
}

async function run(model: string, inputs: Tensor[]): Promise<Run> {
  const bytes = readModel(model);
  const wlm = toWlm(bytes, model);
  const want = (await runTflite(bytes, inputs)).map((result) => result.tensor);
  const got = { reference: await runWlm(wlm, inputs, 'reference'), wasm: await runWlm(wlm, inputs, 'wasm') };
  return { want, got };
}

describe.skipIf(!modelsPresent)('shared TFLite models vs the TFLite interpreter and MODELS.md', () => {
  it('mobilenet-v1-0.25-224-float: burger.jpg → 934 cheeseburger', async () => {
    const input = imageInput(sampleImage('burger.jpg', 224), 'float32', (b) => (b - 127.5) / 127.5);
    const { want, got } = await run('mobilenet-v1-0.25-224-float.tflite', [input]);
    for (const backend of BACKENDS) {
      const output = got[backend][0]!;
      expect(output.dims).toEqual([1, 1001]);
      expect(argmax(scores(output))).toBe(934);
      expect(maxDifference(output, want[0]!), backend).toBeLessThanOrEqual(1e-4);
    }
  });

  it('mobilenet-v1-0.25-224-quant: burger.jpg → 934 cheeseburger (uint8)', async () => {
    const input = imageInput(sampleImage('burger.jpg', 224), 'uint8');
    const { want, got } = await run('mobilenet-v1-0.25-224-quant.tflite', [input]);
    for (const backend of BACKENDS) {
      const output = got[backend][0]!;
      expect(output.type).toBe('uint8');
      expect(argmax(scores(output))).toBe(934);
      expect(scores(output)[934]! / 256).toBeGreaterThan(0.9);
      // Observed: exact on both (wasm: integer kernels; reference: the float QDQ composition).
      expect(maxDifference(output, want[0]!), backend).toBeLessThanOrEqual(2);
      expect(withinOneStep(output, want[0]!), backend).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('mobilenet-v2-1.0-224-quant: cat.bmp → Egyptian cat, grace-hopper.bmp → military uniform', async () => {
    const names = labels('imagenet-labels-coral.txt');
    for (const [file, label] of [['cat.bmp', 'Egyptian cat'], ['grace-hopper.bmp', 'military uniform']] as const) {
      const input = imageInput(sampleImage(file, 224), 'uint8');
      const { want, got } = await run('mobilenet-v2-1.0-224-quant.tflite', [input]);
      expect(names[argmax(scores(want[0]!))]).toBe(label);
      for (const backend of BACKENDS) {
        const output = got[backend][0]!;
        expect(names[argmax(scores(output))], `${file} on ${backend}`).toBe(label);
        // Observed: up to 3 steps (of 1/256) on the reference backend (float QDQ composition, 99.9% within one step),
        // at most 1 on wasm (integer kernels, fp32 requantization as XNNPACK's), after 66 requantized layers.
        expect(maxDifference(output, want[0]!), `${file} on ${backend}`).toBeLessThanOrEqual(backend === 'wasm' ? 1 : 4);
        expect(withinOneStep(output, want[0]!), `${file} on ${backend}`).toBeGreaterThanOrEqual(0.99);
      }
    }
  });

  it('quantized models run on the wasm int8 kernels (placement)', async () => {
    for (const [model, minimum] of [['mobilenet-v1-0.25-224-quant.tflite', 28], ['mobilenet-v2-1.0-224-quant.tflite', 64], ['resnet8-cifar10-int8.tflite', 8]] as const) {
      const session = await InferenceSession.create(toWlm(readModel(model), model), { backend: 'wasm' });
      const integer = session.placement.filter((p) => p.backend === 'wasm' && /^(qs8|s8)-/.test(p.kernel));
      expect(integer.length, model).toBeGreaterThanOrEqual(minimum);
      // No quantized operator is left to the CPU reference.
      expect(session.placement.filter((p) => p.backend === 'cpu' && (p.op.startsWith('QLinear') || p.op === 'QGemm')), model).toEqual([]);
      await session.release();
    }
  });

  it('resnet8-cifar10 float and int8: cat.bmp → class 3 (cat), as on the interpreter', async () => {
    const pixels = sampleImage('cat.bmp', 32);
    const float = await run('resnet8-cifar10-float.tflite', [imageInput(pixels, 'float32')]);
    const int8 = await run('resnet8-cifar10-int8.tflite', [imageInput(pixels, 'int8', (b) => b - 128)]);
    // CIFAR-10 class 3 is "cat"; both models say so on the interpreter.
    const top = argmax(scores(float.want[0]!));
    expect(top).toBe(3);
    expect(argmax(scores(int8.want[0]!))).toBe(3);
    for (const backend of BACKENDS) {
      expect(maxDifference(float.got[backend][0]!, float.want[0]!), backend).toBeLessThanOrEqual(1e-4);
      expect(argmax(scores(float.got[backend][0]!))).toBe(top);
      // Observed: exact.
      expect(maxDifference(int8.got[backend][0]!, int8.want[0]!), backend).toBeLessThanOrEqual(1);
      expect(argmax(scores(int8.got[backend][0]!))).toBe(argmax(scores(int8.want[0]!)));
    }
  });

  it('deeplabv3-257: segmentation-input.jpg matches the golden mask', async () => {
    const input = imageInput(sampleImage('segmentation-input.jpg', 257), 'float32', (b) => (b - 127.5) / 127.5);
    const { want, got } = await run('deeplabv3-257.tflite', [input]);
    const golden = deeplabGoldenMask();
    const agreement = (output: Tensor) => maskAgreement(output, golden);
    const interpreter = agreement(want[0]!);
    expect(interpreter).toBeGreaterThan(0.99);
    const wantMax = scores(want[0]!).reduce((max, v) => Math.max(max, Math.abs(v)), 1);
    for (const backend of BACKENDS) {
      const output = got[backend][0]!;
      expect(output.dims).toEqual([1, 257, 257, 21]);
      expect(maxDifference(output, want[0]!), backend).toBeLessThanOrEqual(1e-4 * wantMax);
      // Observed: 99.54 % on both backends, as on the interpreter.
      expect(agreement(output), backend).toBeGreaterThanOrEqual(interpreter - 0.001);
    }
  });

  it('movenet-lightning-int8: squat.bmp keypoints', async () => {
    // libcoral's test input: bilinear resize, the float result truncated into uint8.
    const input = imageInput(sampleImage('squat.bmp', 192, { rounding: 'truncate' }), 'uint8');
    const { want, got } = await run('movenet-lightning-int8.tflite', [input]);
    const reference = movenetReference();
    // The interpreter itself is within 0.022 of libcoral's reference keypoints on this input.
    expect(keypointDistance(movenetKeypoints(want[0]!), reference)).toBeLessThanOrEqual(0.022);
    for (const backend of BACKENDS) {
      const output = got[backend][0]!;
      expect(output.dims).toEqual([1, 1, 17, 3]);
      // Observed: wasm (integer kernels) identical to the interpreter (every int8 intermediate equal; 0.0216 from
      // the CSV) since SUB and RESIZE_BILINEAR round their exact ties half up as TFLite does (before: 0.0205 from
      // the interpreter, 0.0297 from the CSV). Reference backend (float QDQ composition: float convolutions differ
      // from integer ones by a step at near-ties, and steps grow through the network): 0.0205 / 0.0243 — one
      // heatmap cell (1/48) on some keypoints.
      if (backend === 'wasm') {
        expect(keypointDistance(movenetKeypoints(output), movenetKeypoints(want[0]!)), backend).toBeLessThanOrEqual(1e-6);
        expect(keypointDistance(movenetKeypoints(output), reference), backend).toBeLessThanOrEqual(0.022);
      } else {
        expect(keypointDistance(movenetKeypoints(output), movenetKeypoints(want[0]!)), backend).toBeLessThanOrEqual(1 / 48 + 0.001);
        expect(keypointDistance(movenetKeypoints(output), reference), backend).toBeLessThanOrEqual(0.022 + 1 / 48);
      }
    }
  });
});
