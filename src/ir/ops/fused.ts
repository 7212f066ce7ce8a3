import type { OpSpec } from '../op-spec.js';
import type { OpType } from '../ops.js';

export const fusedOps = {} satisfies Partial<Record<OpType, OpSpec>>;
