/**
 * Data-aware int8 weight rounding and bias correction, layer by layer on the QDQ graph (AdaRound's "asymmetric"
 * setting, Nagel et al. 2020, with its rounding done greedily; bias correction, Nagel et al. 2019): product by
 * product in graph order, each output channel's int8 row q, scale s and bias b are chosen so that the product,
 * reading its input x_q from the QDQ graph (every earlier layer already quantized), stays close to the float
 * product on the calibration samples. With the bias refitted afterwards (b = E[y_float] − E[q·s·x_q]), the output
 * error that rounding adds is
 *
 *   (s q − w)ᵀ A (s q − w),   A = Cov(x_q) + λD,   D = diag Cov(x_q),   λ = K / n
 *
 * for rows of length K over n sampled patches. Two choices follow from it, and fix what rounding by E[x xᵀ] (the
 * uncentred moment) did wrong on MobileNet: the mean of the input costs nothing, since the bias absorbs it, so the
 * flips go to the error that bias correction cannot undo; and the ridge keeps A near diagonal where the samples
 * cannot pin it down (a classifier reading one pooled vector per image sees 4 samples for 256 weights; E[x xᵀ] of
 * rank 4 let greedy flips fit those 4 images at the others' expense). Each row's scale (its clipping) is chosen by
 * the same error among a few ratios of max |w|.
 *
 * Tried and dropped: fitting a least-squares target w* = A⁻¹ Cov(x_q, x_float) w instead of w (a Wiener filter that
 * would undo upstream activation rounding): on 4 calibration images it fits them (logit cosine 0.9999) and does
 * worse on other images.
 *
 * The QDQ graph and the float graph run in lock step on all samples, node by node; memory holds one frontier of
 * activations per sample and graph.
 */
import type { Graph, Node } from '../../ir/graph.js';
import { opTable } from '../../ir/ops.js';
import { roundHalfToEven } from '../../ir/reference/elementwise-cast.js';
import { Tensor } from '../../ir/tensor.js';
import { BIAS_LIMIT, type BiasSite, ChannelMeans, preactivation } from './bias-correction.js';
import type { CalibrationSample } from './calibrate.js';
import { type Patches, patchesOf, weightRows } from './patches.js';
import type { ProductSite } from './qdq-plan.js';

/** Rows longer than this keep nearest rounding (A needs K² entries per group). */
const MAX_ROW = 1024;
/** Patches sampled per input and group. */
const MAX_POSITIONS = 2048;
/** Clipping ratios tried for each row's scale (rows up to MAX_SEARCHED_ROW long; longer rows use max |w*|). */
const CLIP_RATIOS = [1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7];
const MAX_SEARCHED_ROW = 256;

export interface ReconstructSite {
  site: ProductSite;
  /** The int32 bias the QDQ rewrite emitted, when the product has one. */
  bias?: BiasSite;
  /** The input's activation scale (the bias grid is x_scale · w_scale[c]). */
  xScale: number;
}

/**
 * Rewrites the int8 weights, weight scales and int32 biases of `sites` in `graph` (the QDQ graph, rewritten from
 * `float`, whose product nodes keep their names).
 */
export function reconstructWeights(graph: Graph, float: Graph, sites: ReconstructSite[], samples: CalibrationSample[]): void {
  const byNode = new Map(sites.map((entry) => [entry.site.node, entry]));
  const quantized = new Lockstep(graph, samples);
  const reference = new Lockstep(float, samples);
  const producers = graph.producers();
  for (const [index, node] of graph.nodes.entries()) {
    const entry = byNode.get(node);
    if (entry) {
      const floatNode = reference.advanceTo(node.name);
      if (floatNode) reconstructProduct(graph, float, entry, floatNode, quantized, reference, producers);
    }
    quantized.step(index);
  }
}

/** Runs a graph on every sample, one node at a time, dropping values after their last reader. */
class Lockstep {
  readonly values: Map<string, Tensor>[];
  private readonly lastUse = new Map<string, number>();
  private next = 0;

  constructor(private readonly graph: Graph, samples: CalibrationSample[]) {
    graph.nodes.forEach((node, index) => node.inputs.forEach((name) => name && this.lastUse.set(name, index)));
    this.values = samples.map((sample) => new Map(graph.inputs.filter((name) => sample[name]).map((name) => [name, sample[name]!])));
  }

  lookup(values: Map<string, Tensor>, name: string): Tensor | undefined {
    return name === '' ? undefined : (values.get(name) ?? this.graph.constant(name));
  }

  inputs(node: Node): (Tensor | undefined)[][] {
    return this.values.map((values) => node.inputs.map((name) => this.lookup(values, name)));
  }

  step(index: number): void {
    const node = this.graph.nodes[index]!;
    for (const values of this.values) {
      const inputs = node.inputs.map((name) => this.lookup(values, name));
      const outputs = opTable[node.op].reference(inputs, node.attrs, { outputCount: node.outputs.length, nodeName: node.name });
      node.outputs.forEach((name, i) => name !== '' && outputs[i] && values.set(name, outputs[i]!));
      for (const name of node.inputs) if (this.lastUse.get(name) === index) values.delete(name);
    }
  }

  /** Runs every node before the one named `name`; returns that node (undefined when there is none ahead). */
  advanceTo(name: string): Node | undefined {
    while (this.next < this.graph.nodes.length && this.graph.nodes[this.next]!.name !== name) this.step(this.next++);
    return this.graph.nodes[this.next];
  }
}

function reconstructProduct(
  graph: Graph, float: Graph, entry: ReconstructSite, floatNode: Node, quantized: Lockstep, reference: Lockstep, producers: Map<string, Node>,
): void {
  const { node, weightAxis } = entry.site;
  const weightDequantize = producers.get(node.inputs[1]!);
  const weight = float.constant(floatNode.inputs[1]!);
  if (weightDequantize?.op !== 'DequantizeLinear' || weight?.type !== 'float32') return;
  const [quantizedName, scaleName] = weightDequantize.inputs as [string, string];
  const biasIndex = entry.bias?.biasIndex;
  const floatBias = biasIndex === undefined ? undefined : float.constant(floatNode.inputs[biasIndex] ?? '');
  const channels = weight.dims[weightAxis]!;

  const xq = quantized.values.map((values) => quantized.lookup(values, node.inputs[0]!)!);
  const patches = patchesOf(node, xq[0]!.dims, weight.dims, MAX_POSITIONS);
  const scales = Float32Array.from(graph.constant(scaleName)!.data as Float32Array);
  const ints = Int8Array.from(graph.constant(quantizedName)!.data as Int8Array);
  const minimumScale = (c: number) => (floatBias ? Math.abs((floatBias.data as Float32Array)[c]!) / (entry.xScale * BIAS_LIMIT) : 0);

  if (patches && patches.length <= MAX_ROW) {
    const centred = entry.bias !== undefined;
    const moments = Array.from({ length: patches.groups }, (_, group) => errorMetric(patches, xq, group, centred));
    const w = weight.data as Float32Array;
    for (const { channel, group, indices } of weightRows(node, weight.dims, weightAxis)) {
      const row = Float64Array.from(indices, (i) => w[i]!);
      const { scale, values } = roundRow(row, moments[group]!, minimumScale(channel));
      scales[channel] = scale;
      indices.forEach((at, i) => (ints[at] = values[i]!));
    }
  }
  graph.tensor(quantizedName).value = new Tensor('int8', ints, weight.dims);
  graph.tensor(scaleName).value = new Tensor('float32', scales, graph.constant(scaleName)!.dims);
  rerun(graph, weightDequantize, quantized);

  const bias = entry.bias;
  if (!bias) return;
  // Bias correction on every position: the float graph's mean pre-activation minus the QDQ product's without bias.
  const biasDequantize = producers.get(node.inputs[bias.biasIndex]!)!;
  const biasScales = Float32Array.from({ length: channels }, (_, c) => Math.fround(entry.xScale * scales[c]!));
  const want = new ChannelMeans();
  reference.inputs(floatNode).forEach((inputs) => {
    const output = opTable[floatNode.op].reference(inputs, floatNode.attrs, { outputCount: 1, nodeName: floatNode.name })[0]!;
    want.add(preactivation(floatNode, inputs, output), floatNode);
  });
  const got = new ChannelMeans();
  quantized.inputs(node).forEach((inputs) => {
    inputs[bias.biasIndex] = undefined;
    const output = opTable[node.op].reference(inputs, node.attrs, { outputCount: 1, nodeName: node.name })[0]!;
    got.add(preactivation(node, inputs, output), node);
  });
  const [wanted, measured] = [want.value, got.value];
  const values = Int32Array.from(wanted, (mean, c) => clamp(roundHalfToEven((mean - measured[c]!) / biasScales[c]!), -BIAS_LIMIT, BIAS_LIMIT));
  graph.tensor(bias.quantized).value = new Tensor('int32', values, [channels]);
  graph.tensor(biasDequantize.inputs[1]!).value = new Tensor('float32', biasScales, [channels]);
  bias.scales = biasScales;
  rerun(graph, biasDequantize, quantized);
}

/** Recomputes a constant chain's DequantizeLinear after its inputs changed, for every sample. */
function rerun(graph: Graph, dequantize: Node, lockstep: Lockstep): void {
  const [value] = opTable[dequantize.op].reference(dequantize.inputs.map((name) => graph.constant(name)), dequantize.attrs, {
    outputCount: 1,
    nodeName: dequantize.name,
  });
  for (const values of lockstep.values) values.set(dequantize.outputs[0]!, value!);
}

/** A = Cov(x_q) + λD (K×K, row-major) of one group's patches; E[x xᵀ] + λD where the product has no bias. */
function errorMetric(patches: Patches, xq: Tensor[], group: number, centred: boolean): Float64Array {
  const k = patches.length;
  const qq = new Float64Array(k * k);
  const meanQ = new Float64Array(k);
  let count = 0;
  for (const value of xq) {
    patches.visit(value.data as Float32Array, group, (patch) => {
      count++;
      for (let i = 0; i < k; i++) {
        const pi = patch[i]!;
        meanQ[i]! += pi;
        if (pi === 0) continue;
        for (let j = 0; j < k; j++) qq[i * k + j]! += pi * patch[j]!;
      }
    });
  }
  const n = Math.max(count, 1);
  for (let i = 0; i < k; i++) meanQ[i]! /= n;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) qq[i * k + j] = qq[i * k + j]! / n - (centred ? meanQ[i]! * meanQ[j]! : 0);
  }
  let trace = 0;
  for (let i = 0; i < k; i++) trace += qq[i * k + i]!;
  // A floor for inputs that never vary (dead channels): their weights then round to nearest.
  const floor = (trace / k) * 1e-6 + 1e-30;
  const lambda = k / n;
  const matrix = Float64Array.from(qq);
  for (let i = 0; i < k; i++) matrix[i * k + i]! += lambda * (qq[i * k + i]! + floor) + floor;
  return matrix;
}

/**
 * The int8 row and scale closest to the float row `target` in the metric `matrix` (A): each clipping ratio's scale, nearest
 * rounding, then a greedy descent that moves single weights to their other neighbour while that lowers
 * (s q − w)ᵀ A (s q − w); the best over ratios.
 */
function roundRow(target: Float64Array, matrix: Float64Array, minimumScale: number): { scale: number; values: Int8Array } {
  const k = target.length;
  let largest = 0;
  for (const value of target) largest = Math.max(largest, Math.abs(value));
  if (largest === 0) return { scale: Math.max(minimumScale, 1), values: new Int8Array(k) };
  let best = { error: Infinity, scale: 0, values: new Int8Array(k) };
  const ratios = k <= MAX_SEARCHED_ROW ? CLIP_RATIOS : [1];
  const gradient = new Float64Array(k);
  for (const ratio of ratios) {
    const scale = Math.fround(Math.max((ratio * largest) / 127, minimumScale));
    const values = Int8Array.from(target, (value) => clamp(roundHalfToEven(value / scale), -127, 127));
    // gradient = A Δ, Δ = s q − w
    gradient.fill(0);
    for (let j = 0; j < k; j++) {
      const delta = values[j]! * scale - target[j]!;
      if (delta !== 0) for (let i = 0; i < k; i++) gradient[i]! += matrix[i * k + j]! * delta;
    }
    for (let iteration = 0; iteration < 2 * k; iteration++) {
      let [chosen, chosenGain, chosenStep] = [-1, 0, 0];
      for (let i = 0; i < k; i++) {
        const wanted = target[i]! / scale;
        const q = values[i]!;
        const step = wanted > q ? 1 : wanted < q ? -1 : 0;
        if (step === 0 || q + step > 127 || q + step < -127 || Math.abs(q + step - wanted) >= 1) continue;
        const change = step * scale;
        const gain = 2 * change * gradient[i]! + change * change * matrix[i * k + i]!;
        if (gain < chosenGain) [chosen, chosenGain, chosenStep] = [i, gain, step];
      }
      if (chosen < 0) break;
      values[chosen]! += chosenStep;
      const change = chosenStep * scale;
      for (let i = 0; i < k; i++) gradient[i]! += matrix[i * k + chosen]! * change;
    }
    let error = 0; // Δᵀ A Δ
    for (let i = 0; i < k; i++) error += (values[i]! * scale - target[i]!) * gradient[i]!;
    if (error < best.error) best = { error, scale, values };
  }
  return best;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
