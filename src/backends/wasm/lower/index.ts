/** Every wasm lowering, in order of preference (the reference fallback is implicit). */
import type { Lowering } from '../lowering.js';
import { convLowering } from './conv.js';
import { binaryLowering, unaryLowering } from './elementwise.js';
import { gemmLowering, matmulLowering, pointwiseConvLowering } from './gemm.js';
import { concatLowering, reshapeLowering } from './movement.js';
import { gatherRowsLowering, indexMapLowering } from './index-map.js';
import { convTransposeLowering, instanceNormLowering, reduceLowering, resizeLowering } from './more.js';
import { globalPoolLowering, poolLowering } from './pool.js';
import { qs8BinaryLowering, qs8ConcatLowering, qs8ConvLowering, qs8GemmLowering, qs8PoolLowering, quantizeLowering, transposeX8Lowering } from './qs8.js';
import { dynamicMatmulLowering, layerNormLowering, softmaxChannelsLowering, softmaxLowering, transposeLowering } from './transformer.js';

export const LOWERINGS: readonly Lowering[] = [
  qs8ConvLowering,
  qs8GemmLowering,
  qs8BinaryLowering,
  qs8PoolLowering,
  qs8ConcatLowering,
  quantizeLowering,
  transposeX8Lowering,
  pointwiseConvLowering,
  convLowering,
  convTransposeLowering,
  instanceNormLowering,
  resizeLowering,
  reduceLowering,
  poolLowering,
  globalPoolLowering,
  gemmLowering,
  matmulLowering,
  dynamicMatmulLowering,
  softmaxLowering,
  softmaxChannelsLowering,
  layerNormLowering,
  transposeLowering,
  binaryLowering,
  unaryLowering,
  concatLowering,
  reshapeLowering,
  indexMapLowering,
  gatherRowsLowering,
];
