/**
 * MediaPipe's custom operators (selfie, hair and face segmentation models), as MediaPipe's TFLite kernels
 * (mediapipe/util/tflite/operations/) compute them. Their custom_options are not flexbuffers but the raw bytes of
 * a TFLite C struct, read by field position (little-endian int32s):
 *   Convolution2DTransposeBias: TfLiteTransposeConvParams {padding, stride_width, stride_height, …}
 *   MaxPoolingWithArgmax2D, MaxUnpooling2D: TfLitePoolParams {padding, stride_width, stride_height,
 *     filter_width, filter_height, activation, …}
 * with TfLitePadding 1 = SAME, 2 = VALID.
 *
 * Mappings onto IR ops:
 * - Convolution2DTransposeBias → ConvTranspose with bias. MediaPipe pads SAME by
 *   max(0, kernel − (in − 1) % stride − 1) in all, the smaller half first, and sizes the output to match.
 * - MaxPoolingWithArgmax2D → MaxPool with Indices. MediaPipe's indices are float32 positions *inside the window*,
 *   y·filter_width + x + 0.1 (the 0.1 makes float → int truncation safe); the IR's flat input offsets are turned
 *   into those with integer arithmetic against the window origins. Fused activations clamp the pooled values
 *   (RELU, RELU_N1_TO_1, RELU6; other codes clamp nothing, as TFLite's CalculateActivationRange).
 * - MaxUnpooling2D: output [N, H·filter_h, W·filter_w, C], zero except where input (y, x) writes its value at
 *   (y·stride_h − pad_h + ⌊k / filter_w⌋, x·stride_w − pad_w + k mod filter_w), k = trunc(index). When windows
 *   tile the output exactly (stride = filter, so pad = 0) that is a nearest upsampling masked by "k equals the
 *   position inside the window": Resize + Equal + Where, static and elementwise. Otherwise a ScatterElements into
 *   zeros; colliding writes share batch and channel, so the last one in TFLite's NHWC order is also the last in
 *   our NCHW order.
 */
import { Tensor } from '../../../../ir/tensor.js';
import { NCHW } from '../../layout.js';
import type { OpContext } from '../../op-context.js';
import { ActivationFunction } from '../../schema.js';
import type { OpConverter } from '../registry.js';

const TFLITE_PADDING_SAME = 1;
const TFLITE_PADDING_VALID = 2;

/** The first `count` int32 fields of the C struct in custom_options; BAD_MODEL when the bytes are too few. */
export function structInt32s(ctx: OpContext, count: number, struct: string): number[] {
  const bytes = ctx.op.customOptions;
  if (!bytes || bytes.length < 4 * count) {
    ctx.fail(`custom options must hold a ${struct} (${4 * count} bytes at least), got ${bytes?.length ?? 0} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
}

function require4d(ctx: OpContext, i: number, what: string): number[] {
  const dims = ctx.dims(i);
  if (dims.length !== 4) ctx.fail(`${what} must be 4-D, got [${dims.join(', ')}]`);
  return dims;
}

function positive(ctx: OpContext, values: number[], what: string): void {
  if (values.some((v) => !Number.isInteger(v) || v < 1)) ctx.fail(`${what} must be positive, got [${values.join(', ')}]`);
}

function knownPadding(ctx: OpContext, padding: number): void {
  if (padding !== TFLITE_PADDING_SAME && padding !== TFLITE_PADDING_VALID) ctx.fail(`unknown padding ${padding} (1 = SAME, 2 = VALID)`);
}

interface PoolParams {
  padding: number;
  strides: [number, number];
  filter: [number, number];
  activation: number;
}

function poolParams(ctx: OpContext): PoolParams {
  const [padding, strideWidth, strideHeight, filterWidth, filterHeight, activation] = structInt32s(ctx, 6, 'TfLitePoolParams');
  positive(ctx, [strideHeight!, strideWidth!], 'strides');
  positive(ctx, [filterHeight!, filterWidth!], 'filter size');
  return { padding: padding!, strides: [strideHeight!, strideWidth!], filter: [filterHeight!, filterWidth!], activation: activation! };
}

/** tflite::ComputePadding with dilation 1: the leading padding that centres `filter` windows over `size`. */
function leadingPadding(stride: number, size: number, filter: number, outSize: number): number {
  return Math.max(Math.trunc(((outSize - 1) * stride + filter - size) / 2), 0);
}

const convolution2dTransposeBias: OpConverter = (ctx) => {
  const [padding, strideWidth, strideHeight] = structInt32s(ctx, 3, 'TfLiteTransposeConvParams');
  knownPadding(ctx, padding!);
  positive(ctx, [strideHeight!, strideWidth!], 'strides');
  const input = require4d(ctx, 0, 'the input');
  const filter = require4d(ctx, 1, 'the filter');
  const bias = ctx.dims(2);
  if (filter[3] !== input[3]) ctx.fail(`filter [${filter.join(', ')}] does not fit ${input[3]} input channels`);
  if (bias.length !== 1 || bias[0] !== filter[0]) ctx.fail(`bias [${bias.join(', ')}] must hold one value per output channel (${filter[0]})`);
  const strides = [strideHeight!, strideWidth!];
  const kernel = [filter[1]!, filter[2]!];
  const total = [0, 1].map((axis) => (padding === TFLITE_PADDING_SAME ? Math.max(0, kernel[axis]! - ((input[axis + 1]! - 1) % strides[axis]!) - 1) : 0));
  const begins = total.map((t) => Math.floor(t / 2));
  const perm = [3, 0, 1, 2]; // OHWI → IOHW
  const weights = ctx.constant(1) ? ctx.read(1, perm) : ctx.node1('Transpose', [ctx.read(1, [0, 1, 2, 3])], { perm }, 'weights');
  const output = ctx.node1('ConvTranspose', [ctx.read(0, NCHW), weights, ctx.read(2, [0])], {
    kernel_shape: kernel,
    strides,
    pads: [...begins, ...total.map((t, axis) => t - begins[axis]!)],
  });
  ctx.finish(0, output, NCHW);
};

const maxPoolingWithArgmax2d: OpConverter = (ctx) => {
  const params = poolParams(ctx);
  knownPadding(ctx, params.padding);
  const input = require4d(ctx, 0, 'the input');
  const size = [input[1]!, input[2]!];
  const out = [0, 1].map((axis) => {
    const [s, f, n] = [params.strides[axis]!, params.filter[axis]!, size[axis]!];
    return params.padding === TFLITE_PADDING_SAME ? Math.ceil(n / s) : Math.floor((n - f + s) / s);
  });
  if (out.some((n) => n < 1)) ctx.fail(`a ${params.filter.join('×')} window does not fit the ${size.join('×')} input`);
  const begins = [0, 1].map((axis) => leadingPadding(params.strides[axis]!, size[axis]!, params.filter[axis]!, out[axis]!));
  const ends = [0, 1].map((axis) => Math.max(0, (out[axis]! - 1) * params.strides[axis]! + params.filter[axis]! - size[axis]! - begins[axis]!));
  const [pooled, flat] = ctx.node('MaxPool', [ctx.read(0, NCHW)], { kernel_shape: params.filter, strides: params.strides, pads: [...begins, ...ends] }, '', 2);
  // Flat NCHW offsets → (row, column) in the input plane → position inside the window.
  const [height, width] = size as [number, number];
  const int64 = (values: number[], dims: number[]) => ctx.converter.sharedConstant('int64', values, dims);
  const inPlane = ctx.node1('Mod', [flat!, int64([height * width], [])], {}, 'plane_offset');
  const row = ctx.node1('Div', [inPlane, int64([width], [])], {}, 'row');
  const column = ctx.node1('Mod', [inPlane, int64([width], [])], {}, 'column');
  const originY = int64(Array.from({ length: out[0]! }, (_, y) => y * params.strides[0]! - begins[0]!), [1, 1, out[0]!, 1]);
  const originX = int64(Array.from({ length: out[1]! }, (_, x) => x * params.strides[1]! - begins[1]!), [1, 1, 1, out[1]!]);
  const windowRow = ctx.node1('Sub', [row, originY], {}, 'window_row');
  const windowColumn = ctx.node1('Sub', [column, originX], {}, 'window_column');
  const position = ctx.node1('Add', [ctx.node1('Mul', [windowRow, int64([params.filter[1]], [])], {}, 'window_row_offset'), windowColumn], {}, 'window_position');
  const indices = ctx.node1('Add', [ctx.node1('Cast', [position], { to: 'float32' }, 'window_position_float'), ctx.scalar(0.1)], {}, 'indices');
  const activation = params.activation <= ActivationFunction.RELU6 && params.activation >= 0 ? params.activation : ActivationFunction.NONE;
  ctx.finish(0, pooled!, NCHW, { activation, exactInput: activation === ActivationFunction.NONE ? 0 : undefined });
  ctx.finish(1, indices, NCHW);
};

const maxUnpooling2d: OpConverter = (ctx) => {
  const params = poolParams(ctx);
  const input = require4d(ctx, 0, 'the input');
  const indexDims = require4d(ctx, 1, 'the indices');
  if (indexDims.some((d, i) => d !== input[i])) ctx.fail(`indices [${indexDims.join(', ')}] must have the input's shape [${input.join(', ')}]`);
  const [batch, height, width, channels] = input as [number, number, number, number];
  const [filterHeight, filterWidth] = params.filter;
  const [outHeight, outWidth] = [height * filterHeight, width * filterWidth];
  const values = ctx.read(0, NCHW);
  const indices = ctx.read(1, NCHW);
  // C's int conversion truncates toward zero, as Cast does.
  const toInt = (name: string, suffix: string) => ctx.node1('Cast', [name], { to: 'int32' }, suffix);
  if (params.strides[0] === filterHeight && params.strides[1] === filterWidth) {
    const scales = ctx.converter.sharedConstant('float32', [1, 1, filterHeight, filterWidth], [4]);
    const nearest = { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
    const upsampled = ctx.node1('Resize', [values, '', scales], nearest, 'upsampled');
    const upsampledPositions = toInt(ctx.node1('Resize', [indices, '', scales], nearest, 'upsampled_indices'), 'upsampled_positions');
    const grid = new Int32Array(outHeight * outWidth);
    for (let y = 0; y < outHeight; y++) for (let x = 0; x < outWidth; x++) grid[y * outWidth + x] = (y % filterHeight) * filterWidth + (x % filterWidth);
    const gridName = ctx.converter.addConstant(`${ctx.nodeName}/window_positions`, new Tensor('int32', grid, [1, 1, outHeight, outWidth]));
    const chosen = ctx.node1('Equal', [upsampledPositions, gridName], {}, 'chosen');
    ctx.finish(0, ctx.node1('Where', [chosen, upsampled, ctx.scalar(0)]), NCHW);
    return;
  }
  const positions = toInt(indices, 'positions');
  const pads = [leadingPadding(params.strides[0]!, outHeight, filterHeight, height), leadingPadding(params.strides[1]!, outWidth, filterWidth, width)];
  const int32 = (data: number[], dims: number[]) => ctx.converter.sharedConstant('int32', data, dims);
  const row = ctx.node1('Add', [ctx.node1('Div', [positions, int32([filterWidth], [])], {}, 'window_row'), int32(Array.from({ length: height }, (_, y) => y * params.strides[0]! - pads[0]!), [1, 1, height, 1])], {}, 'row');
  const column = ctx.node1('Add', [ctx.node1('Mod', [positions, int32([filterWidth], [])], {}, 'window_column'), int32(Array.from({ length: width }, (_, x) => x * params.strides[1]! - pads[1]!), [1, 1, 1, width])], {}, 'column');
  const plane = Array.from({ length: batch * channels }, (_, i) => i * outHeight * outWidth);
  const planeBase = ctx.converter.addConstant(`${ctx.nodeName}/plane_offsets`, new Tensor('int64', BigInt64Array.from(plane, BigInt), [batch, channels, 1, 1]));
  const inPlane = ctx.node1('Add', [ctx.node1('Mul', [row, int32([outWidth], [])], {}, 'row_offset'), column], {}, 'plane_offset');
  const target = ctx.node1('Add', [ctx.node1('Cast', [inPlane], { to: 'int64' }, 'plane_offset_int64'), planeBase], {}, 'target');
  const flat = (name: string, suffix: string) => ctx.node1('Reshape', [name, ctx.int64s([-1])], {}, suffix);
  const zeros = ctx.node1('ConstantOfShape', [ctx.int64s([batch * channels * outHeight * outWidth])], { value: new Tensor('float32', [0], [1]) }, 'zeros');
  const scattered = ctx.node1('ScatterElements', [zeros, flat(target, 'flat_target'), flat(values, 'flat_values')], { axis: 0 }, 'scattered');
  ctx.finish(0, ctx.node1('Reshape', [scattered, ctx.int64s([batch, channels, outHeight, outWidth])]), NCHW);
};

export const mediapipeConverters: Record<string, OpConverter> = {
  Convolution2DTransposeBias: convolution2dTransposeBias,
  MaxPoolingWithArgmax2D: maxPoolingWithArgmax2d,
  MaxUnpooling2D: maxUnpooling2d,
};
