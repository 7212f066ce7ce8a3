/** The converter of each supported TFLite builtin operator, by schema name. */
import type { OpContext } from '../op-context.js';

/** Converts one TFLite operator: reads its inputs from the context, adds IR nodes, finishes every output. */
export type OpConverter = (ctx: OpContext) => void;
