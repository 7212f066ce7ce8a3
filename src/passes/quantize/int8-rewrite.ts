/**
 * The QDQ rewrite of static int8 quantization (int8-static.ts), given the plan and the calibrated parameters.
 *
 * An activation keeps its name for what its readers see: the producer's output is renamed `<name>_float`, and
 * QuantizeLinear → DequantizeLinear write `<name>` again, so consumers and graph outputs are untouched and the float
 * and quantized graphs can be compared tensor by tensor. A graph input keeps its name as the model's input; its
 * readers move to `<name>_dequantized`. Tensors of one parameter group share their scale and zero-point constants.
 *
 * Biases are quantized as they are; bias-correction.ts then adjusts them on the finished graph.
 *
 * Invariant: constant values of the input graph are never mutated (graphs may share them, see cloneGraph).
 */
import type { Graph, Node } from '../../ir/graph.js';
import { resolveAttrs } from '../../ir/attrs.js';
import { type OpType, opTable } from '../../ir/ops.js';
import { roundHalfToEven } from '../../ir/reference/elementwise-cast.js';
import { Tensor } from '../../ir/tensor.js';
import { BIAS_LIMIT, type BiasSite } from './bias-correction.js';
import type { Calibration } from './calibrate.js';
import { quantizePerChannel } from './int8-weights.js';
import type { ProductSite, QdqPlan } from './qdq-plan.js';
import type { ReconstructSite } from './reconstruct.js';
import { activationParams } from './ranges.js';

/** What the rewrite quantized: the int32 biases (for bias correction) and every product with its input scale. */
export interface Rewritten {
  biases: BiasSite[];
  products: ReconstructSite[];
}

/** Rewrites `graph` in QDQ form. */
export function rewriteQdq(
  graph: Graph, plan: QdqPlan, calibration: Calibration, options: { biasCorrection: boolean; wide?: ReadonlySet<string> },
): Rewritten {
  const biases: BiasSite[] = [];
  const products: ReconstructSite[] = [];
  const nodeNames = new Set(graph.nodes.map((node) => node.name));
  const nodes: Node[] = [];
  const add = (op: OpType, inputs: string[], output: string, attrs: Node['attrs'] = {}) => {
    // Named after the tensor it writes (the .wlm writer then stores no separate name).
    let name = nodeNames.has(output) ? `${output}_${op === 'QuantizeLinear' ? 'quantize' : 'dequantize'}` : output;
    for (let i = 1; nodeNames.has(name); i++) name = `${output}_${op === 'QuantizeLinear' ? 'quantize' : 'dequantize'}_${i}`;
    nodeNames.add(name);
    // Nodes carry resolved attributes (defaults filled), as the front-ends leave them.
    nodes.push({ name, op, inputs, outputs: [output], attrs: resolveAttrs(opTable[op].attrs, attrs, `node '${name}'`) });
  };
  const constant = (prefix: string, value: Tensor): string => {
    const name = graph.uniqueName(prefix);
    graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
    return name;
  };
  const intermediate = (prefix: string, type: 'int8' | 'int16' | 'float32', like: string): string => {
    const name = graph.uniqueName(prefix);
    const dims = graph.tensors.get(like)?.dims;
    graph.tensors.set(name, { name, type, dims: dims ? [...dims] : undefined });
    return name;
  };
  // Zero points are zeros for every weight and bias: one constant per dtype and length serves them all.
  const zeroConstants = new Map<string, string>();
  const zeros = (type: 'int8' | 'int32', length: number): string => {
    const key = `${type}[${length}]`;
    let name = zeroConstants.get(key);
    if (!name) zeroConstants.set(key, (name = constant(`zero_point_${type}_${length}`, Tensor.zeros(type, [length]))));
    return name;
  };
  // A constant read by one node only gives its name to the dequantized value (the file stays small, the graph
  // readable); a shared one keeps its float value for its other readers.
  const readers = new Map<string, number>();
  for (const node of graph.nodes) for (const name of new Set(node.inputs)) readers.set(name, (readers.get(name) ?? 0) + 1);
  const dequantized = (original: string, dims: readonly number[]): string => {
    if (!graph.tensors.has(original)) {
      // A bias made up for bias correction: it has no float original.
      graph.tensors.set(original, { name: original, type: 'float32', dims: [...dims] });
      return original;
    }
    if (readers.get(original) !== 1 || graph.outputs.includes(original)) {
      const name = graph.uniqueName(`${original}_dequantized`);
      graph.tensors.set(name, { name, type: 'float32', dims: [...dims] });
      return name;
    }
    graph.tensors.set(original, { name: original, type: 'float32', dims: [...dims] });
    return original;
  };

  const groupConstants = new Map<string, [string, string]>();
  // Groups chosen for 16 bits (sensitivity.ts) get int16 parameters over the same range.
  const wide = options.wide ?? new Set<string>();
  const params = new Map([...calibration.params].map(([group, value]) => [group, wide.has(group) ? activationParams(calibration.ranges.get(group)!, 16) : value]));
  const paramsOf = (name: string) => params.get(plan.group.get(name)!)!;
  const constantsOf = (name: string): [string, string] => {
    const group = plan.group.get(name)!;
    let names = groupConstants.get(group);
    if (!names) {
      const { scale, zeroPoint } = paramsOf(name);
      names = [
        constant(`${group}_scale`, new Tensor('float32', Float32Array.of(scale), [])),
        constant(`${group}_zero_point`, wide.has(group) ? new Tensor('int16', Int16Array.of(zeroPoint), []) : new Tensor('int8', Int8Array.of(zeroPoint), [])),
      ];
      groupConstants.set(group, names);
    }
    return names;
  };
  const quantizeDequantize = (source: string, target: string, name: string) => {
    const [scale, zeroPoint] = constantsOf(name);
    const quantized = intermediate(`${name}_quantized`, wide.has(plan.group.get(name)!) ? 'int16' : 'int8', source);
    add('QuantizeLinear', [source, scale, zeroPoint], quantized, { axis: 1 });
    add('DequantizeLinear', [quantized, scale, zeroPoint], target, { axis: 1 });
  };

  const activations = new Set(plan.activations);
  const renamedInputs = new Map<string, string>();
  for (const name of graph.inputs) {
    if (!activations.has(name)) continue;
    const target = intermediate(`${name}_dequantized`, 'float32', name);
    quantizeDequantize(name, target, name);
    renamedInputs.set(name, target);
  }
  const sites = new Map(plan.products.map((site) => [site.node, site]));
  const operands = new Map<Node, number[]>();
  for (const { node, index } of plan.operands) operands.set(node, [...(operands.get(node) ?? []), index]);

  for (const node of graph.nodes) {
    const site = sites.get(node);
    // The activation input's parameters, looked up under its name before graph inputs are redirected.
    const x = node.inputs[0]!;
    node.inputs = node.inputs.map((name) => renamedInputs.get(name) ?? name);
    if (site && activations.has(x)) {
      const xScale = paramsOf(x).scale;
      const result = quantizeProduct(graph, site, xScale, options.biasCorrection, { add, constant, zeros, dequantized });
      if (result) products.push({ site, xScale, bias: result.bias });
      if (result?.bias) biases.push(result.bias);
    }
    for (const index of operands.get(node) ?? []) {
      const name = node.inputs[index]!;
      const value = graph.constant(name) as Tensor<'float32'>;
      const { scale, zeroPoint } = activationParams(rangeOf(value.data));
      const quantized = new Int8Array(value.size);
      for (let i = 0; i < value.size; i++) quantized[i] = clamp(roundHalfToEven(value.data[i]! / scale) + zeroPoint, -128, 127);
      const stored = constant(`${name}_quantized`, new Tensor('int8', quantized, value.dims));
      const target = dequantized(name, value.dims);
      add('DequantizeLinear', [
        stored,
        constant(`${name}_scale`, new Tensor('float32', Float32Array.of(scale), [])),
        constant(`${name}_zero_point`, new Tensor('int8', Int8Array.of(zeroPoint), [])),
      ], target, { axis: 1 });
      node.inputs[index] = target;
    }
    nodes.push(node);
    node.outputs.forEach((name, i) => {
      if (!activations.has(name)) return;
      const source = intermediate(`${name}_float`, 'float32', name);
      node.outputs[i] = source;
      quantizeDequantize(source, name, name);
    });
  }
  graph.nodes = nodes;
  return { biases, products };
}

interface Emit {
  add(op: OpType, inputs: string[], output: string, attrs?: Node['attrs']): void;
  constant(prefix: string, value: Tensor): string;
  zeros(type: 'int8' | 'int32', length: number): string;
  dequantized(original: string, dims: readonly number[]): string;
}

/**
 * Per-channel int8 weight and int32 bias for one product, as DequantizeLinear nodes before it; returns the bias for
 * bias correction to adjust.
 */
function quantizeProduct(
  graph: Graph, site: ProductSite, xScale: number, correct: boolean, emit: Emit,
): { bias?: BiasSite } | undefined {
  const { node, weightAxis } = site;
  const weightName = node.inputs[1]!;
  const weight = graph.constant(weightName) as Tensor<'float32'>;
  const channels = weight.dims[weightAxis]!;
  const biasName = site.biasIndex === undefined ? '' : (node.inputs[site.biasIndex] ?? '');
  const biasValue = graph.constant(biasName);
  const biasUsable = site.biasIndex !== undefined && (biasName === '' || (biasValue?.type === 'float32' && biasValue.dims.length === 1 && biasValue.size === channels));
  const bias = biasUsable && biasValue ? (biasValue.data as Float32Array) : undefined;

  // An int32 bias of |b| / (x_scale · w_scale) must stay in range: raise the weight scale where it would not.
  const minimumScales = bias ? Array.from(bias, (b) => Math.abs(b) / (xScale * BIAS_LIMIT)) : undefined;
  const result = quantizePerChannel(weight, weightAxis, minimumScales);
  if (!result) return undefined;
  // An all-zero channel: its weights are exact zeros whatever the scale; 1 keeps every scale positive.
  const scales = Float32Array.from(result.scales.data, (s) => (s > 0 ? s : 1));
  const quantized = result.quantized;
  const weightInputs = [
    emit.constant(`${weightName}_quantized`, quantized),
    emit.constant(`${weightName}_scale`, new Tensor('float32', scales, [channels])),
    emit.zeros('int8', channels),
  ];
  const weightTarget = emit.dequantized(weightName, weight.dims);
  emit.add('DequantizeLinear', weightInputs, weightTarget, { axis: weightAxis });
  node.inputs[1] = weightTarget;
  if (!biasUsable) return {};

  // Without a bias, bias correction needs one to write to; without correction, a missing bias stays missing.
  if (!bias && !correct) return {};
  const biasScales = scales.map((s) => Math.fround(xScale * s));
  const biasQuantized = Int32Array.from({ length: channels }, (_, c) => clamp(roundHalfToEven((bias?.[c] ?? 0) / biasScales[c]!), -BIAS_LIMIT, BIAS_LIMIT));
  const name = biasName || graph.uniqueName(`${node.name}_bias`);
  const stored = emit.constant(`${name}_quantized`, new Tensor('int32', biasQuantized, [channels]));
  const biasInputs = [
    stored,
    emit.constant(`${name}_scale`, new Tensor('float32', biasScales, [channels])),
    emit.zeros('int32', channels),
  ];
  const biasTarget = emit.dequantized(name, [channels]);
  emit.add('DequantizeLinear', biasInputs, biasTarget, { axis: 0 });
  while (node.inputs.length <= site.biasIndex!) node.inputs.push('');
  node.inputs[site.biasIndex!] = biasTarget;
  return { bias: { node, biasIndex: site.biasIndex!, quantized: stored, scales: biasScales } };
}

function rangeOf(data: Float32Array): { min: number; max: number } {
  let [min, max] = [Infinity, -Infinity];
  for (const x of data) if (Number.isFinite(x)) [min, max] = [Math.min(min, x), Math.max(max, x)];
  return min <= max ? { min, max } : { min: 0, max: 0 };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
