/**
 * Reference for Pad(data, pads, constant_value?, axes?) with modes constant, reflect, edge and wrap.
 * Negative pads crop; as in ONNX's reference, cropping happens first and the other modes then read the cropped
 * tensor, so a wrap or reflect never brings back an element that was cropped away.
 */
import { type ErrorCode, WebliteError } from '../../errors.js';
import type { Attrs } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';
import { stridesOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { axisIn, elementsOf, nodeLabel } from './movement.js';
import { required, toNumbers } from './util.js';

export const PAD_MODES = ['constant', 'reflect', 'edge', 'wrap'] as const;

/** Per-axis pads before and after, from the `[x1_begin, x2_begin, …, x1_end, x2_end, …]` layout over `axes`. */
export function padPlan(
  rank: number, pads: readonly number[], axes: readonly number[] | undefined, where: string, code: ErrorCode,
): { before: number[]; after: number[] } {
  const resolved = axes ? axes.map((a) => axisIn(a, rank, where, code)) : Array.from({ length: rank }, (_, i) => i);
  if (new Set(resolved).size !== resolved.length) throw new WebliteError(code, `${where}: axes [${axes?.join(', ')}] repeat an axis`);
  if (pads.length !== 2 * resolved.length || pads.some((p) => !Number.isInteger(p))) {
    throw new WebliteError(code, `${where}: pads [${pads.join(', ')}] must be ${2 * resolved.length} integers ` +
      `(begin and end for each of ${resolved.length} axes)`);
  }
  const before = new Array<number>(rank).fill(0);
  const after = new Array<number>(rank).fill(0);
  resolved.forEach((axis, i) => {
    before[axis] = pads[i]!;
    after[axis] = pads[i + resolved.length]!;
  });
  return { before, after };
}

/** Where a position `s` outside [0, size) reads from, or -1 for the constant. */
function outsideSource(mode: string, s: number, size: number): number {
  switch (mode) {
    case 'edge':
      return Math.min(Math.max(s, 0), size - 1);
    case 'wrap':
      return ((s % size) + size) % size;
    case 'reflect': {
      // Reflection without repeating the edge is periodic with period 2·(size - 1).
      if (size === 1) return 0;
      const period = 2 * (size - 1);
      const folded = ((s % period) + period) % period;
      return folded < size ? folded : period - folded;
    }
    default:
      return -1;
  }
}

export function padReference(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = nodeLabel('Pad', ctx.nodeName);
  const data = required(inputs, 0, where);
  const mode = attrs.mode as string;
  if (!(PAD_MODES as readonly string[]).includes(mode)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: unknown mode '${mode}' (expected ${PAD_MODES.join(', ')})`);
  }
  const rank = data.dims.length;
  const axes = inputs[3] ? toNumbers(inputs[3]) : undefined;
  const { before, after } = padPlan(rank, toNumbers(required(inputs, 1, where)), axes, where, 'RUNTIME_ERROR');
  const outDims = data.dims.map((d, k) => d + before[k]! + after[k]!);
  if (outDims.some((d) => d < 0)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: pads crop [${data.dims.join(', ')}] below zero size`);
  }
  const output = Tensor.zeros(data.type, outDims);
  if (output.size === 0) return [output];
  const strides = stridesOf(data.dims);
  // For each axis, the data offset each output coordinate reads, or -1 where it takes the constant.
  const offsets = data.dims.map((d, k) => {
    const low = Math.max(0, -before[k]!);
    const kept = d - low - Math.max(0, -after[k]!);
    const lead = Math.max(0, before[k]!);
    return Array.from({ length: outDims[k]! }, (_, o) => {
      const s = o - lead;
      if (s >= 0 && s < kept) return (low + s) * strides[k]!;
      if (mode !== 'constant' && kept <= 0) {
        throw new WebliteError('RUNTIME_ERROR', `${where}: mode '${mode}' cannot pad axis ${k}, which has no elements`);
      }
      const source = outsideSource(mode, s, kept);
      return source < 0 ? -1 : (low + source) * strides[k]!;
    });
  });
  const source = elementsOf(data);
  const target = elementsOf(output);
  const value = inputs[2] && inputs[2].size > 0 ? elementsOf(inputs[2])[0]! : undefined;
  const index = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < output.size; flat++) {
    let offset = 0;
    for (let k = 0; k < rank && offset >= 0; k++) {
      const step = offsets[k]![index[k]!]!;
      offset = step < 0 ? -1 : offset + step;
    }
    if (offset >= 0) target[flat] = source[offset]!;
    else if (value !== undefined) target[flat] = value;
    for (let k = rank - 1; k >= 0; k--) {
      if (++index[k]! < outDims[k]!) break;
      index[k] = 0;
    }
  }
  return [output];
}
