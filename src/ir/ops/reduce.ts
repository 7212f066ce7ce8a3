/**
 * Reductions (Reduce*), search (ArgMax, ArgMin, TopK), scans (CumSum) and resampling (Resize).
 * Shape inference keeps symbolic dims of the axes an op leaves alone. Sizes that depend on input values
 * (reduction axes, K, Resize's scales/sizes) are exact when those inputs are constants; otherwise the rank is kept
 * where it is knowable and the affected dims become fresh unknown dims.
 */
import { WebliteError } from '../../errors.js';
import type { DType } from '../dtype.js';
import type { Dim } from '../graph.js';
import type { InferContext, OpSpec, TensorFacts } from '../op-spec.js';
import type { OpType } from '../ops.js';
import { normalizeAxis } from '../shape.js';
import { cumSum } from '../reference/cumsum.js';
import { type ReduceOp, reduce, reducedAxes } from '../reference/reduce.js';
import { optionalValues, resize, resizeAxes, resizeTargets } from '../reference/resize.js';
import { ASPECT_RATIO_POLICIES, COORDINATE_MODES, NEAREST_MODES, RESIZE_MODES } from '../reference/resize-taps.js';
import { argExtreme, topK } from '../reference/topk.js';
import { toNumbers } from '../reference/util.js';

const label = (op: string, ctx: InferContext) => `node '${ctx.nodeName}' (${op})`;

function input(ctx: InferContext, i: number, op: string): TensorFacts {
  const facts = ctx.inputs[i];
  if (!facts) throw new WebliteError('BAD_MODEL', `${label(op, ctx)}: input ${i} is required`);
  return facts;
}

function checkType(op: string, ctx: InferContext, facts: TensorFacts, allowed: (type: DType) => boolean, what: string): void {
  if (!allowed(facts.type)) throw new WebliteError('BAD_MODEL', `${label(op, ctx)}: expects ${what} input, got ${facts.type}`);
}

const numeric = (type: DType) => type !== 'string' && type !== 'bool';
const numericOrBool = (type: DType) => type !== 'string';

function checkChoice(op: string, ctx: InferContext, name: string, choices: readonly string[]): void {
  const value = ctx.attrs[name];
  if (typeof value !== 'string' || !choices.includes(value)) {
    throw new WebliteError('BAD_MODEL', `${label(op, ctx)}: ${name} '${String(value)}' is not one of ${choices.join(', ')}`);
  }
}

/** Input i's values when it is a constant (undefined when omitted or computed at run time). */
function constantNumbers(ctx: InferContext, i: number): number[] | undefined {
  const value = ctx.inputs[i] ? ctx.constant(i) : undefined;
  return value ? toNumbers(value) : undefined;
}

/** A 1-D input known (from its static shape alone) to be empty, like an empty `axes` or `scales`. */
function knownEmpty(facts: TensorFacts | undefined): boolean {
  return facts?.dims?.length === 1 && facts.dims[0] === 0;
}

// ---- Reduce* ----

function inferReduce(op: ReduceOp, ctx: InferContext): TensorFacts[] {
  const data = input(ctx, 0, op);
  const allowed = op === 'ReduceMax' || op === 'ReduceMin' ? numericOrBool : numeric;
  checkType(op, ctx, data, allowed, op === 'ReduceMax' || op === 'ReduceMin' ? 'a numeric or bool' : 'a numeric');
  const keepdims = ctx.attrs.keepdims === 1;
  const axesFacts = ctx.inputs[1];
  let axes = constantNumbers(ctx, 1);
  if (!axesFacts || knownEmpty(axesFacts)) axes = [];
  if (!data.dims) return [{ type: data.type }];
  const rank = data.dims.length;

  if (axes === undefined) {
    // Axes computed at run time: with keepdims the rank survives (every dim may become 1); without, it is unknown.
    return [{ type: data.type, dims: keepdims ? data.dims.map((d) => (d === 1 ? 1 : ctx.unknownDim())) : undefined }];
  }
  const reduced = reducedAxes(rank, axes, ctx.attrs.noop_with_empty_axes === 1, label(op, ctx), 'BAD_MODEL');
  if (!reduced) return [{ type: data.type, dims: [...data.dims] }];
  const dims = keepdims ? data.dims.map((d, axis) => (reduced[axis] ? 1 : d)) : data.dims.filter((_, axis) => !reduced[axis]);
  return [{ type: data.type, dims }];
}

function reduceSpec(op: ReduceOp): OpSpec {
  return {
    inputs: [1, 2],
    outputs: [1, 1],
    attrs: { keepdims: { type: 'int', default: 1 }, noop_with_empty_axes: { type: 'int', default: 0 } },
    infer: (ctx) => inferReduce(op, ctx),
    reference: (inputs, attrs, ctx) => reduce(op, inputs, attrs, ctx),
  };
}

// ---- ArgMax / ArgMin ----

function argSpec(op: 'ArgMax' | 'ArgMin'): OpSpec {
  return {
    inputs: [1, 1],
    outputs: [1, 1],
    attrs: { axis: { type: 'int', default: 0 }, keepdims: { type: 'int', default: 1 }, select_last_index: { type: 'int', default: 0 } },
    infer(ctx) {
      const data = input(ctx, 0, op);
      checkType(op, ctx, data, numericOrBool, 'a numeric');
      if (!data.dims) return [{ type: 'int64' }];
      if (data.dims.length === 0) throw new WebliteError('BAD_MODEL', `${label(op, ctx)}: expects an input of rank ≥ 1, got a scalar`);
      const axis = normalizeAxis(ctx.attrs.axis as number, data.dims.length, label(op, ctx));
      const dims = ctx.attrs.keepdims === 1 ? data.dims.map((d, i) => (i === axis ? 1 : d)) : data.dims.filter((_, i) => i !== axis);
      return [{ type: 'int64', dims }];
    },
    reference: (inputs, attrs, ctx) => argExtreme(op, inputs, attrs, ctx),
  };
}

// ---- CumSum ----

const cumSumSpec: OpSpec = {
  inputs: [2, 2],
  outputs: [1, 1],
  attrs: { exclusive: { type: 'int', default: 0 }, reverse: { type: 'int', default: 0 } },
  infer(ctx) {
    const x = input(ctx, 0, 'CumSum');
    checkType('CumSum', ctx, x, numeric, 'a numeric');
    const axisFacts = input(ctx, 1, 'CumSum');
    if (axisFacts.type !== 'int32' && axisFacts.type !== 'int64') {
      throw new WebliteError('BAD_MODEL', `${label('CumSum', ctx)}: axis must be int32 or int64, got ${axisFacts.type}`);
    }
    const axis = constantNumbers(ctx, 1);
    if (axis && x.dims) {
      if (axis.length !== 1) throw new WebliteError('BAD_MODEL', `${label('CumSum', ctx)}: axis must hold one value, got ${axis.length}`);
      normalizeAxis(axis[0]!, x.dims.length, label('CumSum', ctx));
    }
    return [{ type: x.type, dims: x.dims ? [...x.dims] : undefined }];
  },
  reference: cumSum,
};

// ---- TopK ----

const topKSpec: OpSpec = {
  inputs: [2, 2],
  outputs: [2, 2],
  attrs: { axis: { type: 'int', default: -1 }, largest: { type: 'int', default: 1 }, sorted: { type: 'int', default: 1 } },
  infer(ctx) {
    const where = label('TopK', ctx);
    const x = input(ctx, 0, 'TopK');
    checkType('TopK', ctx, x, numeric, 'a numeric');
    if (input(ctx, 1, 'TopK').type !== 'int64') throw new WebliteError('BAD_MODEL', `${where}: K must be int64, got ${ctx.inputs[1]!.type}`);
    if (!x.dims) return [{ type: x.type }, { type: 'int64' }];
    const axis = normalizeAxis(ctx.attrs.axis as number, x.dims.length, where);
    const k = constantNumbers(ctx, 1);
    let kDim: Dim = ctx.unknownDim();
    if (k) {
      const axisLength = x.dims[axis]!;
      if (k.length !== 1 || !(k[0]! >= 0) || (typeof axisLength === 'number' && k[0]! > axisLength)) {
        throw new WebliteError('BAD_MODEL', `${where}: K must be one value in [0, ${axisLength}] (the size of axis ${axis}), got [${k.join(', ')}]`);
      }
      kDim = k[0]!;
    }
    const dims = x.dims.map((d, i) => (i === axis ? kDim : d));
    return [{ type: x.type, dims }, { type: 'int64', dims: [...dims] }];
  },
  reference: topK,
};

// ---- Resize ----

/** An optional input's constant values; undefined when omitted or empty; 'run time' when only known then. */
function optionalInput(ctx: InferContext, i: number): number[] | undefined | 'run time' {
  const facts = ctx.inputs[i];
  if (!facts || knownEmpty(facts)) return undefined;
  const value = ctx.constant(i);
  return value ? optionalValues(value) : 'run time';
}

function inferResize(ctx: InferContext): TensorFacts[] {
  const where = label('Resize', ctx);
  const x = input(ctx, 0, 'Resize');
  checkChoice('Resize', ctx, 'mode', RESIZE_MODES);
  checkChoice('Resize', ctx, 'coordinate_transformation_mode', COORDINATE_MODES);
  checkChoice('Resize', ctx, 'nearest_mode', NEAREST_MODES);
  checkChoice('Resize', ctx, 'keep_aspect_ratio_policy', ASPECT_RATIO_POLICIES);
  if (ctx.attrs.mode !== 'nearest') checkType('Resize', ctx, x, numeric, `a numeric (${String(ctx.attrs.mode)} mode)`);
  if (!x.dims) return [{ type: x.type }];
  const rank = x.dims.length;
  const axes = resizeAxes(rank, ctx.attrs.axes as number[], where, 'BAD_MODEL');

  const scales = optionalInput(ctx, 2);
  const sizes = optionalInput(ctx, 3);
  const unknownAxes = () => [{ type: x.type, dims: x.dims!.map((d, axis) => (axes.includes(axis) ? ctx.unknownDim() : d)) }];
  if (scales === 'run time' || sizes === 'run time') return unknownAxes();
  if ((scales === undefined) === (sizes === undefined)) {
    throw new WebliteError('BAD_MODEL', `${where}: exactly one of 'scales' and 'sizes' must be given`);
  }
  const given = (scales ?? sizes)!;
  if (given.length !== axes.length) {
    throw new WebliteError('BAD_MODEL', `${where}: ${scales ? 'scales' : 'sizes'} has ${given.length} values, expected ${axes.length} (one per resized axis)`);
  }
  const policy = ctx.attrs.keep_aspect_ratio_policy as string;
  const dims = [...x.dims];
  if (x.dims.every((d) => typeof d === 'number')) {
    return [{ type: x.type, dims: resizeTargets(x.dims as number[], axes, scales, sizes, policy, where, 'BAD_MODEL').outputDims }];
  }
  // Symbolic input dims: exact where the answer does not depend on them.
  given.forEach((value) => {
    if (scales ? !(value > 0 && Number.isFinite(value)) : !(Number.isInteger(value) && value >= 0)) {
      throw new WebliteError('BAD_MODEL', `${where}: ${scales ? 'scales must be positive' : 'sizes must be non-negative integers'}, got ${value}`);
    }
  });
  if (sizes && policy !== 'stretch') return unknownAxes();
  axes.forEach((axis, i) => {
    const d = x.dims![axis]!;
    if (sizes) dims[axis] = sizes[i]!;
    else if (scales![i] === 1) dims[axis] = d;
    else dims[axis] = typeof d === 'number' ? Math.floor(d * scales![i]!) : ctx.unknownDim();
  });
  return [{ type: x.type, dims }];
}

const resizeSpec: OpSpec = {
  inputs: [1, 4],
  outputs: [1, 1],
  attrs: {
    mode: { type: 'string', default: 'nearest' },
    coordinate_transformation_mode: { type: 'string', default: 'half_pixel' },
    nearest_mode: { type: 'string', default: 'round_prefer_floor' },
    cubic_coeff_a: { type: 'float', default: -0.75 },
    exclude_outside: { type: 'int', default: 0 },
    extrapolation_value: { type: 'float', default: 0 },
    antialias: { type: 'int', default: 0 },
    /** Empty: every axis. */
    axes: { type: 'ints', default: [] },
    keep_aspect_ratio_policy: { type: 'string', default: 'stretch' },
  },
  infer: inferResize,
  reference: resize,
};

export const reduceOps = {
  ReduceL1: reduceSpec('ReduceL1'),
  ReduceL2: reduceSpec('ReduceL2'),
  ReduceLogSum: reduceSpec('ReduceLogSum'),
  ReduceLogSumExp: reduceSpec('ReduceLogSumExp'),
  ReduceMax: reduceSpec('ReduceMax'),
  ReduceMean: reduceSpec('ReduceMean'),
  ReduceMin: reduceSpec('ReduceMin'),
  ReduceProd: reduceSpec('ReduceProd'),
  ReduceSum: reduceSpec('ReduceSum'),
  ReduceSumSquare: reduceSpec('ReduceSumSquare'),
  ArgMax: argSpec('ArgMax'),
  ArgMin: argSpec('ArgMin'),
  CumSum: cumSumSpec,
  TopK: topKSpec,
  Resize: resizeSpec,
} satisfies Partial<Record<OpType, OpSpec>>;
