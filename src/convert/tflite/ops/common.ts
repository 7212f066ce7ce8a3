/** Helpers shared by operator converters: broadcasting inputs in one form, axis arguments, reshapes. */
import { sizeOf } from '../../../ir/tensor.js';
import { transposeConstant } from '../context.js';
import { type Form, NCHW, nativeForm, permuteDims, sameOrderAsNchw } from '../layout.js';
import type { OpContext } from '../op-context.js';

/** Normalises a TFLite axis (negative counts from the end) against `rank`. */
export function axisOf(ctx: OpContext, axis: number, rank: number, what = 'axis'): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(normalized) || normalized < 0 || normalized >= Math.max(rank, 1)) ctx.fail(`${what} ${axis} is out of range for rank ${rank}`);
  return normalized;
}

/** Rough cost of reading input i in `form`: 0 if it exists (or is a constant), 1 for a Reshape, 3 for a Transpose. */
function readCost(ctx: OpContext, i: number, form: Form, rank: number): number {
  const dims = ctx.dims(i);
  if (ctx.constant(i) || sizeOf(dims) === 1) return 0;
  if (form === NCHW && dims.length < rank) return sameOrderAsNchw([...new Array<number>(rank - dims.length).fill(1), ...dims]) ? 1 : 4;
  const target = dims.length === rank ? form : nativeForm(dims.length);
  if (ctx.converter.hasForm(ctx.input(i), target)) return 0;
  return sameOrderAsNchw(dims) ? 1 : 3;
}

/**
 * The form a multi-input op of `rank` should run in: the one needing the fewest conversions of its inputs, NCHW on a
 * tie when some input already is NCHW (so convolutional stacks stay NCHW).
 */
export function chooseForm(ctx: OpContext, inputs: readonly number[], rank: number): Form {
  if (rank !== 4) return nativeForm(rank);
  const nchw = inputs.reduce((sum, i) => sum + readCost(ctx, i, NCHW, rank), 0);
  const native = inputs.reduce((sum, i) => sum + readCost(ctx, i, nativeForm(4), rank), 0);
  const anyNchw = inputs.some((i) => ctx.rank(i) === 4 && !ctx.constant(i) && ctx.converter.hasForm(ctx.input(i), NCHW));
  return nchw < native || (nchw === native && anyNchw) ? NCHW : nativeForm(4);
}

/**
 * Reads inputs of a numpy-broadcasting op in one common form (chooseForm). In NCHW form, lower-rank inputs are
 * aligned first: their TFLite dims padded with leading 1s, then permuted.
 */
export function broadcastInputs(ctx: OpContext, inputs: readonly number[]): { names: string[]; form: Form } {
  const rank = Math.max(...inputs.map((i) => ctx.rank(i)));
  if (chooseForm(ctx, inputs, rank) !== NCHW) {
    return { names: inputs.map((i) => ctx.read(i, nativeForm(ctx.rank(i)))), form: nativeForm(rank) };
  }
  const names = inputs.map((i) => {
    const dims = ctx.dims(i);
    if (dims.length === 4) return ctx.read(i, NCHW);
    if (sizeOf(dims) === 1) return ctx.read(i, nativeForm(dims.length));
    const padded = [...new Array<number>(4 - dims.length).fill(1), ...dims];
    const value = ctx.constant(i);
    if (value) return ctx.converter.addConstant(`${ctx.nodeName}/broadcast_${i}`, transposeConstant(value.reshape(padded), [...NCHW]));
    return reshapeToNchw(ctx, ctx.read(i, nativeForm(dims.length)), padded, `broadcast_${i}`);
  });
  return { names, form: NCHW };
}

/** IR tensor `name` holding TFLite data of `nativeDims` (4-D, in native element order) → its NCHW form. */
export function reshapeToNchw(ctx: OpContext, name: string, nativeDims: readonly number[], suffix: string): string {
  if (sameOrderAsNchw(nativeDims)) return ctx.node1('Reshape', [name, ctx.int64s(permuteDims(nativeDims, NCHW))], {}, suffix);
  const reshaped = ctx.node1('Reshape', [name, ctx.int64s(nativeDims)], {}, `${suffix}_4d`);
  return ctx.node1('Transpose', [reshaped], { perm: [...NCHW] }, suffix);
}

/**
 * An IR name for input i whose row-major element order is TFLite's: the native form, or the NCHW form when the
 * two orders coincide and only that form exists (so that flattening it needs no transpose).
 */
export function readInTfliteOrder(ctx: OpContext, i: number): string {
  const dims = ctx.dims(i);
  const index = ctx.input(i);
  if (!ctx.constant(i) && sameOrderAsNchw(dims) && ctx.converter.hasForm(index, NCHW) && !ctx.converter.hasForm(index, nativeForm(4))) {
    return ctx.read(i, NCHW);
  }
  return ctx.read(i, nativeForm(dims.length));
}

/**
 * Output j as input i reshaped to TFLite dims `target` (RESHAPE, SQUEEZE, EXPAND_DIMS, …). A 4-D target whose
 * NCHW and NHWC orders coincide is produced in NCHW form directly, ready for a following convolution.
 */
export function finishReshape(ctx: OpContext, i: number, target: readonly number[], j = 0): void {
  const value = ctx.constant(i);
  if (value) {
    if (value.size !== sizeOf(target)) ctx.fail(`cannot reshape [${value.dims.join(', ')}] to [${target.join(', ')}]`);
    return ctx.converter.setConstant(ctx.output(j), value.reshape(target));
  }
  const source = readInTfliteOrder(ctx, i);
  const form = sameOrderAsNchw(target) ? NCHW : nativeForm(target.length);
  const output = ctx.node1('Reshape', [source, ctx.int64s(permuteDims(target, form))]);
  ctx.finish(j, output, form, { exactInput: i });
}
