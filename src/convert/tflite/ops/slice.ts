/**
 * Selecting and padding: SLICE, STRIDED_SLICE, GATHER, GATHER_ND, PAD, PADV2, MIRROR_PAD. Shapes are static, so
 * STRIDED_SLICE's masks are resolved here into one plain Slice per input axis (plus a Reshape for shrunk or new
 * axes), following TensorFlow's rules for begin/end/ellipsis/new-axis/shrink masks.
 */
import { type Form, irAxis, nativeForm, permuteDims } from '../layout.js';
import type { OpContext } from '../op-context.js';
import { MirrorPadMode } from '../schema.js';
import type { OpConverter } from './registry.js';
import { axisOf } from './common.js';

const StridedSliceOptions = { begin_mask: 0, end_mask: 1, ellipsis_mask: 2, new_axis_mask: 3, shrink_axis_mask: 4, offset: 5 };
const GatherOptions = { axis: 0, batch_dims: 1 };
const MirrorPadOptions = { mode: 0 };

/** One Slice over every IR axis of `name` in `form`, from per-TFLite-axis starts/ends/steps. */
function sliceNode(ctx: OpContext, name: string, form: Form, starts: number[], ends: number[], steps: number[]): string {
  return ctx.node1('Slice', [
    name,
    ctx.int64s(permuteDims(starts, form)),
    ctx.int64s(permuteDims(ends, form)),
    ctx.int64s(form.map((_, i) => i)),
    ctx.int64s(permuteDims(steps, form)),
  ]);
}

const slice: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const begin = ctx.ints(1, 'begin');
  const size = ctx.ints(2, 'size');
  if (begin.length !== dims.length || size.length !== dims.length) ctx.fail(`begin/size must have ${dims.length} values`);
  const ends = begin.map((b, axis) => (size[axis] === -1 ? dims[axis]! : b + size[axis]!));
  begin.forEach((b, axis) => {
    if (b < 0 || ends[axis]! < b || ends[axis]! > dims[axis]!) ctx.fail(`slice [${b}, ${ends[axis]}) is out of range for axis ${axis} of size ${dims[axis]}`);
  });
  const { name, form } = ctx.readPreferred(0);
  ctx.finish(0, sliceNode(ctx, name, form, begin, ends, dims.map(() => 1)), form, { exactInput: 0 });
};

interface StridedSpec {
  starts: number[];
  ends: number[];
  steps: number[];
  /** TFLite dims of the result, after shrinking and inserting new axes. */
  outputDims: number[];
  /** Whether the result is the plain per-axis slice (no ellipsis, new or shrunk axes). */
  plain: boolean;
}

const bit = (mask: number, i: number) => ((mask >> i) & 1) === 1;

/** TensorFlow's strided-slice semantics over static dims. */
export function stridedSliceSpec(ctx: OpContext, dims: readonly number[], begin: number[], end: number[], strides: number[], masks: Record<keyof typeof StridedSliceOptions, number>): StridedSpec {
  const n = begin.length;
  if (end.length !== n || strides.length !== n) ctx.fail('begin, end and strides must have the same length');
  const ellipses = Array.from({ length: n }, (_, i) => bit(masks.ellipsis_mask, i)).filter(Boolean).length;
  if (ellipses > 1) ctx.fail('more than one ellipsis');
  const newAxes = Array.from({ length: n }, (_, i) => bit(masks.new_axis_mask, i) && !bit(masks.ellipsis_mask, i)).filter(Boolean).length;
  const consumed = n - ellipses - newAxes;
  if (consumed > dims.length) ctx.fail(`${consumed} sliced axes for rank ${dims.length}`);
  const spec: StridedSpec = { starts: [], ends: [], steps: [], outputDims: [], plain: ellipses === 0 && newAxes === 0 && masks.shrink_axis_mask === 0 };
  const full = (axis: number) => {
    spec.starts.push(0);
    spec.ends.push(dims[axis]!);
    spec.steps.push(1);
    spec.outputDims.push(dims[axis]!);
  };
  let axis = 0;
  for (let i = 0; i < n; i++) {
    if (bit(masks.ellipsis_mask, i)) {
      for (let k = 0; k < dims.length - consumed; k++) full(axis++);
      continue;
    }
    if (bit(masks.new_axis_mask, i)) {
      spec.outputDims.push(1);
      continue;
    }
    const size = dims[axis]!;
    const stride = strides[i]!;
    if (stride === 0) ctx.fail('strides must not be 0');
    if (bit(masks.shrink_axis_mask, i)) {
      const index = begin[i]! < 0 ? begin[i]! + size : begin[i]!;
      if (index < 0 || index >= size) ctx.fail(`index ${begin[i]} is out of range for axis ${axis} of size ${size}`);
      spec.starts.push(index);
      spec.ends.push(index + 1);
      spec.steps.push(1);
      axis++;
      continue;
    }
    // Clamped to [0, size] going forward and to [−1, size − 1] going backward (−1 = before the first element).
    const [low, high] = stride > 0 ? [0, size] : [-1, size - 1];
    const clamp = (value: number) => Math.min(high, Math.max(low, value < 0 ? value + size : value));
    const start = bit(masks.begin_mask, i) ? (stride > 0 ? 0 : size - 1) : clamp(begin[i]!);
    const rawEnd = masks.offset ? begin[i]! + end[i]! : end[i]!;
    const stop = bit(masks.end_mask, i) ? (stride > 0 ? size : -1) : clamp(rawEnd);
    const length = stride > 0 ? Math.max(0, Math.ceil((stop - start) / stride)) : Math.max(0, Math.ceil((start - stop) / -stride));
    spec.starts.push(start);
    // ONNX reads a negative end as counting from the back; −size − 1 clamps to "before the first element".
    spec.ends.push(stop === -1 ? -size - 1 : stop);
    spec.steps.push(stride);
    spec.outputDims.push(length);
    axis++;
  }
  while (axis < dims.length) full(axis++);
  return spec;
}

const stridedSlice: OpConverter = (ctx) => {
  const o = ctx.options;
  const dims = ctx.dims(0);
  const masks = {
    begin_mask: o.int32(StridedSliceOptions.begin_mask, 'begin_mask'),
    end_mask: o.int32(StridedSliceOptions.end_mask, 'end_mask'),
    ellipsis_mask: o.int32(StridedSliceOptions.ellipsis_mask, 'ellipsis_mask'),
    new_axis_mask: o.int32(StridedSliceOptions.new_axis_mask, 'new_axis_mask'),
    shrink_axis_mask: o.int32(StridedSliceOptions.shrink_axis_mask, 'shrink_axis_mask'),
    offset: o.bool(StridedSliceOptions.offset, 'offset') ? 1 : 0,
  };
  const spec = stridedSliceSpec(ctx, dims, ctx.ints(1, 'begin'), ctx.ints(2, 'end'), ctx.ints(3, 'strides'), masks);
  if (spec.plain) {
    const { name, form } = ctx.readPreferred(0);
    return ctx.finish(0, sliceNode(ctx, name, form, spec.starts, spec.ends, spec.steps), form, { exactInput: 0 });
  }
  const form = nativeForm(dims.length);
  const sliced = sliceNode(ctx, ctx.read(0, form), form, spec.starts, spec.ends, spec.steps);
  const output = ctx.node1('Reshape', [sliced, ctx.int64s(spec.outputDims)], {}, 'reshape');
  ctx.finish(0, output, nativeForm(spec.outputDims.length), { exactInput: 0 });
};

const gather: OpConverter = (ctx) => {
  const rank = ctx.rank(0);
  const axis = axisOf(ctx, ctx.options.int32(GatherOptions.axis, 'axis'), rank);
  const givenBatch = ctx.options.int32(GatherOptions.batch_dims, 'batch_dims');
  const batchDims = givenBatch < 0 ? givenBatch + ctx.rank(1) : givenBatch;
  if (batchDims !== 0) return gatherBatched(ctx, axis, batchDims);
  const indices = ctx.read(1, nativeForm(ctx.rank(1)));
  // With 1-D indices the output keeps the data's rank and axis order, so any form works.
  const { name, form } = ctx.rank(1) === 1 ? ctx.readPreferred(0) : { name: ctx.read(0, nativeForm(rank)), form: nativeForm(rank) };
  const output = ctx.node1('Gather', [name, indices], { axis: irAxis(form, axis) });
  ctx.finish(0, output, ctx.rank(1) === 1 ? form : nativeForm(rank - 1 + ctx.rank(1)), { exactInput: 0 });
};

/**
 * GATHER with batch_dims b: output = data.shape[:axis] + indices.shape[b:] + data.shape[axis + 1:]. GatherND with
 * batch_dims b gathers along axis b, so the data's axis moves there first ([B, A, M, R] from [B, M, A, R]) and the
 * gathered index axes move back behind M afterwards.
 */
function gatherBatched(ctx: OpContext, axis: number, batchDims: number): void {
  const dims = ctx.dims(0);
  const indexDims = ctx.dims(1);
  if (batchDims < 0 || batchDims > axis || batchDims > indexDims.length || indexDims.slice(0, batchDims).some((d, i) => d !== dims[i])) {
    ctx.fail(`batch_dims ${batchDims} does not fit data [${dims.join(', ')}], indices [${indexDims.join(', ')}] and axis ${axis}`);
  }
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  let data = ctx.read(0, nativeForm(dims.length));
  if (axis > batchDims) data = ctx.node1('Transpose', [data], { perm: [...range(0, batchDims), axis, ...range(batchDims, axis), ...range(axis + 1, dims.length)] }, 'axis_first');
  let indices = ctx.read(1, nativeForm(indexDims.length));
  if (ctx.converter.graph.tensor(indices).type !== 'int64') indices = ctx.node1('Cast', [indices], { to: 'int64' }, 'indices');
  const column = ctx.node1('Unsqueeze', [indices, ctx.int64s([indexDims.length])], {}, 'column');
  let output = ctx.node1('GatherND', [data, column], { batch_dims: batchDims }, axis > batchDims ? 'gather' : '');
  const [gathered, middle] = [indexDims.length - batchDims, axis - batchDims];
  const outputRank = dims.length - 1 + gathered;
  if (middle > 0 && gathered > 0) {
    const perm = [...range(0, batchDims), ...range(batchDims + gathered, batchDims + gathered + middle), ...range(batchDims, batchDims + gathered), ...range(batchDims + gathered + middle, outputRank)];
    output = ctx.node1('Transpose', [output], { perm });
  }
  ctx.finish(0, output, nativeForm(outputRank), { exactInput: 0 });
}

const gatherNd: OpConverter = (ctx) => {
  const output = ctx.node1('GatherND', [ctx.read(0, nativeForm(ctx.rank(0))), ctx.read(1, nativeForm(ctx.rank(1)))]);
  const rank = ctx.converter.irDims(output).length;
  ctx.finish(0, output, nativeForm(rank), { exactInput: 0 });
};

/** ONNX pads (all begins, then all ends) for IR axes in `form`, from TFLite's [rank, 2] paddings. */
function padsFor(ctx: OpContext, rank: number, form: Form): number[] {
  const paddings = ctx.ints(1, 'paddings');
  if (paddings.length !== 2 * rank || paddings.some((p) => p < 0)) ctx.fail(`paddings [${paddings.join(', ')}] do not fit rank ${rank}`);
  const begins = form.map((axis) => paddings[2 * axis]!);
  const ends = form.map((axis) => paddings[2 * axis + 1]!);
  return [...begins, ...ends];
}

const pad: OpConverter = (ctx) => {
  const { name, form } = ctx.readPreferred(0);
  const pads = ctx.int64s(padsFor(ctx, ctx.rank(0), form));
  // PAD fills with 0 (the zero point, for quantized tensors); PADV2 with its scalar third input.
  const value = ctx.inputCount > 2 && ctx.has(2) ? ctx.read(2, nativeForm(ctx.rank(2))) : '';
  const constant = value !== '' && ctx.rank(2) !== 0 ? ctx.node1('Reshape', [value, ctx.int64s([])], {}, 'value') : value;
  ctx.finish(0, ctx.node1('Pad', [name, pads, constant], { mode: 'constant' }), form, { exactInput: value === '' ? 0 : undefined });
};

/** REFLECT excludes the border element (ONNX 'reflect'); SYMMETRIC repeats it, built from reversed slices. */
const mirrorPad: OpConverter = (ctx) => {
  const { name, form } = ctx.readPreferred(0);
  const rank = ctx.rank(0);
  const pads = padsFor(ctx, rank, form);
  const mode = ctx.options.int8(MirrorPadOptions.mode, 'mode');
  if (mode === MirrorPadMode.REFLECT) return ctx.finish(0, ctx.node1('Pad', [name, ctx.int64s(pads)], { mode: 'reflect' }), form, { exactInput: 0 });
  if (mode !== MirrorPadMode.SYMMETRIC) ctx.fail(`unknown mirror pad mode ${mode}`);
  let result = name;
  const irDims = ctx.converter.irDims(name);
  for (let axis = 0; axis < rank; axis++) {
    const [before, after] = [pads[axis]!, pads[rank + axis]!];
    const size = irDims[axis]!;
    if (before > size || after > size) ctx.fail(`symmetric padding ${Math.max(before, after)} exceeds axis size ${size}`);
    if (before === 0 && after === 0) continue;
    const reversed = (start: number, end: number, suffix: string) =>
      ctx.node1('Slice', [result, ctx.int64s([start]), ctx.int64s([end]), ctx.int64s([axis]), ctx.int64s([-1])], {}, suffix);
    const parts = [
      ...(before > 0 ? [reversed(before - 1, -size - 1, `before_${axis}`)] : []),
      result,
      ...(after > 0 ? [reversed(size - 1, after === size ? -size - 1 : size - 1 - after, `after_${axis}`)] : []),
    ];
    result = ctx.node1('Concat', parts, { axis }, `pad_${axis}`);
  }
  ctx.finish(0, result, form, { exactInput: 0 });
};

export const sliceConverters: Record<string, OpConverter> = {
  SLICE: slice,
  STRIDED_SLICE: stridedSlice,
  GATHER: gather,
  GATHER_ND: gatherNd,
  PAD: pad,
  PADV2: pad,
  MIRROR_PAD: mirrorPad,
};
