/**
 * Layers that crop, resize or rearrange a blob: Crop (FCN), Interp (DeepLab / PSPNet), ShuffleChannel (ShuffleNet
 * forks), Tile.
 */
import type { LayerContext } from '../builder.js';
import type { ScalarParameters } from '../messages.js';

function normalizeAxis(ctx: LayerContext, axis: number, rank: number): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) throw ctx.fail(`axis ${axis} is out of range for an input of rank ${rank}`);
  return normalized;
}

/**
 * Crop bottom 0 to the shape of bottom 1 on every axis from `axis` on (default 2), starting at `offset`: none
 * (0), one value for all those axes, or one per axis.
 */
export function crop(ctx: LayerContext): void {
  const p = ctx.param<{ axis?: number; offset?: number[] }>('crop');
  const dims = ctx.knownDims(0);
  const reference = ctx.dims(1);
  if (reference.length !== dims.length) throw ctx.fail(`bottoms have ranks ${dims.length} and ${reference.length}; they must match`);
  const start = normalizeAxis(ctx, p.axis ?? 2, dims.length);
  const axes = Array.from({ length: dims.length - start }, (_, i) => start + i);
  const given = p.offset ?? [];
  if (given.length > 1 && given.length !== axes.length) throw ctx.fail(`${given.length} offsets for ${axes.length} cropped axes (give 0, 1 or ${axes.length})`);
  const offsets = axes.map((_, i) => (given.length === 0 ? 0 : given.length === 1 ? given[0]! : given[i]!));
  const sizes = axes.map((axis) => {
    const size = reference[axis];
    if (typeof size !== 'number') throw ctx.unsupported(`needs the size of axis ${axis} of bottom '${ctx.layer.bottoms[1]}', got [${reference}]`);
    return size;
  });
  axes.forEach((axis, i) => {
    if (offsets[i]! + sizes[i]! > dims[axis]!) throw ctx.fail(`crop of ${sizes[i]} at offset ${offsets[i]} exceeds axis ${axis} of size ${dims[axis]}`);
  });
  const ends = offsets.map((offset, i) => offset + sizes[i]!);
  ctx.node('Slice', [ctx.inputs[0]!, ctx.int64s('starts', offsets), ctx.int64s('ends', ends), ctx.int64s('axes', axes)], [ctx.outputs[0]!]);
}

interface InterpParameter {
  height?: number;
  width?: number;
  zoom_factor?: number;
  shrink_factor?: number;
  pad_beg?: number;
  pad_end?: number;
}

/**
 * Interp: bilinear resize with aligned corners (Caffe's caffe_cpu_interp2: source = dest · (in − 1) / (out − 1)) of
 * the input cropped by the non-positive pad_beg / pad_end. The output size is, in the order DeepLab's layer checks
 * it: bottom 1's spatial size; shrink only: (in − 1) / shrink + 1; zoom only: in + (in − 1)(zoom − 1); height and
 * width; shrink then zoom.
 */
export function interp(ctx: LayerContext): void {
  const p = ctx.param<InterpParameter>('interp');
  const dims = ctx.knownDims(0);
  if (dims.length !== 4) throw ctx.fail(`Interp needs a 4-D input, got [${dims}]`);
  const [padBegin, padEnd] = [p.pad_beg ?? 0, p.pad_end ?? 0];
  if (padBegin > 0 || padEnd > 0) throw ctx.unsupported(`positive pad_beg / pad_end (${padBegin}, ${padEnd}) are not supported (Caffe only crops)`);
  const effective = [dims[2]! + padBegin + padEnd, dims[3]! + padBegin + padEnd];
  if (effective.some((size) => size < 1)) throw ctx.fail(`pad_beg ${padBegin} and pad_end ${padEnd} leave nothing of [${dims}]`);
  const zoom = (size: number, factor: number) => size + (size - 1) * (factor - 1);
  const shrink = (size: number, factor: number) => Math.floor((size - 1) / factor) + 1;
  for (const [name, value] of [['zoom_factor', p.zoom_factor], ['shrink_factor', p.shrink_factor]] as const) {
    if (value !== undefined && value < 1) throw ctx.fail(`${name} must be positive, got ${value}`);
  }
  let size: number[];
  if (ctx.inputs.length === 2) {
    if (p.zoom_factor !== undefined || p.shrink_factor !== undefined || p.height !== undefined || p.width !== undefined) {
      throw ctx.fail('a second bottom gives the output size; zoom_factor, shrink_factor, height and width must be absent');
    }
    const reference = ctx.knownDims(1);
    if (reference.length !== 4) throw ctx.fail(`the size bottom must be 4-D, got [${reference}]`);
    size = [reference[2]!, reference[3]!];
  } else if (p.shrink_factor !== undefined && p.zoom_factor === undefined) {
    size = effective.map((s) => shrink(s, p.shrink_factor!));
  } else if (p.zoom_factor !== undefined && p.shrink_factor === undefined) {
    size = effective.map((s) => zoom(s, p.zoom_factor!));
  } else if (p.height !== undefined && p.width !== undefined) {
    size = [p.height, p.width];
  } else if (p.shrink_factor !== undefined && p.zoom_factor !== undefined) {
    size = effective.map((s) => zoom(shrink(s, p.shrink_factor!), p.zoom_factor!));
  } else {
    throw ctx.fail('needs zoom_factor, shrink_factor, height and width, or a second bottom for the output size');
  }
  if (size.some((s) => !Number.isInteger(s) || s < 1)) throw ctx.fail(`output size [${size}] must be positive`);
  let input = ctx.inputs[0]!;
  if (padBegin < 0 || padEnd < 0) {
    const starts = [-padBegin, -padBegin];
    const ends = [dims[2]! + padEnd, dims[3]! + padEnd];
    input = ctx.node('Slice', [input, ctx.int64s('starts', starts), ctx.int64s('ends', ends), ctx.int64s('axes', [2, 3])], [ctx.temp('cropped')], {}, 'crop')[0]!;
  }
  const sizes = ctx.int64s('sizes', [dims[0]!, dims[1]!, size[0]!, size[1]!]);
  ctx.node('Resize', [input, '', '', sizes], [ctx.outputs[0]!], { mode: 'linear', coordinate_transformation_mode: 'align_corners' });
}

/** ShuffleChannel: channels viewed as [group, C / group] and transposed to [C / group, group]. */
export function shuffleChannel(ctx: LayerContext): void {
  const group = (ctx.param<ScalarParameters>('shuffle_channel').group as number | undefined) ?? 1;
  const dims = ctx.knownDims(0);
  if (dims.length < 2) throw ctx.fail(`ShuffleChannel needs an input of rank ≥ 2, got [${dims}]`);
  const channels = dims[1]!;
  if (group < 1 || channels % group !== 0) throw ctx.fail(`group ${group} does not divide ${channels} channels`);
  const rest = dims.slice(2);
  const split = ctx.node('Reshape', [ctx.inputs[0]!, ctx.int64s('split', [dims[0]!, group, channels / group, ...rest])], [ctx.temp('split')], {}, 'split')[0]!;
  const perm = [0, 2, 1, ...rest.map((_, i) => 3 + i)];
  const moved = ctx.node('Transpose', [split], [ctx.temp('shuffled')], { perm }, 'shuffle')[0]!;
  ctx.node('Reshape', [moved, ctx.int64s('shape', dims)], [ctx.outputs[0]!]);
}

/** Tile: `tiles` copies along `axis` (default 1). */
export function tile(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('tile');
  const rank = ctx.dims(0).length;
  const axis = normalizeAxis(ctx, (p.axis as number | undefined) ?? 1, rank);
  const tiles = p.tiles as number | undefined;
  if (tiles === undefined || !Number.isInteger(tiles) || tiles < 1) throw ctx.fail(`tile_param needs a positive tiles, got ${tiles}`);
  const repeats = Array.from({ length: rank }, (_, i) => (i === axis ? tiles : 1));
  ctx.node('Tile', [ctx.inputs[0]!, ctx.int64s('repeats', repeats)], [ctx.outputs[0]!]);
}

/**
 * Upsample (darknet2caffe's YOLO ports): nearest-neighbour enlargement by `scale` (or scale_h / scale_w). SegNet's
 * two-bottom form (unpooling with the pooling mask) is not supported.
 */
export function upsample(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('upsample');
  if (ctx.inputs.length !== 1) throw ctx.unsupported('the two-bottom Upsample (unpooling with a mask) is not supported');
  const dims = ctx.knownDims(0);
  if (dims.length !== 4) throw ctx.fail(`Upsample needs a 4-D input, got [${dims}]`);
  const scale = (p.scale as number | undefined) ?? 1;
  const [scaleH, scaleW] = [(p.scale_h as number | undefined) ?? scale, (p.scale_w as number | undefined) ?? scale];
  if (![scaleH, scaleW].every((v) => Number.isInteger(v) && v >= 1)) throw ctx.fail(`scales must be positive integers, got ${scaleH} × ${scaleW}`);
  const sizes = ctx.int64s('sizes', [dims[0]!, dims[1]!, dims[2]! * scaleH, dims[3]! * scaleW]);
  ctx.node('Resize', [ctx.inputs[0]!, '', '', sizes], [ctx.outputs[0]!], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
}

/** Axpy (SENet ports): a · x + y with a [N, C, 1, 1] per channel. */
export function axpy(ctx: LayerContext): void {
  const [a, x, y] = ctx.inputs as [string, string, string];
  const product = ctx.node('Mul', [a, x], [ctx.temp('product')], {}, 'scale')[0]!;
  ctx.node('Add', [product, y], [ctx.outputs[0]!]);
}
