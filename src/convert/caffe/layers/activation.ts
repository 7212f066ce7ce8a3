/**
 * Elementwise layers: ReLU, ReLU6, PReLU, Sigmoid, TanH, ELU, AbsVal, BNLL, Clip, Power, Exp, Log, Threshold, Swish,
 * Mish, HardSwish, HardSigmoid, Dropout.
 */
import type { OpType } from '../../../ir/ops.js';
import { Tensor } from '../../../ir/tensor.js';
import type { LayerContext } from '../builder.js';
import type { ScalarParameters } from '../messages.js';

export function scalar(ctx: LayerContext, hint: string, value: number): string {
  return ctx.constant(hint, new Tensor('float32', Float32Array.of(value), []));
}

/**
 * `input` through binary ops with scalar constants, in order; the last step writes the layer's output (an Identity
 * when no step is left, e.g. Power with power 1, scale 1, shift 0).
 */
export function scalarSteps(ctx: LayerContext, input: string, steps: [op: OpType, value: number][], output = ctx.outputs[0]!): string {
  if (steps.length === 0) return ctx.node('Identity', [input], [output])[0]!;
  let value = input;
  steps.forEach(([op, constant], i) => {
    const last = i === steps.length - 1;
    const operand = scalar(ctx, op.toLowerCase(), constant);
    value = ctx.node(op, [value, operand], [last ? output : ctx.temp(op.toLowerCase())], {}, i === 0 ? undefined : op.toLowerCase())[0]!;
  });
  return value;
}

/** A layer that is one IR op on its single bottom. */
export const unary = (op: OpType) => (ctx: LayerContext) => void ctx.node(op, [ctx.inputs[0]!], [ctx.outputs[0]!]);

export function relu(ctx: LayerContext): void {
  const slope = (ctx.param<ScalarParameters>('relu').negative_slope as number | undefined) ?? 0;
  if (slope === 0) ctx.node('Relu', [ctx.inputs[0]!], [ctx.outputs[0]!]);
  else ctx.node('LeakyRelu', [ctx.inputs[0]!], [ctx.outputs[0]!], { alpha: slope });
}

/** PReLU's slope is per channel (axis 1), or one value with channel_shared; shaped [C, 1, …] to broadcast. */
export function prelu(ctx: LayerContext): void {
  const dims = ctx.dims(0);
  if (dims.length < 2) throw ctx.fail(`PReLU needs an input of rank ≥ 2, got [${dims}]`);
  const shared = (ctx.param<ScalarParameters>('prelu').channel_shared as boolean | undefined) ?? false;
  const channels = dims[1]!;
  if (!shared && typeof channels !== 'number') throw ctx.unsupported(`needs a known channel count, got [${dims}]`);
  const slopeDims = shared ? [1] : [channels as number, ...new Array<number>(dims.length - 2).fill(1)];
  const slope = ctx.constant('slope', ctx.blob(0, slopeDims, 'slopes'));
  ctx.node('PRelu', [ctx.inputs[0]!, slope], [ctx.outputs[0]!]);
}

export function elu(ctx: LayerContext): void {
  const alpha = (ctx.param<ScalarParameters>('elu').alpha as number | undefined) ?? 1;
  ctx.node('Elu', [ctx.inputs[0]!], [ctx.outputs[0]!], { alpha });
}

export function clip(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('clip');
  if (p.min === undefined || p.max === undefined) throw ctx.fail('clip_param needs min and max');
  ctx.node('Clip', [ctx.inputs[0]!, scalar(ctx, 'min', p.min as number), scalar(ctx, 'max', p.max as number)], [ctx.outputs[0]!]);
}

/** y = (shift + scale·x)^power. */
export function power(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('power');
  const exponent = (p.power as number | undefined) ?? 1;
  const scale = (p.scale as number | undefined) ?? 1;
  const shift = (p.shift as number | undefined) ?? 0;
  const steps: [OpType, number][] = [];
  if (scale !== 1) steps.push(['Mul', scale]);
  if (shift !== 0) steps.push(['Add', shift]);
  if (exponent !== 1) steps.push(['Pow', exponent]);
  scalarSteps(ctx, ctx.inputs[0]!, steps);
}

/** y = base^(shift + scale·x) = exp(ln(base)·shift + ln(base)·scale·x); base −1 means e. */
export function exp(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('exp');
  const base = (p.base as number | undefined) ?? -1;
  if (base !== -1 && !(base > 0)) throw ctx.fail(`base must be positive (or -1 for e), got ${base}`);
  const logBase = base === -1 ? 1 : Math.log(base);
  const scale = ((p.scale as number | undefined) ?? 1) * logBase;
  const shift = ((p.shift as number | undefined) ?? 0) * logBase;
  const steps: [OpType, number][] = [];
  if (scale !== 1) steps.push(['Mul', scale]);
  if (shift !== 0) steps.push(['Add', shift]);
  const exponent = steps.length === 0 ? ctx.inputs[0]! : scalarSteps(ctx, ctx.inputs[0]!, steps, ctx.temp('exponent'));
  ctx.node('Exp', [exponent], [ctx.outputs[0]!], {}, steps.length === 0 ? undefined : 'exp');
}

/** y = log_base(shift + scale·x) = ln(shift + scale·x) / ln(base); base −1 means e. */
export function log(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('log');
  const base = (p.base as number | undefined) ?? -1;
  if (base !== -1 && !(base > 0 && base !== 1)) throw ctx.fail(`base must be positive and not 1 (or -1 for e), got ${base}`);
  const scale = (p.scale as number | undefined) ?? 1;
  const shift = (p.shift as number | undefined) ?? 0;
  const steps: [OpType, number][] = [];
  if (scale !== 1) steps.push(['Mul', scale]);
  if (shift !== 0) steps.push(['Add', shift]);
  const argument = steps.length === 0 ? ctx.inputs[0]! : scalarSteps(ctx, ctx.inputs[0]!, steps, ctx.temp('argument'));
  if (base === -1) {
    ctx.node('Log', [argument], [ctx.outputs[0]!], {}, steps.length === 0 ? undefined : 'log');
    return;
  }
  const natural = ctx.node('Log', [argument], [ctx.temp('ln')], {}, 'log')[0]!;
  ctx.node('Mul', [natural, scalar(ctx, 'inverse_ln_base', 1 / Math.log(base))], [ctx.outputs[0]!], {}, 'base');
}

/** y = 1 where x > threshold, else 0 (strictly greater, as Caffe). */
export function threshold(ctx: LayerContext): void {
  const limit = (ctx.param<ScalarParameters>('threshold').threshold as number | undefined) ?? 0;
  const above = ctx.node('Greater', [ctx.inputs[0]!, scalar(ctx, 'threshold', limit)], [ctx.temp('above')], {}, 'compare')[0]!;
  ctx.node('Cast', [above], [ctx.outputs[0]!], { to: 'float32' });
}

/** ReLU6 (OpenCV, MobileNet forks): min(max(x, 0), 6). */
export function relu6(ctx: LayerContext): void {
  ctx.node('Clip', [ctx.inputs[0]!, scalar(ctx, 'min', 0), scalar(ctx, 'max', 6)], [ctx.outputs[0]!]);
}

/** Swish: x · sigmoid(β·x), β from swish_param (default 1). */
export function swish(ctx: LayerContext): void {
  const beta = (ctx.param<ScalarParameters>('swish').beta as number | undefined) ?? 1;
  const x = ctx.inputs[0]!;
  const scaled = beta === 1 ? x : ctx.node('Mul', [x, scalar(ctx, 'beta', beta)], [ctx.temp('scaled')], {}, 'beta')[0]!;
  const gate = ctx.node('Sigmoid', [scaled], [ctx.temp('gate')], {}, 'sigmoid')[0]!;
  ctx.node('Mul', [x, gate], [ctx.outputs[0]!]);
}

/** Mish: x · tanh(softplus(x)). */
export function mish(ctx: LayerContext): void {
  const x = ctx.inputs[0]!;
  const softplus = ctx.node('Softplus', [x], [ctx.temp('softplus')], {}, 'softplus')[0]!;
  const gate = ctx.node('Tanh', [softplus], [ctx.temp('gate')], {}, 'tanh')[0]!;
  ctx.node('Mul', [x, gate], [ctx.outputs[0]!]);
}

/** HardSwish (forks, OpenCV): x · relu6(x + 3) / 6. */
export const hardSwish = unary('HardSwish');

/** HardSigmoid (forks, OpenCV): clip(0.2·x + 0.5, 0, 1), ONNX's defaults (the layer has no parameters). */
export const hardSigmoid = unary('HardSigmoid');
