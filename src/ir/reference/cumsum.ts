/**
 * Reference for CumSum(x, axis) with attrs exclusive and reverse. Each output element is the sum of the elements
 * before it along the axis (including itself unless exclusive; "before" means after when reverse).
 * Float running sums are kept in float64 and rounded per stored element; int64/uint64 sums use BigInt and 8–32-bit
 * integers use float64, both exact and wrapped modulo 2^bits on store, as numpy's cumsum in the input type does.
 */
import { WebliteError } from '../../errors.js';
import { isBig } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { readFloats, writeFloats } from './reduce.js';
import { required, toNumbers } from './util.js';
import type { Attrs } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';

export function cumSum(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = `node '${ctx.nodeName}' (CumSum)`;
  const x = required(inputs, 0, where);
  const axisValues = toNumbers(required(inputs, 1, where));
  const rank = x.dims.length;
  if (axisValues.length !== 1) throw new WebliteError('RUNTIME_ERROR', `${where}: axis must hold one value, got ${axisValues.length}`);
  const axis = axisValues[0]! < 0 ? axisValues[0]! + rank : axisValues[0]!;
  if (axis < 0 || axis >= rank) throw new WebliteError('RUNTIME_ERROR', `${where}: axis ${axisValues[0]} is out of range for rank ${rank}`);
  if (x.type === 'string' || x.type === 'bool') throw new WebliteError('RUNTIME_ERROR', `${where}: ${x.type} input is not supported`);

  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= x.dims[d]!;
  for (let d = axis + 1; d < rank; d++) inner *= x.dims[d]!;
  const length = x.dims[axis]!;
  const exclusive = attrs.exclusive === 1;
  const reverse = attrs.reverse === 1;

  /** Walks every line along the axis in summation order; `first` marks the start of a line. */
  const scan = (visit: (first: boolean, offset: number) => void): void => {
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * length * inner + i;
        for (let step = 0; step < length; step++) {
          const k = reverse ? length - 1 - step : step;
          visit(step === 0, base + k * inner);
        }
      }
    }
  };

  if (isBig(x.type)) {
    const source = x.data as BigInt64Array | BigUint64Array;
    const out = Tensor.zeros(x.type, x.dims);
    const target = out.data as BigInt64Array | BigUint64Array;
    let running = 0n;
    scan((first, offset) => {
      if (first) running = 0n;
      if (exclusive) target[offset] = running;
      running += source[offset]!;
      if (!exclusive) target[offset] = running; // the store wraps modulo 2^64
    });
    return [out];
  }

  const source = readFloats(x);
  const sums = new Float64Array(source.length);
  let running = 0;
  scan((first, offset) => {
    if (first) running = 0;
    if (exclusive) sums[offset] = running;
    running += source[offset]!;
    if (!exclusive) sums[offset] = running;
  });
  return [writeFloats(x.type, sums, x.dims)];
}
