/**
 * Convolutions and pooling: NHWC activations read in NCHW form, filters transposed into ONNX's layouts once at
 * conversion (CONV_2D OHWI → OIHW, DEPTHWISE_CONV_2D 1HWC → C1HW with group = input channels, TRANSPOSE_CONV
 * OHWI → IOHW), SAME/VALID padding turned into explicit pads exactly as TFLite computes them.
 */
import { Padding } from '../schema.js';
import { NCHW } from '../layout.js';
import type { OpContext } from '../op-context.js';
import type { OpConverter } from './registry.js';

const Conv2DOptions = { padding: 0, stride_w: 1, stride_h: 2, fused_activation_function: 3, dilation_w_factor: 4, dilation_h_factor: 5 };
const DepthwiseConv2DOptions = {
  padding: 0, stride_w: 1, stride_h: 2, depth_multiplier: 3, fused_activation_function: 4, dilation_w_factor: 5, dilation_h_factor: 6,
};
const Pool2DOptions = { padding: 0, stride_w: 1, stride_h: 2, filter_width: 3, filter_height: 4, fused_activation_function: 5 };
const TransposeConvOptions = { padding: 0, stride_w: 1, stride_h: 2, fused_activation_function: 3 };

interface Window {
  padding: number;
  strides: [number, number];
  dilations: [number, number];
}

/**
 * TFLite's padding for a window over `size` input positions: SAME keeps ceil(size / stride) outputs and puts
 * the odd padding element at the end; VALID pads nothing.
 */
export function samePadding(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** ONNX pads [h_begin, w_begin, h_end, w_end] for an NHWC input of `dims` and an [KH, KW] window. */
function pads(ctx: OpContext, window: Window, inputDims: readonly number[], kernel: readonly [number, number]): number[] {
  if (window.padding === Padding.VALID) return [0, 0, 0, 0];
  if (window.padding !== Padding.SAME) ctx.fail(`unknown padding ${window.padding}`);
  const [top, bottom] = samePadding(inputDims[1]!, kernel[0], window.strides[0], window.dilations[0]);
  const [left, right] = samePadding(inputDims[2]!, kernel[1], window.strides[1], window.dilations[1]);
  return [top, left, bottom, right];
}

function positive(ctx: OpContext, values: number[], what: string): [number, number] {
  if (values.some((v) => !Number.isInteger(v) || v < 1)) ctx.fail(`${what} must be positive, got [${values.join(', ')}]`);
  return values as [number, number];
}

function require4d(ctx: OpContext, i: number, what: string): number[] {
  const dims = ctx.dims(i);
  if (dims.length !== 4) ctx.fail(`${what} must be 4-D, got [${dims.join(', ')}]`);
  return dims;
}

/** The optional bias input (1-D, one value per output channel), or '' when omitted. */
function bias(ctx: OpContext, i: number): string {
  return ctx.has(i) ? ctx.read(i, [0]) : '';
}

const conv2d: OpConverter = (ctx) => {
  const o = ctx.options;
  const input = require4d(ctx, 0, 'the input');
  const filter = require4d(ctx, 1, 'the filter');
  const window: Window = {
    padding: o.int8(Conv2DOptions.padding, 'padding'),
    strides: positive(ctx, [o.int32(Conv2DOptions.stride_h, 'stride_h'), o.int32(Conv2DOptions.stride_w, 'stride_w')], 'strides'),
    dilations: positive(ctx, [o.int32(Conv2DOptions.dilation_h_factor, 'dilation_h_factor', 1), o.int32(Conv2DOptions.dilation_w_factor, 'dilation_w_factor', 1)], 'dilations'),
  };
  const channels = input[3]!;
  const perGroup = filter[3]!;
  if (perGroup < 1 || channels % perGroup !== 0) ctx.fail(`filter input channels ${perGroup} do not divide input channels ${channels}`);
  const kernel: [number, number] = [filter[1]!, filter[2]!];
  const output = ctx.node1('Conv', [ctx.read(0, NCHW), ctx.read(1, NCHW), bias(ctx, 2)], {
    kernel_shape: kernel,
    strides: window.strides,
    dilations: window.dilations,
    pads: pads(ctx, window, input, kernel),
    group: channels / perGroup,
  });
  ctx.finish(0, output, NCHW, { activation: o.int8(Conv2DOptions.fused_activation_function, 'fused_activation_function') });
};

const depthwiseConv2d: OpConverter = (ctx) => {
  const o = ctx.options;
  const input = require4d(ctx, 0, 'the input');
  const filter = require4d(ctx, 1, 'the filter');
  const window: Window = {
    padding: o.int8(DepthwiseConv2DOptions.padding, 'padding'),
    strides: positive(ctx, [o.int32(DepthwiseConv2DOptions.stride_h, 'stride_h'), o.int32(DepthwiseConv2DOptions.stride_w, 'stride_w')], 'strides'),
    dilations: positive(ctx, [o.int32(DepthwiseConv2DOptions.dilation_h_factor, 'dilation_h_factor', 1), o.int32(DepthwiseConv2DOptions.dilation_w_factor, 'dilation_w_factor', 1)], 'dilations'),
  };
  // Output channel o reads input channel floor(o / multiplier): ONNX's grouped conv with one group per input channel.
  // depth_multiplier is redundant with the shapes (newer converters write 0 or omit it), so the shapes decide.
  const [channels, outChannels] = [input[3]!, filter[3]!];
  if (filter[0] !== 1 || channels < 1 || outChannels % channels !== 0) {
    ctx.fail(`filter [${filter.join(', ')}] does not fit ${channels} input channels`);
  }
  const perm = [3, 0, 1, 2]; // [1, KH, KW, C·M] → [C·M, 1, KH, KW]
  const weights = ctx.constant(1) ? ctx.read(1, perm) : ctx.node1('Transpose', [ctx.read(1, [0, 1, 2, 3])], { perm }, 'weights');
  const kernel: [number, number] = [filter[1]!, filter[2]!];
  const output = ctx.node1('Conv', [ctx.read(0, NCHW), weights, bias(ctx, 2)], {
    kernel_shape: kernel,
    strides: window.strides,
    dilations: window.dilations,
    pads: pads(ctx, window, input, kernel),
    group: channels,
  });
  ctx.finish(0, output, NCHW, { activation: o.int8(DepthwiseConv2DOptions.fused_activation_function, 'fused_activation_function') });
};

const transposeConv: OpConverter = (ctx) => {
  const o = ctx.options;
  const outputShape = ctx.ints(0, 'output_shape');
  const filter = require4d(ctx, 1, 'the filter');
  const input = require4d(ctx, 2, 'the input');
  if (outputShape.length !== 4) ctx.fail(`output_shape must have 4 values, got [${outputShape.join(', ')}]`);
  if (filter[3] !== input[3]) ctx.fail(`filter [${filter.join(', ')}] does not fit ${input[3]} input channels`);
  const strides = positive(ctx, [o.int32(TransposeConvOptions.stride_h, 'stride_h'), o.int32(TransposeConvOptions.stride_w, 'stride_w')], 'strides');
  const padding = o.int8(TransposeConvOptions.padding, 'padding');
  const kernel: [number, number] = [filter[1]!, filter[2]!];
  // TFLite pads as a forward conv over the *output* would, and writes output position in·stride − pad_begin + k.
  // ONNX's size formula stride·(in − 1) + output_padding + k − begin − end must then give the declared size.
  const begins: number[] = [];
  const ends: number[] = [];
  const outputPadding: number[] = [];
  for (let axis = 0; axis < 2; axis++) {
    const out = outputShape[axis + 1]!;
    const [begin] = padding === Padding.SAME ? samePadding(out, kernel[axis]!, strides[axis]!, 1) : [0];
    const excess = strides[axis]! * (input[axis + 1]! - 1) + kernel[axis]! - begin! - out;
    begins.push(begin!);
    ends.push(Math.max(excess, 0));
    outputPadding.push(Math.max(-excess, 0));
  }
  const perm = [3, 0, 1, 2]; // OHWI → IOHW
  const weights = ctx.constant(1) ? ctx.read(1, perm) : ctx.node1('Transpose', [ctx.read(1, [0, 1, 2, 3])], { perm }, 'weights');
  const output = ctx.node1('ConvTranspose', [ctx.read(2, NCHW), weights, ctx.inputCount > 3 ? bias(ctx, 3) : ''], {
    kernel_shape: kernel,
    strides,
    pads: [...begins, ...ends],
    output_padding: outputPadding,
  });
  ctx.finish(0, output, NCHW, { activation: o.int8(TransposeConvOptions.fused_activation_function, 'fused_activation_function') });
};

function pool(op: 'AveragePool' | 'MaxPool'): OpConverter {
  return (ctx) => {
    const o = ctx.options;
    const input = require4d(ctx, 0, 'the input');
    const kernel = positive(ctx, [o.int32(Pool2DOptions.filter_height, 'filter_height'), o.int32(Pool2DOptions.filter_width, 'filter_width')], 'filter size');
    const window: Window = {
      padding: o.int8(Pool2DOptions.padding, 'padding'),
      strides: positive(ctx, [o.int32(Pool2DOptions.stride_h, 'stride_h'), o.int32(Pool2DOptions.stride_w, 'stride_w')], 'strides'),
      dilations: [1, 1],
    };
    // TFLite averages only the window positions inside the input (count_include_pad = 0).
    const attrs = { kernel_shape: kernel, strides: window.strides, pads: pads(ctx, window, input, kernel) };
    const output = ctx.node1(op, [ctx.read(0, NCHW)], attrs);
    const activation = o.int8(Pool2DOptions.fused_activation_function, 'fused_activation_function');
    ctx.finish(0, output, NCHW, { activation, exactInput: op === 'MaxPool' && activation === 0 ? 0 : undefined });
  };
}

export const convConverters: Record<string, OpConverter> = {
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwiseConv2d,
  TRANSPOSE_CONV: transposeConv,
  AVERAGE_POOL_2D: pool('AveragePool'),
  MAX_POOL_2D: pool('MaxPool'),
};
