/** Every supported TFLite builtin operator, by schema name (schema.ts BUILTIN_OPERATORS). */
import { batchSpaceConverters } from './batch-space.js';
import { convConverters } from './conv.js';
import { conv3dConverters } from './conv3d.js';
import { elementwiseConverters } from './elementwise.js';
import { generateConverters } from './generate.js';
import { indexingConverters } from './indexing.js';
import { l2Converters } from './l2.js';
import { mathConverters } from './math.js';
import { matrixConverters } from './matrix.js';
import { matmulConverters } from './matmul.js';
import { reduceConverters } from './reduce.js';
import { recurrentConverters } from './recurrent.js';
import type { OpConverter } from './registry.js';
import { reshapeConverters } from './reshape.js';
import { scanConverters } from './scan.js';
import { segmentConverters } from './segment.js';
import { sliceConverters } from './slice.js';
import { spatialConverters } from './spatial.js';
import { typeConverters } from './types.js';

export const OP_CONVERTERS: Readonly<Record<string, OpConverter>> = {
  ...batchSpaceConverters,
  ...convConverters,
  ...conv3dConverters,
  ...elementwiseConverters,
  ...generateConverters,
  ...indexingConverters,
  ...l2Converters,
  ...mathConverters,
  ...matrixConverters,
  ...matmulConverters,
  ...recurrentConverters,
  ...reduceConverters,
  ...reshapeConverters,
  ...scanConverters,
  ...segmentConverters,
  ...sliceConverters,
  ...spatialConverters,
  ...typeConverters,
};

export type { OpConverter } from './registry.js';
