/**
 * MediaPipe's custom operators (Convolution2DTransposeBias, MaxPoolingWithArgmax2D, MaxUnpooling2D). The TFLite
 * interpreter from @tensorflow/tfjs-tflite does not resolve them ("unresolved custom op"), so the truth is:
 * the interpreter's builtin twin where one exists (TRANSPOSE_CONV with bias, MAX_POOL_2D for the pooled values),
 * and MediaPipe's kernel loops (mediapipe/util/tflite/operations/) transcribed below for the argmax indices and the
 * unpooling. Built models run on the reference and wasm backends.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../src/convert/tflite/index.js';
import { Tensor } from '../../src/ir/tensor.js';
import { type ModelSpec, OPTIONS, type TensorSpec, buildTflite } from '../helpers/tflite-builder.js';
import { countOps, f32, random, weights } from '../helpers/tflite-check.js';
import { runTflite } from '../helpers/tflite-interpreter.js';
import { MODELS, imageInput, maxDifference, runWlm, toWlm } from '../helpers/tflite-models.js';
import { readImage, resizeBilinear } from '../helpers/images.js';
import { replaceTransposeConvBias } from '../helpers/tflite-rewrite.js';

const SAME = 1;
const VALID = 2;
const int32Struct = (...values: number[]) => new Uint8Array(Int32Array.from(values).buffer);
/** TfLitePoolParams: padding, stride_w, stride_h, filter_w, filter_h, activation, computed padding (4 ints). */
const poolParams = (padding: number, stride: [number, number], filter: [number, number], activation = 0) =>
  int32Struct(padding, stride[1], stride[0], filter[1], filter[0], activation, 0, 0, 0, 0);

function transposeConvBias(input: number[], filter: number[], padding: number, stride: [number, number], output: number[]): ModelSpec {
  return {
    tensors: [f32(input), weights(filter, 5), weights([filter[0]!], 9), f32(output)],
    inputs: [0],
    outputs: [3],
    operators: [{ op: 'CUSTOM:Convolution2DTransposeBias', inputs: [0, 1, 2], outputs: [3], customOptions: int32Struct(padding, stride[1], stride[0]) }],
  };
}

/** MaxPoolingWithArgmax2D with both outputs as graph outputs, optionally followed by MaxUnpooling2D. */
function poolModel(input: number[], pooled: number[], options: Uint8Array, unpool?: { output: number[]; options: Uint8Array }): ModelSpec {
  const tensors: TensorSpec[] = [f32(input), f32(pooled), f32(pooled)];
  const operators: ModelSpec['operators'] = [{ op: 'CUSTOM:MaxPoolingWithArgmax2D', inputs: [0], outputs: [1, 2], customOptions: options }];
  if (unpool) {
    tensors.push(f32(unpool.output));
    operators.push({ op: 'CUSTOM:MaxUnpooling2D', inputs: [1, 2], outputs: [3], customOptions: unpool.options });
  }
  return { tensors, inputs: [0], outputs: unpool ? [1, 2, 3] : [1, 2], operators };
}

/** Runs the weblite conversion of `spec` (reference and wasm) and returns the worst |got − want| over all outputs. */
async function worstError(spec: ModelSpec, inputs: Tensor[], want: Tensor[]): Promise<number> {
  const wlm = toWlm(buildTflite(spec), 'mediapipe.tflite');
  let worst = 0;
  for (const backend of ['reference', 'wasm'] as const) {
    const got = await runWlm(wlm, inputs, backend);
    want.forEach((expected, i) => {
      expect(got[i]!.dims, `${backend} output ${i}`).toEqual(expected.dims);
      worst = Math.max(worst, maxDifference(got[i]!, expected));
    });
  }
  return worst;
}

const nhwc = (dims: number[], seed: number, low = -4, high = 4) => new Tensor('float32', Float32Array.from(random(dims.reduce((a, b) => a * b, 1), low, high, seed)), dims);

/**
 * MediaPipe's MaxPoolArgmax kernel (max_pool_argmax.cc) as a loop: windows clipped to the input, the first maximum
 * wins, indices are positions inside the window + 0.1 as float32.
 */
function maxPoolArgmaxLoop(x: Tensor, padding: number, stride: [number, number], filter: [number, number], activation: number): [Tensor, Tensor] {
  const [n, h, w, c] = x.dims as [number, number, number, number];
  const outSize = (size: number, f: number, s: number) => (padding === SAME ? Math.floor((size + s - 1) / s) : Math.floor((size - f + s) / s));
  const [oh, ow] = [outSize(h, filter[0], stride[0]), outSize(w, filter[1], stride[1])];
  const pad = (s: number, size: number, f: number, out: number) => Math.max(Math.trunc(((out - 1) * s + f - size) / 2), 0);
  const [padH, padW] = [pad(stride[0], h, filter[0], oh), pad(stride[1], w, filter[1], ow)];
  const [low, high] = activation === 1 ? [0, Infinity] : activation === 2 ? [-1, 1] : activation === 3 ? [0, 6] : [-Infinity, Infinity];
  const data = x.data as Float32Array;
  const pooled = new Float32Array(n * oh * ow * c);
  const indices = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    const [y0, x0] = [oy * stride[0] - padH, ox * stride[1] - padW];
    let [max, maxY, maxX] = [-3.4028234663852886e38, 0, 0];
    for (let fy = Math.max(0, -y0); fy < Math.min(filter[0], h - y0); fy++) {
      for (let fx = Math.max(0, -x0); fx < Math.min(filter[1], w - x0); fx++) {
        const value = data[((b * h + y0 + fy) * w + x0 + fx) * c + ch]!;
        if (value > max) [max, maxY, maxX] = [value, fy, fx];
      }
    }
    const at = ((b * oh + oy) * ow + ox) * c + ch;
    pooled[at] = Math.min(Math.max(max, low), high);
    indices[at] = Math.fround(maxY * filter[1] + maxX + Math.fround(0.1));
  }
  return [new Tensor('float32', pooled, [n, oh, ow, c]), new Tensor('float32', indices, [n, oh, ow, c])];
}

/** MediaPipe's MaxUnpooling kernel (max_unpooling.cc) as a loop: zeros, then each input written at its window position. */
function maxUnpoolLoop(x: Tensor, indices: Tensor, stride: [number, number], filter: [number, number]): Tensor {
  const [n, h, w, c] = x.dims as [number, number, number, number];
  const [oh, ow] = [h * filter[0], w * filter[1]];
  const pad = (s: number, size: number, f: number, out: number) => Math.max(Math.trunc(((out - 1) * s + f - size) / 2), 0);
  const [padH, padW] = [pad(stride[0], oh, filter[0], h), pad(stride[1], ow, filter[1], w)];
  const out = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) {
    const at = ((b * h + y) * w + xx) * c + ch;
    const k = Math.trunc((indices.data as Float32Array)[at]!);
    const [ty, tx] = [y * stride[0] - padH + Math.trunc(k / filter[1]), xx * stride[1] - padW + (k % filter[1])];
    out[((b * oh + ty) * ow + tx) * c + ch] = (x.data as Float32Array)[at]!;
  }
  return new Tensor('float32', out, [n, oh, ow, c]);
}

describe('TFLite MediaPipe custom ops', () => {
  it('Convolution2DTransposeBias = the interpreter\'s TRANSPOSE_CONV with bias: SAME and VALID, strides 1–3, odd sizes', async () => {
    // Output sizes as MediaPipe computes them: stride·(in − 1) + kernel − SAME padding.
    const cases: [number[], number[], number, [number, number], number[]][] = [
      [[1, 4, 4, 3], [5, 4, 4, 3], SAME, [2, 2], [1, 8, 8, 5]],
      [[1, 5, 3, 2], [4, 3, 3, 2], SAME, [2, 2], [1, 9, 5, 4]],
      [[1, 5, 4, 2], [3, 3, 2, 2], VALID, [2, 1], [1, 11, 5, 3]],
      [[1, 3, 3, 4], [2, 2, 2, 4], SAME, [3, 3], [1, 8, 8, 2]],
      [[2, 3, 2, 1], [2, 3, 3, 1], SAME, [1, 1], [2, 3, 2, 2]],
    ];
    let worst = 0;
    for (const [input, filter, padding, stride, output] of cases) {
      const spec = transposeConvBias(input, filter, padding, stride, output);
      // The builtin twin: inputs (output_shape, weights, input, bias), TransposeConvOptions {padding, stride_w, stride_h}.
      const builtin: ModelSpec = {
        tensors: [{ type: 'int32', shape: [4], data: output }, spec.tensors[1]!, spec.tensors[0]!, spec.tensors[2]!, spec.tensors[3]!],
        inputs: [2],
        outputs: [4],
        operators: [{ op: 'TRANSPOSE_CONV', inputs: [0, 1, 2, 3], outputs: [4], options: { type: OPTIONS.TransposeConv, fields: [{ id: 0, int8: padding === SAME ? 0 : 1 }, { id: 1, int32: stride[1] }, { id: 2, int32: stride[0] }] } }],
      };
      const x = nhwc(input, 3);
      const [want] = await runTflite(buildTflite(builtin), [x]);
      worst = Math.max(worst, await worstError(spec, [x], [want!.tensor]));
      expect(countOps(importTflite(buildTflite(spec)), 'ConvTranspose')).toBe(1);
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('MaxPoolingWithArgmax2D: pooled values (= the interpreter\'s MAX_POOL_2D) and window positions, SAME/VALID, RELU6', async () => {
    const cases: [number[], number, [number, number], [number, number], number][] = [
      [[1, 4, 6, 3], SAME, [2, 2], [2, 2], 0],
      [[1, 5, 7, 2], SAME, [2, 2], [3, 3], 0],
      [[2, 7, 5, 2], VALID, [2, 2], [3, 2], 0],
      [[1, 6, 6, 4], SAME, [2, 2], [2, 2], 3],
      [[1, 5, 5, 1], SAME, [1, 1], [2, 2], 1],
    ];
    for (const [input, padding, stride, filter, activation] of cases) {
      const x = nhwc(input, 5);
      const [pooled, indices] = maxPoolArgmaxLoop(x, padding, stride, filter, activation);
      const poolOptions = { type: OPTIONS.Pool2D, fields: [{ id: 0, int8: padding === SAME ? 0 : 1 }, { id: 1, int32: stride[1] }, { id: 2, int32: stride[0] }, { id: 3, int32: filter[1] }, { id: 4, int32: filter[0] }, { id: 5, int8: activation }] };
      const [interpreter] = await runTflite(buildTflite({ tensors: [f32(input), f32([...pooled.dims])], inputs: [0], outputs: [1], operators: [{ op: 'MAX_POOL_2D', inputs: [0], outputs: [1], options: poolOptions }] }), [x]);
      expect(maxDifference(pooled, interpreter!.tensor)).toBe(0);
      expect(await worstError(poolModel(input, [...pooled.dims], poolParams(padding, stride, filter, activation)), [x], [pooled, indices])).toBe(0);
    }
  });

  it('MaxPoolingWithArgmax2D → MaxUnpooling2D: tiling windows (Resize/Where path) and overlapping ones (scatter)', async () => {
    const cases: [number[], [number, number], [number, number], number][] = [
      [[1, 6, 8, 3], [2, 2], [2, 2], 0], // tiles: Resize + Equal + Where
      [[2, 6, 9, 2], [2, 3], [2, 3], 0],
      [[1, 5, 5, 2], [2, 2], [3, 3], 1], // overlapping 3×3 windows at stride 2: ScatterElements
    ];
    for (const [input, stride, filter, scatters] of cases) {
      const x = nhwc(input, 7);
      const [pooled, indices] = maxPoolArgmaxLoop(x, SAME, stride, filter, 0);
      const unpooled = maxUnpoolLoop(pooled, indices, stride, filter);
      const spec = poolModel(input, [...pooled.dims], poolParams(SAME, stride, filter), { output: [...unpooled.dims], options: poolParams(SAME, stride, filter) });
      expect(await worstError(spec, [x], [pooled, indices, unpooled])).toBe(0);
      expect(countOps(importTflite(buildTflite(spec)), 'ScatterElements')).toBe(scatters);
    }
  });

  it('MaxUnpooling2D with hand-made indices covering every window position', async () => {
    const spec: ModelSpec = {
      tensors: [f32([1, 2, 3, 2]), f32([1, 2, 3, 2]), f32([1, 4, 9, 2])],
      inputs: [0, 1],
      outputs: [2],
      operators: [{ op: 'CUSTOM:MaxUnpooling2D', inputs: [0, 1], outputs: [2], customOptions: poolParams(SAME, [2, 3], [2, 3]) }],
    };
    const values = nhwc([1, 2, 3, 2], 4);
    const indices = new Tensor('float32', Float32Array.from({ length: 12 }, (_, i) => ((i * 5) % 6) + 0.1), [1, 2, 3, 2]);
    expect(await worstError(spec, [values, indices], [maxUnpoolLoop(values, indices, [2, 3], [2, 3])])).toBe(0);
  });

  it('short custom options are BAD_MODEL; unknown custom ops are still listed together', () => {
    const short = transposeConvBias([1, 2, 2, 1], [1, 2, 2, 1], SAME, [1, 1], [1, 2, 2, 1]);
    short.operators[0]!.customOptions = new Uint8Array(8);
    expect(() => importTflite(buildTflite(short))).toThrow(expect.objectContaining({ code: 'BAD_MODEL', message: expect.stringMatching(/TfLiteTransposeConvParams \(12 bytes at least\), got 8 bytes/) }));
    const unknownPadding = transposeConvBias([1, 2, 2, 1], [1, 2, 2, 1], SAME, [1, 1], [1, 2, 2, 1]);
    unknownPadding.operators[0]!.customOptions = int32Struct(0, 1, 1);
    expect(() => importTflite(buildTflite(unknownPadding))).toThrow(/unknown padding 0/);
    const mixed = transposeConvBias([1, 2, 2, 1], [1, 2, 2, 1], SAME, [1, 1], [1, 2, 2, 1]);
    mixed.tensors.push(f32([1, 2, 2, 1]), f32([1, 2, 2, 1]));
    mixed.operators.push({ op: 'CUSTOM:Mystery', inputs: [3], outputs: [4] }, { op: 'CUSTOM:Riddle', inputs: [4], outputs: [5] });
    mixed.outputs = [5];
    expect(() => importTflite(buildTflite(mixed))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_OP', message: expect.stringMatching(/2 unsupported operator type\(s\): CUSTOM:Mystery \(operator 1\); CUSTOM:Riddle \(operator 2\)/) }));
  });
});

const require = createRequire(import.meta.url);
const selfieDir = (() => {
  try {
    return dirname(require.resolve('@mediapipe/selfie_segmentation/package.json'));
  } catch {
    return undefined;
  }
})();
const segmentationImage = `${MODELS}images/segmentation-input.jpg`;

/**
 * MediaPipe selfie segmentation (general 256×256 and landscape 144×256): a float network ending in one
 * Convolution2DTransposeBias; the output is a [1, H, W, 1] sigmoid mask. The truth is the TFLite interpreter on the
 * same file with that operator rewritten to the builtin TRANSPOSE_CONV + bias (tflite-rewrite.ts). Tolerance 1e-4
 * absolute on the mask: float32 summation order differs from TFLite's kernels across ~250 operators.
 */
describe.skipIf(!selfieDir || !existsSync(segmentationImage))('MediaPipe selfie segmentation models (npm @mediapipe/selfie_segmentation)', () => {
  for (const [file, height, width] of [['selfie_segmentation.tflite', 256, 256], ['selfie_segmentation_landscape.tflite', 144, 256]] as const) {
    it(`${file}: mask within 1e-4 of the TFLite interpreter on reference and wasm`, async () => {
      const bytes = new Uint8Array(readFileSync(join(selfieDir!, file)));
      const image = resizeBilinear(readImage(new Uint8Array(readFileSync(segmentationImage))), width, height);
      const input = imageInput(image, 'float32', (b) => b / 255);
      const [want] = await runTflite(replaceTransposeConvBias(bytes), [input]);
      const mask = Array.from(want!.tensor.data as Float32Array);
      const person = mask.filter((v) => v > 0.5).length / mask.length;
      // The image's person: about 43% (general) / 38% (landscape) of the mask is above 0.5.
      expect(person).toBeGreaterThan(0.2);
      expect(person).toBeLessThan(0.8);
      const wlm = toWlm(bytes, file);
      for (const backend of ['reference', 'wasm'] as const) {
        const [got] = await runWlm(wlm, [input], backend);
        expect(got!.dims).toEqual(want!.tensor.dims);
        const error = maxDifference(got!, want!.tensor);
        console.log(`${file} ${backend}: max |mask − TFLite| = ${error.toExponential(2)}`);
        expect(error).toBeLessThanOrEqual(1e-4);
      }
    }, 120_000);
  }
});
