/**
 * Small synthetic Caffe nets covering each converted layer type and its parameter forms, run by weblite's
 * reference backend and by OpenCV's dnn with the same random weights (a .caffemodel we encode ourselves, so OpenCV
 * reading it also checks the field numbers of our schema). Tolerance: relative L2 ≤ 1e-4 per output (float32).
 */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/ir/tensor.js';
import { type LayerWeights, compareWithOpenCV, encodeCaffeModel, opencvPresent, pseudoRandom, randomTensor, randomWeights } from './caffe-helpers.js';

interface Case {
  name: string;
  prototxt: string;
  weights: LayerWeights[];
  feeds: Record<string, Tensor>;
  form?: 'v1' | 'v2';
}

const positive = (count: number, seed: number) => pseudoRandom(count, seed).map((v) => Math.abs(v) + 0.5);

const CASES: Case[] = [
  {
    name: 'convolution, deconvolution, pooling, inner product',
    prototxt: `
      input: "data" input_shape { dim: 1 dim: 4 dim: 11 dim: 13 }
      layer { name: "conv_a" type: "Convolution" bottom: "data" top: "conv_a"
        convolution_param { num_output: 6 kernel_h: 3 kernel_w: 2 pad_h: 1 pad_w: 0 stride_h: 2 stride_w: 1 group: 2 } }
      layer { name: "conv_b" type: "Convolution" bottom: "data" top: "conv_b"
        convolution_param { num_output: 4 kernel_size: 3 dilation: 2 pad: 2 bias_term: false } }
      layer { name: "deconv" type: "Deconvolution" bottom: "conv_b" top: "deconv"
        convolution_param { num_output: 3 kernel_size: 4 stride: 2 pad: 1 } }
      layer { name: "pool_ave" type: "Pooling" bottom: "conv_a" top: "pool_ave" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
      layer { name: "pool_max" type: "Pooling" bottom: "conv_b" top: "pool_max" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
      layer { name: "pool_global" type: "Pooling" bottom: "deconv" top: "pool_global" pooling_param { pool: AVE global_pooling: true } }
      layer { name: "fc" type: "InnerProduct" bottom: "pool_max" top: "fc" inner_product_param { num_output: 5 } }
      layer { name: "fc_t" type: "InnerProduct" bottom: "pool_ave" top: "fc_t" inner_product_param { num_output: 3 } }`,
    weights: randomWeights(
      {
        conv_a: [[6, 2, 3, 2], [6]],
        conv_b: [[4, 4, 3, 3]],
        deconv: [[4, 3, 4, 4], [3]],
        fc: [[5, 4 * 6 * 7], [5]],
        fc_t: [[3, 6 * 4 * 7], [3]],
      },
      { deconv: 'Deconvolution', fc: 'InnerProduct', fc_t: 'InnerProduct' },
    ),
    feeds: { data: randomTensor([1, 4, 11, 13], 1) },
  },
  {
    name: 'BatchNorm + Scale in place, LRN both regions, Normalize',
    prototxt: `
      input: "data" input_shape { dim: 1 dim: 3 dim: 7 dim: 9 }
      layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
      layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" batch_norm_param { eps: 0.001 } }
      layer { name: "scale" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
      layer { name: "relu" type: "ReLU" bottom: "conv1" top: "conv1" relu_param { negative_slope: 0.1 } }
      layer { name: "lrn_a" type: "LRN" bottom: "conv1" top: "lrn_a" lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 } }
      layer { name: "lrn_w" type: "LRN" bottom: "conv1" top: "lrn_w" lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 norm_region: WITHIN_CHANNEL } }
      layer { name: "norm" type: "Normalize" bottom: "conv1" top: "norm" norm_param { across_spatial: false channel_shared: false } }
      layer { name: "norm2" type: "Normalize" bottom: "conv1" top: "norm2" norm_param { across_spatial: true channel_shared: true eps: 0.01 } }`,
    weights: [
      ...randomWeights({ conv1: [[8, 3, 3, 3], [8]], scale: [[8], [8]], norm: [[8]], norm2: [[1]] }, { scale: 'Scale', norm: 'Normalize', norm2: 'Normalize' }),
      {
        name: 'bn',
        type: 'BatchNorm',
        blobs: [
          { dims: [8], data: pseudoRandom(8, 41) },
          { dims: [8], data: positive(8, 42) },
          { dims: [1], data: [2] },
        ],
      },
    ],
    feeds: { data: randomTensor([1, 3, 7, 9], 2) },
  },
  {
    name: 'eltwise, concat, slice, split, activations, permute, flatten, reshape, softmax',
    prototxt: `
      input: "data" input_shape { dim: 1 dim: 6 dim: 4 dim: 5 }
      layer { name: "sig" type: "Sigmoid" bottom: "data" top: "sig" }
      layer { name: "tanh" type: "TanH" bottom: "data" top: "th" }
      layer { name: "sum" type: "Eltwise" bottom: "sig" bottom: "th" top: "sum" eltwise_param { coeff: 0.5 coeff: -2 } }
      layer { name: "prod" type: "Eltwise" bottom: "sig" bottom: "th" bottom: "data" top: "prod" eltwise_param { operation: PROD } }
      layer { name: "max" type: "Eltwise" bottom: "sig" bottom: "th" top: "max" eltwise_param { operation: MAX } }
      layer { name: "sub" type: "Eltwise" bottom: "sig" bottom: "th" top: "sub" eltwise_param { operation: SUM coeff: 1 coeff: -1 } }
      layer { name: "cat" type: "Concat" bottom: "sum" bottom: "prod" bottom: "max" bottom: "sub" top: "cat" }
      layer { name: "slice" type: "Slice" bottom: "cat" top: "s1" top: "s2" top: "s3" slice_param { axis: 1 slice_point: 5 slice_point: 12 } }
      layer { name: "split" type: "Split" bottom: "s1" top: "a" top: "b" }
      layer { name: "power" type: "Power" bottom: "a" top: "pw" power_param { power: 2 scale: 0.5 shift: 1 } }
      layer { name: "elu" type: "ELU" bottom: "b" top: "elu" elu_param { alpha: 0.7 } }
      layer { name: "abs" type: "AbsVal" bottom: "s2" top: "abs" }
      layer { name: "bnll" type: "BNLL" bottom: "s3" top: "bnll" }
      layer { name: "exp" type: "Exp" bottom: "pw" top: "ex" exp_param { base: 2 scale: 0.3 shift: 0.1 } }
      layer { name: "prelu" type: "PReLU" bottom: "elu" top: "pr" }
      layer { name: "perm" type: "Permute" bottom: "abs" top: "perm" permute_param { order: 0 order: 2 order: 3 order: 1 } }
      layer { name: "flat" type: "Flatten" bottom: "perm" top: "flat" flatten_param { axis: 2 } }
      layer { name: "resh" type: "Reshape" bottom: "bnll" top: "resh" reshape_param { shape { dim: 0 dim: -1 dim: 10 } } }
      layer { name: "soft" type: "Softmax" bottom: "resh" top: "soft" softmax_param { axis: 2 } }`,
    weights: randomWeights({ prelu: [[5]] }, { prelu: 'PReLU' }),
    feeds: { data: randomTensor([1, 6, 4, 5], 3, 2) },
  },
  {
    name: 'PriorBox',
    prototxt: `
      input: "data" input_shape { dim: 1 dim: 3 dim: 32 dim: 48 }
      layer { name: "pool" type: "Pooling" bottom: "data" top: "feat" pooling_param { pool: MAX kernel_size: 8 stride: 8 } }
      layer { name: "pb" type: "PriorBox" bottom: "feat" bottom: "data" top: "priors"
        prior_box_param { min_size: 8 max_size: 16 aspect_ratio: 2 aspect_ratio: 3 flip: true clip: true
          variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 } }
      layer { name: "pb2" type: "PriorBox" bottom: "feat" bottom: "data" top: "priors2"
        prior_box_param { min_size: 10 min_size: 20 aspect_ratio: 2 flip: false clip: false step: 7 offset: 0.3 variance: 0.2 } }`,
    weights: [],
    feeds: { data: randomTensor([1, 3, 32, 48], 4) },
  },
  {
    name: 'less common forms: two-bottom Scale, two-axis Scale, axis-2 InnerProduct, partial Reshape, equal Slice, Dropout',
    prototxt: `
      layer { name: "in" type: "Input" top: "data" top: "gain" input_param { shape { dim: 1 dim: 4 dim: 6 dim: 5 } shape { dim: 4 dim: 6 } } }
      layer { name: "scale2" type: "Scale" bottom: "data" bottom: "gain" top: "scaled" scale_param { axis: 1 } }
      layer { name: "scale_hw" type: "Scale" bottom: "scaled" top: "biased" scale_param { axis: 1 num_axes: 2 bias_term: true } }
      layer { name: "drop" type: "Dropout" bottom: "biased" top: "biased" dropout_param { dropout_ratio: 0.3 } }
      layer { name: "fc_axis2" type: "InnerProduct" bottom: "biased" top: "fc_axis2" inner_product_param { num_output: 3 axis: 2 } }
      layer { name: "resh" type: "Reshape" bottom: "biased" top: "resh" reshape_param { shape { dim: 2 dim: 2 } axis: 1 num_axes: 1 } }
      layer { name: "halves" type: "Slice" bottom: "resh" top: "h1" top: "h2" slice_param { axis: -3 } }
      layer { name: "cat" type: "Concat" bottom: "h2" bottom: "h1" top: "cat" concat_param { axis: 2 } }
      layer { name: "ave_floor" type: "Pooling" bottom: "data" top: "ave_floor" pooling_param { pool: AVE kernel_h: 3 kernel_w: 2 stride_h: 2 stride_w: 2 pad_h: 1 pad_w: 1 } }
      layer { name: "max_pad" type: "Pooling" bottom: "data" top: "max_pad" pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 } }
      layer { name: "deconv_g" type: "Deconvolution" bottom: "data" top: "deconv_g" convolution_param { num_output: 6 group: 2 kernel_size: 3 stride: 2 bias_term: false } }`,
    weights: randomWeights(
      { scale_hw: [[4, 6], [4, 6]], fc_axis2: [[3, 30], [3]], deconv_g: [[4, 3, 3, 3]] },
      { scale_hw: 'Scale', fc_axis2: 'InnerProduct', deconv_g: 'Deconvolution' },
    ),
    feeds: { data: randomTensor([1, 4, 6, 5], 6), gain: randomTensor([4, 6], 7) },
  },
  {
    name: 'pooling rounding: ceil with clipped windows, ceil_mode false, windows skipping input',
    prototxt: `
      input: "data" input_shape { dim: 1 dim: 2 dim: 11 dim: 13 }
      layer { name: "ave_clip" type: "Pooling" bottom: "data" top: "ave_clip" pooling_param { pool: AVE kernel_size: 3 stride: 3 pad: 2 } }
      layer { name: "max_clip" type: "Pooling" bottom: "data" top: "max_clip" pooling_param { pool: MAX kernel_size: 4 stride: 3 pad: 2 } }
      layer { name: "ave_floor" type: "Pooling" bottom: "data" top: "ave_floor" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 ceil_mode: false } }
      layer { name: "ave_skip" type: "Pooling" bottom: "data" top: "ave_skip" pooling_param { pool: AVE kernel_size: 2 stride: 3 } }`,
    weights: [],
    feeds: { data: randomTensor([1, 2, 11, 13], 8) },
  },
  {
    name: 'V1 layers with legacy 4-D blobs',
    form: 'v1',
    prototxt: `
      name: "v1net"
      input: "data"
      input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
      layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv" blobs_lr: 1 blobs_lr: 2
        convolution_param { num_output: 4 kernel_size: 3 } }
      layers { name: "relu" type: RELU bottom: "conv" top: "conv" }
      layers { name: "pool" type: POOLING bottom: "conv" top: "pool" pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
      layers { name: "fc" type: INNER_PRODUCT bottom: "pool" top: "fc" inner_product_param { num_output: 3 } }
      layers { name: "prob" type: SOFTMAX bottom: "fc" top: "prob" }`,
    weights: randomWeights({ conv: [[4, 3, 3, 3], [4]], fc: [[3, 36], [3]] }, { conv: 'CONVOLUTION', fc: 'INNER_PRODUCT' }).map((layer) => ({
      ...layer,
      blobs: layer.blobs.map((blob) => ({ ...blob, legacy: true })),
    })),
    feeds: { data: randomTensor([1, 3, 8, 8], 5) },
  },
];

describe.skipIf(!opencvPresent)(`Caffe layers vs OpenCV dnn${opencvPresent ? '' : ' (skipped: python3 cannot import cv2)'}`, () => {
  for (const testCase of CASES) {
    for (const optimize of [true, false]) {
      it(`${testCase.name}${optimize ? '' : ' (no passes)'}`, async () => {
        const weights = encodeCaffeModel(testCase.weights, testCase.form ?? 'v2');
        const results = await compareWithOpenCV(testCase.prototxt, weights, testCase.feeds, optimize);
        for (const result of results) {
          expect(result.dims.reduce((a, b) => a * b, 1), `${result.output} [${result.dims}] vs [${result.wantDims}]`).toBe(
            result.wantDims.reduce((a, b) => a * b, 1),
          );
          expect(result.relativeL2, result.output).toBeLessThanOrEqual(1e-4);
        }
      });
    }
  }
});
