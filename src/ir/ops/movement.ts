import type { OpSpec } from '../op-spec.js';
import type { OpType } from '../ops.js';

export const movementOps = {} satisfies Partial<Record<OpType, OpSpec>>;
