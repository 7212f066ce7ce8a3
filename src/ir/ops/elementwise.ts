/**
 * Elementwise ops: one table entry each, built from a few spec builders (unary map, broadcasting binary,
 * comparison, variadic). The per-element math lives in reference/elementwise-math.ts and the loops in
 * reference/elementwise.ts; this file only says which dtypes each op accepts and what it computes.
 */
import { WebliteError } from '../../errors.js';
import { DTYPES, type DType, isBig, isDType, isFloat } from '../dtype.js';
import type { Attrs, Dim } from '../graph.js';
import type { AttrSpec, InferContext, OpSpec, TensorFacts } from '../op-spec.js';
import type { OpType } from '../ops.js';
import { broadcastDims } from '../shape.js';
import { Tensor } from '../tensor.js';
import {
  type BinaryMath, type UnaryMath, type Value,
  binaryMathFor, broadcastBinary, mapBroadcast, mapUnary, scalarOf, unaryMathFor,
} from '../reference/elementwise.js';
import { formatElement, parseElementText, roundHalfToEven } from '../reference/elementwise-cast.js';
import { divMath, erf, maxValue, minValue, modMath, mulMath, powFor, sigmoid, softplus } from '../reference/elementwise-math.js';
import { required } from '../reference/util.js';

const FLOAT: readonly DType[] = ['float32', 'float16', 'float64'];
const NUMERIC: readonly DType[] = [...FLOAT, 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'];
const BOOL: readonly DType[] = ['bool'];
const COMPARABLE: readonly DType[] = [...NUMERIC, 'bool', 'string'];

/** Builders receive the op name so that their error messages can say which op rejected the model. */
type SpecBuilder = (op: OpType) => OpSpec;

function withNames<T extends Partial<Record<OpType, SpecBuilder>>>(builders: T): { [K in keyof T]: OpSpec } {
  const specs: Partial<Record<string, OpSpec>> = {};
  for (const [op, build] of Object.entries(builders)) specs[op] = (build as SpecBuilder)(op as OpType);
  return specs as { [K in keyof T]: OpSpec };
}

// ---- inference helpers ----

/** Facts of input `index`, which must be present and of one of the `allowed` dtypes. */
function typedInput(ctx: InferContext, op: string, index: number, allowed: readonly DType[]): TensorFacts {
  const facts = ctx.inputs[index];
  if (!facts) throw new WebliteError('BAD_MODEL', `${ctx.nodeName}: ${op} requires input ${index}`);
  if (!allowed.includes(facts.type)) {
    throw new WebliteError(
      'BAD_MODEL',
      `${ctx.nodeName}: ${op} input ${index} must be one of ${allowed.join(', ')}, got ${facts.type}`,
    );
  }
  return facts;
}

function sameType(ctx: InferContext, op: string, inputs: readonly TensorFacts[]): DType {
  const type = inputs[0]!.type;
  if (inputs.some((facts) => facts.type !== type)) {
    throw new WebliteError(
      'BAD_MODEL',
      `${ctx.nodeName}: ${op} inputs must share one dtype, got ${inputs.map((f) => f.type).join(', ')}`,
    );
  }
  return type;
}

/** Broadcast output dims, or undefined when some input's rank is unknown. */
function broadcastFacts(ctx: InferContext, op: string, inputs: readonly TensorFacts[]): Dim[] | undefined {
  if (inputs.some((facts) => !facts.dims)) return undefined;
  return broadcastDims(
    inputs.map((facts) => facts.dims!),
    `${ctx.nodeName} (${op})`,
    ctx.unknownDim,
  );
}

function presentInputs(ctx: InferContext, op: string, allowed: readonly DType[]): TensorFacts[] {
  return ctx.inputs.map((_, i) => typedInput(ctx, op, i, allowed));
}

const numberAttr = (attrs: Attrs, name: string): number => Number(attrs[name]);
const floatAttr = (value: number): AttrSpec => ({ type: 'float', default: value });

// ---- spec builders ----

/** Same-shape map of one input. `math` may depend on attributes; `outType` defaults to the input's dtype. */
function unary(allowed: readonly DType[], math: (attrs: Attrs) => UnaryMath, attrs: Record<string, AttrSpec> = {}, outType?: DType): SpecBuilder {
  return (op) => ({
    inputs: [1, 1],
    outputs: [1, 1],
    attrs,
    infer(ctx) {
      const x = typedInput(ctx, op, 0, allowed);
      return [{ type: outType ?? x.type, dims: x.dims }];
    },
    reference(inputs, attrValues, ctx) {
      const where = `${ctx.nodeName} (${op})`;
      const x = required(inputs, 0, where);
      return [mapUnary(x, outType ?? x.type, unaryMathFor(math(attrValues), x.type, where))];
    },
  });
}

const floatUnary = (fn: (x: number) => number): SpecBuilder => unary(FLOAT, () => ({ float: fn }));

/** A float activation whose formula reads attributes, e.g. Elu's alpha. */
function activation(attrs: Record<string, AttrSpec>, formula: (attrs: Attrs) => (x: number) => number): SpecBuilder {
  return unary(FLOAT, (values) => ({ float: formula(values) }), attrs);
}

/** Two same-dtype inputs under multidirectional broadcasting. */
function binary(allowed: readonly DType[], math: (attrs: Attrs) => BinaryMath, attrs: Record<string, AttrSpec> = {}): SpecBuilder {
  return (op) => ({
    inputs: [2, 2],
    outputs: [1, 1],
    attrs,
    infer(ctx) {
      const facts = presentInputs(ctx, op, allowed);
      return [{ type: sameType(ctx, op, facts), dims: broadcastFacts(ctx, op, facts) }];
    },
    reference(inputs, attrValues, ctx) {
      const where = `${ctx.nodeName} (${op})`;
      const [a, b] = [required(inputs, 0, where), required(inputs, 1, where)];
      return [broadcastBinary(a, b, a.type, binaryMathFor(math(attrValues), a.type, where), where)];
    },
  });
}

/** Broadcasting comparison producing bool; the test works on any one Value representation. */
function comparison(allowed: readonly DType[], test: (a: Value, b: Value) => boolean): SpecBuilder {
  return (op) => ({
    inputs: [2, 2],
    outputs: [1, 1],
    attrs: {},
    infer(ctx) {
      const facts = presentInputs(ctx, op, allowed);
      sameType(ctx, op, facts);
      return [{ type: 'bool', dims: broadcastFacts(ctx, op, facts) }];
    },
    reference(inputs, _attrs, ctx) {
      const where = `${ctx.nodeName} (${op})`;
      return [broadcastBinary(required(inputs, 0, where), required(inputs, 1, where), 'bool', (a, b) => (test(a, b) ? 1 : 0), where)];
    },
  });
}

/** One or more same-dtype inputs broadcast together and combined per element. */
function variadic(allowed: readonly DType[], combine: (values: Value[]) => Value): SpecBuilder {
  return (op) => ({
    inputs: [1, Infinity],
    outputs: [1, 1],
    attrs: {},
    infer(ctx) {
      const facts = presentInputs(ctx, op, allowed);
      return [{ type: sameType(ctx, op, facts), dims: broadcastFacts(ctx, op, facts) }];
    },
    reference(inputs, _attrs, ctx) {
      const where = `${ctx.nodeName} (${op})`;
      const tensors = inputs.map((_, i) => required(inputs, i, where));
      return [mapBroadcast(tensors, tensors[0]!.type, combine, where)];
    },
  });
}

/** Sum of Values that share one representation (all numbers or all BigInts). */
function sum(values: Value[]): Value {
  if (typeof values[0] === 'bigint') return (values as bigint[]).reduce((a, b) => a + b);
  return (values as number[]).reduce((a, b) => a + b);
}

// ---- ops with their own input conventions ----

/** Clip(X, min?, max?): omitted bounds do not clip; when min > max every element becomes max (numpy.clip). */
const clip: SpecBuilder = (op) => ({
  inputs: [1, 3],
  outputs: [1, 1],
  attrs: {},
  infer(ctx) {
    const x = typedInput(ctx, op, 0, NUMERIC);
    for (const i of [1, 2]) if (ctx.inputs[i]) typedInput(ctx, op, i, [x.type]);
    return [{ type: x.type, dims: x.dims }];
  },
  reference(inputs, _attrs, ctx) {
    const where = `${ctx.nodeName} (${op})`;
    const x = required(inputs, 0, where);
    const min = scalarOf(inputs[1], where, 'min');
    const max = scalarOf(inputs[2], where, 'max');
    return [
      mapUnary(x, x.type, (value) => {
        const raised = min !== undefined && value < min ? min : value;
        return max !== undefined && raised > max ? max : raised;
      }),
    ];
  },
});

/** Pow(X, Y): Y may have another numeric dtype than X; the output has X's dtype. */
const pow: SpecBuilder = (op) => ({
  inputs: [2, 2],
  outputs: [1, 1],
  attrs: {},
  infer(ctx) {
    const facts = presentInputs(ctx, op, NUMERIC);
    return [{ type: facts[0]!.type, dims: broadcastFacts(ctx, op, facts) }];
  },
  reference(inputs, _attrs, ctx) {
    const where = `${ctx.nodeName} (${op})`;
    const [base, exponent] = [required(inputs, 0, where), required(inputs, 1, where)];
    const family = isFloat(base.type) ? 'float' : isBig(base.type) ? 'big' : 'int';
    return [broadcastBinary(base, exponent, base.type, powFor(family), where)];
  },
});

/** Where(condition, X, Y): X where the condition holds, else Y, all three broadcast together. */
const whereOp: SpecBuilder = (op) => ({
  inputs: [3, 3],
  outputs: [1, 1],
  attrs: {},
  infer(ctx) {
    const condition = typedInput(ctx, op, 0, BOOL);
    const x = typedInput(ctx, op, 1, DTYPES);
    const y = typedInput(ctx, op, 2, DTYPES);
    return [{ type: sameType(ctx, op, [x, y]), dims: broadcastFacts(ctx, op, [condition, x, y]) }];
  },
  reference(inputs, _attrs, ctx) {
    const name = `${ctx.nodeName} (${op})`;
    const tensors = [0, 1, 2].map((i) => required(inputs, i, name));
    return [mapBroadcast(tensors, tensors[1]!.type, ([condition, x, y]) => (condition ? x! : y!), name)];
  },
});

/** Cast to `to` (a weblite dtype name) with numpy's astype rules; numbers ↔ strings as numpy prints/parses them. */
function castTensor(x: Tensor, to: DType, where: string): Tensor {
  if (to === 'string') return mapUnary(x, to, (value) => formatElement(value, x.type));
  if (x.type === 'string') return mapUnary(x, to, (value) => parseElementText(value as string, where));
  return mapUnary(x, to, (value) => value);
}

function castTarget(ctx: { nodeName: string }, op: string, to: unknown): DType {
  if (!isDType(to)) {
    throw new WebliteError('BAD_MODEL', `${ctx.nodeName}: ${op} attribute 'to' must be a dtype name, got '${String(to)}'`);
  }
  return to;
}

const cast: SpecBuilder = (op) => ({
  inputs: [1, 1],
  outputs: [1, 1],
  attrs: { to: { type: 'string', required: true } },
  infer(ctx) {
    const x = typedInput(ctx, op, 0, DTYPES);
    return [{ type: castTarget(ctx, op, ctx.attrs.to), dims: x.dims }];
  },
  reference(inputs, attrs, ctx) {
    const where = `${ctx.nodeName} (${op})`;
    return [castTensor(required(inputs, 0, where), castTarget(ctx, op, attrs.to), where)];
  },
});

/** CastLike(input, target_type): Cast to the dtype of the second input (its values are unused). */
const castLike: SpecBuilder = (op) => ({
  inputs: [2, 2],
  outputs: [1, 1],
  attrs: {},
  infer(ctx) {
    const x = typedInput(ctx, op, 0, DTYPES);
    return [{ type: typedInput(ctx, op, 1, DTYPES).type, dims: x.dims }];
  },
  reference(inputs, _attrs, ctx) {
    const where = `${ctx.nodeName} (${op})`;
    return [castTensor(required(inputs, 0, where), required(inputs, 1, where).type, where)];
  },
});

const identity: SpecBuilder = (op) => ({
  inputs: [1, 1],
  outputs: [1, 1],
  attrs: {},
  infer: (ctx) => [typedInput(ctx, op, 0, DTYPES)],
  reference: (inputs, _attrs, ctx) => [required(inputs, 0, `${ctx.nodeName} (${op})`)],
});

/**
 * Dropout(data, ratio?, training_mode?) → (output, mask?). Inference only: output = data, mask all true.
 * Training mode with a non-zero ratio drops at random, which a reference cannot reproduce, so it is refused.
 */
const dropout: SpecBuilder = (op) => ({
  inputs: [1, 3],
  outputs: [1, 2],
  attrs: { seed: { type: 'int', default: 0 } },
  infer(ctx) {
    const x = typedInput(ctx, op, 0, FLOAT);
    if (ctx.inputs[1]) typedInput(ctx, op, 1, FLOAT);
    if (ctx.inputs[2]) typedInput(ctx, op, 2, BOOL);
    const outputs: TensorFacts[] = [{ type: x.type, dims: x.dims }, { type: 'bool', dims: x.dims }];
    return outputs.slice(0, ctx.outputCount);
  },
  reference(inputs, _attrs, ctx) {
    const where = `${ctx.nodeName} (${op})`;
    const x = required(inputs, 0, where);
    const ratio = scalarOf(inputs[1], where, 'ratio') ?? 0.5;
    const training = scalarOf(inputs[2], where, 'training_mode') ?? 0;
    if (training && ratio !== 0) {
      throw new WebliteError('UNSUPPORTED_OP', `${where}: training mode with ratio ${ratio} is random and not supported`);
    }
    const mask = Tensor.zeros('bool', x.dims);
    mask.data.fill(1);
    return [x, mask].slice(0, ctx.outputCount);
  },
});

// ---- the table ----

export const elementwiseOps = withNames({
  Abs: unary(NUMERIC, () => ({ float: Math.abs, big: (x) => (x < 0n ? -x : x) })),
  Acos: floatUnary(Math.acos),
  Acosh: floatUnary(Math.acosh),
  Asin: floatUnary(Math.asin),
  Asinh: floatUnary(Math.asinh),
  Atan: floatUnary(Math.atan),
  Atanh: floatUnary(Math.atanh),
  Ceil: floatUnary(Math.ceil),
  Cos: floatUnary(Math.cos),
  Cosh: floatUnary(Math.cosh),
  Erf: unary(NUMERIC, () => ({ float: erf, big: (x) => BigInt(Math.trunc(erf(Number(x)))) })),
  Exp: floatUnary(Math.exp),
  Floor: floatUnary(Math.floor),
  IsInf: unary(
    FLOAT,
    (attrs) => {
      const [negative, positive] = [numberAttr(attrs, 'detect_negative'), numberAttr(attrs, 'detect_positive')];
      return { float: (x) => Number((x === Infinity && positive !== 0) || (x === -Infinity && negative !== 0)) };
    },
    { detect_negative: { type: 'int', default: 1 }, detect_positive: { type: 'int', default: 1 } },
    'bool',
  ),
  IsNaN: unary(FLOAT, () => ({ float: (x) => Number(Number.isNaN(x)) }), {}, 'bool'),
  Log: floatUnary(Math.log),
  Neg: unary(NUMERIC, () => ({ float: (x) => -x, big: (x) => -x })),
  Not: unary(BOOL, () => ({ float: (x) => (x ? 0 : 1) })),
  Reciprocal: floatUnary((x) => 1 / x),
  Round: floatUnary(roundHalfToEven),
  Sigmoid: floatUnary(sigmoid),
  Sign: unary(NUMERIC, () => ({ float: Math.sign, big: (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n) })),
  Sin: floatUnary(Math.sin),
  Sinh: floatUnary(Math.sinh),
  Sqrt: floatUnary(Math.sqrt),
  Tan: floatUnary(Math.tan),
  Tanh: floatUnary(Math.tanh),
  Softplus: floatUnary(softplus),
  Softsign: floatUnary((x) => x / (1 + Math.abs(x))),
  Relu: unary(NUMERIC, () => ({ float: (x) => Math.max(0, x), big: (x) => (x < 0n ? 0n : x) })),
  Celu: activation({ alpha: floatAttr(1) }, (attrs) => {
    const alpha = numberAttr(attrs, 'alpha');
    return (x) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
  }),
  Elu: activation({ alpha: floatAttr(1) }, (attrs) => {
    const alpha = numberAttr(attrs, 'alpha');
    return (x) => (x < 0 ? alpha * Math.expm1(x) : x);
  }),
  HardSigmoid: activation({ alpha: floatAttr(0.2), beta: floatAttr(0.5) }, (attrs) => {
    const [alpha, beta] = [numberAttr(attrs, 'alpha'), numberAttr(attrs, 'beta')];
    return (x) => Math.max(0, Math.min(1, alpha * x + beta));
  }),
  HardSwish: floatUnary((x) => x * Math.max(0, Math.min(1, x / 6 + 0.5))),
  LeakyRelu: activation({ alpha: floatAttr(0.01) }, (attrs) => {
    const alpha = numberAttr(attrs, 'alpha');
    return (x) => (x < 0 ? alpha * x : x);
  }),
  // Defaults are the float32 constants ONNX specifies (≈1.6733 and ≈1.0507).
  Selu: activation({ alpha: floatAttr(1.67326319217681884765625), gamma: floatAttr(1.05070102214813232421875) }, (attrs) => {
    const [alpha, gamma] = [numberAttr(attrs, 'alpha'), numberAttr(attrs, 'gamma')];
    return (x) => (x > 0 ? gamma * x : gamma * alpha * Math.expm1(x));
  }),
  Clip: clip,
  // PRelu's slope broadcasts to X; Math.imul keeps 32-bit integer products exact.
  PRelu: binary(NUMERIC, () => ({
    float: (x, slope) => (x < 0 ? x * slope : x),
    int: (x, slope) => (x < 0 ? Math.imul(x, slope) : x),
    big: (x, slope) => (x < 0n ? x * slope : x),
  })),
  Add: binary(NUMERIC, () => ({ float: (a, b) => a + b, big: (a, b) => a + b })),
  Sub: binary(NUMERIC, () => ({ float: (a, b) => a - b, big: (a, b) => a - b })),
  Mul: binary(NUMERIC, () => mulMath),
  Div: binary(NUMERIC, () => divMath),
  Pow: pow,
  Mod: binary(NUMERIC, (attrs) => modMath(numberAttr(attrs, 'fmod') !== 0), { fmod: { type: 'int', default: 0 } }),
  And: binary(BOOL, () => ({ float: (a, b) => a & b })),
  Or: binary(BOOL, () => ({ float: (a, b) => a | b })),
  Xor: binary(BOOL, () => ({ float: (a, b) => a ^ b })),
  Equal: comparison(COMPARABLE, (a, b) => a === b),
  Greater: comparison(COMPARABLE, (a, b) => a > b),
  GreaterOrEqual: comparison(COMPARABLE, (a, b) => a >= b),
  Less: comparison(COMPARABLE, (a, b) => a < b),
  LessOrEqual: comparison(COMPARABLE, (a, b) => a <= b),
  Max: variadic(NUMERIC, (values) => values.reduce(maxValue)),
  Min: variadic(NUMERIC, (values) => values.reduce(minValue)),
  Mean: variadic(FLOAT, (values) => (sum(values) as number) / values.length),
  Sum: variadic(NUMERIC, sum),
  Where: whereOp,
  Cast: cast,
  CastLike: castLike,
  Identity: identity,
  Dropout: dropout,
}) satisfies Partial<Record<OpType, OpSpec>>;
