/** The Caffe layer types weblite converts: bottom/top counts and the converter of each (V2 type names). */
import type { LayerContext } from '../builder.js';
import { clip, elu, exp, power, prelu, relu, unary } from './activation.js';
import { batchNorm, lrn, normalize, scaleOrBias } from './normalization.js';
import { priorBox } from './prior-box.js';
import { concat, eltwise, flatten, permute, reshape, slice, softmax, split } from './structure.js';
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
  InnerProduct: one(innerProduct),
  Pooling: one(pooling),
  ReLU: one(relu),
  PReLU: one(prelu),
  ELU: one(elu),
  Sigmoid: one(unary('Sigmoid')),
  TanH: one(unary('Tanh')),
  AbsVal: one(unary('Abs')),
  BNLL: one(unary('Softplus')),
  Clip: one(clip),
  Power: one(power),
  Exp: one(exp),
  Dropout: one(unary('Identity')),
  BatchNorm: one(batchNorm),
  Scale: { bottoms: [1, 2], tops: [1, 1], convert: (ctx) => scaleOrBias(ctx, 'scale') },
  Bias: { bottoms: [1, 2], tops: [1, 1], convert: (ctx) => scaleOrBias(ctx, 'bias') },
  LRN: one(lrn),
  Normalize: one(normalize),
  Eltwise: { bottoms: [2, Infinity], tops: [1, 1], convert: eltwise },
  Concat: { bottoms: [1, Infinity], tops: [1, 1], convert: concat },
  Slice: { bottoms: [1, 1], tops: [1, Infinity], convert: slice },
  Split: { bottoms: [1, 1], tops: [1, Infinity], convert: split },
  Flatten: one(flatten),
  Reshape: one(reshape),
  Permute: one(permute),
  Softmax: one(softmax),
  PriorBox: { bottoms: [2, 2], tops: [1, 1], convert: priorBox },
  // Silence only consumes blobs (it keeps them from being net outputs).
  Silence: { bottoms: [1, Infinity], tops: [0, 0], convert: () => {} },
};
