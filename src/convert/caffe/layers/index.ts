/** The Caffe layer types weblite converts: bottom/top counts and the converter of each (V2 type names). */
import type { LayerContext } from '../builder.js';
import { clip, elu, exp, hardSigmoid, hardSwish, log, mish, power, prelu, relu, relu6, swish, threshold, unary } from './activation.js';
import { batchNorm, lrn, mvn, normalize, scaleOrBias } from './normalization.js';
import { priorBox } from './prior-box.js';
import { argMax, reduction } from './reduce.js';
import { axpy, crop, interp, shuffleChannel, tile, upsample } from './resample.js';
import { concat, eltwise, embed, flatten, parameter, permute, reshape, slice, softmax, split } from './structure.js';
import { convolution, innerProduct, pooling } from './vision.js';

export interface LayerSpec {
  /** [min, max] bottoms and tops. */
  bottoms: [number, number];
  tops: [number, number];
  convert(ctx: LayerContext): void;
}

const one = (convert: LayerSpec['convert']): LayerSpec => ({ bottoms: [1, 1], tops: [1, 1], convert });

export const LAYERS: Record<string, LayerSpec> = {
  Convolution: one((ctx) => convolution(ctx, false)),
  Deconvolution: one((ctx) => convolution(ctx, true)),
  ConvolutionDepthwise: one((ctx) => convolution(ctx, false, true)),
  DepthwiseConvolution: one((ctx) => convolution(ctx, false, true)),
  InnerProduct: one(innerProduct),
  Pooling: one(pooling),
  ReLU: one(relu),
  ReLU6: one(relu6),
  PReLU: one(prelu),
  ELU: one(elu),
  Sigmoid: one(unary('Sigmoid')),
  TanH: one(unary('Tanh')),
  AbsVal: one(unary('Abs')),
  BNLL: one(unary('Softplus')),
  Clip: one(clip),
  Power: one(power),
  Exp: one(exp),
  Log: one(log),
  Threshold: one(threshold),
  Swish: one(swish),
  Mish: one(mish),
  HardSwish: one(hardSwish),
  HardSigmoid: one(hardSigmoid),
  Dropout: one(unary('Identity')),
  BatchNorm: one(batchNorm),
  Scale: { bottoms: [1, 2], tops: [1, 1], convert: (ctx) => scaleOrBias(ctx, 'scale') },
  Bias: { bottoms: [1, 2], tops: [1, 1], convert: (ctx) => scaleOrBias(ctx, 'bias') },
  LRN: one(lrn),
  Normalize: one(normalize),
  MVN: one(mvn),
  Eltwise: { bottoms: [2, Infinity], tops: [1, 1], convert: eltwise },
  Concat: { bottoms: [1, Infinity], tops: [1, 1], convert: concat },
  Slice: { bottoms: [1, 1], tops: [1, Infinity], convert: slice },
  Split: { bottoms: [1, 1], tops: [1, Infinity], convert: split },
  Flatten: one(flatten),
  Reshape: one(reshape),
  Permute: one(permute),
  Softmax: one(softmax),
  Crop: { bottoms: [2, 2], tops: [1, 1], convert: crop },
  Interp: { bottoms: [1, 2], tops: [1, 1], convert: interp },
  ShuffleChannel: one(shuffleChannel),
  Tile: one(tile),
  Upsample: { bottoms: [1, 2], tops: [1, 1], convert: upsample },
  Axpy: { bottoms: [3, 3], tops: [1, 1], convert: axpy },
  Embed: one(embed),
  Parameter: { bottoms: [0, 0], tops: [1, 1], convert: parameter },
  Reduction: one(reduction),
  ArgMax: one(argMax),
  PriorBox: { bottoms: [2, 2], tops: [1, 1], convert: priorBox },
  // Silence only consumes blobs (it keeps them from being net outputs).
  Silence: { bottoms: [1, Infinity], tops: [0, 0], convert: () => {} },
};
