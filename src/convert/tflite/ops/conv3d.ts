/**
 * CONV_3D and CONV_3D_TRANSPOSE. CONV_3D: NDHWC activations transposed to NCDHW around one IR Conv (3 spatial axes), the filter
 * [KD, KH, KW, I, O] transposed to [O, I, KD, KH, KW] once at conversion; SAME padding as TFLite computes it
 * (the odd element at the end), groups from the filter's input channels.
 */
import { transposeConstant } from '../context.js';
import { nativeForm } from '../layout.js';
import { Padding } from '../schema.js';
import type { OpConverter } from './registry.js';
import { samePadding } from './conv.js';

const Conv3DOptions = {
  padding: 0, stride_d: 1, stride_w: 2, stride_h: 3, fused_activation_function: 4, dilation_d_factor: 5, dilation_w_factor: 6, dilation_h_factor: 7,
};

const conv3d: OpConverter = (ctx) => {
  const o = ctx.options;
  const input = ctx.dims(0);
  const filter = ctx.dims(1);
  if (input.length !== 5 || filter.length !== 5) ctx.fail(`input and filter must be 5-D, got [${input.join(', ')}] and [${filter.join(', ')}]`);
  const strides = [o.int32(Conv3DOptions.stride_d, 'stride_d', 1), o.int32(Conv3DOptions.stride_h, 'stride_h', 1), o.int32(Conv3DOptions.stride_w, 'stride_w', 1)];
  const dilations = [
    o.int32(Conv3DOptions.dilation_d_factor, 'dilation_d_factor', 1),
    o.int32(Conv3DOptions.dilation_h_factor, 'dilation_h_factor', 1),
    o.int32(Conv3DOptions.dilation_w_factor, 'dilation_w_factor', 1),
  ];
  if ([...strides, ...dilations].some((v) => !Number.isInteger(v) || v < 1)) ctx.fail(`strides [${strides}] and dilations [${dilations}] must be positive`);
  const kernel = filter.slice(0, 3);
  const [channels, perGroup] = [input[4]!, filter[3]!];
  if (perGroup < 1 || channels % perGroup !== 0) ctx.fail(`filter input channels ${perGroup} do not divide input channels ${channels}`);
  const padding = o.int8(Conv3DOptions.padding, 'padding');
  if (padding !== Padding.SAME && padding !== Padding.VALID) ctx.fail(`unknown padding ${padding}`);
  const pairs = kernel.map((k, i) => (padding === Padding.SAME ? samePadding(input[i + 1]!, k, strides[i]!, dilations[i]!) : [0, 0]));
  const value = ctx.constant(1);
  const perm = [4, 3, 0, 1, 2];
  const weights = value
    ? ctx.converter.addConstant(`${ctx.nodeName}/weights`, transposeConstant(value, perm))
    : ctx.node1('Transpose', [ctx.read(1, nativeForm(5))], { perm }, 'weights');
  const ncdhw = ctx.node1('Transpose', [ctx.read(0, nativeForm(5))], { perm: [0, 4, 1, 2, 3] }, 'ncdhw');
  const output = ctx.node1('Conv', [ncdhw, weights, ctx.has(2) ? ctx.read(2, [0]) : ''], {
    kernel_shape: kernel,
    strides,
    dilations,
    pads: [...pairs.map((p) => p[0]!), ...pairs.map((p) => p[1]!)],
    group: channels / perGroup,
  });
  ctx.finishAnyForm(0, output, [0, 4, 1, 2, 3], { activation: o.int8(Conv3DOptions.fused_activation_function, 'fused_activation_function') });
};

/**
 * CONV_3D_TRANSPOSE (output_shape, filter [KD, KH, KW, O, I], input, bias?): ConvTranspose with the filter as
 * [I, O, KD, KH, KW]. TFLite pads as a forward conv over the declared output would (SAME puts the odd element at
 * the end) and writes output position in·stride − pad_begin + k·dilation; ONNX's size formula
 * stride·(in − 1) + output_padding + (k − 1)·dilation + 1 − begin − end must then give the declared size.
 */
const conv3dTranspose: OpConverter = (ctx) => {
  const o = ctx.options;
  const outputShape = ctx.ints(0, 'output_shape');
  const filter = ctx.dims(1);
  const input = ctx.dims(2);
  if (outputShape.length !== 5 || filter.length !== 5 || input.length !== 5) ctx.fail('output_shape, filter and input must describe 5-D tensors');
  if (filter[4] !== input[4] || filter[3] !== outputShape[4]) ctx.fail(`filter [${filter.join(', ')}] does not map ${input[4]} to ${outputShape[4]} channels`);
  const strides = [o.int32(Conv3DOptions.stride_d, 'stride_d', 1), o.int32(Conv3DOptions.stride_h, 'stride_h', 1), o.int32(Conv3DOptions.stride_w, 'stride_w', 1)];
  const dilations = [
    o.int32(Conv3DOptions.dilation_d_factor, 'dilation_d_factor', 1),
    o.int32(Conv3DOptions.dilation_h_factor, 'dilation_h_factor', 1),
    o.int32(Conv3DOptions.dilation_w_factor, 'dilation_w_factor', 1),
  ];
  if ([...strides, ...dilations].some((v) => !Number.isInteger(v) || v < 1)) ctx.fail(`strides [${strides}] and dilations [${dilations}] must be positive`);
  const padding = o.int8(Conv3DOptions.padding, 'padding');
  if (padding !== Padding.SAME && padding !== Padding.VALID) ctx.fail(`unknown padding ${padding}`);
  const kernel = filter.slice(0, 3);
  const [begins, ends, outputPadding] = [[] as number[], [] as number[], [] as number[]];
  kernel.forEach((k, axis) => {
    const out = outputShape[axis + 1]!;
    const [begin] = padding === Padding.SAME ? samePadding(out, k, strides[axis]!, dilations[axis]!) : [0];
    const excess = strides[axis]! * (input[axis + 1]! - 1) + (k - 1) * dilations[axis]! + 1 - begin! - out;
    begins.push(begin!);
    ends.push(Math.max(excess, 0));
    outputPadding.push(Math.max(-excess, 0));
  });
  const perm = [4, 3, 0, 1, 2];
  const value = ctx.constant(1);
  const weights = value
    ? ctx.converter.addConstant(`${ctx.nodeName}/weights`, transposeConstant(value, perm))
    : ctx.node1('Transpose', [ctx.read(1, nativeForm(5))], { perm }, 'weights');
  const ncdhw = ctx.node1('Transpose', [ctx.read(2, nativeForm(5))], { perm: [0, 4, 1, 2, 3] }, 'ncdhw');
  const output = ctx.node1('ConvTranspose', [ncdhw, weights, ctx.inputCount > 3 && ctx.has(3) ? ctx.read(3, [0]) : ''], {
    kernel_shape: kernel,
    strides,
    dilations,
    pads: [...begins, ...ends],
    output_padding: outputPadding,
  });
  ctx.finishAnyForm(0, output, [0, 4, 1, 2, 3], { activation: o.int8(Conv3DOptions.fused_activation_function, 'fused_activation_function') });
};

export const conv3dConverters: Record<string, OpConverter> = {
  CONV_3D: conv3d,
  CONV_3D_TRANSPOSE: conv3dTranspose,
};
