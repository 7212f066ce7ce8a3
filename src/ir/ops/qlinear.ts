/**
 * Quantized operators: 8-bit tensors in and out, int32 accumulation, fp32 requantization (reference/qlinear.ts).
 *
 *   QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?)      ONNX (opset 10); w per tensor or per
 *                                                                             output channel; B int32
 *   QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)        ONNX (opset 10); b per tensor or per
 *                                                                             column
 *   QGemm(A, a_scale, a_zp, B, b_scale, b_zp, C?, y_scale, y_zp)            onnxruntime's com.microsoft QGemm with
 *                                                                             a quantized output: Y = A·B' + C,
 *                                                                             transB, int32 C over N (alpha = 1)
 *   QLinearAdd / QLinearMul(A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp)  com.microsoft, broadcasting
 *   QLinearAveragePool(X, x_scale, x_zp, y_scale, y_zp)                     com.microsoft (NCHW), AveragePool attrs
 *   QLinearGlobalAveragePool(X, x_scale, x_zp, y_scale, y_zp)               com.microsoft (NCHW)
 *   QLinearConcat(Y_scale, Y_zp, X0, X0_scale, X0_zp, X1, …)                 com.microsoft, axis attr: inputs with
 *                                                                             the output's parameters copied, others
 *                                                                             requantized (Q(DQ(x)) in float32)
 *
 * Activations (x, a, y…) are int8 or uint8 with per-tensor parameters; the output type is its zero point's.
 * weblite makes them from QDQ graphs (DequantizeLinear → op → QuantizeLinear, as TFLite's quantized models and
 * ONNX QDQ models arrive) in src/passes/quantize/qdq-fuse.ts, for backends with integer kernels; shape inference
 * is the float op's (ops/nn.ts, ops/elementwise.ts).
 */
import { WebliteError } from '../../errors.js';
import type { DType } from '../dtype.js';
import type { Attrs } from '../graph.js';
import type { InferContext, OpSpec, ReferenceContext, TensorFacts } from '../op-spec.js';
import type { Tensor } from '../tensor.js';
import { elementwiseOps } from './elementwise.js';
import { movementOps } from './movement.js';
import { nnOps } from './nn.js';
import {
  QLINEAR_TYPES, qlinearAveragePool, qlinearBinary, qlinearConcat, qlinearConv, qlinearMatMul,
} from '../reference/qlinear.js';
import { required } from '../reference/util.js';

const label = (op: string, nodeName: string) => `node '${nodeName}' (${op})`;

function fail(op: string, ctx: InferContext, message: string): never {
  throw new WebliteError('BAD_MODEL', `${label(op, ctx.nodeName)}: ${message}`);
}

/** Checks an 8-bit data input and its scale / zero point; returns the data facts. */
function quantizedInput(op: string, ctx: InferContext, data: number, name: string, perAxis = false): TensorFacts {
  const facts = ctx.inputs[data];
  if (!facts) fail(op, ctx, `input ${data} (${name}) is required`);
  if (!QLINEAR_TYPES.includes(facts.type)) fail(op, ctx, `${name} must be int8 or uint8, got ${facts.type}`);
  parameters(op, ctx, data + 1, name, facts.type, perAxis);
  return facts;
}

function parameters(op: string, ctx: InferContext, index: number, name: string, type: DType, perAxis: boolean): void {
  const scale = ctx.inputs[index];
  if (!scale) fail(op, ctx, `input ${index} (${name}_scale) is required`);
  if (scale.type !== 'float32') fail(op, ctx, `${name}_scale must be float32, got ${scale.type}`);
  const rank = scale.dims?.length;
  if (rank !== undefined && (rank > 1 || (!perAxis && rank === 1 && scale.dims![0] !== 1))) {
    fail(op, ctx, `${name}_scale must be a scalar${perAxis ? ' or 1-D' : ''}, got [${scale.dims!.join(', ')}]`);
  }
  const zeroPoint = ctx.inputs[index + 1];
  if (zeroPoint && zeroPoint.type !== type) fail(op, ctx, `${name}_zero_point must be ${type} like ${name}, got ${zeroPoint.type}`);
}

/** The output type: the output zero point's (uint8 when omitted, as ONNX). */
function outputType(op: string, ctx: InferContext, scaleIndex: number): DType {
  parameters(op, ctx, scaleIndex, 'y', ctx.inputs[scaleIndex + 1]?.type ?? 'uint8', false);
  const type = ctx.inputs[scaleIndex + 1]?.type ?? 'uint8';
  if (!QLINEAR_TYPES.includes(type)) fail(op, ctx, `the output zero point must be int8 or uint8, got ${type}`);
  return type;
}

/** Runs the float op's inference on float32 stand-ins for the quantized inputs (shape rules are the same). */
function floatShape(spec: OpSpec, ctx: InferContext, inputs: (TensorFacts | undefined)[]): TensorFacts {
  const asFloat = inputs.map((f) => f && { type: 'float32' as DType, dims: f.dims && [...f.dims] });
  return spec.infer({ ...ctx, inputs: asFloat, constant: () => undefined })[0]!;
}

const ints = (value: unknown): number[] => (value as number[] | undefined) ?? [];

function windowOf(attrs: Attrs) {
  return {
    autoPad: attrs.auto_pad as string,
    kernel: ints(attrs.kernel_shape),
    strides: ints(attrs.strides),
    dilations: ints(attrs.dilations),
    pads: ints(attrs.pads),
  };
}

const get = (inputs: (Tensor | undefined)[], i: number, op: string, ctx: ReferenceContext) => required(inputs, i, label(op, ctx.nodeName));

export const qlinearOps = {
  QLinearConv: {
    inputs: [8, 9],
    outputs: [1, 1],
    attrs: nnOps.Conv.attrs,
    infer(ctx) {
      const op = 'QLinearConv';
      const x = quantizedInput(op, ctx, 0, 'x');
      const w = quantizedInput(op, ctx, 3, 'w', true);
      const type = outputType(op, ctx, 6);
      const bias = ctx.inputs[8];
      if (bias && bias.type !== 'int32') fail(op, ctx, `B must be int32, got ${bias.type}`);
      return [{ type, dims: floatShape(nnOps.Conv, ctx, [x, w, bias]).dims }];
    },
    reference(inputs, attrs, ctx) {
      const op = 'QLinearConv';
      const where = label(op, ctx.nodeName);
      const conv = { ...windowOf(attrs), group: attrs.group as number };
      return [qlinearConv({
        x: get(inputs, 0, op, ctx), xScale: get(inputs, 1, op, ctx), xZeroPoint: inputs[2],
        w: get(inputs, 3, op, ctx), wScale: get(inputs, 4, op, ctx), wZeroPoint: inputs[5],
        yScale: get(inputs, 6, op, ctx), yZeroPoint: inputs[7], bias: inputs[8],
      }, conv, where)];
    },
  },
  QLinearMatMul: {
    inputs: [8, 8],
    outputs: [1, 1],
    attrs: {},
    infer(ctx) {
      const op = 'QLinearMatMul';
      const a = quantizedInput(op, ctx, 0, 'a');
      const b = quantizedInput(op, ctx, 3, 'b', true);
      const type = outputType(op, ctx, 6);
      return [{ type, dims: floatShape(nnOps.MatMul, ctx, [a, b]).dims }];
    },
    reference(inputs, _attrs, ctx) {
      const op = 'QLinearMatMul';
      return [qlinearMatMul({
        a: get(inputs, 0, op, ctx), aScale: get(inputs, 1, op, ctx), aZeroPoint: inputs[2],
        b: get(inputs, 3, op, ctx), bScale: get(inputs, 4, op, ctx), bZeroPoint: inputs[5],
        yScale: get(inputs, 6, op, ctx), yZeroPoint: inputs[7],
      }, false, label(op, ctx.nodeName))];
    },
  },
  QGemm: {
    inputs: [9, 9],
    outputs: [1, 1],
    attrs: {
      alpha: { type: 'float', default: 1 },
      transA: { type: 'int', default: 0 },
      transB: { type: 'int', default: 0 },
    },
    infer(ctx) {
      const op = 'QGemm';
      if (ctx.attrs.alpha !== 1) fail(op, ctx, `alpha must be 1, got ${String(ctx.attrs.alpha)}`);
      if (ctx.attrs.transA !== 0) fail(op, ctx, 'transA must be 0');
      const a = quantizedInput(op, ctx, 0, 'A');
      const b = quantizedInput(op, ctx, 3, 'B', true);
      const bias = ctx.inputs[6];
      if (bias && bias.type !== 'int32') fail(op, ctx, `C must be int32, got ${bias.type}`);
      const type = outputType(op, ctx, 7);
      const gemmCtx = { ...ctx, attrs: { alpha: 1, beta: 1, transA: 0, transB: ctx.attrs.transB as number } };
      return [{ type, dims: floatShape(nnOps.Gemm, gemmCtx, [a, b, bias]).dims }];
    },
    reference(inputs, attrs, ctx) {
      const op = 'QGemm';
      return [qlinearMatMul({
        a: get(inputs, 0, op, ctx), aScale: get(inputs, 1, op, ctx), aZeroPoint: inputs[2],
        b: get(inputs, 3, op, ctx), bScale: get(inputs, 4, op, ctx), bZeroPoint: inputs[5],
        bias: inputs[6], yScale: get(inputs, 7, op, ctx), yZeroPoint: inputs[8], transB: attrs.transB === 1,
      }, true, label(op, ctx.nodeName))];
    },
  },
  QLinearAdd: binarySpec('QLinearAdd', 'add'),
  QLinearMul: binarySpec('QLinearMul', 'mul'),
  QLinearAveragePool: {
    inputs: [4, 5],
    outputs: [1, 1],
    attrs: nnOps.AveragePool.attrs,
    infer(ctx) {
      const op = 'QLinearAveragePool';
      const x = quantizedInput(op, ctx, 0, 'x');
      const type = outputType(op, ctx, 3);
      return [{ type, dims: floatShape(nnOps.AveragePool, ctx, [x]).dims }];
    },
    reference(inputs, attrs, ctx) {
      const op = 'QLinearAveragePool';
      const window = { ...windowOf(attrs), ceilMode: attrs.ceil_mode === 1, countIncludePad: attrs.count_include_pad === 1 };
      return [qlinearAveragePool({
        x: get(inputs, 0, op, ctx), xScale: get(inputs, 1, op, ctx), xZeroPoint: inputs[2],
        yScale: get(inputs, 3, op, ctx), yZeroPoint: inputs[4],
      }, window, label(op, ctx.nodeName))];
    },
  },
  QLinearGlobalAveragePool: {
    inputs: [4, 5],
    outputs: [1, 1],
    attrs: {},
    infer(ctx) {
      const op = 'QLinearGlobalAveragePool';
      const x = quantizedInput(op, ctx, 0, 'x');
      const type = outputType(op, ctx, 3);
      return [{ type, dims: floatShape(nnOps.GlobalAveragePool, ctx, [x]).dims }];
    },
    reference(inputs, _attrs, ctx) {
      const op = 'QLinearGlobalAveragePool';
      return [qlinearAveragePool({
        x: get(inputs, 0, op, ctx), xScale: get(inputs, 1, op, ctx), xZeroPoint: inputs[2],
        yScale: get(inputs, 3, op, ctx), yZeroPoint: inputs[4],
      }, undefined, label(op, ctx.nodeName))];
    },
  },
  QLinearConcat: {
    inputs: [5, Infinity],
    outputs: [1, 1],
    attrs: movementOps.Concat.attrs,
    infer(ctx) {
      const op = 'QLinearConcat';
      if ((ctx.inputs.length - 2) % 3 !== 0) fail(op, ctx, `expects Y_scale, Y_zero_point and (X, X_scale, X_zero_point) triples, got ${ctx.inputs.length} inputs`);
      const type = outputType(op, ctx, 0);
      const parts: TensorFacts[] = [];
      for (let i = 2; i < ctx.inputs.length; i += 3) {
        const x = quantizedInput(op, ctx, i, `X${(i - 2) / 3}`);
        if (x.type !== type) fail(op, ctx, `input ${i} is ${x.type}, the output (its zero point's type) ${type}`);
        parts.push(x);
      }
      return [{ type, dims: floatShape(movementOps.Concat, ctx, parts).dims }];
    },
    reference(inputs, attrs, ctx) {
      const op = 'QLinearConcat';
      const parts = [];
      for (let i = 2; i < inputs.length; i += 3) parts.push({ x: get(inputs, i, op, ctx), scale: get(inputs, i + 1, op, ctx), zeroPoint: inputs[i + 2] });
      return [qlinearConcat(parts, get(inputs, 0, op, ctx), inputs[1], attrs.axis as number, ctx.nodeName)];
    },
  },
} satisfies Record<string, OpSpec>;

function binarySpec(op: 'QLinearAdd' | 'QLinearMul', kind: 'add' | 'mul'): OpSpec {
  return {
    inputs: [7, 8],
    outputs: [1, 1],
    attrs: {},
    infer(ctx) {
      const a = quantizedInput(op, ctx, 0, 'A');
      const b = quantizedInput(op, ctx, 3, 'B');
      const type = outputType(op, ctx, 6);
      return [{ type, dims: floatShape(elementwiseOps.Add, ctx, [a, b]).dims }];
    },
    reference(inputs, _attrs, ctx) {
      return [qlinearBinary(kind, {
        a: get(inputs, 0, op, ctx), aScale: get(inputs, 1, op, ctx), aZeroPoint: inputs[2],
        b: get(inputs, 3, op, ctx), bScale: get(inputs, 4, op, ctx), bZeroPoint: inputs[5],
        cScale: get(inputs, 6, op, ctx), cZeroPoint: inputs[7],
      }, label(op, ctx.nodeName))];
    },
  };
}
