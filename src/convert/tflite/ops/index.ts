/** Every supported TFLite builtin operator, by schema name (schema.ts BUILTIN_OPERATORS). */
import { batchSpaceConverters } from './batch-space.js';
import { convConverters } from './conv.js';
import { elementwiseConverters } from './elementwise.js';
import { matmulConverters } from './matmul.js';
import { reduceConverters } from './reduce.js';
import type { OpConverter } from './registry.js';
import { reshapeConverters } from './reshape.js';
import { sliceConverters } from './slice.js';
import { spatialConverters } from './spatial.js';
import { typeConverters } from './types.js';

export const OP_CONVERTERS: Readonly<Record<string, OpConverter>> = {
  ...batchSpaceConverters,
  ...convConverters,
  ...elementwiseConverters,
  ...matmulConverters,
  ...reduceConverters,
  ...reshapeConverters,
  ...sliceConverters,
  ...spatialConverters,
  ...typeConverters,
};

export type { OpConverter } from './registry.js';
