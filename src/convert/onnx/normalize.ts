/**
 * Opset normalisation: rewrites each ONNX node (any opset 7–18) into the IR's canonical form (src/ir/README.md).
 * This is the only place that knows which opset moved which attribute into an input.
 */
import { WebliteError } from '../../errors.js';
import type { AttrValue, Attrs } from '../../ir/graph.js';
import { type DType } from '../../ir/dtype.js';
import { Tensor } from '../../ir/tensor.js';
import { onnxDType } from './tensor.js';

export interface PendingNode {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
}

export interface NormalizeContext {
  opset: number;
  /** Registers a constant tensor and returns its name. */
  constant(hint: string, value: Tensor): string;
  /** Marks a Softmax-family node whose opset < 13 axis semantics (coerce to 2-D) must be resolved after inference. */
  legacySoftmax(node: PendingNode): void;
}

type Normalizer = (node: PendingNode, ctx: NormalizeContext) => void;

function setInput(node: PendingNode, index: number, name: string): void {
  while (node.inputs.length < index) node.inputs.push('');
  node.inputs[index] = name;
}

/** Moves attribute `attr` (if present) to input `index` as a constant of `type`. */
function attrToInput(node: PendingNode, ctx: NormalizeContext, attr: string, index: number, type: DType): void {
  const value = node.attrs[attr];
  if (value === undefined) return;
  delete node.attrs[attr];
  const values = (Array.isArray(value) ? value : [value]) as number[];
  const dims = Array.isArray(value) ? [values.length] : [];
  const tensor =
    type === 'int64'
      ? new Tensor('int64', BigInt64Array.from(values, toInt64), dims)
      : new Tensor('float32', Float32Array.from(values), dims);
  setInput(node, index, ctx.constant(`${node.name}_${attr}`, tensor));
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
/** Attribute ints arrive as JS numbers; INT64_MAX (a common "to the end" bound) rounds up to 2^63 — clamp it. */
function toInt64(value: number): bigint {
  const big = BigInt(Math.trunc(value));
  return big > INT64_MAX ? INT64_MAX : big < INT64_MIN ? INT64_MIN : big;
}

const axesToInput: Normalizer = (node, ctx) => attrToInput(node, ctx, 'axes', 1, 'int64');

const reduce =
  (sinceOpset: number): Normalizer =>
  (node, ctx) => {
    if (ctx.opset < sinceOpset) axesToInput(node, ctx);
  };

const LEGACY_CAST_NAMES: Record<string, number> = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
};

const resizeLegacy: Normalizer = (node, ctx) => {
  // Upsample (7–9) and Resize-10: nearest picks floor(x / scale), linear uses asymmetric coordinates.
  if (ctx.opset < 9 && node.op === 'Upsample') {
    const scales = node.attrs.scales;
    delete node.attrs.scales;
    if (scales === undefined) throw new WebliteError('BAD_MODEL', `node '${node.name}' (Upsample): missing 'scales'`);
    node.inputs = [node.inputs[0]!, '', ctx.constant(`${node.name}_scales`, new Tensor('float32', Float32Array.from(scales as number[])))];
  } else {
    node.inputs = [node.inputs[0]!, '', node.inputs[1] ?? ''];
  }
  const mode = node.attrs.mode;
  node.attrs = {
    mode: mode === 'bilinear' || mode === 'linear' ? 'linear' : mode === undefined ? 'nearest' : mode,
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  };
  node.op = 'Resize';
};

const legacySoftmax: Normalizer = (node, ctx) => {
  if (ctx.opset >= 13) return;
  node.attrs.axis ??= 1; // the opset < 13 default
  ctx.legacySoftmax(node);
};

const NORMALIZERS: Record<string, Normalizer> = {
  Split: (node, ctx) => {
    if (ctx.opset < 13) attrToInput(node, ctx, 'split', 1, 'int64');
  },
  Squeeze: (node, ctx) => {
    if (ctx.opset < 13) axesToInput(node, ctx);
  },
  Unsqueeze: (node, ctx) => {
    if (ctx.opset < 13) axesToInput(node, ctx);
  },
  ReduceSum: reduce(13),
  ReduceL1: reduce(18),
  ReduceL2: reduce(18),
  ReduceLogSum: reduce(18),
  ReduceLogSumExp: reduce(18),
  ReduceMax: reduce(18),
  ReduceMean: reduce(18),
  ReduceMin: reduce(18),
  ReduceProd: reduce(18),
  ReduceSumSquare: reduce(18),
  Pad: (node, ctx) => {
    if (ctx.opset >= 11) return;
    if (node.attrs.paddings !== undefined) node.attrs.pads = node.attrs.paddings;
    attrToInput(node, ctx, 'pads', 1, 'int64');
    if (node.attrs.value === 0) delete node.attrs.value;
    attrToInput(node, ctx, 'value', 2, 'float32');
  },
  Clip: (node, ctx) => {
    if (ctx.opset >= 11) return;
    attrToInput(node, ctx, 'min', 1, 'float32');
    attrToInput(node, ctx, 'max', 2, 'float32');
  },
  Slice: (node, ctx) => {
    if (ctx.opset >= 10) return;
    attrToInput(node, ctx, 'starts', 1, 'int64');
    attrToInput(node, ctx, 'ends', 2, 'int64');
    attrToInput(node, ctx, 'axes', 3, 'int64');
  },
  TopK: (node, ctx) => {
    if (ctx.opset < 10) attrToInput(node, ctx, 'k', 1, 'int64');
    // K is a 1-element 1-D tensor in every opset.
  },
  Upsample: resizeLegacy,
  Resize: (node, ctx) => {
    if (ctx.opset < 11) resizeLegacy(node, ctx);
  },
  Scatter: (node) => {
    node.op = 'ScatterElements';
  },
  Softmax: legacySoftmax,
  LogSoftmax: legacySoftmax,
  Hardmax: legacySoftmax,
  Cast: (node) => {
    let to: AttrValue | undefined = node.attrs.to;
    if (typeof to === 'string') to = LEGACY_CAST_NAMES[to.toUpperCase()] ?? -1;
    node.attrs.to = onnxDType(to as number, `node '${node.name}' (Cast)`);
  },
  BatchNormalization: (node) => {
    if (node.attrs.training_mode === 1) {
      throw new WebliteError('UNSUPPORTED_OP', `node '${node.name}' (BatchNormalization): training_mode=1 is not supported (inference only)`);
    }
    node.outputs = node.outputs.slice(0, 1);
  },
};

export function normalizeNode(node: PendingNode, ctx: NormalizeContext): void {
  NORMALIZERS[node.op]?.(node, ctx);
  // Trailing omitted optional inputs carry no meaning.
  while (node.inputs.length > 0 && node.inputs[node.inputs.length - 1] === '') node.inputs.pop();
}
