/**
 * Operators that generate tensors: ZEROS_LIKE, FILL, RANGE, RANK, BROADCAST_TO, BROADCAST_ARGS, ONE_HOT.
 * Shapes are static, so whatever depends only on shapes and constants folds into a constant here; the rest maps
 * onto Expand / OneHot.
 */
import type { DType } from '../../../ir/dtype.js';
import { toNumbers } from '../../../ir/reference/util.js';
import { broadcastShapes } from '../../../ir/shape.js';
import { Tensor, sizeOf } from '../../../ir/tensor.js';
import { NCHW, nativeForm, permuteDims } from '../layout.js';
import type { OpContext } from '../op-context.js';
import { storedType } from '../tensors.js';
import type { OpConverter } from './registry.js';
import { axisOf } from './common.js';

const OneHotOptions = { axis: 0 };

function outputType(ctx: OpContext, j = 0): DType {
  return storedType(ctx.converter.tensor(ctx.output(j)), ctx.converter.fileName);
}

/** A constant of `type` from plain numbers (BigInt64Array for int64, booleans as 0/1). */
function constantOf(type: DType, values: readonly number[], dims: readonly number[]): Tensor {
  if (type === 'int64') return new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
  if (type === 'uint64') return new Tensor('uint64', BigUint64Array.from(values, (v) => BigInt(v)), dims);
  return new Tensor(type, values, dims);
}

/** The scalar value of input i (a constant or a rank-0/one-element activation) as an IR scalar name. */
function scalarInput(ctx: OpContext, i: number, what: string): string {
  const dims = ctx.dims(i);
  if (sizeOf(dims) !== 1) ctx.fail(`${what} must hold one value, got [${dims.join(', ')}]`);
  const name = ctx.read(i, nativeForm(dims.length));
  return dims.length === 0 ? name : ctx.node1('Reshape', [name, ctx.int64s([])], {}, what);
}

const zerosLike: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  ctx.converter.setConstant(ctx.output(0), Tensor.zeros(outputType(ctx), dims));
};

const fill: OpConverter = (ctx) => {
  const dims = ctx.ints(0, 'dims');
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) ctx.fail(`dims [${dims.join(', ')}] must be non-negative`);
  const value = ctx.constant(1);
  if (value) {
    if (value.size !== 1) ctx.fail(`the value must be a scalar, got [${value.dims.join(', ')}]`);
    const type = outputType(ctx);
    return ctx.converter.setConstant(ctx.output(0), constantOf(type, new Array<number>(sizeOf(dims)).fill(toNumbers(value)[0]!), dims));
  }
  const output = ctx.node1('Expand', [scalarInput(ctx, 1, 'value'), ctx.int64s(dims)]);
  ctx.finish(0, output, nativeForm(dims.length), { exactInput: 1 });
};

/** start, start + delta, … up to (not including) limit; all three must be constants (the length is a shape). */
const range: OpConverter = (ctx) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => {
    const values = ctx.ints(i, ['start', 'limit', 'delta'][i]!);
    if (values.length !== 1) ctx.fail(`input ${i} must be a scalar`);
    return values[0]!;
  }) as [number, number, number];
  if (delta === 0 || !Number.isFinite(delta)) ctx.fail(`delta must be non-zero, got ${delta}`);
  const type = outputType(ctx);
  const count = Math.max(0, Math.ceil((limit - start) / delta));
  // TFLite accumulates value += delta in the output type: float32 rounding included.
  const values: number[] = [];
  for (let i = 0, value = start; i < count; i++, value = type === 'float32' ? Math.fround(value + delta) : value + delta) values.push(value);
  ctx.converter.setConstant(ctx.output(0), constantOf(type, values, [count]));
};

const rank: OpConverter = (ctx) => {
  ctx.converter.setConstant(ctx.output(0), constantOf(outputType(ctx), [ctx.rank(0)], []));
};

const broadcastArgs: OpConverter = (ctx) => {
  const shapes = [ctx.ints(0, 'shape'), ctx.ints(1, 'shape')];
  const result = broadcastShapes(shapes, ctx.label);
  ctx.converter.setConstant(ctx.output(0), constantOf(outputType(ctx), result, [result.length]));
};

const broadcastTo: OpConverter = (ctx) => {
  const shape = ctx.ints(1, 'shape');
  const dims = ctx.dims(0);
  const value = ctx.constant(0);
  if (value && value.size === 1) {
    return ctx.converter.setConstant(ctx.output(0), constantOf(value.type, new Array<number>(sizeOf(shape)).fill(toNumbers(value)[0]!), shape));
  }
  // A 4-D activation already in NCHW form broadcasts there, its target shape permuted alike.
  if (dims.length === 4 && shape.length === 4 && ctx.converter.preferredForm(ctx.input(0)) === NCHW) {
    return ctx.finish(0, ctx.node1('Expand', [ctx.read(0, NCHW), ctx.int64s(permuteDims(shape, NCHW))]), NCHW, { exactInput: 0 });
  }
  ctx.finish(0, ctx.node1('Expand', [ctx.read(0, nativeForm(dims.length)), ctx.int64s(shape)]), nativeForm(shape.length), { exactInput: 0 });
};

/**
 * ONNX OneHot with values [off, on]. TFLite writes all-off rows for every index outside [0, depth); ONNX wraps
 * negative indices, so they are moved out of range first.
 */
const oneHot: OpConverter = (ctx) => {
  const rankIn = ctx.rank(0);
  const axis = axisOf(ctx, ctx.options.int32(OneHotOptions.axis, 'axis', -1), rankIn + 1);
  const [depth] = ctx.ints(1, 'depth');
  if (depth === undefined || depth < 0) ctx.fail(`depth must be a non-negative scalar`);
  const type = outputType(ctx);
  const [on, off] = [ctx.constant(2), ctx.constant(3)];
  let values: string;
  if (on && off) {
    values = ctx.converter.addConstant(`${ctx.nodeName}/values`, constantOf(type, [toNumbers(off)[0]!, toNumbers(on)[0]!], [2]));
  } else {
    const shape = ctx.int64s([1]);
    const parts = [3, 2].map((i) => ctx.node1('Reshape', [scalarInput(ctx, i, i === 2 ? 'on_value' : 'off_value'), shape], {}, `value_${i}`));
    values = ctx.node1('Concat', parts, { axis: 0 }, 'values');
  }
  let indices = ctx.read(0, nativeForm(rankIn));
  if (!ctx.constant(0)) {
    const indexType = ctx.converter.graph.tensor(indices).type;
    const zero = ctx.converter.sharedConstant(indexType, [0], []);
    const outside = ctx.converter.sharedConstant(indexType, [depth!], []);
    const negative = ctx.node1('Less', [indices, zero], {}, 'negative');
    indices = ctx.node1('Where', [negative, outside, indices], {}, 'indices');
  } else {
    const given = toNumbers(ctx.constant(0));
    indices = ctx.converter.addConstant(`${ctx.nodeName}/indices`, constantOf('int64', given.map((i) => (i < 0 ? depth! : i)), ctx.dims(0)));
  }
  const output = ctx.node1('OneHot', [indices, ctx.converter.sharedConstant('int64', [depth!], []), values], { axis });
  ctx.finish(0, output, nativeForm(rankIn + 1));
};

export const generateConverters: Record<string, OpConverter> = {
  ZEROS_LIKE: zerosLike,
  FILL: fill,
  RANGE: range,
  RANK: rank,
  BROADCAST_ARGS: broadcastArgs,
  BROADCAST_TO: broadcastTo,
  ONE_HOT: oneHot,
};
