/**
 * Layers that combine, split or reshape blobs: Eltwise, Concat, Slice, Split, Flatten, Reshape, Permute, Softmax; and
 * the table lookups Embed and Parameter.
 */
import type { Dim } from '../../../ir/graph.js';
import type { LayerContext } from '../builder.js';
import type { BlobShape, EltwiseParameter, ScalarParameters } from '../messages.js';
import { scalar } from './activation.js';

function normalizeAxis(ctx: LayerContext, axis: number, rank: number, what = 'axis'): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) throw ctx.fail(`${what} ${axis} is out of range for an input of rank ${rank}`);
  return normalized;
}

/** SUM (optionally weighted by `coeff`), PROD or MAX of all bottoms. */
export function eltwise(ctx: LayerContext): void {
  const p = ctx.param<EltwiseParameter>('eltwise');
  const operation = p.operation ?? 'SUM';
  const coefficients = p.coeff ?? [];
  const output = ctx.outputs[0]!;
  if (coefficients.length > 0 && operation !== 'SUM') throw ctx.fail(`coeff is only allowed with operation SUM, not ${operation}`);
  if (coefficients.length > 0 && coefficients.length !== ctx.inputs.length) {
    throw ctx.fail(`${coefficients.length} coeff values for ${ctx.inputs.length} bottoms`);
  }
  if (operation === 'MAX') {
    ctx.node('Max', [...ctx.inputs], [output]);
    return;
  }
  if (operation === 'PROD') {
    let value = ctx.inputs[0]!;
    for (let i = 1; i < ctx.inputs.length; i++) {
      const last = i === ctx.inputs.length - 1;
      value = ctx.node('Mul', [value, ctx.inputs[i]!], [last ? output : ctx.temp('product')], {}, i === 1 ? undefined : `mul_${i}`)[0]!;
    }
    return;
  }
  const weights = ctx.inputs.map((_, i) => coefficients[i] ?? 1);
  if (weights.length === 2 && weights[0] === 1 && weights[1] === -1) {
    ctx.node('Sub', [...ctx.inputs], [output]);
    return;
  }
  const terms = ctx.inputs.map((input, i) =>
    weights[i] === 1 ? input : ctx.node('Mul', [input, scalar(ctx, `coeff_${i}`, weights[i]!)], [ctx.temp(`term_${i}`)], {}, `coeff_${i}`)[0]!,
  );
  ctx.node(terms.length === 2 ? 'Add' : 'Sum', terms, [output]);
}

export function concat(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('concat');
  if (p.concat_dim !== undefined && p.axis !== undefined) throw ctx.fail('give axis or the legacy concat_dim, not both');
  const axis = (p.concat_dim as number | undefined) ?? (p.axis as number | undefined) ?? 1;
  ctx.node('Concat', [...ctx.inputs], [...ctx.outputs], { axis: normalizeAxis(ctx, axis, ctx.dims(0).length) });
}

/** Slice at `slice_point`s (ascending), or into equal parts without them. */
export function slice(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('slice');
  if (p.slice_dim !== undefined && p.axis !== undefined) throw ctx.fail('give axis or the legacy slice_dim, not both');
  const dims = ctx.dims(0);
  const axis = normalizeAxis(ctx, (p.slice_dim as number | undefined) ?? (p.axis as number | undefined) ?? 1, dims.length);
  const size = dims[axis]!;
  const points = (p.slice_point as number[] | undefined) ?? [];
  const parts = ctx.outputs.length;
  if (parts === 1) {
    ctx.node('Identity', [ctx.inputs[0]!], [...ctx.outputs]);
    return;
  }
  if (points.length === 0) {
    if (typeof size === 'number' && size % parts !== 0) throw ctx.fail(`axis ${axis} of size ${size} does not split into ${parts} equal parts`);
    ctx.node('Split', [ctx.inputs[0]!], [...ctx.outputs], { axis });
    return;
  }
  if (points.length !== parts - 1) throw ctx.fail(`${points.length} slice_point values for ${parts} tops (need ${parts - 1})`);
  if (typeof size !== 'number') throw ctx.unsupported(`needs the size of axis ${axis}, got [${dims}]`);
  const bounds = [0, ...points, size];
  const sizes = bounds.slice(1).map((bound, i) => bound - bounds[i]!);
  if (sizes.some((s) => s <= 0)) throw ctx.fail(`slice_point [${points}] must increase within (0, ${size})`);
  ctx.node('Split', [ctx.inputs[0]!, ctx.int64s('sizes', sizes)], [...ctx.outputs], { axis });
}

/** Split copies its bottom to every top: no node, the tops name the same tensor. */
export function split(ctx: LayerContext): void {
  ctx.outputs.forEach((_, i) => ctx.alias(i, ctx.inputs[0]!));
}

/** Reshape to `shape` with dims that must be known (those that shift position) or copied with ONNX's 0. */
function reshapeTo(ctx: LayerContext, head: number[], middle: number[], tail: Dim[], tailShifts: boolean): void {
  if (tailShifts && tail.some((d) => typeof d !== 'number')) throw ctx.unsupported(`needs known trailing dims, got [${ctx.dims(0)}]`);
  const shape = [...head, ...middle, ...tail.map((d) => (tailShifts ? (d as number) : 0))];
  ctx.node('Reshape', [ctx.inputs[0]!, ctx.int64s('shape', shape)], [ctx.outputs[0]!]);
}

/** Flatten axes axis..end_axis into one; ONNX's Flatten only when that leaves [N, rest]. */
export function flatten(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('flatten');
  const dims = ctx.dims(0);
  const start = normalizeAxis(ctx, (p.axis as number | undefined) ?? 1, dims.length);
  const end = normalizeAxis(ctx, (p.end_axis as number | undefined) ?? -1, dims.length, 'end_axis');
  if (end < start) throw ctx.fail(`end_axis ${end} comes before axis ${start}`);
  if (start === 1 && end === dims.length - 1) {
    ctx.node('Flatten', [ctx.inputs[0]!], [ctx.outputs[0]!], { axis: 1 });
    return;
  }
  reshapeTo(ctx, new Array<number>(start).fill(0), [-1], dims.slice(end + 1), end !== start);
}

/**
 * Caffe's Reshape replaces axes [axis, axis + num_axes) by `shape` (0 copies the input dim at that place, −1 is
 * inferred) — ONNX's Reshape with 0 for the untouched leading axes; trailing axes are copied too when they keep
 * their position, else written out.
 */
export function reshape(ctx: LayerContext): void {
  const p = ctx.param<{ shape?: BlobShape; axis?: number; num_axes?: number }>('reshape');
  const dims = ctx.dims(0);
  const shape = p.shape?.dim ?? [];
  const axis = p.axis ?? 0;
  const start = axis < 0 ? axis + dims.length + 1 : axis;
  const numAxes = p.num_axes ?? -1;
  const end = numAxes === -1 ? dims.length : start + numAxes;
  if (start < 0 || start > dims.length || numAxes < -1 || end > dims.length) {
    throw ctx.fail(`axis ${axis} and num_axes ${numAxes} do not fit an input of rank ${dims.length}`);
  }
  if (shape.some((d) => d < -1) || shape.filter((d) => d === -1).length > 1) throw ctx.fail(`shape [${shape}] may hold one -1 and no other negative value`);
  reshapeTo(ctx, new Array<number>(start).fill(0), shape, dims.slice(end), shape.length !== end - start);
}

/** Permute's `order` lists the leading axes; the rest follow in their order. */
export function permute(ctx: LayerContext): void {
  const rank = ctx.dims(0).length;
  const order = (ctx.param<ScalarParameters>('permute').order as number[] | undefined) ?? [];
  if (order.some((axis) => axis >= rank) || new Set(order).size !== order.length) {
    throw ctx.fail(`order [${order}] must list distinct axes below ${rank}`);
  }
  const perm = [...order, ...Array.from({ length: rank }, (_, i) => i).filter((axis) => !order.includes(axis))];
  ctx.node('Transpose', [ctx.inputs[0]!], [ctx.outputs[0]!], { perm });
}

export function softmax(ctx: LayerContext): void {
  const axis = (ctx.param<ScalarParameters>('softmax').axis as number | undefined) ?? 1;
  ctx.node('Softmax', [ctx.inputs[0]!], [ctx.outputs[0]!], { axis: normalizeAxis(ctx, axis, ctx.dims(0).length) });
}

/** Embed: rows of the [input_dim, num_output] weights picked by the (float-valued) indices, plus the bias. */
export function embed(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('embed');
  const outputs = p.num_output as number | undefined;
  const inputDim = p.input_dim as number | undefined;
  if (!outputs || !inputDim) throw ctx.fail('embed_param needs num_output and input_dim');
  const weights = ctx.constant('weights', ctx.blob(0, [inputDim, outputs], 'weights'));
  const indices = ctx.node('Cast', [ctx.inputs[0]!], [ctx.temp('indices')], { to: 'int64' }, 'indices')[0]!;
  if (!((p.bias_term as boolean | undefined) ?? true)) {
    ctx.node('Gather', [weights, indices], [ctx.outputs[0]!], { axis: 0 });
    return;
  }
  const rows = ctx.node('Gather', [weights, indices], [ctx.temp('rows')], { axis: 0 }, 'gather')[0]!;
  ctx.node('Add', [rows, ctx.constant('bias', ctx.blob(1, [outputs], 'bias'))], [ctx.outputs[0]!]);
}

/** Parameter: a learned blob of parameter_param's shape as the top (no bottom). */
export function parameter(ctx: LayerContext): void {
  const shape = ctx.param<{ shape?: BlobShape }>('parameter').shape?.dim ?? [];
  ctx.alias(0, ctx.constant('value', ctx.blob(0, shape, 'value')));
}
