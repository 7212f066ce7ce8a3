/**
 * Elementwise operators. They work in any layout, so they run in the form their inputs already have (NCHW inside
 * convolutional stacks) and their outputs keep it.
 */
import type { Attrs } from '../../../ir/graph.js';
import type { OpType } from '../../../ir/ops.js';
import { isFloat } from '../../../ir/dtype.js';
import type { OpContext } from '../op-context.js';
import type { OpConverter } from './registry.js';
import { nativeForm } from '../layout.js';
import { broadcastInputs } from './common.js';

/** AddOptions, SubOptions, MulOptions, DivOptions: fused_activation_function is field 0. */
const ARITHMETIC_ACTIVATION = 0;
const LeakyReluOptions = { alpha: 0 };
const GeluOptions = { approximate: 0 };

/** A broadcasting binary op; `activation` reads a fused activation from the options. */
function binary(op: OpType, options: { activation?: boolean; attrs?: Attrs } = {}): OpConverter {
  return (ctx) => {
    const { names, form } = broadcastInputs(ctx, [0, 1]);
    const output = ctx.node1(op, names, options.attrs ?? {});
    const activation = options.activation ? ctx.options.int8(ARITHMETIC_ACTIVATION, 'fused_activation_function') : 0;
    ctx.finish(0, output, form, { activation });
  };
}

/**
 * SUB: on quantized tensors as TFLite's integer kernel computes it — (a − a_zp)·(a_scale/y_scale) −
 * (b − b_zp)·(b_scale/y_scale), rounded half up onto the output grid (see OpContext.finishRoundedHalfUp) — when
 * there is no fused activation; otherwise (and for float tensors) the float composition.
 */
const quantizedSub: OpConverter = (ctx) => {
  const output = ctx.outputQuantization(0);
  const [a, b] = [ctx.inputQuantization(0), ctx.inputQuantization(1)];
  const activation = ctx.options.int8(ARITHMETIC_ACTIVATION, 'fused_activation_function');
  if (!output || !a || !b || activation !== 0) return binary('Sub', { activation: true })(ctx);
  const { names, form } = broadcastInputs(ctx, [0, 1]);
  const ratio = (scale: number) => Math.fround(scale / output.scale[0]!);
  const difference = ctx.node1('Sub', [ctx.integerDomain(0, names[0]!, ratio(a.scale[0]!)), ctx.integerDomain(1, names[1]!, ratio(b.scale[0]!))]);
  ctx.finishRoundedHalfUp(0, difference, form);
};

/** A comparison: bool output, never quantized. */
function comparison(op: OpType, negate = false): OpConverter {
  return (ctx) => {
    const { names, form } = broadcastInputs(ctx, [0, 1]);
    const result = ctx.node1(op, names);
    ctx.finish(0, negate ? ctx.node1('Not', [result], {}, 'not') : result, form);
  };
}

/** A same-shape op of one input, in whatever form the input has. */
function unary(op: OpType, attrs: Attrs = {}, exact = false): OpConverter {
  return (ctx) => {
    const { name, form } = ctx.readPreferred(0);
    ctx.finish(0, ctx.node1(op, [name], attrs), form, exact ? { exactInput: 0 } : {});
  };
}

function clip(min: number, max: number): OpConverter {
  return (ctx) => {
    const { name, form } = ctx.readPreferred(0);
    ctx.finish(0, ctx.node1('Clip', [name, ctx.scalar(min), ctx.scalar(max)]), form);
  };
}

const rsqrt: OpConverter = (ctx) => {
  const { name, form } = ctx.readPreferred(0);
  ctx.finish(0, ctx.node1('Reciprocal', [ctx.node1('Sqrt', [name], {}, 'sqrt')]), form);
};

const square: OpConverter = (ctx) => {
  const { name, form } = ctx.readPreferred(0);
  ctx.finish(0, ctx.node1('Mul', [name, name]), form);
};

const squaredDifference: OpConverter = (ctx) => {
  const { names, form } = broadcastInputs(ctx, [0, 1]);
  const difference = ctx.node1('Sub', names, {}, 'difference');
  ctx.finish(0, ctx.node1('Mul', [difference, difference]), form);
};

/** floor(a / b): floats directly; integers through float64, which is exact for every int32. */
function floorDivide(ctx: OpContext, a: string, b: string, suffix: string): string {
  const type = ctx.converter.graph.tensor(a).type;
  if (isFloat(type)) return ctx.node1('Floor', [ctx.node1('Div', [a, b], {}, `${suffix}_divide`)], {}, suffix);
  const [x, y] = [a, b].map((name, i) => ctx.node1('Cast', [name], { to: 'float64' }, `${suffix}_cast${i}`));
  const floored = ctx.node1('Floor', [ctx.node1('Div', [x!, y!], {}, `${suffix}_divide`)], {}, `${suffix}_floor`);
  return ctx.node1('Cast', [floored], { to: type }, suffix);
}

const floorDiv: OpConverter = (ctx) => {
  const { names, form } = broadcastInputs(ctx, [0, 1]);
  ctx.finish(0, floorDivide(ctx, names[0]!, names[1]!, 'floor_div'), form);
};

/** a − floor(a / b)·b, the sign following the divisor (ONNX Mod with fmod = 0 for integers). */
const floorMod: OpConverter = (ctx) => {
  const { names, form } = broadcastInputs(ctx, [0, 1]);
  const [a, b] = names as [string, string];
  if (!isFloat(ctx.converter.graph.tensor(a).type)) return ctx.finish(0, ctx.node1('Mod', [a, b], { fmod: 0 }), form);
  const product = ctx.node1('Mul', [floorDivide(ctx, a, b, 'floor_div'), b], {}, 'product');
  ctx.finish(0, ctx.node1('Sub', [a, product]), form);
};

/** SELECT_V2 broadcasts like numpy; SELECT (v1) also lets a 1-D condition pick whole rows (along axis 0). */
const select: OpConverter = (ctx) => {
  const rank = ctx.rank(1);
  if (ctx.builtin === 'SELECT' && ctx.rank(0) === 1 && rank > 1) {
    const condition = ctx.node1('Reshape', [ctx.read(0, [0]), ctx.int64s([ctx.dims(0)[0]!, ...new Array<number>(rank - 1).fill(1)])], {}, 'rows');
    const output = ctx.node1('Where', [condition, ctx.read(1, nativeForm(rank)), ctx.read(2, nativeForm(rank))]);
    return ctx.finish(0, output, nativeForm(rank));
  }
  if (ctx.builtin === 'SELECT' && ctx.rank(0) !== rank) ctx.fail(`the condition must have rank 1 or ${rank}, got ${ctx.rank(0)}`);
  const { names, form } = broadcastInputs(ctx, [0, 1, 2]);
  ctx.finish(0, ctx.node1('Where', names), form);
};

const addN: OpConverter = (ctx) => {
  const { names, form } = broadcastInputs(ctx, ctx.op.inputs.map((_, i) => i));
  ctx.finish(0, ctx.node1('Sum', names), form);
};

const leakyRelu: OpConverter = (ctx) => {
  const alpha = ctx.options.float32(LeakyReluOptions.alpha, 'alpha');
  unary('LeakyRelu', { alpha })(ctx);
};

const gelu: OpConverter = (ctx) => {
  const approximate = ctx.options.bool(GeluOptions.approximate, 'approximate');
  unary('Gelu', { approximate: approximate ? 'tanh' : 'none' })(ctx);
};

export const elementwiseConverters: Record<string, OpConverter> = {
  ADD: binary('Add', { activation: true }),
  SUB: quantizedSub,
  MUL: binary('Mul', { activation: true }),
  DIV: binary('Div', { activation: true }),
  POW: binary('Pow'),
  MAXIMUM: binary('Max'),
  MINIMUM: binary('Min'),
  PRELU: binary('PRelu'),
  SQUARED_DIFFERENCE: squaredDifference,
  FLOOR_DIV: floorDiv,
  FLOOR_MOD: floorMod,
  ADD_N: addN,
  LESS: comparison('Less'),
  LESS_EQUAL: comparison('LessOrEqual'),
  GREATER: comparison('Greater'),
  GREATER_EQUAL: comparison('GreaterOrEqual'),
  EQUAL: comparison('Equal'),
  NOT_EQUAL: comparison('Equal', true),
  LOGICAL_AND: comparison('And'),
  LOGICAL_OR: comparison('Or'),
  LOGICAL_NOT: unary('Not'),
  SELECT: select,
  SELECT_V2: select,
  ABS: unary('Abs'),
  NEG: unary('Neg'),
  EXP: unary('Exp'),
  LOG: unary('Log'),
  SQRT: unary('Sqrt'),
  RSQRT: rsqrt,
  SQUARE: square,
  SIN: unary('Sin'),
  COS: unary('Cos'),
  FLOOR: unary('Floor'),
  CEIL: unary('Ceil'),
  ROUND: unary('Round'),
  SIGN: unary('Sign'),
  RELU: unary('Relu'),
  RELU6: clip(0, 6),
  RELU_N1_TO_1: clip(-1, 1),
  RELU_0_TO_1: clip(0, 1),
  LEAKY_RELU: leakyRelu,
  HARD_SWISH: unary('HardSwish'),
  LOGISTIC: unary('Sigmoid'),
  TANH: unary('Tanh'),
  ELU: unary('Elu', { alpha: 1 }),
  GELU: gelu,
};
