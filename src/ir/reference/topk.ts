/**
 * References for the search ops: ArgMax/ArgMin(data) and TopK(X, K). Each works on slices along one axis, seen as
 * (outer, axis, inner) with the axis stride equal to `inner`. Comparisons run on the stored values (BigInt for
 * int64/uint64, numbers otherwise, float16 widened), so int64 ties and orderings are exact.
 *
 * NaN follows ONNX's numpy references: ArgMax/ArgMin return the first NaN (np.argmax/np.argmin), while TopK, built
 * on a sort that places NaN last, never prefers a NaN over a number.
 */
import { WebliteError } from '../../errors.js';
import { float16ToFloat32 } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { required, toNumbers } from './util.js';
import type { Attrs } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';

type Element = number | bigint;

/** The elements in comparable form: float16 bits become numbers; everything else is read as stored. */
function comparableValues(tensor: Tensor, where: string): ArrayLike<Element> {
  if (tensor.type === 'string') throw new WebliteError('RUNTIME_ERROR', `${where}: string tensors are not supported`);
  if (tensor.type !== 'float16') return tensor.data as ArrayLike<Element>;
  const data = tensor.data as Uint16Array;
  const widened = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) widened[i] = float16ToFloat32(data[i]!);
  return widened;
}

/** Splits dims around `axis`: the slice count before it, its length, and the elements after it (its stride). */
function sliceGeometry(dims: readonly number[], axis: number): { outer: number; length: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= dims[d]!;
  for (let d = axis + 1; d < dims.length; d++) inner *= dims[d]!;
  return { outer, length: dims[axis]!, inner };
}

function normalizedAxis(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

const isNaNElement = (x: Element) => typeof x === 'number' && Number.isNaN(x);

export function argExtreme(op: 'ArgMax' | 'ArgMin', inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = `node '${ctx.nodeName}' (${op})`;
  const data = required(inputs, 0, where);
  const axis = normalizedAxis(attrs.axis as number, data.dims.length, where);
  const { outer, length, inner } = sliceGeometry(data.dims, axis);
  const outputDims = attrs.keepdims === 1 ? data.dims.map((d, i) => (i === axis ? 1 : d)) : data.dims.filter((_, i) => i !== axis);
  const out = Tensor.zeros('int64', outputDims);
  if (out.size === 0) return [out];
  if (length === 0) throw new WebliteError('RUNTIME_ERROR', `${where}: cannot take ${op} over axis ${axis}, which is empty`);

  const values = comparableValues(data, where);
  const selectLast = attrs.select_last_index === 1;
  const beats = op === 'ArgMax' ? (x: Element, best: Element) => x > best : (x: Element, best: Element) => x < best;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * length * inner + i;
      let bestIndex = 0;
      let best = values[base]!;
      for (let k = 1; k < length; k++) {
        const x = values[base + k * inner]!;
        if (isNaNElement(best)) {
          // A NaN already won; only a later NaN can replace it, and only when the last index is wanted.
          if (selectLast && isNaNElement(x)) bestIndex = k;
        } else if (isNaNElement(x) || beats(x, best) || (selectLast && x === best)) {
          best = x;
          bestIndex = k;
        }
      }
      out.data[o * inner + i] = BigInt(bestIndex);
    }
  }
  return [out];
}

export function topK(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = `node '${ctx.nodeName}' (TopK)`;
  const x = required(inputs, 0, where);
  const kValues = toNumbers(required(inputs, 1, where));
  if (kValues.length !== 1) throw new WebliteError('RUNTIME_ERROR', `${where}: K must hold one value, got ${kValues.length}`);
  const k = kValues[0]!;
  const axis = normalizedAxis(attrs.axis as number, x.dims.length, where);
  const { outer, length, inner } = sliceGeometry(x.dims, axis);
  if (!Number.isInteger(k) || k < 0 || k > length) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: K must be in [0, ${length}] (the size of axis ${axis}), got ${k}`);
  }

  const outputDims = x.dims.map((d, i) => (i === axis ? k : d));
  const values = Tensor.zeros(x.type, outputDims);
  const indices = Tensor.zeros('int64', outputDims);
  const comparable = comparableValues(x, where);
  const largest = attrs.largest === 1;
  // Sort order: preferred values first, NaN after every number, equal values by ascending index (ONNX's rule).
  // `sorted=0` leaves the order unspecified, so the sorted order serves both.
  const compare = (a: number, b: number): number => {
    const va = comparable[a]!;
    const vb = comparable[b]!;
    const aNaN = isNaNElement(va);
    const bNaN = isNaNElement(vb);
    if (aNaN || bNaN) return aNaN && bNaN ? a - b : aNaN ? 1 : -1;
    if (va !== vb) return (va > vb) === largest ? -1 : 1;
    return a - b;
  };

  const order = new Array<number>(length);
  const source = x.data as unknown as ArrayLike<unknown>;
  const target = values.data as unknown as { [i: number]: unknown };
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * length * inner + i;
      for (let j = 0; j < length; j++) order[j] = base + j * inner;
      order.sort(compare);
      const outputBase = o * k * inner + i;
      for (let j = 0; j < k; j++) {
        const from = order[j]!;
        target[outputBase + j * inner] = source[from]; // raw copy keeps float16 bits and int64 exact
        indices.data[outputBase + j * inner] = BigInt((from - base) / inner);
      }
    }
  }
  return [values, indices];
}
