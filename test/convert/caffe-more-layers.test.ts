/**
 * Caffe layers beyond the BVLC core list: Crop, MVN, ReLU6, Log, Swish, Mish, ConvolutionDepthwise, HardSwish,
 * HardSigmoid against OpenCV's dnn (relative L2 ≤ 1e-4, float32), and the layers OpenCV 4.6 cannot read or run
 * (Interp: no interp_param in its schema, and its Interp takes one bottom; ShuffleChannel's parameter; Axpy, which
 * OpenCV 4.6 computes as a·Y + X where SENet's layer computes a·X + Y; Upsample, Tile,
 * Reduction, ArgMax, Threshold, Embed, Parameter, and Log's base/scale/shift, which OpenCV's Log ignores) against plain loops written from
 * Caffe's own kernels (max |error| ≤ 1e-5). MVN with a large eps is checked against Caffe's formula x / (std + eps):
 * OpenCV divides by sqrt(var + eps) instead, so its case uses an eps too small to tell them apart.
 */
import protobuf from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import { importCaffe } from '../../src/convert/caffe/index.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { Tensor } from '../../src/ir/tensor.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { InferenceSession } from '../../src/runtime/session.js';
import { caffeType } from '../../src/convert/caffe/proto.js';
import { type LayerWeights, compareWithOpenCV, encodeCaffeModel, opencvPresent, randomTensor, randomWeights } from './caffe-helpers.js';

const OPENCV_CASES: { name: string; prototxt: string; feeds: Record<string, Tensor>; weights?: LayerWeights[] }[] = [
  {
    name: 'Crop: default axis 2 with one offset, axis 1 with per-axis offsets, axis −3 without offsets',
    prototxt: `
      input: "data" input_shape { dim: 1 dim: 5 dim: 9 dim: 11 }
      input: "small" input_shape { dim: 1 dim: 3 dim: 4 dim: 6 }
      layer { name: "crop_a" type: "Crop" bottom: "data" bottom: "small" top: "crop_a" crop_param { offset: 2 } }
      layer { name: "crop_b" type: "Crop" bottom: "data" bottom: "small" top: "crop_b" crop_param { axis: 1 offset: 1 offset: 3 offset: 5 } }
      layer { name: "crop_c" type: "Crop" bottom: "data" bottom: "small" top: "crop_c" crop_param { axis: -3 } }`,
    feeds: { data: randomTensor([1, 5, 9, 11], 21), small: randomTensor([1, 3, 4, 6], 22) },
  },
  {
    name: 'MVN (per channel and across channels, with and without variance), ReLU6, Log, Swish, Mish',
    prototxt: `
      input: "data" input_shape { dim: 2 dim: 4 dim: 5 dim: 6 }
      layer { name: "mvn_a" type: "MVN" bottom: "data" top: "mvn_a" }
      layer { name: "mvn_b" type: "MVN" bottom: "data" top: "mvn_b" mvn_param { across_channels: true eps: 0.000001 } }
      layer { name: "mvn_c" type: "MVN" bottom: "data" top: "mvn_c" mvn_param { normalize_variance: false } }
      layer { name: "relu6" type: "ReLU6" bottom: "data" top: "relu6" }
      layer { name: "positive" type: "Power" bottom: "relu6" top: "positive" power_param { shift: 0.5 } }
      layer { name: "ln" type: "Log" bottom: "positive" top: "ln" }
      layer { name: "swish" type: "Swish" bottom: "data" top: "swish" }
      layer { name: "mish" type: "Mish" bottom: "data" top: "mish" }`,
    feeds: { data: randomTensor([2, 4, 5, 6], 26, 8) },
  },
  {
    name: 'ConvolutionDepthwise (group implied and given), HardSwish, HardSigmoid',
    prototxt: `
      input: "data" input_shape { dim: 1 dim: 4 dim: 6 dim: 7 }
      layer { name: "dw" type: "ConvolutionDepthwise" bottom: "data" top: "dw" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
      layer { name: "dw2" type: "ConvolutionDepthwise" bottom: "data" top: "dw2" convolution_param { num_output: 8 kernel_size: 3 stride: 2 group: 4 } }
      layer { name: "hswish" type: "HardSwish" bottom: "dw" top: "hswish" }
      layer { name: "hsigmoid" type: "HardSigmoid" bottom: "dw" top: "hsigmoid" }`,
    feeds: { data: randomTensor([1, 4, 6, 7], 27, 5) },
    weights: randomWeights({ dw: [[4, 1, 3, 3], [4]], dw2: [[8, 1, 3, 3], [8]] }, { dw: 'ConvolutionDepthwise', dw2: 'ConvolutionDepthwise' }),
  },
];

describe.skipIf(!opencvPresent)(`more Caffe layers vs OpenCV dnn${opencvPresent ? '' : ' (skipped: python3 cannot import cv2)'}`, () => {
  for (const testCase of OPENCV_CASES) {
    for (const optimize of [true, false]) {
      it(`${testCase.name}${optimize ? '' : ' (no passes)'}`, async () => {
        const results = await compareWithOpenCV(testCase.prototxt, encodeCaffeModel(testCase.weights ?? []), testCase.feeds, optimize);
        for (const result of results) {
          expect(result.dims, result.output).toEqual(result.wantDims);
          expect(result.relativeL2, result.output).toBeLessThanOrEqual(1e-4);
        }
      });
    }
  }
});

/** weblite's outputs (reference backend, optimised graph) by name. */
async function run(prototxt: string, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const graph = runPipeline(importCaffe(prototxt, { fileName: 'net.prototxt' }), { validate: true });
  const session = await InferenceSession.create(writeWlm(graph), { backend: 'reference' });
  return session.run(feeds);
}

function expectClose(got: Tensor | undefined, dims: number[], want: ArrayLike<number>, what: string): void {
  expect(got?.dims, what).toEqual(dims);
  const data = got!.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(data[i]! - want[i]!));
  expect(data.length, what).toBe(want.length);
  expect(worst, what).toBeLessThanOrEqual(1e-5);
}

/** Caffe's caffe_cpu_interp2 (aligned corners) over the window [begin, begin + size) of each [H, W] plane. */
function caffeInterp(x: Tensor, begin: number, size: [number, number], out: [number, number]): Float32Array {
  const [n, c, h, w] = x.dims as [number, number, number, number];
  const data = x.data as Float32Array;
  const [ho, wo] = out;
  const result = new Float32Array(n * c * ho * wo);
  const rh = ho > 1 ? (size[0] - 1) / (ho - 1) : 0;
  const rw = wo > 1 ? (size[1] - 1) / (wo - 1) : 0;
  for (let plane = 0; plane < n * c; plane++) {
    for (let y = 0; y < ho; y++) {
      const yr = rh * y;
      const y1 = Math.floor(yr);
      const dy = y1 < size[0] - 1 ? 1 : 0;
      const ly = yr - y1;
      for (let xo = 0; xo < wo; xo++) {
        const xr = rw * xo;
        const x1 = Math.floor(xr);
        const dx = x1 < size[1] - 1 ? 1 : 0;
        const lx = xr - x1;
        const at = (yy: number, xx: number) => data[plane * h * w + (begin + yy) * w + begin + xx]!;
        result[(plane * ho + y) * wo + xo] =
          (1 - ly) * ((1 - lx) * at(y1, x1) + lx * at(y1, x1 + dx)) + ly * ((1 - lx) * at(y1 + dy, x1) + lx * at(y1 + dy, x1 + dx));
      }
    }
  }
  return result;
}

describe('Caffe layers OpenCV cannot read, vs loops from Caffe kernels', () => {
  it('Interp: zoom_factor, shrink_factor, both, height/width, cropping pad_beg/pad_end, size of a second bottom', async () => {
    const data = randomTensor([1, 2, 9, 7], 31);
    const prototxt = `
      input: "data" input_shape { dim: 1 dim: 2 dim: 9 dim: 7 }
      layer { name: "zoom" type: "Interp" bottom: "data" top: "zoom" interp_param { zoom_factor: 3 } }
      layer { name: "shrink" type: "Interp" bottom: "data" top: "shrink" interp_param { shrink_factor: 2 } }
      layer { name: "both" type: "Interp" bottom: "data" top: "both" interp_param { shrink_factor: 4 zoom_factor: 3 } }
      layer { name: "sized" type: "Interp" bottom: "data" top: "sized" interp_param { height: 5 width: 12 } }
      layer { name: "cropped" type: "Interp" bottom: "data" top: "cropped" interp_param { zoom_factor: 2 pad_beg: -1 pad_end: -2 } }
      layer { name: "like" type: "Interp" bottom: "data" bottom: "size" top: "like" }`;
    const got = await run(prototxt.replace('input: "data"', 'input: "size" input_shape { dim: 1 dim: 1 dim: 4 dim: 13 }\n      input: "data"'), { data, size: randomTensor([1, 1, 4, 13], 34) });
    expectClose(got.like, [1, 2, 4, 13], caffeInterp(data, 0, [9, 7], [4, 13]), 'two bottoms');
    expectClose(got.zoom, [1, 2, 25, 19], caffeInterp(data, 0, [9, 7], [25, 19]), 'zoom');
    expectClose(got.shrink, [1, 2, 5, 4], caffeInterp(data, 0, [9, 7], [5, 4]), 'shrink');
    expectClose(got.both, [1, 2, 7, 4], caffeInterp(data, 0, [9, 7], [7, 4]), 'both');
    expectClose(got.sized, [1, 2, 5, 12], caffeInterp(data, 0, [9, 7], [5, 12]), 'sized');
    expectClose(got.cropped, [1, 2, 11, 7], caffeInterp(data, 1, [6, 4], [11, 7]), 'cropped');
  });

  it('MVN with a large eps divides by std + eps (Caffe), per channel', async () => {
    const data = randomTensor([1, 2, 3, 4], 35);
    const got = await run(`input: "data" input_shape { dim: 1 dim: 2 dim: 3 dim: 4 }
      layer { name: "mvn" type: "MVN" bottom: "data" top: "mvn" mvn_param { eps: 0.5 } }`, { data });
    const x = Array.from(data.data as Float32Array);
    const want = [0, 1].flatMap((c) => {
      const plane = x.slice(c * 12, c * 12 + 12);
      const mean = plane.reduce((a, b) => a + b) / 12;
      const std = Math.sqrt(plane.reduce((a, b) => a + (b - mean) ** 2, 0) / 12);
      return plane.map((v) => (v - mean) / (std + 0.5));
    });
    expectClose(got.mvn, [1, 2, 3, 4], want, 'mvn');
  });

  it('Log with base, scale and shift', async () => {
    const data = new Tensor('float32', Float32Array.from([0, 0.5, 1, 3, 6, 10]), [1, 1, 2, 3]);
    const got = await run(`input: "data" input_shape { dim: 1 dim: 1 dim: 2 dim: 3 }
      layer { name: "log2" type: "Log" bottom: "data" top: "log2" log_param { base: 2 scale: 0.5 shift: 1 } }
      layer { name: "ln" type: "Log" bottom: "data" top: "ln" log_param { scale: 3 shift: 0.25 } }`, { data });
    const x = Array.from(data.data as Float32Array);
    expectClose(got.log2, [1, 1, 2, 3], x.map((v) => Math.log2(1 + 0.5 * v)), 'log2');
    expectClose(got.ln, [1, 1, 2, 3], x.map((v) => Math.log(0.25 + 3 * v)), 'ln');
  });

  it('ShuffleChannel with 3 groups, Tile, Threshold', async () => {
    const data = randomTensor([2, 6, 2, 3], 32);
    const prototxt = `
      input: "data" input_shape { dim: 2 dim: 6 dim: 2 dim: 3 }
      layer { name: "shuffle" type: "ShuffleChannel" bottom: "data" top: "shuffle" shuffle_channel_param { group: 3 } }
      layer { name: "tile" type: "Tile" bottom: "data" top: "tile" tile_param { axis: 2 tiles: 3 } }
      layer { name: "step" type: "Threshold" bottom: "data" top: "step" threshold_param { threshold: 0.25 } }`;
    const got = await run(prototxt, { data });
    const x = data.data as Float32Array;
    const plane = 6;
    const shuffled = new Float32Array(x.length);
    const tiled = new Float32Array(x.length * 3);
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < 6; c++) {
        const source = (c % 3) * 2 + Math.floor(c / 3); // output channel j·g + i holds input channel i·(C/g) + j
        for (let k = 0; k < plane; k++) shuffled[(n * 6 + c) * plane + k] = x[(n * 6 + source) * plane + k]!;
        for (let t = 0; t < 3; t++) for (let k = 0; k < plane; k++) tiled[(n * 6 + c) * plane * 3 + t * plane + k] = x[(n * 6 + c) * plane + k]!;
      }
    }
    expectClose(got.shuffle, [2, 6, 2, 3], shuffled, 'shuffle');
    expectClose(got.tile, [2, 6, 6, 3], tiled, 'tile');
    expectClose(got.step, [2, 6, 2, 3], x.map((v) => (v > 0.25 ? 1 : 0)), 'threshold');
  });

  it('Axpy: a · X + Y (bottoms a, X, Y as in the SENet layer)', async () => {
    const [a, x, y] = [randomTensor([1, 3, 1, 1], 41), randomTensor([1, 3, 2, 2], 42), randomTensor([1, 3, 2, 2], 43)];
    const got = await run(`input: "a" input_shape { dim: 1 dim: 3 dim: 1 dim: 1 }
      input: "x" input_shape { dim: 1 dim: 3 dim: 2 dim: 2 }
      input: "y" input_shape { dim: 1 dim: 3 dim: 2 dim: 2 }
      layer { name: "axpy" type: "Axpy" bottom: "a" bottom: "x" bottom: "y" top: "axpy" }`, { a, x, y });
    const [av, xv, yv] = [a, x, y].map((t) => t.data as Float32Array) as [Float32Array, Float32Array, Float32Array];
    expectClose(got.axpy, [1, 3, 2, 2], xv.map((v, i) => av[Math.floor(i / 4)]! * v + yv[i]!), 'axpy');
  });

  it('Upsample (nearest, one scale and per-axis scales), Embed, Parameter', async () => {
    const data = randomTensor([1, 2, 3, 4], 37);
    const ids = new Tensor('float32', Float32Array.from([3, 0, 4, 4, 1, 2]), [2, 3]);
    const table = randomTensor([5, 3], 38);
    const bias = randomTensor([3], 39);
    const value = randomTensor([2, 3], 40);
    const prototxt = `
      input: "data" input_shape { dim: 1 dim: 2 dim: 3 dim: 4 }
      input: "ids" input_shape { dim: 2 dim: 3 }
      layer { name: "up" type: "Upsample" bottom: "data" top: "up" upsample_param { scale: 2 } }
      layer { name: "up_hw" type: "Upsample" bottom: "data" top: "up_hw" upsample_param { scale_h: 3 scale_w: 1 } }
      layer { name: "embed" type: "Embed" bottom: "ids" top: "embed" embed_param { num_output: 3 input_dim: 5 } }
      layer { name: "param" type: "Parameter" top: "param" parameter_param { shape { dim: 2 dim: 3 } } }`;
    const blobs = (tensors: Tensor[]) => tensors.map((t) => ({ dims: [...t.dims], data: t.data as Float32Array }));
    const weights = encodeCaffeModel([
      { name: 'embed', type: 'Embed', blobs: blobs([table, bias]) },
      { name: 'param', type: 'Parameter', blobs: blobs([value]) },
    ]);
    const graph = runPipeline(importCaffe(prototxt, { weights, fileName: 'net.prototxt' }), { validate: true });
    const session = await InferenceSession.create(writeWlm(graph), { backend: 'reference' });
    const got = await session.run({ data, ids });
    const x = data.data as Float32Array;
    const nearest = (sh: number, sw: number) =>
      Array.from({ length: 2 * 3 * sh * 4 * sw }, (_, i) => {
        const [c, y, xo] = [Math.floor(i / (3 * sh * 4 * sw)), Math.floor(i / (4 * sw)) % (3 * sh), i % (4 * sw)];
        return x[c * 12 + Math.floor(y / sh) * 4 + Math.floor(xo / sw)]!;
      });
    expectClose(got.up, [1, 2, 6, 8], nearest(2, 2), 'up');
    expectClose(got.up_hw, [1, 2, 9, 4], nearest(3, 1), 'up_hw');
    const rows = Array.from(ids.data as Float32Array).flatMap((id) => [0, 1, 2].map((k) => (table.data as Float32Array)[id * 3 + k]! + (bias.data as Float32Array)[k]!));
    expectClose(got.embed, [2, 3, 3], rows, 'embed');
    expectClose(got.param, [2, 3], value.data as Float32Array, 'param');
  });

  it('Reduction (SUM, ASUM, SUMSQ, MEAN; coeff; axis 0 and 2) and ArgMax (with and without axis, top_k, out_max_val)', async () => {
    const data = randomTensor([2, 3, 4], 33);
    const prototxt = `
      input: "data" input_shape { dim: 2 dim: 3 dim: 4 }
      layer { name: "sum" type: "Reduction" bottom: "data" top: "sum" reduction_param { axis: 1 } }
      layer { name: "asum" type: "Reduction" bottom: "data" top: "asum" reduction_param { operation: ASUM axis: 2 coeff: 0.5 } }
      layer { name: "sumsq" type: "Reduction" bottom: "data" top: "sumsq" reduction_param { operation: SUMSQ axis: -1 } }
      layer { name: "mean" type: "Reduction" bottom: "data" top: "mean" reduction_param { operation: MEAN } }
      layer { name: "arg_axis" type: "ArgMax" bottom: "data" top: "arg_axis" argmax_param { axis: 2 top_k: 2 } }
      layer { name: "max_axis" type: "ArgMax" bottom: "data" top: "max_axis" argmax_param { axis: 1 out_max_val: true } }
      layer { name: "arg_flat" type: "ArgMax" bottom: "data" top: "arg_flat" argmax_param { top_k: 3 out_max_val: true } }`;
    const got = await run(prototxt, { data });
    const x = Array.from(data.data as Float32Array);
    const rows = (size: number) => Array.from({ length: x.length / size }, (_, i) => x.slice(i * size, (i + 1) * size));
    expectClose(got.sum, [2], rows(12).map((r) => r.reduce((a, b) => a + b)), 'sum');
    expectClose(got.asum, [2, 3], rows(4).map((r) => 0.5 * r.reduce((a, b) => a + Math.abs(b), 0)), 'asum');
    expectClose(got.sumsq, [2, 3], rows(4).map((r) => r.reduce((a, b) => a + b * b, 0)), 'sumsq');
    expectClose(got.mean, [], [x.reduce((a, b) => a + b) / x.length], 'mean');
    const order = (r: number[]) => r.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    expectClose(got.arg_axis, [2, 3, 2], rows(4).flatMap((r) => order(r).slice(0, 2).map(([, i]) => i)), 'arg_axis');
    const channelMax = [0, 1].flatMap((n) => [0, 1, 2, 3].map((k) => Math.max(...[0, 1, 2].map((c) => x[n * 12 + c * 4 + k]!))));
    expectClose(got.max_axis, [2, 1, 4], channelMax, 'max_axis');
    const flat = rows(12).flatMap((r) => {
      const top = order(r).slice(0, 3);
      return [...top.map(([, i]) => i), ...top.map(([v]) => v)];
    });
    expectClose(got.arg_flat, [2, 2, 3, 1], flat, 'arg_flat');
  });
});

describe('Caffe weights from forks', () => {
  // DeepLab's caffe.proto puts interp_param at 143, BVLC's input_param: the weights reader must not parse it.
  it('a .caffemodel whose layer carries a parameter at a number BVLC uses for another message still loads', async () => {
    const prototxt = `input: "data" input_shape { dim: 1 dim: 2 dim: 4 dim: 4 }
      layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 3 kernel_size: 1 } }`;
    const [layer] = randomWeights({ conv: [[3, 2, 1, 1], [3]] }, {});
    const clean = encodeCaffeModel([layer!]);
    const plainLayer = caffeType('LayerParameter').encode({ name: 'conv', type: 'Convolution', blobs: layer!.blobs.map((b) => ({ shape: { dim: b.dims }, data: Array.from(b.data) })) }).finish();
    const interp = protobuf.Writer.create().uint32((143 << 3) | 2).fork().uint32(1 << 3).int32(5).ldelim().finish();
    const forked = protobuf.Writer.create().uint32((100 << 3) | 2).bytes(new Uint8Array([...plainLayer, ...interp])).finish();
    const data = randomTensor([1, 2, 4, 4], 36);
    const outputs = await Promise.all([clean, forked].map(async (weights) => {
      const graph = runPipeline(importCaffe(prototxt, { weights, fileName: 'net.prototxt' }));
      const session = await InferenceSession.create(writeWlm(graph), { backend: 'reference' });
      return Array.from((await session.run({ data })).conv!.data as Float32Array);
    }));
    expect(outputs[1]).toEqual(outputs[0]);
  });
});
