/**
 * Shape and data-movement ops. Their shape inference feeds constant folding and memory planning, so it stays
 * as exact as the facts allow: a constant shape-carrying input (Reshape's shape, Slice's starts…) gives exact
 * dims with symbols kept; otherwise the rank is kept and unknowable sizes become fresh unknown dims.
 * The dim rules themselves live next to the references (reference/*.ts) and are shared with them.
 */
import { WebliteError } from '../../errors.js';
import type { Dim } from '../graph.js';
import type { InferContext, OpSpec, TensorFacts } from '../op-spec.js';
import type { OpType } from '../ops.js';
import { broadcastDims } from '../shape.js';
import { checkElementwiseIndices, gatherDims, gatherElementsReference, gatherNDDims, gatherNDReference, gatherReference, oneHotReference } from '../reference/gather.js';
import {
  axisIn, concatReference, depthToSpaceReference, expandReference, nodeLabel, resolvePerm, sliceAxes, sliceRange,
  sliceReference, spaceToDepthReference, splitCount, splitReference, splitSizes, tileReference, transposeReference, triluReference,
} from '../reference/movement.js';
import { PAD_MODES, padPlan, padReference } from '../reference/pad.js';
import { REDUCTIONS, scatterElementsReference, scatterNDReference, scatterNDUpdateDims } from '../reference/scatter.js';
import {
  constantOfShapeReference, constantOfShapeValue, flattenAxis, flattenReference, productDim, rangeCount, rangeReference,
  reshapeDims, reshapeReference, scalarValue, shapeRange, shapeReference, sizeReference, squeezeAxes, squeezeReference,
  unsqueezeDims, unsqueezeReference,
} from '../reference/shape-ops.js';
import { toNumbers } from '../reference/util.js';

/** Facts of a required input. */
function input(ctx: InferContext, i: number, op: string): TensorFacts {
  const facts = ctx.inputs[i];
  if (!facts) throw new WebliteError('BAD_MODEL', `${nodeLabel(op, ctx.nodeName)}: input ${i} is required`);
  return facts;
}

/** Input i's values when it is a constant. */
function constantNumbers(ctx: InferContext, i: number): number[] | undefined {
  const value = ctx.inputs[i] ? ctx.constant(i) : undefined;
  return value ? toNumbers(value) : undefined;
}

/** The element count of a 1-D input whose length is known, e.g. how many dims a shape input lists. */
function staticLength(facts: TensorFacts | undefined): number | undefined {
  const length = facts?.dims?.length === 1 ? facts.dims[0] : undefined;
  return typeof length === 'number' ? length : undefined;
}

function unknownDims(count: number | undefined, ctx: InferContext): Dim[] | undefined {
  return count === undefined ? undefined : Array.from({ length: count }, () => ctx.unknownDim());
}

/** d·factor, keeping symbols when the factor is 1. */
function scaleDim(d: Dim, factor: number, ctx: InferContext): Dim {
  if (factor === 1) return d;
  return typeof d === 'number' ? d * factor : factor === 0 ? 0 : ctx.unknownDim();
}

/** Output facts that are the first input's facts unchanged (Scatter*, Trilu). */
function sameAsData(op: string, ctx: InferContext): TensorFacts[] {
  const data = input(ctx, 0, op);
  return [{ type: data.type, dims: data.dims ? [...data.dims] : undefined }];
}

function checkChoice(op: string, ctx: InferContext, name: string, choices: readonly string[]): void {
  const value = ctx.attrs[name];
  if (typeof value !== 'string' || !choices.includes(value)) {
    throw new WebliteError('BAD_MODEL', `${nodeLabel(op, ctx.nodeName)}: ${name} '${String(value)}' is not one of ${choices.join(', ')}`);
  }
}

/** Concat's size along its axis: numeric sum, a lone symbol beside zeros, or unknown. */
function sumDims(dims: Dim[], ctx: InferContext): Dim {
  const symbols = dims.filter((d): d is string => typeof d === 'string');
  const total = dims.reduce<number>((sum, d) => sum + (typeof d === 'number' ? d : 0), 0);
  if (symbols.length === 0) return total;
  return symbols.length === 1 && total === 0 ? symbols[0]! : ctx.unknownDim();
}

function inferConcat(ctx: InferContext): TensorFacts[] {
  const where = nodeLabel('Concat', ctx.nodeName);
  const parts = ctx.inputs.filter((facts): facts is TensorFacts => facts !== undefined);
  const first = input(ctx, 0, 'Concat');
  if (parts.some((p) => p.type !== first.type)) {
    throw new WebliteError('BAD_MODEL', `${where}: inputs mix types ${[...new Set(parts.map((p) => p.type))].join(', ')}`);
  }
  const known = parts.filter((p) => p.dims !== undefined).map((p) => p.dims!);
  const rank = known[0]?.length;
  if (rank === undefined) return [{ type: first.type }];
  const axis = axisIn(ctx.attrs.axis as number, rank, where, 'BAD_MODEL');
  if (rank === 0) throw new WebliteError('BAD_MODEL', `${where}: cannot concatenate scalars`);
  const dims: Dim[] = [...known[0]!];
  for (const other of known) {
    if (other.length !== rank) throw new WebliteError('BAD_MODEL', `${where}: inputs have ranks ${known.map((k) => k.length).join(', ')}`);
    other.forEach((d, i) => {
      if (i === axis || d === dims[i]) return;
      if (typeof d === 'number' && typeof dims[i] === 'number') {
        throw new WebliteError('BAD_MODEL', `${where}: input dims [${other.join(', ')}] and [${known[0]!.join(', ')}] differ outside axis ${axis}`);
      }
      if (typeof d === 'number') dims[i] = d;
    });
  }
  dims[axis] = known.length === parts.length ? sumDims(known.map((k) => k[axis]!), ctx) : ctx.unknownDim();
  return [{ type: first.type, dims }];
}

function inferSplit(ctx: InferContext): TensorFacts[] {
  const where = nodeLabel('Split', ctx.nodeName);
  const data = input(ctx, 0, 'Split');
  const declared = ctx.attrs.num_outputs as number;
  if (declared > 0 && declared !== ctx.outputCount) {
    throw new WebliteError('BAD_MODEL', `${where}: num_outputs ${declared} but the node has ${ctx.outputCount} outputs`);
  }
  const count = splitCount(ctx.attrs, ctx.outputCount);
  const split = constantNumbers(ctx, 1);
  if (!data.dims) return Array.from({ length: count }, () => ({ type: data.type }));
  const dataDims = data.dims;
  const axis = axisIn(ctx.attrs.axis as number, dataDims.length, where, 'BAD_MODEL');
  const outputs = (dim: (i: number) => Dim): TensorFacts[] =>
    Array.from({ length: count }, (_, i) => ({ type: data.type, dims: dataDims.map((old, k) => (k === axis ? dim(i) : old)) }));
  const dim = data.dims[axis]!;
  if (ctx.inputs[1] && !split) return outputs(() => ctx.unknownDim());
  if (typeof dim === 'number' || split) {
    const sizes = typeof dim === 'number' ? splitSizes(dim, split, count, where, 'BAD_MODEL') : split!;
    if (sizes.length !== count) throw new WebliteError('BAD_MODEL', `${where}: split lists ${sizes.length} sizes for ${count} outputs`);
    return outputs((i) => sizes[i]!);
  }
  return outputs(() => (count === 1 ? dim : ctx.unknownDim()));
}

function inferSlice(ctx: InferContext): TensorFacts[] {
  const where = nodeLabel('Slice', ctx.nodeName);
  const data = input(ctx, 0, 'Slice');
  if (!data.dims) return [{ type: data.type }];
  const rank = data.dims.length;
  const [starts, ends, axes, steps] = [1, 2, 3, 4].map((i) => constantNumbers(ctx, i));
  const known = (i: number, value: number[] | undefined) => value !== undefined || !ctx.inputs[i];
  if (!starts || !ends || !known(3, axes) || !known(4, steps)) {
    // The sliced axes may still be known even when the bounds are not.
    const count = staticLength(ctx.inputs[1]);
    const touched = axes?.map((a) => axisIn(a, rank, where, 'BAD_MODEL')) ??
      (ctx.inputs[3] || count === undefined ? undefined : Array.from({ length: count }, (_, i) => i));
    return [{ type: data.type, dims: data.dims.map((d, k) => (touched && !touched.includes(k) ? d : ctx.unknownDim())) }];
  }
  const plan = sliceAxes(rank, starts, ends, axes, steps, where, 'BAD_MODEL');
  const dims = [...data.dims];
  plan.axes.forEach((axis, i) => {
    const d = dims[axis]!;
    const [start, end, step] = [plan.starts[i]!, plan.ends[i]!, plan.steps[i]!];
    if (typeof d === 'number') dims[axis] = sliceRange(d, start, end, step).count;
    else dims[axis] = step === 1 && start === 0 && end >= 2 ** 31 - 1 ? d : ctx.unknownDim();
  });
  return [{ type: data.type, dims }];
}

function inferPad(ctx: InferContext): TensorFacts[] {
  const where = nodeLabel('Pad', ctx.nodeName);
  checkChoice('Pad', ctx, 'mode', PAD_MODES);
  const data = input(ctx, 0, 'Pad');
  if (!data.dims) return [{ type: data.type }];
  const rank = data.dims.length;
  const pads = constantNumbers(ctx, 1);
  const axes = constantNumbers(ctx, 3);
  if (ctx.inputs[3] && !axes) return [{ type: data.type, dims: unknownDims(rank, ctx) }];
  if (!pads) {
    const touched = axes?.map((a) => axisIn(a, rank, where, 'BAD_MODEL'));
    return [{ type: data.type, dims: data.dims.map((d, k) => (touched && !touched.includes(k) ? d : ctx.unknownDim())) }];
  }
  const { before, after } = padPlan(rank, pads, axes, where, 'BAD_MODEL');
  const dims = data.dims.map((d, k) => {
    const added = before[k]! + after[k]!;
    if (typeof d === 'string') return added === 0 ? d : ctx.unknownDim();
    if (d + added < 0) throw new WebliteError('BAD_MODEL', `${where}: pads crop axis ${k} of size ${d} below zero`);
    return d + added;
  });
  return [{ type: data.type, dims }];
}

function inferBlockRearrange(op: 'DepthToSpace' | 'SpaceToDepth', ctx: InferContext): TensorFacts[] {
  const where = nodeLabel(op, ctx.nodeName);
  const data = input(ctx, 0, op);
  const block = ctx.attrs.blocksize as number;
  if (!Number.isInteger(block) || block < 1) throw new WebliteError('BAD_MODEL', `${where}: blocksize ${block} must be a positive integer`);
  if (!data.dims) return [{ type: data.type, dims: unknownDims(4, ctx) }];
  if (data.dims.length !== 4) throw new WebliteError('BAD_MODEL', `${where}: expects a 4-D NCHW input, got [${data.dims.join(', ')}]`);
  const [n, c, h, w] = data.dims as [Dim, Dim, Dim, Dim];
  const divide = (d: Dim, by: number, what: string): Dim => {
    if (typeof d !== 'number') return by === 1 ? d : ctx.unknownDim();
    if (d % by !== 0) throw new WebliteError('BAD_MODEL', `${where}: ${what} ${d} is not divisible by ${by}`);
    return d / by;
  };
  if (op === 'DepthToSpace') {
    return [{ type: data.type, dims: [n, divide(c, block * block, 'channels'), scaleDim(h, block, ctx), scaleDim(w, block, ctx)] }];
  }
  return [{ type: data.type, dims: [n, scaleDim(c, block * block, ctx), divide(h, block, 'height'), divide(w, block, 'width')] }];
}

export const movementOps = {
  Reshape: {
    inputs: [2, 2], outputs: [1, 1],
    attrs: { allowzero: { type: 'int', default: 0 } },
    infer(ctx) {
      const data = input(ctx, 0, 'Reshape');
      const shape = constantNumbers(ctx, 1);
      if (!shape) return [{ type: data.type, dims: unknownDims(staticLength(ctx.inputs[1]), ctx) }];
      const where = nodeLabel('Reshape', ctx.nodeName);
      return [{ type: data.type, dims: reshapeDims(data.dims, shape, ctx.attrs.allowzero !== 0, where, 'BAD_MODEL', ctx.unknownDim) }];
    },
    reference: reshapeReference,
  },
  Flatten: {
    inputs: [1, 1], outputs: [1, 1],
    attrs: { axis: { type: 'int', default: 1 } },
    infer(ctx) {
      const data = input(ctx, 0, 'Flatten');
      if (!data.dims) return [{ type: data.type, dims: unknownDims(2, ctx) }];
      const axis = flattenAxis(ctx.attrs.axis as number, data.dims.length, nodeLabel('Flatten', ctx.nodeName), 'BAD_MODEL');
      return [{ type: data.type, dims: [productDim(data.dims.slice(0, axis), ctx.unknownDim), productDim(data.dims.slice(axis), ctx.unknownDim)] }];
    },
    reference: flattenReference,
  },
  Squeeze: {
    inputs: [1, 2], outputs: [1, 1], attrs: {},
    infer(ctx) {
      const data = input(ctx, 0, 'Squeeze');
      if (!data.dims) return [{ type: data.type }];
      const axes = constantNumbers(ctx, 1);
      if (ctx.inputs[1] && !axes) {
        const count = staticLength(ctx.inputs[1]);
        return [{ type: data.type, dims: unknownDims(count === undefined ? undefined : data.dims.length - count, ctx) }];
      }
      const removed = squeezeAxes(data.dims, axes, nodeLabel('Squeeze', ctx.nodeName), 'BAD_MODEL');
      return [{ type: data.type, dims: removed && data.dims.filter((_, i) => !removed.includes(i)) }];
    },
    reference: squeezeReference,
  },
  Unsqueeze: {
    inputs: [2, 2], outputs: [1, 1], attrs: {},
    infer(ctx) {
      const data = input(ctx, 0, 'Unsqueeze');
      const axes = constantNumbers(ctx, 1);
      if (!data.dims) return [{ type: data.type }];
      if (!axes) {
        const count = staticLength(ctx.inputs[1]);
        return [{ type: data.type, dims: unknownDims(count === undefined ? undefined : data.dims.length + count, ctx) }];
      }
      return [{ type: data.type, dims: unsqueezeDims(data.dims, axes, nodeLabel('Unsqueeze', ctx.nodeName), 'BAD_MODEL') }];
    },
    reference: unsqueezeReference,
  },
  Transpose: {
    inputs: [1, 1], outputs: [1, 1],
    attrs: { perm: { type: 'ints', default: [] } },
    infer(ctx) {
      const data = input(ctx, 0, 'Transpose');
      if (!data.dims) return [{ type: data.type }];
      const perm = resolvePerm(ctx.attrs.perm as number[], data.dims.length, nodeLabel('Transpose', ctx.nodeName), 'BAD_MODEL');
      return [{ type: data.type, dims: perm.map((p) => data.dims![p]!) }];
    },
    reference: transposeReference,
  },
  Concat: {
    inputs: [1, Infinity], outputs: [1, 1],
    attrs: { axis: { type: 'int', required: true } },
    infer: inferConcat,
    reference: concatReference,
  },
  Split: {
    inputs: [1, 2], outputs: [1, Infinity],
    attrs: { axis: { type: 'int', default: 0 }, num_outputs: { type: 'int', default: 0 } },
    infer: inferSplit,
    reference: splitReference,
  },
  Slice: { inputs: [3, 5], outputs: [1, 1], attrs: {}, infer: inferSlice, reference: sliceReference },
  Gather: {
    inputs: [2, 2], outputs: [1, 1],
    attrs: { axis: { type: 'int', default: 0 } },
    infer(ctx) {
      const data = input(ctx, 0, 'Gather');
      const indices = input(ctx, 1, 'Gather');
      if (!data.dims || !indices.dims) return [{ type: data.type }];
      const where = nodeLabel('Gather', ctx.nodeName);
      if (data.dims.length === 0) throw new WebliteError('BAD_MODEL', `${where}: data must have rank ≥ 1`);
      return [{ type: data.type, dims: gatherDims(data.dims, indices.dims, axisIn(ctx.attrs.axis as number, data.dims.length, where, 'BAD_MODEL')) }];
    },
    reference: gatherReference,
  },
  GatherElements: {
    inputs: [2, 2], outputs: [1, 1],
    attrs: { axis: { type: 'int', default: 0 } },
    infer(ctx) {
      const data = input(ctx, 0, 'GatherElements');
      const indices = input(ctx, 1, 'GatherElements');
      if (data.dims && indices.dims) {
        const where = nodeLabel('GatherElements', ctx.nodeName);
        checkElementwiseIndices(data.dims, indices.dims, axisIn(ctx.attrs.axis as number, data.dims.length, where, 'BAD_MODEL'), where, 'BAD_MODEL');
      }
      return [{ type: data.type, dims: indices.dims && [...indices.dims] }];
    },
    reference: gatherElementsReference,
  },
  GatherND: {
    inputs: [2, 2], outputs: [1, 1],
    attrs: { batch_dims: { type: 'int', default: 0 } },
    infer(ctx) {
      const data = input(ctx, 0, 'GatherND');
      const indices = input(ctx, 1, 'GatherND');
      if (!data.dims || !indices.dims || typeof indices.dims[indices.dims.length - 1] !== 'number') return [{ type: data.type }];
      const where = nodeLabel('GatherND', ctx.nodeName);
      return [{ type: data.type, dims: gatherNDDims(data.dims, indices.dims, ctx.attrs.batch_dims as number, where, 'BAD_MODEL') }];
    },
    reference: gatherNDReference,
  },
  ScatterElements: {
    inputs: [3, 3], outputs: [1, 1],
    attrs: { axis: { type: 'int', default: 0 }, reduction: { type: 'string', default: 'none' } },
    infer(ctx) {
      checkChoice('ScatterElements', ctx, 'reduction', REDUCTIONS);
      const [data, indices] = [input(ctx, 0, 'ScatterElements'), input(ctx, 1, 'ScatterElements')];
      if (data.dims && indices.dims) {
        const where = nodeLabel('ScatterElements', ctx.nodeName);
        checkElementwiseIndices(data.dims, indices.dims, axisIn(ctx.attrs.axis as number, data.dims.length, where, 'BAD_MODEL'), where, 'BAD_MODEL');
      }
      return sameAsData('ScatterElements', ctx);
    },
    reference: scatterElementsReference,
  },
  ScatterND: {
    inputs: [3, 3], outputs: [1, 1],
    attrs: { reduction: { type: 'string', default: 'none' } },
    infer(ctx) {
      checkChoice('ScatterND', ctx, 'reduction', REDUCTIONS);
      const [data, indices] = [input(ctx, 0, 'ScatterND'), input(ctx, 1, 'ScatterND')];
      if (data.dims && indices.dims) scatterNDUpdateDims(data.dims, indices.dims, nodeLabel('ScatterND', ctx.nodeName), 'BAD_MODEL');
      return sameAsData('ScatterND', ctx);
    },
    reference: scatterNDReference,
  },
  Pad: {
    inputs: [2, 4], outputs: [1, 1],
    attrs: { mode: { type: 'string', default: 'constant' } },
    infer: inferPad,
    reference: padReference,
  },
  Tile: {
    inputs: [2, 2], outputs: [1, 1], attrs: {},
    infer(ctx) {
      const data = input(ctx, 0, 'Tile');
      const repeats = constantNumbers(ctx, 1);
      if (!data.dims) return [{ type: data.type, dims: unknownDims(repeats?.length ?? staticLength(ctx.inputs[1]), ctx) }];
      if (!repeats) return [{ type: data.type, dims: unknownDims(data.dims.length, ctx) }];
      if (repeats.length !== data.dims.length || repeats.some((r) => !Number.isInteger(r) || r < 0)) {
        throw new WebliteError('BAD_MODEL', `${nodeLabel('Tile', ctx.nodeName)}: repeats [${repeats.join(', ')}] must be ` +
          `${data.dims.length} non-negative integers`);
      }
      return [{ type: data.type, dims: data.dims.map((d, i) => scaleDim(d, repeats[i]!, ctx)) }];
    },
    reference: tileReference,
  },
  Expand: {
    inputs: [2, 2], outputs: [1, 1], attrs: {},
    infer(ctx) {
      const data = input(ctx, 0, 'Expand');
      const shape = constantNumbers(ctx, 1);
      if (!shape) {
        const length = staticLength(ctx.inputs[1]);
        return [{ type: data.type, dims: data.dims && length !== undefined ? unknownDims(Math.max(length, data.dims.length), ctx) : undefined }];
      }
      if (!data.dims) return [{ type: data.type, dims: unknownDims(shape.length, ctx) }];
      return [{ type: data.type, dims: broadcastDims([data.dims, shape], nodeLabel('Expand', ctx.nodeName), ctx.unknownDim) }];
    },
    reference: expandReference,
  },
  DepthToSpace: {
    inputs: [1, 1], outputs: [1, 1],
    attrs: { blocksize: { type: 'int', required: true }, mode: { type: 'string', default: 'DCR' } },
    infer(ctx) {
      checkChoice('DepthToSpace', ctx, 'mode', ['DCR', 'CRD']);
      return inferBlockRearrange('DepthToSpace', ctx);
    },
    reference: depthToSpaceReference,
  },
  SpaceToDepth: {
    inputs: [1, 1], outputs: [1, 1],
    attrs: { blocksize: { type: 'int', required: true } },
    infer: (ctx) => inferBlockRearrange('SpaceToDepth', ctx),
    reference: spaceToDepthReference,
  },
  Shape: {
    inputs: [1, 1], outputs: [1, 1],
    // An end beyond the rank clamps to it, so the largest int32 stands for "to the last dim".
    attrs: { start: { type: 'int', default: 0 }, end: { type: 'int', default: 2147483647 } },
    infer(ctx) {
      const data = input(ctx, 0, 'Shape');
      if (!data.dims) return [{ type: 'int64', dims: [ctx.unknownDim()] }];
      const [first, last] = shapeRange(data.dims.length, ctx.attrs.start as number, ctx.attrs.end as number);
      return [{ type: 'int64', dims: [last - first] }];
    },
    reference: shapeReference,
  },
  Size: { inputs: [1, 1], outputs: [1, 1], attrs: {}, infer: () => [{ type: 'int64', dims: [] }], reference: sizeReference },
  ConstantOfShape: {
    inputs: [1, 1], outputs: [1, 1],
    attrs: { value: { type: 'tensor', required: false } },
    infer(ctx) {
      const value = constantOfShapeValue(ctx.attrs);
      const shape = constantNumbers(ctx, 0);
      if (!shape) return [{ type: value.type, dims: unknownDims(staticLength(ctx.inputs[0]), ctx) }];
      if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
        throw new WebliteError('BAD_MODEL', `${nodeLabel('ConstantOfShape', ctx.nodeName)}: shape [${shape.join(', ')}] must hold non-negative integers`);
      }
      return [{ type: value.type, dims: shape }];
    },
    reference: constantOfShapeReference,
  },
  Range: {
    inputs: [3, 3], outputs: [1, 1], attrs: {},
    infer(ctx) {
      const start = input(ctx, 0, 'Range');
      const values = [0, 1, 2].map((i) => ctx.constant(i));
      if (values.some((v) => v === undefined)) return [{ type: start.type, dims: [ctx.unknownDim()] }];
      const where = nodeLabel('Range', ctx.nodeName);
      const [first, limit, delta] = values.map((v) => scalarValue(v!, where, 'BAD_MODEL')) as [number | bigint, number | bigint, number | bigint];
      return [{ type: start.type, dims: [rangeCount(first, limit, delta, where, 'BAD_MODEL')] }];
    },
    reference: rangeReference,
  },
  OneHot: {
    inputs: [3, 3], outputs: [1, 1],
    attrs: { axis: { type: 'int', default: -1 } },
    infer(ctx) {
      const indices = input(ctx, 0, 'OneHot');
      const values = input(ctx, 2, 'OneHot');
      if (!indices.dims) return [{ type: values.type }];
      const where = nodeLabel('OneHot', ctx.nodeName);
      const axis = axisIn(ctx.attrs.axis as number, indices.dims.length + 1, where, 'BAD_MODEL');
      const depthValue = ctx.constant(1);
      const depth = depthValue ? Math.trunc(Number(scalarValue(depthValue, where, 'BAD_MODEL'))) : ctx.unknownDim();
      if (typeof depth === 'number' && !(depth >= 1 && Number.isFinite(depth))) throw new WebliteError('BAD_MODEL', `${where}: depth ${depth} must be positive`);
      return [{ type: values.type, dims: [...indices.dims.slice(0, axis), depth, ...indices.dims.slice(axis)] }];
    },
    reference: oneHotReference,
  },
  Trilu: {
    inputs: [1, 2], outputs: [1, 1],
    attrs: { upper: { type: 'int', default: 1 } },
    infer(ctx) {
      const dims = input(ctx, 0, 'Trilu').dims;
      if (dims && dims.length < 2) {
        throw new WebliteError('BAD_MODEL', `${nodeLabel('Trilu', ctx.nodeName)}: input must have rank ≥ 2, got [${dims.join(', ')}]`);
      }
      return sameAsData('Trilu', ctx);
    },
    reference: triluReference,
  },
} satisfies Partial<Record<OpType, OpSpec>>;
