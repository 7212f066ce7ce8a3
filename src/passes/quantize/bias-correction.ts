/**
 * Empirical bias correction for static int8 (Nagel et al. 2019, "Data-Free Quantization", §4.2, with the
 * expectations measured rather than derived): rounding weights and activations shifts the mean of each output
 * channel of a product, and on networks with cancelling depthwise filters (MobileNet) those shifts, amplified
 * layer after layer, cost more than the rounding noise itself. For each product in graph order, the int32 bias is
 * chosen so that the QDQ graph's mean pre-activation output per channel equals the float graph's:
 *
 *   b_c = E[y_float,c] − E[(W_q ⋆ x_q)_c]        (x_q: the QDQ graph's input, with every earlier bias corrected)
 *
 * The QDQ graph runs on all samples in lock step, node by node, so each correction sees the corrected layers before
 * it; memory holds one frontier of activations per sample.
 */
import type { Graph, Node } from '../../ir/graph.js';
import { opTable } from '../../ir/ops.js';
import { roundHalfToEven } from '../../ir/reference/elementwise-cast.js';
import { Tensor } from '../../ir/tensor.js';
import type { CalibrationSample } from './calibrate.js';

/** Biases stay within ±2^30 (headroom in the int32 accumulator they are added to). */
export const BIAS_LIMIT = 2 ** 30;

/** A product whose bias is an int32 DequantizeLinear, as the QDQ rewrite left it. */
export interface BiasSite {
  node: Node;
  biasIndex: number;
  /** The int32 constant's name and the per-channel bias scales (x_scale · w_scale[c]). */
  quantized: string;
  scales: Float32Array;
}

const FUSED: ReadonlySet<string> = new Set(['FusedConv', 'FusedGemm', 'FusedMatMul']);

/** The product's output before its fused activation (the output itself for unfused products). */
export function preactivation(node: Node, inputs: (Tensor | undefined)[], output: Tensor): Tensor {
  if (!FUSED.has(node.op) || !node.attrs.activation) return output;
  const attrs = { ...node.attrs, activation: '', activation_params: [] };
  return opTable[node.op].reference(inputs, attrs, { outputCount: 1, nodeName: node.name })[0]!;
}

/** Output channels: axis 1 of a Conv's NCHW output, the last axis of a Gemm / MatMul output. */
function channelAxis(node: Node, rank: number): number {
  return node.op === 'Conv' || node.op === 'FusedConv' ? 1 : rank - 1;
}

/** Per-channel mean of a product's output over every sample and position. */
export class ChannelMeans {
  private sums: Float64Array | undefined;
  private count = 0;

  add(value: Tensor, node: Node): void {
    const dims = value.dims;
    const axis = channelAxis(node, dims.length);
    const channels = dims[axis]!;
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const sums = (this.sums ??= new Float64Array(channels));
    const data = value.data as Float32Array;
    for (let start = 0, channel = 0; start < data.length; start += inner, channel = (channel + 1) % channels) {
      let total = 0;
      for (let i = start; i < start + inner; i++) total += data[i]!;
      sums[channel]! += total;
    }
    this.count += value.size / channels;
  }

  get value(): Float64Array {
    return (this.sums ?? new Float64Array(0)).map((sum) => sum / this.count);
  }
}

/** Rewrites each site's int32 bias in `graph` (the QDQ graph) so its channel means match `floatMeans`. */
export function correctBiases(graph: Graph, sites: BiasSite[], floatMeans: Map<string, Float64Array>, samples: CalibrationSample[]): void {
  const byNode = new Map(sites.map((site) => [site.node, site]));
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, index) => node.inputs.forEach((name) => name && lastUse.set(name, index)));
  const values = samples.map((sample) => new Map(graph.inputs.map((name) => [name, sample[name]!])));
  const producers = graph.producers();

  graph.nodes.forEach((node, index) => {
    const site = byNode.get(node);
    const want = floatMeans.get(node.name);
    if (site && want) {
      const measured = new ChannelMeans();
      for (const sampleValues of values) {
        const inputs = node.inputs.map((name, i) => (i === site.biasIndex ? undefined : lookup(graph, sampleValues, name)));
        const output = opTable[node.op].reference(inputs, node.attrs, { outputCount: 1, nodeName: node.name })[0]!;
        measured.add(preactivation(node, inputs, output), node);
      }
      const got = measured.value;
      const bias = Int32Array.from(want, (mean, c) => clamp(roundHalfToEven((mean - got[c]!) / site.scales[c]!), -BIAS_LIMIT, BIAS_LIMIT));
      const info = graph.tensor(site.quantized);
      info.value = new Tensor('int32', bias, info.value!.dims);
      // The bias's DequantizeLinear ran before this node: run it again with the new values.
      const biasName = node.inputs[site.biasIndex]!;
      const dequantize = producers.get(biasName)!;
      const [dequantized] = opTable[dequantize.op].reference(dequantize.inputs.map((name) => graph.constant(name)), dequantize.attrs, {
        outputCount: 1,
        nodeName: dequantize.name,
      });
      for (const sampleValues of values) sampleValues.set(biasName, dequantized!);
    }
    for (const sampleValues of values) {
      const inputs = node.inputs.map((name) => lookup(graph, sampleValues, name));
      const outputs = opTable[node.op].reference(inputs, node.attrs, { outputCount: node.outputs.length, nodeName: node.name });
      node.outputs.forEach((name, i) => name !== '' && outputs[i] && sampleValues.set(name, outputs[i]!));
      for (const name of node.inputs) if (lastUse.get(name) === index) sampleValues.delete(name);
    }
  });
}

function lookup(graph: Graph, values: Map<string, Tensor>, name: string): Tensor | undefined {
  return name === '' ? undefined : (values.get(name) ?? graph.constant(name));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
