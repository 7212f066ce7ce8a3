/**
 * Einsum: equation parsing (shared with shape inference) and the reference.
 *
 * Supported: any number of operands, letters a–z A–Z, one '...' per term (broadcast dims, right-aligned across
 * operands as numpy does), repeated letters within a term (diagonals), explicit ('->') and implicit output
 * (the ellipsis dims, then the letters used exactly once, in alphabetical order), whitespace anywhere.
 */
import { WebliteError } from '../../errors.js';
import { isBig, isFloat } from '../dtype.js';
import type { Dim } from '../graph.js';
import { Tensor, sizeOf } from '../tensor.js';
import { finishFloatOutput, floatData, floatOutput } from './matmul.js';

/** Labels are numbers: a letter is its char code; ellipsis dim j (of the broadcast block) is ELLIPSIS + j. */
const ELLIPSIS = 1000;

export interface EinsumPlan {
  /** Label of each axis of each operand. */
  inputs: number[][];
  /** Label of each output axis. */
  output: number[];
}

function labelName(label: number): string {
  return label >= ELLIPSIS ? `...[${label - ELLIPSIS}]` : String.fromCharCode(label);
}

interface Term {
  before: number[];
  after: number[];
  ellipsis: boolean;
}

function parseTerm(term: string, equation: string, where: string): Term {
  const parts = term.split('...');
  if (parts.length > 2) throw new WebliteError('BAD_MODEL', `${where}: Einsum '${equation}' has more than one '...' in a term`);
  const letters = (part: string): number[] =>
    [...part].map((ch) => {
      if (!/^[a-zA-Z]$/.test(ch)) throw new WebliteError('BAD_MODEL', `${where}: Einsum '${equation}' has an invalid label '${ch}'`);
      return ch.charCodeAt(0);
    });
  return { before: letters(parts[0]!), after: letters(parts[1] ?? ''), ellipsis: parts.length === 2 };
}

/** Parses `equation` for operands of the given ranks; throws BAD_MODEL when they do not fit. */
export function parseEinsum(equation: string, ranks: readonly number[], where: string): EinsumPlan {
  const compact = equation.replace(/\s+/g, '');
  const [left, right, extra] = compact.split('->');
  if (left === undefined || extra !== undefined) throw new WebliteError('BAD_MODEL', `${where}: Einsum equation '${equation}' is malformed`);
  const terms = left.split(',').map((t) => parseTerm(t, equation, where));
  if (terms.length !== ranks.length) {
    throw new WebliteError('BAD_MODEL', `${where}: Einsum '${equation}' names ${terms.length} operands, the node has ${ranks.length}`);
  }
  const ellipsisRanks = terms.map((term, i) => {
    const explicit = term.before.length + term.after.length;
    const rest = ranks[i]! - explicit;
    if (rest < 0 || (!term.ellipsis && rest !== 0)) {
      throw new WebliteError('BAD_MODEL', `${where}: Einsum '${equation}' term ${i} does not fit an operand of rank ${ranks[i]}`);
    }
    return rest;
  });
  const broadcastRank = Math.max(0, ...ellipsisRanks);
  const ellipsisLabels = (count: number): number[] =>
    Array.from({ length: count }, (_, j) => ELLIPSIS + broadcastRank - count + j);
  const inputs = terms.map((term, i) => [...term.before, ...ellipsisLabels(ellipsisRanks[i]!), ...term.after]);

  let output: number[];
  if (right !== undefined) {
    const term = parseTerm(right, equation, where);
    output = [...term.before, ...(term.ellipsis ? ellipsisLabels(broadcastRank) : []), ...term.after];
    const used = new Set(inputs.flat());
    for (const [i, label] of output.entries()) {
      if (label < ELLIPSIS && !used.has(label)) {
        throw new WebliteError('BAD_MODEL', `${where}: Einsum '${equation}' output label '${labelName(label)}' is not an input label`);
      }
      if (output.indexOf(label) !== i) {
        throw new WebliteError('BAD_MODEL', `${where}: Einsum '${equation}' repeats output label '${labelName(label)}'`);
      }
    }
  } else {
    const counts = new Map<number, number>();
    for (const label of inputs.flat()) if (label < ELLIPSIS) counts.set(label, (counts.get(label) ?? 0) + 1);
    const once = [...counts].filter(([, count]) => count === 1).map(([label]) => label).sort((a, b) => a - b);
    output = [...ellipsisLabels(broadcastRank), ...once];
  }
  return { inputs, output };
}

/**
 * The size of every label. A size-1 axis broadcasts against a larger one; symbolic dims are kept where no
 * concrete size is known. `fail` builds the error for sizes that disagree.
 */
export function einsumLabelSizes(plan: EinsumPlan, dims: readonly (readonly Dim[])[], fail: (message: string) => Error): Map<number, Dim> {
  const sizes = new Map<number, Dim>();
  plan.inputs.forEach((labels, i) => {
    labels.forEach((label, axis) => {
      const size = dims[i]![axis]!;
      const known = sizes.get(label);
      if (known === undefined || known === 1 || (typeof known === 'string' && typeof size === 'number' && size !== 1)) {
        sizes.set(label, size);
      } else if (size !== 1 && size !== known && typeof size === 'number' && typeof known === 'number') {
        throw fail(`label '${labelName(label)}' has sizes ${known} and ${size}`);
      }
    });
  });
  return sizes;
}

/** Walks every combination of label values, keeping each operand's flat offset up to date. */
class Odometer {
  readonly offsets: Int32Array;
  private readonly counters: Int32Array;

  constructor(private readonly sizes: readonly number[], private readonly strides: readonly (readonly number[])[]) {
    this.offsets = new Int32Array(strides.length);
    this.counters = new Int32Array(sizes.length);
  }

  next(): void {
    for (let l = this.sizes.length - 1; l >= 0; l--) {
      this.counters[l]!++;
      for (let t = 0; t < this.strides.length; t++) this.offsets[t]! += this.strides[t]![l]!;
      if (this.counters[l]! < this.sizes[l]!) return;
      for (let t = 0; t < this.strides.length; t++) this.offsets[t]! -= this.strides[t]![l]! * this.counters[l]!;
      this.counters[l] = 0;
    }
  }
}

export function einsum(operands: readonly Tensor[], equation: string, where: string): Tensor {
  const type = operands[0]!.type;
  if (type === 'string' || type === 'bool' || operands.some((t) => t.type !== type)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: Einsum needs numeric operands of one type, got ${operands.map((t) => t.type).join(', ')}`);
  }
  const plan = parseEinsum(equation, operands.map((t) => t.dims.length), where);
  const sizes = einsumLabelSizes(plan, operands.map((t) => t.dims),
    (message) => new WebliteError('RUNTIME_ERROR', `${where}: Einsum '${equation}': ${message}`));
  const contracted = [...new Set(plan.inputs.flat())].filter((label) => !plan.output.includes(label));
  const labels = [...plan.output, ...contracted];
  const labelSizes = labels.map((label) => sizes.get(label) as number);
  // Stride of each label in each operand: summed over repeated axes (diagonals), 0 where the axis broadcasts.
  const strides = operands.map((t, i) => {
    const perLabel = new Array<number>(labels.length).fill(0);
    let stride = 1;
    for (let axis = t.dims.length - 1; axis >= 0; axis--) {
      const l = labels.indexOf(plan.inputs[i]![axis]!);
      if (t.dims[axis] !== 1) perLabel[l]! += stride;
      stride *= t.dims[axis]!;
    }
    return perLabel;
  });
  const outDims = plan.output.map((label) => sizes.get(label) as number);
  const outCount = sizeOf(outDims);
  const innerCount = sizeOf(labelSizes.slice(plan.output.length));
  const odometer = new Odometer(labelSizes, strides);
  const offsets = odometer.offsets;

  if (isBig(type)) {
    const out = Tensor.zeros(type, outDims);
    const arrays = operands.map((t) => t.data as BigInt64Array | BigUint64Array);
    const target = out.data as BigInt64Array | BigUint64Array;
    for (let o = 0; o < outCount; o++) {
      let sum = 0n;
      for (let r = 0; r < innerCount; r++, odometer.next()) {
        let product = 1n;
        for (let t = 0; t < arrays.length; t++) product *= arrays[t]![offsets[t]!]!;
        sum += product;
      }
      target[o] = sum;
    }
    return out;
  }
  // Floats sum in float64; narrower integers in float64 too, wrapping on the store (exact below 2^53).
  const float = isFloat(type) ? floatOutput(type, outDims) : undefined;
  const out = float ? float.tensor : Tensor.zeros(type, outDims);
  const target = (float ? float.values : out.data) as { [i: number]: number };
  const arrays = operands.map((t) => (isFloat(type) ? floatData(t) : (t.data as ArrayLike<number>)));
  for (let o = 0; o < outCount; o++) {
    let sum = 0;
    for (let r = 0; r < innerCount; r++, odometer.next()) {
      let product = 1;
      for (let t = 0; t < arrays.length; t++) product *= arrays[t]![offsets[t]!]!;
      sum += product;
    }
    target[o] = sum;
  }
  return float ? finishFloatOutput(float) : out;
}
