/**
 * fp16 weight storage: each candidate float32 constant (see weights.ts) is stored as IEEE binary16, rounded to
 * nearest even, and a Cast(to = float32) under the original name restores a float32 tensor. The graph computes
 * what it computed before, on weights rounded to 11 significant bits; the file holds two bytes per weight.
 */
import { float32ToFloat16 } from '../../ir/dtype.js';
import type { Graph } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import type { Pass } from '../pass.js';
import { type Candidate, DequantizeBuilder, findCandidates } from './weights.js';

/** The largest finite binary16 value; a constant beyond it would turn into infinities, so it stays float32. */
const FLOAT16_MAX = 65504;

export function toFloat16(value: Tensor<'float32'>): Tensor<'float16'> | undefined {
  const source = value.data;
  const bits = new Uint16Array(source.length);
  for (let i = 0; i < source.length; i++) {
    const x = source[i]!;
    if (Math.abs(x) > FLOAT16_MAX) return undefined;
    bits[i] = float32ToFloat16(x);
  }
  return new Tensor('float16', bits, value.dims);
}

/** Rewrites one candidate as float16 + Cast; false when its values do not fit binary16. */
export function storeAsFloat16(builder: DequantizeBuilder, candidate: Candidate): boolean {
  const half = toFloat16(candidate.value);
  if (!half) return false;
  const stored = builder.constant(`${candidate.name}_fp16`, half);
  builder.replaceConstant(candidate.name);
  builder.node('Cast', [stored], candidate.name, { to: 'float32' });
  return true;
}

export const quantizeFloat16: Pass = {
  name: 'quantize-fp16',
  run(graph: Graph) {
    const builder = new DequantizeBuilder(graph);
    for (const candidate of findCandidates(graph)) storeAsFloat16(builder, candidate);
    return builder.install();
  },
};
