/**
 * Shape and axis operators: RESHAPE, SQUEEZE, EXPAND_DIMS (all reshapes of static shapes), TRANSPOSE,
 * CONCATENATION, PACK, UNPACK, SPLIT, SPLIT_V, TILE. Axis parameters are remapped into the form the input
 * already has, so a concatenation of NCHW activations stays NCHW.
 */
import { sizeOf } from '../../../ir/tensor.js';
import { type Form, NCHW, irAxis, isNative, nativeForm, permuteDims } from '../layout.js';
import { type OpContext, sameParameters } from '../op-context.js';
import type { OpConverter } from './registry.js';
import { axisOf, chooseForm, finishReshape } from './common.js';

const ReshapeOptions = { new_shape: 0 };
const SqueezeOptions = { squeeze_dims: 0 };
const ConcatenationOptions = { axis: 0, fused_activation_function: 1 };
const PackOptions = { values_count: 0, axis: 1 };
const UnpackOptions = { num: 0, axis: 1 };

/** Resolves a TFLite new shape (one −1 is inferred) for `count` elements. */
function resolveShape(ctx: OpContext, shape: number[], count: number): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) ctx.fail(`invalid new shape [${shape.join(', ')}]`);
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (unknown === 1) {
    if (known === 0 || count % known !== 0) ctx.fail(`cannot reshape ${count} elements to [${shape.join(', ')}]`);
    return shape.map((d) => (d === -1 ? count / known : d));
  }
  if (known !== count) ctx.fail(`cannot reshape ${count} elements to [${shape.join(', ')}]`);
  return shape;
}

const reshape: OpConverter = (ctx) => {
  // The shape input wins over the deprecated new_shape option; a computed shape falls back to the declared one.
  const shapeInput = ctx.has(1) ? ctx.constant(1) : undefined;
  let shape = shapeInput ? Array.from(shapeInput.data as ArrayLike<number | bigint>, Number) : undefined;
  if (!shape && !ctx.has(1)) shape = ctx.options.int32s(ReshapeOptions.new_shape, 'new_shape');
  shape ??= ctx.converter.tensor(ctx.output(0)).shape;
  finishReshape(ctx, 0, resolveShape(ctx, shape, sizeOf(ctx.dims(0))));
};

const squeeze: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const given = ctx.options.int32s(SqueezeOptions.squeeze_dims, 'squeeze_dims') ?? [];
  const axes = given.map((axis) => axisOf(ctx, axis, dims.length, 'squeeze_dims'));
  for (const axis of axes) if (dims[axis] !== 1) ctx.fail(`cannot squeeze axis ${axis} of size ${dims[axis]}`);
  finishReshape(ctx, 0, dims.filter((d, axis) => (axes.length === 0 ? d !== 1 : !axes.includes(axis))));
};

const expandDims: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const given = ctx.ints(1, 'axis');
  if (given.length !== 1) ctx.fail(`axis must hold one value, got [${given.join(', ')}]`);
  const axis = axisOf(ctx, given[0]!, dims.length + 1);
  finishReshape(ctx, 0, [...dims.slice(0, axis), 1, ...dims.slice(axis)]);
};

const transpose: OpConverter = (ctx) => {
  const rank = ctx.rank(0);
  const perm = ctx.ints(1, 'perm');
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) ctx.fail(`perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  // Output TFLite axis k is input axis perm[k]. Any (input form, output form) pair works; one whose IR perm is the
  // identity needs no node at all (e.g. an NHWC→NCHW transpose of an activation already held in NCHW).
  const index = ctx.input(0);
  const inputForms = [nativeForm(rank), ...(rank === 4 ? [NCHW] : [])].filter((f) => ctx.converter.hasForm(index, f));
  const outputForms = [nativeForm(rank), ...(rank === 4 ? [NCHW] : [])];
  const irPerm = (from: Form, to: Form) => to.map((axis) => from.indexOf(perm[axis]!));
  for (const from of inputForms) {
    for (const to of outputForms) {
      if (isNative(irPerm(from, to))) return ctx.finish(0, ctx.read(0, from), to, { exactInput: 0 });
    }
  }
  const { name, form } = ctx.readPreferred(0);
  const to = rank === 4 ? NCHW : nativeForm(rank);
  ctx.finish(0, ctx.node1('Transpose', [name], { perm: irPerm(form, to) }), to, { exactInput: 0 });
};

/** Input positions 0..n−1 of a variadic op, checking they share the output's quantization (for exactness). */
function sharedQuantization(ctx: OpContext, count: number): boolean {
  const output = ctx.converter.quantization(ctx.output(0));
  if (!output) return false;
  for (let i = 0; i < count; i++) {
    const input = ctx.converter.quantization(ctx.input(i));
    if (!input || !sameParameters(input, output)) return false;
  }
  return true;
}

const concatenation: OpConverter = (ctx) => {
  const count = ctx.inputCount;
  const rank = ctx.rank(0);
  const axis = axisOf(ctx, ctx.options.int32(ConcatenationOptions.axis, 'axis'), rank);
  const inputs = Array.from({ length: count }, (_, i) => i);
  const form = chooseForm(ctx, inputs, rank);
  const output = ctx.node1('Concat', inputs.map((i) => ctx.read(i, form)), { axis: irAxis(form, axis) });
  const activation = ctx.options.int8(ConcatenationOptions.fused_activation_function, 'fused_activation_function');
  ctx.finish(0, output, form, { activation, exactInput: activation === 0 && sharedQuantization(ctx, count) ? 0 : undefined });
};

const pack: OpConverter = (ctx) => {
  const count = ctx.inputCount;
  const rank = ctx.rank(0);
  const axis = axisOf(ctx, ctx.options.int32(PackOptions.axis, 'axis'), rank + 1);
  const axes = ctx.int64s([axis]);
  const parts = Array.from({ length: count }, (_, i) => ctx.node1('Unsqueeze', [ctx.read(i, nativeForm(rank)), axes], {}, `expand_${i}`));
  ctx.finish(0, ctx.node1('Concat', parts, { axis }), nativeForm(rank + 1), { exactInput: sharedQuantization(ctx, count) ? 0 : undefined });
};

const unpack: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const axis = axisOf(ctx, ctx.options.int32(UnpackOptions.axis, 'axis'), dims.length);
  const count = ctx.op.outputs.length;
  if (dims[axis] !== count) ctx.fail(`axis ${axis} has size ${dims[axis]}, but the operator has ${count} outputs`);
  const parts = ctx.node('Split', [ctx.read(0, nativeForm(dims.length)), ctx.int64s(new Array<number>(count).fill(1))], { axis }, 'split', count);
  const axes = ctx.int64s([axis]);
  parts.forEach((part, j) => ctx.finish(j, ctx.node1('Squeeze', [part, axes], {}, `squeeze_${j}`), nativeForm(dims.length - 1), { exactInput: 0 }));
};

/** Splits input `dataInput` along TFLite axis `axis` into pieces of `sizes`, each output keeping the input's form. */
function splitInto(ctx: OpContext, dataInput: number, axis: number, sizes: number[]): void {
  const { name, form } = ctx.readPreferred(dataInput);
  if (sizes.length !== ctx.op.outputs.length) ctx.fail(`${sizes.length} pieces but ${ctx.op.outputs.length} outputs`);
  const parts = ctx.node('Split', [name, ctx.int64s(sizes)], { axis: irAxis(form, axis) }, '', sizes.length);
  parts.forEach((part, j) => ctx.finish(j, part, form, { exactInput: dataInput }));
}

const split: OpConverter = (ctx) => {
  const dims = ctx.dims(1);
  const [given] = ctx.ints(0, 'axis');
  const axis = axisOf(ctx, given ?? 0, dims.length);
  const count = ctx.op.outputs.length;
  if (count < 1 || dims[axis]! % count !== 0) ctx.fail(`axis ${axis} of size ${dims[axis]} does not split into ${count} equal pieces`);
  splitInto(ctx, 1, axis, new Array<number>(count).fill(dims[axis]! / count));
};

const splitV: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const [given] = ctx.ints(2, 'axis');
  const axis = axisOf(ctx, given ?? 0, dims.length);
  const sizes = ctx.ints(1, 'size_splits');
  const unknown = sizes.filter((s) => s === -1).length;
  const known = sizes.filter((s) => s !== -1).reduce((a, b) => a + b, 0);
  if (unknown > 1 || sizes.some((s) => s < -1) || (unknown === 0 ? known !== dims[axis] : known > dims[axis]!)) {
    ctx.fail(`size_splits [${sizes.join(', ')}] do not fit axis ${axis} of size ${dims[axis]}`);
  }
  splitInto(ctx, 0, axis, sizes.map((s) => (s === -1 ? dims[axis]! - known : s)));
};

const tile: OpConverter = (ctx) => {
  const rank = ctx.rank(0);
  const multiples = ctx.ints(1, 'multiples');
  if (multiples.length !== rank) ctx.fail(`${multiples.length} multiples for rank ${rank}`);
  const { name, form } = ctx.readPreferred(0);
  ctx.finish(0, ctx.node1('Tile', [name, ctx.int64s(permuteDims(multiples, form))]), form, { exactInput: 0 });
};

export const reshapeConverters: Record<string, OpConverter> = {
  RESHAPE: reshape,
  SQUEEZE: squeeze,
  EXPAND_DIMS: expandDims,
  TRANSPOSE: transpose,
  CONCATENATION: concatenation,
  PACK: pack,
  UNPACK: unpack,
  SPLIT: split,
  SPLIT_V: splitV,
  TILE: tile,
};
