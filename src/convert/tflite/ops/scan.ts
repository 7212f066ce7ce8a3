/**
 * CUMSUM, TOPK_V2, and the boolean reductions REDUCE_ANY / REDUCE_ALL (max / min of the input cast to int32, cast
 * back to bool). Axes are remapped into the form the input already has.
 */
import { irAxis, keptAxesForm } from '../layout.js';
import { storedType } from '../tensors.js';
import type { OpConverter } from './registry.js';
import { axisOf } from './common.js';

const CumsumOptions = { exclusive: 0, reverse: 1 };
const ReducerOptions = { keep_dims: 0 };

const cumsum: OpConverter = (ctx) => {
  const rank = ctx.rank(0);
  const given = ctx.ints(1, 'axis');
  if (given.length !== 1) ctx.fail(`axis must hold one value, got [${given.join(', ')}]`);
  const axis = axisOf(ctx, given[0]!, rank);
  const { name, form } = ctx.readPreferred(0);
  const output = ctx.node1('CumSum', [name, ctx.int64s([irAxis(form, axis)])], {
    exclusive: ctx.options.bool(CumsumOptions.exclusive, 'exclusive') ? 1 : 0,
    reverse: ctx.options.bool(CumsumOptions.reverse, 'reverse') ? 1 : 0,
  });
  ctx.finish(0, output, form);
};

/** The k largest values along the last axis, sorted descending, ties to the lower index (as ONNX TopK). */
const topK: OpConverter = (ctx) => {
  const rank = ctx.rank(0);
  if (rank < 1) ctx.fail('the input must have rank ≥ 1');
  const [k] = ctx.ints(1, 'k');
  const size = ctx.dims(0)[rank - 1]!;
  if (k === undefined || !Number.isInteger(k) || k < 0 || k > size) ctx.fail(`k ${k} must lie in [0, ${size}]`);
  const { name, form } = ctx.readPreferred(0);
  const [values, indices] = ctx.node('TopK', [name, ctx.int64s([k!])], { axis: irAxis(form, rank - 1), largest: 1, sorted: 1 }, '', 2) as [string, string];
  ctx.finish(0, values, form, { exactInput: 0 });
  const type = storedType(ctx.converter.tensor(ctx.output(1)), ctx.converter.fileName);
  ctx.finish(1, type === 'int64' ? indices : ctx.node1('Cast', [indices], { to: type }, 'indices'), form);
};

function reduceBool(op: 'ReduceMax' | 'ReduceMin'): OpConverter {
  return (ctx) => {
    const rank = ctx.rank(0);
    const axes = [...new Set(ctx.ints(1, 'axes').map((axis) => axisOf(ctx, axis, rank)))];
    const keepdims = ctx.options.bool(ReducerOptions.keep_dims, 'keep_dims');
    const { name, form } = ctx.readPreferred(0);
    const numbers = ctx.node1('Cast', [name], { to: 'int32' }, 'int32');
    const reduced = ctx.node1(op, [numbers, ctx.int64s(axes.map((axis) => irAxis(form, axis)))], { keepdims: keepdims ? 1 : 0, noop_with_empty_axes: 1 }, 'reduce');
    const output = ctx.node1('Cast', [reduced], { to: 'bool' });
    if (keepdims) return ctx.finish(0, output, form);
    ctx.finishAnyForm(0, output, keptAxesForm(form, form.filter((axis) => !axes.includes(axis))));
  };
}

export const scanConverters: Record<string, OpConverter> = {
  CUMSUM: cumsum,
  TOPK_V2: topK,
  REDUCE_ANY: reduceBool('ReduceMax'),
  REDUCE_ALL: reduceBool('ReduceMin'),
};
