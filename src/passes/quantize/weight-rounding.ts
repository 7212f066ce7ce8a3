/**
 * Data-aware rounding of int8 weights. Rounding each weight to the nearest step minimises the error of the weights;
 * what matters is the error of the outputs, E[(Δw · x)²] = Δwᵀ H Δw with H = E[x xᵀ] over the inputs a weight row
 * sees (im2col patches for a Conv, rows of A for a Gemm / MatMul). Neighbouring pixels are strongly correlated, so
 * errors that cancel across a row matter much less than errors that add up: on MobileNet's depthwise filters,
 * whose taps nearly cancel, nearest rounding shifts outputs far more than its per-weight error suggests.
 *
 * Each weight may take either neighbour of w / scale (the AdaRound constraint, Nagel et al. 2020); starting from
 * nearest, a greedy descent flips the one weight that lowers Δwᵀ H Δw most, until none does. H is measured on the
 * float model's inputs during calibration.
 */
import type { Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { window2d } from '../../ir/window.js';

/** Rows longer than this keep nearest rounding (H would need K² entries per group). */
const MAX_ROW = 1024;
/** Patches sampled per sample and group-row, to bound the cost of H on large feature maps. */
const MAX_POSITIONS = 2048;

/** Second moments of the inputs of one product: one K×K matrix per group (K = the weight row length). */
export class InputMoments {
  private moments: Float64Array[] | undefined;
  rowLength = 0;

  /** Adds one sample's input `x` of product `node` whose weight has dims `weightDims`; false when unsupported. */
  add(node: Node, x: Tensor, weightDims: readonly number[]): boolean {
    const data = x.data as Float32Array;
    if (node.op === 'Conv' || node.op === 'FusedConv') return this.addConv(node, data, x.dims, weightDims);
    if (weightDims.length !== 2 || x.dims.length < 2) return false;
    const transposed = node.op.endsWith('Gemm') && Number(node.attrs.transA ?? 0) !== 0;
    if (transposed) return false;
    const k = x.dims.at(-1)!;
    const rows = x.size / k;
    const patches = (visit: (index: (i: number) => number) => void) => {
      const stride = Math.max(1, Math.floor(rows / MAX_POSITIONS));
      for (let r = 0; r < rows; r += stride) visit((i) => data[r * k + i]!);
    };
    return this.accumulate(1, k, () => patches);
  }

  private addConv(node: Node, data: Float32Array, dims: readonly number[], weightDims: readonly number[]): boolean {
    const [outputs, perGroup, ...kernel] = weightDims;
    const window = window2d(node, dims, kernel);
    if (!window || window.batch !== 1 || outputs === undefined || perGroup === undefined) return false;
    const groups = Number(node.attrs.group ?? 1);
    const { inH, inW, outH, outW, kernelH, kernelW } = window;
    const k = perGroup * kernelH * kernelW;
    const stride = Math.max(1, Math.floor(Math.sqrt((outH * outW) / MAX_POSITIONS)));
    return this.accumulate(groups, k, (group) => (visit) => {
      for (let oy = 0; oy < outH; oy += stride) {
        for (let ox = 0; ox < outW; ox += stride) {
          visit((i) => {
            const channel = group * perGroup + Math.floor(i / (kernelH * kernelW));
            const dy = Math.floor(i / kernelW) % kernelH;
            const dx = i % kernelW;
            const y = oy * window.strideH - window.padTop + dy * window.dilationH;
            const xx = ox * window.strideW - window.padLeft + dx * window.dilationW;
            return y < 0 || y >= inH || xx < 0 || xx >= inW ? 0 : data[(channel * inH + y) * inW + xx]!;
          });
        }
      }
    });
  }

  /** H[g] += p pᵀ for every patch p that `patches(g)` visits. */
  private accumulate(groups: number, k: number, patches: (group: number) => (visit: (index: (i: number) => number) => void) => void): boolean {
    if (k > MAX_ROW || (this.moments && (this.moments.length !== groups || this.rowLength !== k))) return false;
    this.rowLength = k;
    this.moments ??= Array.from({ length: groups }, () => new Float64Array(k * k));
    const patch = new Float64Array(k);
    for (let group = 0; group < groups; group++) {
      const moment = this.moments[group]!;
      patches(group)((value) => {
        for (let i = 0; i < k; i++) patch[i] = value(i);
        for (let i = 0; i < k; i++) {
          const pi = patch[i]!;
          if (pi === 0) continue;
          for (let j = 0; j < k; j++) moment[i * k + j]! += pi * patch[j]!;
        }
      });
    }
    return true;
  }

  group(index: number): Float64Array | undefined {
    return this.moments?.[index];
  }
}

/**
 * Re-rounds `quantized` (int8, already nearest-rounded with `scales` along `axis`) to lower Δwᵀ H Δw per output
 * channel. `rows` yields, per output channel, the flat indices of its weights in row order and its group.
 */
export function roundAdaptively(
  weight: Float32Array,
  quantized: Int8Array,
  scales: Float32Array,
  moments: InputMoments,
  rows: Iterable<{ channel: number; group: number; indices: Int32Array }>,
): void {
  const k = moments.rowLength;
  const gradient = new Float64Array(k);
  for (const { channel, group, indices } of rows) {
    const h = moments.group(group);
    const scale = scales[channel]!;
    if (!h || scale === 0 || indices.length !== k) continue;
    // gradient = H Δ, Δ = q·s − w
    gradient.fill(0);
    for (let j = 0; j < k; j++) {
      const delta = quantized[indices[j]!]! * scale - weight[indices[j]!]!;
      if (delta === 0) continue;
      for (let i = 0; i < k; i++) gradient[i]! += h[i * k + j]! * delta;
    }
    for (let iteration = 0; iteration < 2 * k; iteration++) {
      let best = -1;
      let bestGain = 0;
      let bestStep = 0;
      for (let i = 0; i < k; i++) {
        const at = indices[i]!;
        const target = weight[at]! / scale;
        const q = quantized[at]!;
        // The other neighbour of w / s: one step towards it, never past it (q stays floor or ceil).
        const step = target > q ? 1 : target < q ? -1 : 0;
        if (step === 0 || q + step > 127 || q + step < -127 || Math.abs(q + step - target) >= 1) continue;
        const change = step * scale;
        const gain = 2 * change * gradient[i]! + change * change * h[i * k + i]!;
        if (gain < bestGain) [best, bestGain, bestStep] = [i, gain, step];
      }
      if (best < 0) break;
      quantized[indices[best]!]! += bestStep;
      const change = bestStep * scale;
      for (let i = 0; i < k; i++) gradient[i]! += h[i * k + best]! * change;
    }
  }
}
