/** Every webgpu lowering, in order of preference (the CPU reference takes whatever none supports). */
import type { Lowering } from '../lowering.js';
import { argExtremeLowering } from './argextreme.js';
import { castLowering } from './cast.js';
import { compareLowering } from './compare.js';
import { conv3dLowering, convLowering } from './conv.js';
import { convTransposeLowering } from './conv-transpose.js';
import { cumsumLowering } from './cumsum.js';
import { binaryLowering, unaryLowering } from './elementwise.js';
import { gatherLowering } from './gather.js';
import { gemmLowering } from './gemm.js';
import { aliasLowering, movementLowering } from './movement.js';
import { instanceNormLowering, lrnLowering } from './instance-lrn.js';
import { integerBinaryLowering } from './integer-binary.js';
import { layerNormLowering, softmaxLowering } from './normalization.js';
import { padLowering } from './pad.js';
import { hardmaxLowering, predicateLowering } from './predicate.js';
import { globalPoolLowering, poolLowering } from './pool.js';
import { quantizeLowering } from './quantize.js';
import { reduceLowering } from './reduce.js';
import { resizeLowering } from './resize.js';
import { gatherNDLowering, scatterLowering } from './scatter.js';
import { topkLowering } from './topk.js';
import { triluLowering } from './trilu.js';
import { whereLowering } from './where.js';

export const LOWERINGS: readonly Lowering[] = [
  convLowering,
  conv3dLowering,
  convTransposeLowering,
  gemmLowering,
  poolLowering,
  globalPoolLowering,
  softmaxLowering,
  layerNormLowering,
  binaryLowering,
  integerBinaryLowering,
  unaryLowering,
  aliasLowering,
  movementLowering,
  resizeLowering,
  reduceLowering,
  padLowering,
  gatherLowering,
  whereLowering,
  castLowering,
  instanceNormLowering,
  lrnLowering,
  argExtremeLowering,
  quantizeLowering,
  compareLowering,
  predicateLowering,
  hardmaxLowering,
  topkLowering,
  gatherNDLowering,
  scatterLowering,
  triluLowering,
  cumsumLowering,
];
