/**
 * What every op in the op table declares. The spec is the single source of truth for an op:
 * inputs/outputs arity, attributes (types + defaults), shape/dtype inference and the reference.
 */
import type { DType } from './dtype.js';
import type { Attrs, Dim } from './graph.js';
import type { Tensor } from './tensor.js';

export type AttrType = 'int' | 'float' | 'string' | 'ints' | 'floats' | 'strings' | 'tensor';

export interface AttrSpec {
  type: AttrType;
  /** Absent default ⇒ required. */
  default?: number | string | number[] | string[];
  required?: boolean;
}

/** Static facts about a tensor: dtype and (maybe symbolic, maybe unknown) shape. */
export interface TensorFacts {
  type: DType;
  dims?: Dim[];
}

export interface InferContext {
  /** Facts of each input; undefined for omitted optional inputs. */
  inputs: (TensorFacts | undefined)[];
  /** Resolved attributes (defaults filled in). */
  attrs: Attrs;
  /** Constant value of input i if known at conversion time (lets Reshape, Slice… infer exact shapes). */
  constant(i: number): Tensor | undefined;
  /** Number of outputs the node declares. */
  outputCount: number;
  /** A fresh symbolic dim for sizes that are only known at run time. */
  unknownDim(): string;
  /** Node name, for error messages. */
  nodeName: string;
}

export interface ReferenceContext {
  outputCount: number;
  nodeName: string;
}

export interface OpSpec {
  /** [min, max] number of inputs (max = Infinity for variadic). */
  inputs: [number, number];
  outputs: [number, number];
  attrs: Record<string, AttrSpec>;
  /** Output dtypes and shapes from input facts. Throws WebliteError('BAD_MODEL') on inconsistent inputs. */
  infer(ctx: InferContext): TensorFacts[];
  /**
   * The readable TypeScript truth for this op. Inputs are undefined where an optional input is omitted.
   * Throws WebliteError('RUNTIME_ERROR') on data-dependent failures (index out of range…).
   */
  reference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[];
  /** False for ops whose output must not be computed at conversion time (none yet; random ops would be). */
  foldable?: boolean;
}
