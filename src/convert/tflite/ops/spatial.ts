/**
 * Spatial operators on NHWC activations, run in NCHW form: RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR,
 * DEPTH_TO_SPACE, SPACE_TO_DEPTH, LOCAL_RESPONSE_NORMALIZATION.
 *
 * TFLite's resize coordinates map onto ONNX Resize modes:
 *   bilinear: align_corners → 'align_corners'; half_pixel_centers → 'half_pixel' (TFLite clamps the source
 *             coordinate to the edge, as ONNX's linear mode does); neither → 'asymmetric'.
 *   nearest:  neither → 'asymmetric' + floor; align_corners → 'align_corners' + round half up (TFLite's round
 *             of a non-negative coordinate); half_pixel_centers → 'tf_half_pixel_for_nn' + floor.
 */
import type { Attrs } from '../../../ir/graph.js';
import { NCHW } from '../layout.js';
import { type OpContext, sameParameters } from '../op-context.js';
import type { OpConverter } from './registry.js';

const ResizeBilinearOptions = { new_height: 0, new_width: 1, align_corners: 2, half_pixel_centers: 3 };
const ResizeNearestNeighborOptions = { align_corners: 0, half_pixel_centers: 1 };
const BlockOptions = { block_size: 0 }; // SpaceToDepthOptions, DepthToSpaceOptions
const LocalResponseNormalizationOptions = { radius: 0, bias: 1, alpha: 2, beta: 3 };

function resize(ctx: OpContext, mode: 'linear' | 'nearest', coordinates: string, nearest = 'floor'): void {
  const dims = ctx.dims(0);
  if (dims.length !== 4) ctx.fail(`the input must be 4-D, got [${dims.join(', ')}]`);
  const size = ctx.ints(1, 'size');
  if (size.length !== 2 || size.some((s) => !Number.isInteger(s) || s < 1)) ctx.fail(`size must be two positive values, got [${size.join(', ')}]`);
  const sizes = ctx.int64s([dims[0]!, dims[3]!, size[0]!, size[1]!]);
  const attrs = { mode, coordinate_transformation_mode: coordinates, nearest_mode: nearest };
  const input = ctx.inputQuantization(0);
  const output = ctx.outputQuantization(0);
  if (mode === 'linear' && input && output && sameParameters(input, output)) {
    // TFLite interpolates the stored integers and rounds half up (XNNPACK's (acc + 2^21) >> 22 on Q11 weights):
    // 2× upsampling produces exact ties, which QuantizeLinear after a float resize would round to even.
    const interpolated = ctx.node1('Resize', [ctx.integerDomain(0, ctx.read(0, NCHW), 1), '', '', sizes], attrs);
    return ctx.finishRoundedHalfUp(0, interpolated, NCHW);
  }
  ctx.finish(0, ctx.node1('Resize', [ctx.read(0, NCHW), '', '', sizes], attrs), NCHW, { exactInput: mode === 'nearest' ? 0 : undefined });
}

const resizeBilinear: OpConverter = (ctx) => {
  const alignCorners = ctx.options.bool(ResizeBilinearOptions.align_corners, 'align_corners');
  const halfPixel = ctx.options.bool(ResizeBilinearOptions.half_pixel_centers, 'half_pixel_centers');
  if (alignCorners && halfPixel) ctx.unsupported('align_corners together with half_pixel_centers is not supported');
  resize(ctx, 'linear', alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric');
};

const resizeNearest: OpConverter = (ctx) => {
  const alignCorners = ctx.options.bool(ResizeNearestNeighborOptions.align_corners, 'align_corners');
  const halfPixel = ctx.options.bool(ResizeNearestNeighborOptions.half_pixel_centers, 'half_pixel_centers');
  if (alignCorners && halfPixel) ctx.unsupported('align_corners together with half_pixel_centers is not supported');
  if (alignCorners) return resize(ctx, 'nearest', 'align_corners', 'round_prefer_ceil');
  resize(ctx, 'nearest', halfPixel ? 'tf_half_pixel_for_nn' : 'asymmetric', 'floor');
};

/** TensorFlow's depth_to_space orders the block before the channels: ONNX's DCR mode. */
function block(op: 'DepthToSpace' | 'SpaceToDepth'): OpConverter {
  return (ctx) => {
    const blocksize = ctx.options.int32(BlockOptions.block_size, 'block_size');
    if (blocksize < 1) ctx.fail(`block_size must be positive, got ${blocksize}`);
    if (ctx.rank(0) !== 4) ctx.fail(`the input must be 4-D, got [${ctx.dims(0).join(', ')}]`);
    const attrs: Attrs = op === 'DepthToSpace' ? { blocksize, mode: 'DCR' } : { blocksize };
    ctx.finish(0, ctx.node1(op, [ctx.read(0, NCHW)], attrs), NCHW, { exactInput: 0 });
  };
}

/** TFLite sums squares over channels c − radius … c + radius and scales by alpha; ONNX divides alpha by the size. */
const localResponseNormalization: OpConverter = (ctx) => {
  const o = ctx.options;
  if (ctx.rank(0) !== 4) ctx.fail(`the input must be 4-D, got [${ctx.dims(0).join(', ')}]`);
  const size = 2 * o.int32(LocalResponseNormalizationOptions.radius, 'radius') + 1;
  const output = ctx.node1('LRN', [ctx.read(0, NCHW)], {
    size,
    alpha: o.float32(LocalResponseNormalizationOptions.alpha, 'alpha') * size,
    beta: o.float32(LocalResponseNormalizationOptions.beta, 'beta'),
    bias: o.float32(LocalResponseNormalizationOptions.bias, 'bias'),
  });
  ctx.finish(0, output, NCHW);
};

export const spatialConverters: Record<string, OpConverter> = {
  RESIZE_BILINEAR: resizeBilinear,
  RESIZE_NEAREST_NEIGHBOR: resizeNearest,
  DEPTH_TO_SPACE: block('DepthToSpace'),
  SPACE_TO_DEPTH: block('SpaceToDepth'),
  LOCAL_RESPONSE_NORMALIZATION: localResponseNormalization,
};
