/**
 * L2_NORMALIZATION and L2_POOL_2D, composed from existing IR ops.
 *
 *   L2_NORMALIZATION: y = x / max(‖x‖₂, 1e-6) over the last axis — TFLite's kernel clamps the norm (not its square)
 *                     at epsilon 1e-6. In NCHW form the last TFLite axis is the IR channel axis.
 *   L2_POOL_2D:       y = sqrt(mean of x² over the window positions inside the input): AveragePool of x² with
 *                     count_include_pad = 0 (TFLite divides by the number of in-bounds positions), then Sqrt.
 */
import { irAxis, NCHW } from '../layout.js';
import { Padding } from '../schema.js';
import type { OpConverter } from './registry.js';
import { samePadding } from './conv.js';

const L2NormOptions = { fused_activation_function: 0 };
const Pool2DOptions = { padding: 0, stride_w: 1, stride_h: 2, filter_width: 3, filter_height: 4, fused_activation_function: 5 };
const EPSILON = 1e-6;

const l2Normalization: OpConverter = (ctx) => {
  const rank = ctx.rank(0);
  if (rank < 1) ctx.fail('the input must have rank ≥ 1');
  const { name, form } = ctx.readPreferred(0);
  const norm = ctx.node1('ReduceL2', [name, ctx.int64s([irAxis(form, rank - 1)])], { keepdims: 1 }, 'norm');
  const clamped = ctx.node1('Max', [norm, ctx.scalar(EPSILON)], {}, 'clamp');
  const activation = ctx.options.int8(L2NormOptions.fused_activation_function, 'fused_activation_function');
  ctx.finish(0, ctx.node1('Div', [name, clamped]), form, { activation });
};

const l2Pool: OpConverter = (ctx) => {
  const o = ctx.options;
  const dims = ctx.dims(0);
  if (dims.length !== 4) ctx.fail(`the input must be 4-D, got [${dims.join(', ')}]`);
  const kernel = [o.int32(Pool2DOptions.filter_height, 'filter_height'), o.int32(Pool2DOptions.filter_width, 'filter_width')];
  const strides = [o.int32(Pool2DOptions.stride_h, 'stride_h'), o.int32(Pool2DOptions.stride_w, 'stride_w')];
  if ([...kernel, ...strides].some((v) => !Number.isInteger(v) || v < 1)) ctx.fail(`filter [${kernel.join(', ')}] and strides [${strides.join(', ')}] must be positive`);
  const padding = o.int8(Pool2DOptions.padding, 'padding');
  if (padding !== Padding.SAME && padding !== Padding.VALID) ctx.fail(`unknown padding ${padding}`);
  const [top, bottom] = padding === Padding.SAME ? samePadding(dims[1]!, kernel[0]!, strides[0]!, 1) : [0, 0];
  const [left, right] = padding === Padding.SAME ? samePadding(dims[2]!, kernel[1]!, strides[1]!, 1) : [0, 0];
  const input = ctx.read(0, NCHW);
  const squared = ctx.node1('Mul', [input, input], {}, 'square');
  const mean = ctx.node1('AveragePool', [squared], { kernel_shape: kernel, strides, pads: [top, left, bottom, right], count_include_pad: 0 }, 'mean');
  const activation = o.int8(Pool2DOptions.fused_activation_function, 'fused_activation_function');
  ctx.finish(0, ctx.node1('Sqrt', [mean]), NCHW, { activation });
};

export const l2Converters: Record<string, OpConverter> = {
  L2_NORMALIZATION: l2Normalization,
  L2_POOL_2D: l2Pool,
};
