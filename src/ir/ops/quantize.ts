/**
 * Linear quantization (ONNX semantics, opset 13 form with the opset-21 output_dtype):
 *
 *   QuantizeLinear(x, y_scale, y_zero_point?)    y = saturate(roundHalfToEven(x / y_scale) + y_zero_point)
 *   DequantizeLinear(x, x_scale, x_zero_point?)  y = (x − x_zero_point) · x_scale
 *
 * Scale and zero point are scalars (per-tensor) or 1-D along `axis` (per-axis, e.g. per output channel).
 * QuantizeLinear's output dtype is the zero point's, else `output_dtype` (a weblite dtype name), else uint8.
 * DequantizeLinear's output has the scale's dtype (float32, or float16). The references are reference/quantize.ts.
 */
import { WebliteError } from '../../errors.js';
import { type DType, isDType } from '../dtype.js';
import type { Dim } from '../graph.js';
import type { InferContext, OpSpec, TensorFacts } from '../op-spec.js';
import { normalizeAxis } from '../shape.js';
import {
  DEQUANTIZE_INPUT_TYPES, QUANTIZE_OUTPUT_TYPES, SCALE_TYPES, dequantizeLinear, quantizeLinear,
} from '../reference/quantize.js';
import { required } from '../reference/util.js';

const label = (op: string, nodeName: string) => `node '${nodeName}' (${op})`;

function fail(op: string, ctx: InferContext, message: string): never {
  throw new WebliteError('BAD_MODEL', `${label(op, ctx.nodeName)}: ${message}`);
}

function input(op: string, ctx: InferContext, i: number, name: string, allowed: readonly DType[]): TensorFacts {
  const facts = ctx.inputs[i];
  if (!facts) fail(op, ctx, `input ${i} (${name}) is required`);
  if (!allowed.includes(facts.type)) fail(op, ctx, `${name} must be one of ${allowed.join(', ')}, got ${facts.type}`);
  return facts;
}

/** Checks scale/zero_point against x: scalars, or 1-D of x's size along `axis`. */
function checkParameters(op: string, ctx: InferContext, x: TensorFacts, scale: TensorFacts, zeroPoint: TensorFacts | undefined): void {
  const rank = scale.dims?.length;
  if (rank !== undefined && rank > 1) fail(op, ctx, `scale must be a scalar or 1-D, got rank ${rank}`);
  if (zeroPoint?.dims && scale.dims && zeroPoint.dims.length === scale.dims.length && zeroPoint.dims.some((d, i) => d !== scale.dims![i])) {
    fail(op, ctx, `zero_point dims [${zeroPoint.dims.join(', ')}] differ from scale dims [${scale.dims.join(', ')}]`);
  }
  const length: Dim | undefined = rank === 1 ? scale.dims![0] : undefined;
  if (length === undefined || length === 1 || !x.dims) return;
  const axis = normalizeAxis(ctx.attrs.axis as number, x.dims.length, label(op, ctx.nodeName));
  const size = x.dims[axis]!;
  if (typeof size === 'number' && typeof length === 'number' && size !== length) {
    fail(op, ctx, `per-axis scale has ${length} elements, but axis ${axis} of x has size ${size}`);
  }
}

/** Blocked parameters: x's rank, x's dims except ceil(dim / block_size) along axis. */
function checkBlocked(op: string, ctx: InferContext, x: TensorFacts, scale: TensorFacts, zeroPoint: TensorFacts | undefined, blockSize: number): void {
  if (!x.dims || !scale.dims) return;
  const axis = normalizeAxis(ctx.attrs.axis as number, x.dims.length, label(op, ctx.nodeName));
  if (scale.dims.length !== x.dims.length) fail(op, ctx, `a blocked scale must have x's rank ${x.dims.length}, got [${scale.dims.join(', ')}]`);
  x.dims.forEach((d, i) => {
    const want = typeof d === 'number' && i === axis ? Math.ceil(d / blockSize) : d;
    const got = scale.dims![i];
    if (typeof want === 'number' && typeof got === 'number' && want !== got) {
      fail(op, ctx, `blocked scale dim ${i} is ${got}, expected ${want} (block_size ${blockSize} on axis ${axis} of [${x.dims!.join(', ')}])`);
    }
  });
  if (zeroPoint?.dims && (zeroPoint.dims.length !== scale.dims.length || zeroPoint.dims.some((d, i) => d !== scale.dims![i]))) {
    fail(op, ctx, `zero_point dims [${zeroPoint.dims.join(', ')}] differ from scale dims [${scale.dims.join(', ')}]`);
  }
}

function outputType(ctx: InferContext, zeroPoint: TensorFacts | undefined): DType {
  const declared = ctx.attrs.output_dtype as string;
  if (declared !== '') {
    if (!isDType(declared) || !QUANTIZE_OUTPUT_TYPES.includes(declared)) {
      fail('QuantizeLinear', ctx, `output_dtype '${declared}' is not one of ${QUANTIZE_OUTPUT_TYPES.join(', ')}`);
    }
    if (zeroPoint && zeroPoint.type !== declared) fail('QuantizeLinear', ctx, `output_dtype ${declared} differs from the zero point's ${zeroPoint.type}`);
    return declared;
  }
  return zeroPoint?.type ?? 'uint8';
}

export const quantizeOps = {
  QuantizeLinear: {
    inputs: [2, 3],
    outputs: [1, 1],
    attrs: { axis: { type: 'int', default: 1 }, output_dtype: { type: 'string', default: '' } },
    infer(ctx) {
      const op = 'QuantizeLinear';
      const x = input(op, ctx, 0, 'x', ['float32', 'float16']);
      const scale = input(op, ctx, 1, 'y_scale', SCALE_TYPES);
      const zeroPoint = ctx.inputs[2] ? input(op, ctx, 2, 'y_zero_point', QUANTIZE_OUTPUT_TYPES) : undefined;
      checkParameters(op, ctx, x, scale, zeroPoint);
      return [{ type: outputType(ctx, zeroPoint), dims: x.dims && [...x.dims] }];
    },
    reference(inputs, attrs, ctx) {
      const where = label('QuantizeLinear', ctx.nodeName);
      const [x, scale, zeroPoint] = [required(inputs, 0, where), required(inputs, 1, where), inputs[2]];
      const declared = attrs.output_dtype as string;
      const type = zeroPoint?.type ?? (isDType(declared) ? declared : 'uint8');
      return [quantizeLinear(x, scale, zeroPoint, attrs.axis as number, type, where)];
    },
  },
  DequantizeLinear: {
    inputs: [2, 3],
    outputs: [1, 1],
    attrs: {
      axis: { type: 'int', default: 1 },
      // ONNX opset 21: parameters per block of block_size elements along axis (0: per tensor or per axis).
      block_size: { type: 'int', default: 0 },
      // ONNX opset 23: the output's float type when it differs from the scale's ('' = the scale's).
      output_dtype: { type: 'string', default: '' },
    },
    infer(ctx) {
      const op = 'DequantizeLinear';
      const x = input(op, ctx, 0, 'x', DEQUANTIZE_INPUT_TYPES);
      const scale = input(op, ctx, 1, 'x_scale', SCALE_TYPES);
      const zeroPoint = ctx.inputs[2] ? input(op, ctx, 2, 'x_zero_point', [x.type]) : undefined;
      const blockSize = (ctx.attrs.block_size as number | undefined) ?? 0;
      if (!Number.isInteger(blockSize) || blockSize < 0) fail(op, ctx, `block_size must be a non-negative integer, got ${blockSize}`);
      if (blockSize > 0) checkBlocked(op, ctx, x, scale, zeroPoint, blockSize);
      else checkParameters(op, ctx, x, scale, zeroPoint);
      const declared = (ctx.attrs.output_dtype as string | undefined) ?? '';
      if (declared !== '' && declared !== 'float32' && declared !== 'float16') fail(op, ctx, `output_dtype must be float32 or float16, got '${declared}'`);
      return [{ type: declared === '' ? scale.type : (declared as DType), dims: x.dims && [...x.dims] }];
    },
    reference(inputs, attrs, ctx) {
      const where = label('DequantizeLinear', ctx.nodeName);
      const declared = (attrs.output_dtype as string | undefined) ?? '';
      const blockSize = (attrs.block_size as number | undefined) ?? 0;
      return [dequantizeLinear(required(inputs, 0, where), required(inputs, 1, where), inputs[2], attrs.axis as number, where, blockSize, declared === '' ? undefined : (declared as DType))];
    },
  },
} satisfies Record<string, OpSpec>;
