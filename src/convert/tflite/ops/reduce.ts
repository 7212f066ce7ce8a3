/**
 * Reductions along axes (MEAN, SUM, REDUCE_MAX/MIN/PROD, ARG_MAX/ARG_MIN) and the softmaxes, in the input's
 * form with axes remapped. A reduction that drops axes of an NCHW tensor yields whatever order the kept axes have
 * (keptAxesForm); when that is neither native nor NCHW, finishAnyForm transposes it back to native.
 */
import type { OpType } from '../../../ir/ops.js';
import { storedType } from '../tensors.js';
import { irAxis, keptAxesForm } from '../layout.js';
import type { OpContext } from '../op-context.js';
import type { OpConverter } from './registry.js';
import { axisOf } from './common.js';

const ReducerOptions = { keep_dims: 0 };
const SoftmaxOptions = { beta: 0 };

/** Distinct TFLite axes from a constant axes input. */
function axesOf(ctx: OpContext, input: number, rank: number): number[] {
  return [...new Set(ctx.ints(input, 'axes').map((axis) => axisOf(ctx, axis, rank)))];
}

function reduce(op: OpType): OpConverter {
  return (ctx) => {
    const rank = ctx.rank(0);
    const axes = axesOf(ctx, 1, rank);
    const keepdims = ctx.options.bool(ReducerOptions.keep_dims, 'keep_dims');
    const { name, form } = ctx.readPreferred(0);
    // An empty axes list reduces nothing in TFLite (ONNX would reduce everything without noop_with_empty_axes).
    const output = ctx.node1(op, [name, ctx.int64s(axes.map((axis) => irAxis(form, axis)))], {
      keepdims: keepdims ? 1 : 0,
      noop_with_empty_axes: 1,
    });
    const exactInput = op === 'ReduceMax' || op === 'ReduceMin' ? 0 : undefined;
    if (keepdims) return ctx.finish(0, output, form, { exactInput });
    const kept = form.filter((axis) => !axes.includes(axis));
    ctx.finishAnyForm(0, output, keptAxesForm(form, kept), { exactInput });
  };
}

function argExtreme(op: 'ArgMax' | 'ArgMin'): OpConverter {
  return (ctx) => {
    const rank = ctx.rank(0);
    const axes = axesOf(ctx, 1, rank);
    if (axes.length !== 1) ctx.fail(`expects one axis, got [${axes.join(', ')}]`);
    const axis = axes[0]!;
    const { name, form } = ctx.readPreferred(0);
    // TFLite returns the first index of the extreme value, as ONNX does with select_last_index = 0.
    let output = ctx.node1(op, [name], { axis: irAxis(form, axis), keepdims: 0, select_last_index: 0 });
    const type = storedType(ctx.converter.tensor(ctx.output(0)), ctx.converter.fileName);
    if (type !== 'int64') output = ctx.node1('Cast', [output], { to: type }, 'cast');
    ctx.finishAnyForm(0, output, keptAxesForm(form, form.filter((a) => a !== axis)));
  };
}

/** SOFTMAX and LOG_SOFTMAX work on the last TFLite axis; SOFTMAX scales its input by beta first. */
function softmax(op: 'Softmax' | 'LogSoftmax'): OpConverter {
  return (ctx) => {
    const rank = ctx.rank(0);
    if (rank < 1) ctx.fail('the input must have rank ≥ 1');
    const { name, form } = ctx.readPreferred(0);
    let input = name;
    if (op === 'Softmax') {
      const beta = ctx.options.float32(SoftmaxOptions.beta, 'beta');
      if (beta !== 1) input = ctx.node1('Mul', [name, ctx.scalar(beta)], {}, 'beta');
    }
    ctx.finish(0, ctx.node1(op, [input], { axis: irAxis(form, rank - 1) }), form);
  };
}

export const reduceConverters: Record<string, OpConverter> = {
  MEAN: reduce('ReduceMean'),
  SUM: reduce('ReduceSum'),
  REDUCE_MAX: reduce('ReduceMax'),
  REDUCE_MIN: reduce('ReduceMin'),
  REDUCE_PROD: reduce('ReduceProd'),
  ARG_MAX: argExtreme('ArgMax'),
  ARG_MIN: argExtreme('ArgMin'),
  SOFTMAX: softmax('Softmax'),
  LOG_SOFTMAX: softmax('LogSoftmax'),
};
