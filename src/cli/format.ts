/** Text helpers for CLI output. */
import type { Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(2)} MiB`;
}

export function opHistogram(graph: Graph): string {
  const counts = new Map<string, number>();
  for (const node of graph.nodes) counts.set(node.op, (counts.get(node.op) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op}×${n}`).join(' ');
}

export function parameterCount(graph: Graph): number {
  let total = 0;
  for (const info of graph.tensors.values()) if (info.value) total += info.value.size;
  return total;
}

export function describeDims(dims: readonly (number | string)[] | undefined): string {
  return dims ? `[${dims.join(', ')}]` : '[?]';
}

export function previewTensor(tensor: Tensor, count = 8): string {
  const data = tensor.data as ArrayLike<number | bigint | string>;
  const values = Array.from({ length: Math.min(count, data.length) }, (_, i) => {
    const v = data[i]!;
    return typeof v === 'number' ? Number(v.toPrecision(6)).toString() : String(v);
  });
  return `${tensor.type}${describeDims(tensor.dims)} [${values.join(', ')}${data.length > count ? ', …' : ''}]`;
}

/** Indices of the k largest values of a float tensor, with values. */
export function topK(tensor: Tensor, k: number): { index: number; value: number }[] {
  const data = tensor.data as ArrayLike<number>;
  const order = Array.from({ length: data.length }, (_, i) => i).sort((a, b) => data[b]! - data[a]!);
  return order.slice(0, k).map((index) => ({ index, value: data[index]! }));
}

/** Ops that exist only in quantized graphs (QDQ or QOperator form). */
const QUANTIZED_OPS = /^(QuantizeLinear|DequantizeLinear|QLinear\w+|QGemm)$/;

/**
 * How a session computes a quantized model, for the placement report: on integer kernels (wasm: qs8/s8 kernels) or in
 * float32 between QuantizeLinear and DequantizeLinear (webgpu, reference). undefined for a float model.
 */
export function quantizedSummary(placement: readonly { op: string; backend: string; kernel: string }[], backend: string): string | undefined {
  if (!placement.some((p) => QUANTIZED_OPS.test(p.op))) return undefined;
  // Quantized ops on the backend's kernels, and 8-bit data movement / requantization (kernel names say x8, s8, qs8).
  const integer = placement.filter((p) => p.backend !== 'cpu' && (/^(QLinear|QGemm)/.test(p.op) || /qs8|s8-maxpool|-x8|requantize/.test(p.kernel))).length;
  if (integer > 0) {
    return `quantized: ${integer}/${placement.length} nodes on 8-bit integer kernels; the others in float32 (between QuantizeLinear and DequantizeLinear where the model has them)`;
  }
  return `quantized: computed in float32 after DequantizeLinear (the ${backend} backend has no integer kernels), values rounded to the model's grids by QuantizeLinear`;
}
