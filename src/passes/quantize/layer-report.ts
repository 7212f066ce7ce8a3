/**
 * Where int8 accuracy goes: each quantized op's output in the QDQ graph against the same tensor of the float graph,
 * on the same inputs. The QDQ rewrite keeps activation names (int8-rewrite.ts), so tensors pair up by name.
 *
 * Cosine similarity is computed over all samples together (one long vector per tensor), which weights each sample
 * by its energy; `worstCosine` is the lowest per-sample value.
 */
import type { Graph } from '../../ir/graph.js';
import type { OpType } from '../../ir/ops.js';
import { type CalibrationSample, runObserved } from './calibrate.js';

export interface LayerAccuracy {
  /** The tensor: a quantized op's output (after its QuantizeLinear → DequantizeLinear). */
  name: string;
  /** The op that computes it. */
  op: OpType;
  cosine: number;
  worstCosine: number;
  /** max |quantized − float| / max |float| over all samples. */
  relativeError: number;
  /** The quantized type of the tensor ('int8', 'int16', …); undefined for a float graph output. */
  storage?: string;
}

/** The quantized graph's activations (DequantizeLinear outputs fed by a QuantizeLinear) that the float graph has. */
function comparedTensors(float: Graph, quantized: Graph): Map<string, { op: OpType; storage?: string }> {
  const producers = quantized.producers();
  const compared = new Map<string, { op: OpType; storage?: string }>();
  for (const node of quantized.nodes) {
    if (node.op !== 'DequantizeLinear') continue;
    const quantize = producers.get(node.inputs[0]!);
    if (quantize?.op !== 'QuantizeLinear') continue;
    const name = node.outputs[0]!;
    const op = producers.get(quantize.inputs[0]!)?.op;
    if (!op || !float.tensors.has(name) || float.inputs.includes(name)) continue;
    compared.set(name, { op, storage: quantized.tensors.get(node.inputs[0]!)?.type });
  }
  for (const name of quantized.outputs) if (!compared.has(name) && float.tensors.has(name)) compared.set(name, { op: producers.get(name)?.op ?? 'Identity' });
  return compared;
}

export function compareLayers(float: Graph, quantized: Graph, samples: CalibrationSample[]): LayerAccuracy[] {
  const compared = comparedTensors(float, quantized);
  const watched = new Set(compared.keys());
  const totals = new Map([...watched].map((name) => [name, { dot: 0, floatNorm: 0, quantizedNorm: 0, worst: 1, error: 0, peak: 0 }]));
  for (const sample of samples) {
    const reference = new Map<string, Float32Array>();
    runObserved(float, sample, { watched, observe: (name, value) => reference.set(name, value.data as Float32Array) });
    runObserved(quantized, sample, { watched, observe: (name, value) => {
      const want = reference.get(name);
      const got = value.data as Float32Array;
      if (!want || want.length !== got.length) return;
      const total = totals.get(name)!;
      let [dot, floatNorm, quantizedNorm] = [0, 0, 0];
      for (let i = 0; i < got.length; i++) {
        dot += want[i]! * got[i]!;
        floatNorm += want[i]! * want[i]!;
        quantizedNorm += got[i]! * got[i]!;
        total.error = Math.max(total.error, Math.abs(got[i]! - want[i]!));
        total.peak = Math.max(total.peak, Math.abs(want[i]!));
      }
      total.dot += dot;
      total.floatNorm += floatNorm;
      total.quantizedNorm += quantizedNorm;
      total.worst = Math.min(total.worst, cosine(dot, floatNorm, quantizedNorm));
    } });
  }
  return [...compared].map(([name, { op, storage }]) => {
    const total = totals.get(name)!;
    return {
      name,
      op,
      storage,
      cosine: cosine(total.dot, total.floatNorm, total.quantizedNorm),
      worstCosine: total.worst,
      relativeError: total.peak > 0 ? total.error / total.peak : total.error,
    };
  });
}

/** Cosine of two vectors from their dot product and squared norms; 1 when both are zero. */
function cosine(dot: number, a: number, b: number): number {
  if (a === 0 && b === 0) return 1;
  if (a === 0 || b === 0) return 0;
  return dot / Math.sqrt(a * b);
}
