/**
 * Neural-network ops: convolutions, pooling, normalisations, matrix products, Einsum and the softmax family.
 * Shape inference keeps symbolic dims where the size provably passes through (batch, channels, stride-1 SAME
 * windows); sizes that depend on a symbol in another way become fresh unknown dims.
 */
import { WebliteError } from '../../errors.js';
import { type DType, isFloat } from '../dtype.js';
import type { Attrs, Dim } from '../graph.js';
import type { AttrSpec, InferContext, OpSpec, ReferenceContext, TensorFacts } from '../op-spec.js';
import type { OpType } from '../ops.js';
import type { Tensor } from '../tensor.js';
import { broadcastDims, isStatic, normalizeAxis } from '../shape.js';
import { type ConvTransposeAttrs, type GeometryContext, conv, convTranspose, convTransposeGeometry, windowGeometry } from '../reference/conv.js';
import { einsum, einsumLabelSizes, parseEinsum } from '../reference/einsum.js';
import { gemm, matMul } from '../reference/matmul.js';
import { batchNormalization, instanceNormalization, layerNormalization, lrn, stashDType } from '../reference/normalization.js';
import { averagePool, globalPool, maxPool } from '../reference/pool.js';
import { type SoftmaxKind, softmax } from '../reference/softmax.js';
import { required } from '../reference/util.js';

// ---- small helpers for inference ----

function where(op: string, nodeName: string): string {
  return `${op} node '${nodeName}'`;
}

function badModel(op: string, ctx: { nodeName: string }, message: string): WebliteError {
  return new WebliteError('BAD_MODEL', `${where(op, ctx.nodeName)}: ${message}`);
}

function input(ctx: InferContext, i: number, op: string): TensorFacts {
  const facts = ctx.inputs[i];
  if (!facts) throw badModel(op, ctx, `input ${i} is required`);
  return facts;
}

const isNumeric = (t: DType): boolean => t !== 'bool' && t !== 'string';
const isPoolable = (t: DType): boolean => isNumeric(t) && t !== 'int64' && t !== 'uint64';

/** Checks inputs `indices` (those present) have one dtype accepted by `accepts`; returns it. */
function commonType(ctx: InferContext, op: string, indices: number[], accepts: (t: DType) => boolean, family: string): DType {
  const type = input(ctx, indices[0]!, op).type;
  for (const i of indices) {
    const facts = ctx.inputs[i];
    if (!facts) continue;
    if (!accepts(facts.type)) throw badModel(op, ctx, `input ${i} must be ${family}, got ${facts.type}`);
    if (facts.type !== type) throw badModel(op, ctx, `input ${i} must have type ${type} like input ${indices[0]}, got ${facts.type}`);
  }
  return type;
}

/** Checks rank bounds when the rank is known. */
function checkRank(dims: Dim[] | undefined, min: number, max: number, op: string, ctx: InferContext, name = 'X'): void {
  if (dims && (dims.length < min || dims.length > max)) {
    throw badModel(op, ctx, `${name} must have rank ${min === max ? min : `${min} to ${max}`}, got [${dims.join(', ')}]`);
  }
}

/** The first `count` inputs, each required: a missing one is a RUNTIME_ERROR naming the node. */
function present(op: string, inputs: (Tensor | undefined)[], ctx: ReferenceContext, count = inputs.length): Tensor[] {
  return Array.from({ length: count }, (_, i) => required(inputs, i, where(op, ctx.nodeName)));
}

const ints = (value: unknown): number[] => (value as number[] | undefined) ?? [];

/** Output facts with the same dtype and dims as input 0 (normalisations, softmax). */
function sameAsInput(op: string, accepts: (t: DType) => boolean, family: string, indices = [0]) {
  return (ctx: InferContext): TensorFacts[] => {
    const type = commonType(ctx, op, indices, accepts, family);
    const dims = ctx.inputs[0]!.dims;
    return [dims ? { type, dims: [...dims] } : { type }];
  };
}

// ---- convolution and pooling ----

const windowAttrs: Record<string, AttrSpec> = {
  auto_pad: { type: 'string', default: 'NOTSET' },
  dilations: { type: 'ints', default: [] },
  pads: { type: 'ints', default: [] },
  strides: { type: 'ints', default: [] },
};

function windowOf(attrs: Attrs, kernel: readonly number[]) {
  return {
    autoPad: attrs.auto_pad as string,
    kernel,
    strides: ints(attrs.strides),
    dilations: ints(attrs.dilations),
    pads: ints(attrs.pads),
    ceilMode: attrs.ceil_mode === 1,
  };
}

function geometryContext(op: string, ctx: InferContext): GeometryContext {
  return { where: where(op, ctx.nodeName), unknownDim: ctx.unknownDim };
}

/**
 * The kernel's spatial size: kernel_shape if given, else W's trailing dims. Undefined when W's dims are
 * unknown or symbolic. A kernel_shape that contradicts W is a model error.
 */
function kernelOf(ctx: InferContext, op: string, w: TensorFacts): number[] | undefined {
  const given = ints(ctx.attrs.kernel_shape);
  const fromWeights = w.dims?.slice(2);
  if (given.length > 0 && fromWeights && isStatic(fromWeights) && fromWeights.join() !== given.join()) {
    throw badModel(op, ctx, `kernel_shape [${given}] differs from W's spatial dims [${fromWeights}]`);
  }
  if (given.length > 0) return given;
  return fromWeights && isStatic(fromWeights) ? fromWeights : undefined;
}

function inferConv(ctx: InferContext, transposed: boolean): TensorFacts[] {
  const op = transposed ? 'ConvTranspose' : 'Conv';
  const type = commonType(ctx, op, [0, 1, 2], isFloat, 'a float tensor');
  const x = input(ctx, 0, op);
  const w = input(ctx, 1, op);
  checkRank(x.dims, 3, 5, op, ctx);
  if (x.dims && w.dims) checkRank(w.dims, x.dims.length, x.dims.length, op, ctx, 'W');
  const group = ctx.attrs.group as number;
  if (!Number.isInteger(group) || group < 1) throw badModel(op, ctx, `group must be a positive integer, got ${group}`);
  if (!x.dims) return [{ type }];
  const channels = x.dims[1]!;
  const weightChannels = transposed ? w.dims?.[0] : w.dims?.[1];
  const expected = transposed ? channels : typeof channels === 'number' ? channels / group : undefined;
  if (typeof weightChannels === 'number' && typeof expected === 'number' && weightChannels !== expected) {
    const dims = `W [${w.dims!.join(', ')}] for X [${x.dims.join(', ')}] with group ${group}`;
    throw badModel(op, ctx, `${dims} needs ${expected} input channels at dim ${transposed ? 0 : 1}`);
  }
  const bias = ctx.inputs[2]?.dims;
  checkRank(bias, 1, 1, op, ctx, 'B');
  const kernel = kernelOf(ctx, op, w);
  const inSpatial = x.dims.slice(2);
  let outSpatial: Dim[];
  if (!kernel) outSpatial = inSpatial.map(() => ctx.unknownDim());
  else if (kernel.length !== inSpatial.length) throw badModel(op, ctx, `kernel_shape [${kernel}] does not match X [${x.dims.join(', ')}]`);
  else if (transposed) outSpatial = convTransposeGeometry(inSpatial, kernel, convTransposeAttrs(ctx.attrs), geometryContext(op, ctx)).outSpatial;
  else outSpatial = windowGeometry(inSpatial, windowOf(ctx.attrs, kernel), geometryContext(op, ctx)).outSpatial;
  return [{ type, dims: [x.dims[0]!, outChannelsOf(ctx, op, w, transposed), ...outSpatial] }];
}

/** Conv: W's dim 0. ConvTranspose: W's dim 1 (outputs per group) times group. Checks B's length against it. */
function outChannelsOf(ctx: InferContext, op: string, w: TensorFacts, transposed: boolean): Dim {
  const group = ctx.attrs.group as number;
  const fromWeights = transposed ? w.dims?.[1] : w.dims?.[0];
  let channels: Dim;
  if (typeof fromWeights === 'number') channels = transposed ? fromWeights * group : fromWeights;
  else channels = fromWeights !== undefined && (group === 1 || !transposed) ? fromWeights : ctx.unknownDim();
  const biasLength = ctx.inputs[2]?.dims?.[0];
  if (typeof biasLength === 'number' && typeof channels === 'number' && biasLength !== channels) {
    throw badModel(op, ctx, `B has ${biasLength} values, expected ${channels} (one per output channel)`);
  }
  return channels;
}

function convTransposeAttrs(attrs: Attrs): ConvTransposeAttrs {
  return {
    ...windowOf(attrs, ints(attrs.kernel_shape)),
    group: attrs.group as number,
    outputPadding: ints(attrs.output_padding),
    outputShape: ints(attrs.output_shape),
  };
}

function inferPool(op: string, accepts: (t: DType) => boolean, family: string) {
  return (ctx: InferContext): TensorFacts[] => {
    const type = commonType(ctx, op, [0], accepts, family);
    const x = input(ctx, 0, op);
    checkRank(x.dims, 3, 5, op, ctx);
    const kernel = ints(ctx.attrs.kernel_shape);
    if (!x.dims) return ctx.outputCount > 1 ? [{ type }, { type: 'int64' }] : [{ type }];
    if (kernel.length !== x.dims.length - 2) throw badModel(op, ctx, `kernel_shape [${kernel}] does not match X [${x.dims.join(', ')}]`);
    const geometry = windowGeometry(x.dims.slice(2), windowOf(ctx.attrs, kernel), geometryContext(op, ctx));
    const dims = [x.dims[0]!, x.dims[1]!, ...geometry.outSpatial];
    return ctx.outputCount > 1 ? [{ type, dims }, { type: 'int64', dims: [...dims] }] : [{ type, dims }];
  };
}

function inferGlobalPool(op: string) {
  return (ctx: InferContext): TensorFacts[] => {
    const type = commonType(ctx, op, [0], isFloat, 'a float tensor');
    const dims = ctx.inputs[0]!.dims;
    checkRank(dims, 3, Infinity, op, ctx);
    return [dims ? { type, dims: [dims[0]!, dims[1]!, ...dims.slice(2).map(() => 1)] } : { type }];
  };
}

// ---- matrix products ----

function inferGemm(ctx: InferContext): TensorFacts[] {
  const type = commonType(ctx, 'Gemm', [0, 1, 2], isNumeric, 'numeric');
  const a = input(ctx, 0, 'Gemm').dims;
  const b = input(ctx, 1, 'Gemm').dims;
  checkRank(a, 2, 2, 'Gemm', ctx, 'A');
  checkRank(b, 2, 2, 'Gemm', ctx, 'B');
  const [M, KA] = a ? (ctx.attrs.transA ? [a[1]!, a[0]!] : [a[0]!, a[1]!]) : [ctx.unknownDim(), undefined];
  const [KB, N] = b ? (ctx.attrs.transB ? [b[1]!, b[0]!] : [b[0]!, b[1]!]) : [undefined, ctx.unknownDim()];
  if (typeof KA === 'number' && typeof KB === 'number' && KA !== KB) {
    throw badModel('Gemm', ctx, `inner dims differ: A' is [${M}, ${KA}], B' is [${KB}, ${N}]`);
  }
  const c = ctx.inputs[2]?.dims;
  checkRank(c, 0, 2, 'Gemm', ctx, 'C');
  // C broadcasts one way: each of its (right-aligned) dims is 1 or the output's.
  const target = [M, N].slice(2 - (c?.length ?? 0));
  if (c?.some((d, i) => typeof d === 'number' && typeof target[i] === 'number' && d !== 1 && d !== target[i])) {
    throw badModel('Gemm', ctx, `C [${c.join(', ')}] does not broadcast to [${M}, ${N}]`);
  }
  return [{ type, dims: [M, N] }];
}

function inferMatMul(ctx: InferContext): TensorFacts[] {
  const type = commonType(ctx, 'MatMul', [0, 1], isNumeric, 'numeric');
  const a = input(ctx, 0, 'MatMul').dims;
  const b = input(ctx, 1, 'MatMul').dims;
  if (!a || !b) return [{ type }];
  if (a.length === 0 || b.length === 0) throw badModel('MatMul', ctx, `operands must have rank ≥ 1, got [${a}] and [${b}]`);
  const aDims = a.length === 1 ? [1, a[0]!] : a;
  const bDims = b.length === 1 ? [b[0]!, 1] : b;
  const K = aDims[aDims.length - 1]!;
  const KB = bDims[bDims.length - 2]!;
  if (typeof K === 'number' && typeof KB === 'number' && K !== KB) {
    throw badModel('MatMul', ctx, `inner dims differ: [${a.join(', ')}] × [${b.join(', ')}]`);
  }
  const batch = broadcastDims([aDims.slice(0, -2), bDims.slice(0, -2)], where('MatMul', ctx.nodeName), ctx.unknownDim);
  const dims = [...batch];
  if (a.length > 1) dims.push(aDims[aDims.length - 2]!);
  if (b.length > 1) dims.push(bDims[bDims.length - 1]!);
  return [{ type, dims }];
}

function inferEinsum(ctx: InferContext): TensorFacts[] {
  const type = commonType(ctx, 'Einsum', ctx.inputs.map((_, i) => i), isNumeric, 'numeric');
  const dims = ctx.inputs.map((facts) => facts?.dims);
  if (!dims.every((d): d is Dim[] => d !== undefined)) return [{ type }];
  const equation = ctx.attrs.equation as string;
  const plan = parseEinsum(equation, dims.map((d) => d.length), where('Einsum', ctx.nodeName));
  const sizes = einsumLabelSizes(plan, dims, (message) => badModel('Einsum', ctx, `'${equation}': ${message}`));
  return [{ type, dims: plan.output.map((label) => sizes.get(label)!) }];
}

// ---- normalisation ----

function inferLayerNormalization(ctx: InferContext): TensorFacts[] {
  const type = commonType(ctx, 'LayerNormalization', [0, 1, 2], isFloat, 'a float tensor');
  const stashType = stashDType(ctx.attrs.stash_type as number);
  if (!stashType) throw badModel('LayerNormalization', ctx, `stash_type ${ctx.attrs.stash_type} is not 1, 10 or 11`);
  const dims = ctx.inputs[0]!.dims;
  if (!dims) return [{ type }, { type: stashType }, { type: stashType }].slice(0, ctx.outputCount);
  const axis = normalizeAxis(ctx.attrs.axis as number, dims.length, where('LayerNormalization', ctx.nodeName));
  const statsDims = [...dims.slice(0, axis), ...dims.slice(axis).map(() => 1)];
  const facts = [{ type, dims: [...dims] }, { type: stashType, dims: statsDims }, { type: stashType, dims: [...statsDims] }];
  return facts.slice(0, ctx.outputCount);
}

function softmaxSpec(kind: SoftmaxKind): OpSpec {
  return {
    inputs: [1, 1],
    outputs: [1, 1],
    attrs: { axis: { type: 'int', default: -1 } },
    infer: (ctx) => {
      const [facts] = sameAsInput(kind, isFloat, 'a float tensor')(ctx) as [TensorFacts];
      if (facts.dims) normalizeAxis(ctx.attrs.axis as number, facts.dims.length, where(kind, ctx.nodeName));
      return [facts];
    },
    reference: (inputs, attrs, ctx) => [softmax(present(kind, inputs, ctx, 1)[0]!, attrs.axis as number, kind, where(kind, ctx.nodeName))],
  };
}

export const nnOps = {
  Conv: {
    inputs: [2, 3],
    outputs: [1, 1],
    attrs: { ...windowAttrs, group: { type: 'int', default: 1 }, kernel_shape: { type: 'ints', default: [] } },
    infer: (ctx) => inferConv(ctx, false),
    reference: (inputs, attrs, ctx) => {
      const [x, w] = present('Conv', inputs, ctx, 2);
      const window = { ...windowOf(attrs, []), group: attrs.group as number };
      return [conv(x!, w!, inputs[2], window, where('Conv', ctx.nodeName))];
    },
  },
  ConvTranspose: {
    inputs: [2, 3],
    outputs: [1, 1],
    attrs: {
      ...windowAttrs,
      group: { type: 'int', default: 1 },
      kernel_shape: { type: 'ints', default: [] },
      output_padding: { type: 'ints', default: [] },
      output_shape: { type: 'ints', default: [] },
    },
    infer: (ctx) => inferConv(ctx, true),
    reference: (inputs, attrs, ctx) => {
      const [x, w] = present('ConvTranspose', inputs, ctx, 2);
      return [convTranspose(x!, w!, inputs[2], convTransposeAttrs(attrs), where('ConvTranspose', ctx.nodeName))];
    },
  },
  AveragePool: {
    inputs: [1, 1],
    outputs: [1, 1],
    attrs: {
      ...windowAttrs,
      kernel_shape: { type: 'ints', required: true },
      ceil_mode: { type: 'int', default: 0 },
      count_include_pad: { type: 'int', default: 0 },
    },
    infer: inferPool('AveragePool', isFloat, 'a float tensor'),
    reference: (inputs, attrs, ctx) => {
      const window = { ...windowOf(attrs, ints(attrs.kernel_shape)), countIncludePad: attrs.count_include_pad === 1 };
      return [averagePool(present('AveragePool', inputs, ctx)[0]!, window, where('AveragePool', ctx.nodeName))];
    },
  },
  MaxPool: {
    inputs: [1, 1],
    outputs: [1, 2],
    attrs: {
      ...windowAttrs,
      kernel_shape: { type: 'ints', required: true },
      ceil_mode: { type: 'int', default: 0 },
      storage_order: { type: 'int', default: 0 },
    },
    infer: inferPool('MaxPool', isPoolable, 'a float, 8-, 16- or 32-bit integer tensor'),
    reference: (inputs, attrs, ctx) => {
      const window = { ...windowOf(attrs, ints(attrs.kernel_shape)), storageOrder: attrs.storage_order as number };
      return maxPool(present('MaxPool', inputs, ctx)[0]!, window, ctx.outputCount > 1, where('MaxPool', ctx.nodeName));
    },
  },
  GlobalAveragePool: {
    inputs: [1, 1],
    outputs: [1, 1],
    attrs: {},
    infer: inferGlobalPool('GlobalAveragePool'),
    reference: (inputs, _attrs, ctx) =>
      [globalPool(present('GlobalAveragePool', inputs, ctx)[0]!, 'average', where('GlobalAveragePool', ctx.nodeName))],
  },
  GlobalMaxPool: {
    inputs: [1, 1],
    outputs: [1, 1],
    attrs: {},
    infer: inferGlobalPool('GlobalMaxPool'),
    reference: (inputs, _attrs, ctx) => [globalPool(present('GlobalMaxPool', inputs, ctx)[0]!, 'max', where('GlobalMaxPool', ctx.nodeName))],
  },
  BatchNormalization: {
    inputs: [5, 5],
    outputs: [1, 1],
    attrs: { epsilon: { type: 'float', default: 1e-5 }, momentum: { type: 'float', default: 0.9 } },
    infer: (ctx) => {
      // Scale and B may have a float type other than X's (ONNX's T1), and so may mean and var (T2).
      commonType(ctx, 'BatchNormalization', [1, 2], isFloat, 'a float tensor');
      commonType(ctx, 'BatchNormalization', [3, 4], isFloat, 'a float tensor');
      return sameAsInput('BatchNormalization', isFloat, 'a float tensor')(ctx);
    },
    reference: (inputs, attrs, ctx) => {
      const [x, scale, bias, mean, variance] = present('BatchNormalization', inputs, ctx, 5);
      return [batchNormalization(x!, scale!, bias!, mean!, variance!, attrs.epsilon as number, where('BatchNormalization', ctx.nodeName))];
    },
  },
  InstanceNormalization: {
    inputs: [3, 3],
    outputs: [1, 1],
    attrs: { epsilon: { type: 'float', default: 1e-5 } },
    infer: sameAsInput('InstanceNormalization', isFloat, 'a float tensor', [0, 1, 2]),
    reference: (inputs, attrs, ctx) => {
      const [x, scale, bias] = present('InstanceNormalization', inputs, ctx, 3);
      return [instanceNormalization(x!, scale!, bias!, attrs.epsilon as number, where('InstanceNormalization', ctx.nodeName))];
    },
  },
  LayerNormalization: {
    inputs: [2, 3],
    outputs: [1, 3],
    attrs: {
      axis: { type: 'int', default: -1 },
      epsilon: { type: 'float', default: 1e-5 },
      stash_type: { type: 'int', default: 1 },
    },
    infer: inferLayerNormalization,
    reference: (inputs, attrs, ctx) => {
      const [x, scale] = present('LayerNormalization', inputs, ctx, 2);
      const stashType = stashDType(attrs.stash_type as number) ?? 'float32';
      const outputs = layerNormalization(x!, scale!, inputs[2], attrs.axis as number, attrs.epsilon as number, stashType,
        where('LayerNormalization', ctx.nodeName));
      return outputs.slice(0, ctx.outputCount);
    },
  },
  LRN: {
    inputs: [1, 1],
    outputs: [1, 1],
    attrs: {
      alpha: { type: 'float', default: 1e-4 },
      beta: { type: 'float', default: 0.75 },
      bias: { type: 'float', default: 1 },
      size: { type: 'int', required: true },
    },
    infer: (ctx) => {
      const size = ctx.attrs.size as number;
      if (!Number.isInteger(size) || size < 1) throw badModel('LRN', ctx, `size must be a positive integer, got ${size}`);
      checkRank(ctx.inputs[0]?.dims, 2, Infinity, 'LRN', ctx);
      return sameAsInput('LRN', isFloat, 'a float tensor')(ctx);
    },
    reference: (inputs, attrs, ctx) => {
      const { alpha, beta, bias, size } = attrs as { alpha: number; beta: number; bias: number; size: number };
      return [lrn(present('LRN', inputs, ctx)[0]!, { alpha, beta, bias, size }, where('LRN', ctx.nodeName))];
    },
  },
  Gemm: {
    inputs: [2, 3],
    outputs: [1, 1],
    attrs: {
      alpha: { type: 'float', default: 1 },
      beta: { type: 'float', default: 1 },
      transA: { type: 'int', default: 0 },
      transB: { type: 'int', default: 0 },
    },
    infer: inferGemm,
    reference: (inputs, attrs, ctx) => {
      const [a, b] = present('Gemm', inputs, ctx, 2);
      const { alpha, beta, transA, transB } = attrs as { alpha: number; beta: number; transA: number; transB: number };
      return [gemm(a!, b!, inputs[2], { alpha, beta, transA, transB }, where('Gemm', ctx.nodeName))];
    },
  },
  MatMul: {
    inputs: [2, 2],
    outputs: [1, 1],
    attrs: {},
    infer: inferMatMul,
    reference: (inputs, _attrs, ctx) => {
      const [a, b] = present('MatMul', inputs, ctx);
      return [matMul(a!, b!, where('MatMul', ctx.nodeName))];
    },
  },
  Einsum: {
    inputs: [1, Infinity],
    outputs: [1, 1],
    attrs: { equation: { type: 'string', required: true } },
    infer: inferEinsum,
    reference: (inputs, attrs, ctx) => [einsum(present('Einsum', inputs, ctx), attrs.equation as string, where('Einsum', ctx.nodeName))],
  },
  Softmax: softmaxSpec('Softmax'),
  LogSoftmax: softmaxSpec('LogSoftmax'),
  Hardmax: softmaxSpec('Hardmax'),
} satisfies Partial<Record<OpType, OpSpec>>;
