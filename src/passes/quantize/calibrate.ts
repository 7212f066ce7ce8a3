/**
 * Calibration for static int8 quantization: the float graph runs on the user's samples with each op's reference
 * (src/ir/reference; plain TypeScript, no backend, so the converter stays usable in a browser) while observers
 * look at the tensors they care about as they are produced. Values are dropped after their last reader, so memory
 * stays at one forward pass whatever the number of samples.
 */
import { WebliteError } from '../../errors.js';
import type { Graph, Node } from '../../ir/graph.js';
import { opTable } from '../../ir/ops.js';
import type { Tensor } from '../../ir/tensor.js';
import { ChannelMeans, preactivation } from './bias-correction.js';
import type { QdqPlan } from './qdq-plan.js';
import { selectRanges } from './select-ranges.js';
import { type ActivationParams, type CalibrationMethod, Histogram, MinMax, type Range, activationParams, union } from './ranges.js';

/** One calibration sample: a value for every (non-constant) graph input, by input name. */
export type CalibrationSample = Record<string, Tensor>;

export interface RunHooks {
  /** Tensors passed to `observe` (graph inputs included) as soon as they exist. */
  watched?: ReadonlySet<string>;
  observe?: (name: string, value: Tensor) => void;
  /** Called after each node with its inputs and outputs. */
  onNode?: (node: Node, inputs: (Tensor | undefined)[], outputs: Tensor[]) => void;
  /** Values to return (default: none); everything else is dropped after its last reader. */
  keep?: ReadonlySet<string>;
}

/**
 * Checks the samples against the graph's inputs: a non-empty array, every input present with its dtype and static
 * dims, no unknown names. Typed errors, since this is where a user's data first meets the model.
 */
export function checkCalibration(graph: Graph, samples: unknown, where = 'quantize int8'): CalibrationSample[] {
  if (!Array.isArray(samples) || samples.length === 0) {
    throw new WebliteError(
      'BAD_ARGUMENT',
      `${where}: needs calibration data — a non-empty array of samples, each mapping the model's inputs (${listInputs(graph)}) to representative Tensors`,
    );
  }
  const inputs = graph.inputs.filter((name) => !graph.constant(name));
  samples.forEach((sample: unknown, index) => {
    const what = `${where}: calibration sample ${index}`;
    if (typeof sample !== 'object' || sample === null) throw new WebliteError('BAD_ARGUMENT', `${what} is not an object of Tensors`);
    const given = sample as Record<string, unknown>;
    for (const name of Object.keys(given)) {
      if (!inputs.includes(name)) throw new WebliteError('BAD_INPUT', `${what} has unknown input '${name}' (the model's inputs are ${listInputs(graph)})`);
    }
    for (const name of inputs) {
      const value = given[name] as Tensor | undefined;
      if (value === undefined) throw new WebliteError('BAD_INPUT', `${what} lacks input '${name}' (the model's inputs are ${listInputs(graph)})`);
      const info = graph.tensor(name);
      if (typeof value !== 'object' || !('type' in value) || !('dims' in value) || !('data' in value)) {
        throw new WebliteError('BAD_INPUT', `${what}: input '${name}' is not a Tensor`);
      }
      if (value.type !== info.type) throw new WebliteError('BAD_INPUT', `${what}: input '${name}' must be ${info.type}, got ${value.type}`);
      const dims = info.dims;
      const mismatch = dims && (dims.length !== value.dims.length || dims.some((d, i) => typeof d === 'number' && d !== value.dims[i]));
      if (mismatch) {
        throw new WebliteError('BAD_INPUT', `${what}: input '${name}' must have dims [${dims.join(', ')}], got [${value.dims.join(', ')}]`);
      }
    }
  });
  return samples as CalibrationSample[];
}

function listInputs(graph: Graph): string {
  return graph.inputs.filter((name) => !graph.constant(name)).map((name) => `'${name}'`).join(', ');
}

/** Runs `graph` once on `sample` with each op's reference; returns the values of `hooks.keep`. */
export function runObserved(graph: Graph, sample: CalibrationSample, hooks: RunHooks = {}): Map<string, Tensor> {
  const { watched, observe, onNode, keep } = hooks;
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, index) => node.inputs.forEach((name) => name && lastUse.set(name, index)));
  const values = new Map<string, Tensor>();
  for (const name of graph.inputs) {
    const value = sample[name];
    if (!value) continue;
    values.set(name, value);
    if (watched?.has(name)) observe?.(name, value);
  }
  const lookup = (name: string): Tensor | undefined => (name === '' ? undefined : (values.get(name) ?? graph.constant(name)));
  graph.nodes.forEach((node, index) => {
    const inputs = node.inputs.map(lookup);
    const outputs = opTable[node.op].reference(inputs, node.attrs, { outputCount: node.outputs.length, nodeName: node.name });
    node.outputs.forEach((name, i) => {
      const value = outputs[i];
      if (name === '' || !value) return;
      values.set(name, value);
      if (watched?.has(name)) observe?.(name, value);
    });
    onNode?.(node, inputs, outputs);
    for (const name of node.inputs) if (lastUse.get(name) === index && !keep?.has(name)) values.delete(name);
  });
  const kept = new Map<string, Tensor>();
  for (const name of keep ?? []) {
    const value = lookup(name);
    if (value) kept.set(name, value);
  }
  return kept;
}

/** What calibration measured. */
export interface Calibration {
  /** Each parameter group's int8 parameters (keyed by the group's representative tensor). */
  params: Map<string, ActivationParams>;
  /** The range each group's parameters were derived from. */
  ranges: Map<string, Range>;
  /** Per output channel, the float graph's mean pre-activation output of each product with a bias slot, by node name. */
  preactivationMeans: Map<string, Float64Array>;
}

export interface CalibrateOptions {
  method: CalibrationMethod;
  /** For 'percentile': the share of values kept inside the range, in percent. */
  percentile: number;
  /** Measure the pre-activation means bias correction needs. */
  biasCorrection: boolean;
  /** Called after each calibration run with the fraction done (0–1). */
  onProgress?: (fraction: number) => void;
}

/** Runs the float graph on every sample (twice for percentiles: min–max first, then histograms over that span). */
export function calibrate(graph: Graph, plan: QdqPlan, samples: CalibrationSample[], options: CalibrateOptions): Calibration {
  const passes = options.method === 'minmax' ? 1 : 2;
  const report = (run: number) => options.onProgress?.(run / (samples.length * passes));

  const minMax = new Map(plan.activations.map((name) => [name, new MinMax()]));
  const corrected = new Set(options.biasCorrection ? plan.products.filter((site) => site.biasIndex !== undefined).map((site) => site.node) : []);
  const means = new Map<string, ChannelMeans>();
  const watched = new Set(plan.activations);
  samples.forEach((sample, index) => {
    runObserved(graph, sample, {
      watched,
      observe: (name, value) => minMax.get(name)!.add(value),
      onNode: (node, inputs, outputs) => {
        if (!corrected.has(node)) return;
        let mean = means.get(node.name);
        if (!mean) means.set(node.name, (mean = new ChannelMeans()));
        mean.add(preactivation(node, inputs, outputs[0]!), node);
      },
    });
    report(index + 1);
  });

  // Each estimator's range per tensor, then per parameter group (the union over its tensors).
  const estimators: ((name: string) => Range)[] = [(name) => minMax.get(name)!.range];
  if (options.method !== 'minmax') {
    const histograms = new Map(plan.activations.map((name) => [name, new Histogram(minMax.get(name)!.range)]));
    samples.forEach((sample, index) => {
      runObserved(graph, sample, { watched, observe: (name, value) => histograms.get(name)!.add(value) });
      report(samples.length + index + 1);
    });
    const percentile = (name: string) => histograms.get(name)!.percentile(options.percentile);
    const mse = (name: string) => histograms.get(name)!.mse();
    const kl = (name: string) => histograms.get(name)!.kl();
    estimators.splice(0, 1, ...{ percentile: [percentile], mse: [mse], kl: [kl], auto: [estimators[0]!, percentile, mse, kl] }[options.method]);
  }
  const candidates = new Map<string, Range[]>();
  for (const name of plan.activations) {
    const group = plan.group.get(name)!;
    const ranges = estimators.map((estimate) => estimate(name));
    const seen = candidates.get(group);
    candidates.set(group, seen ? seen.map((range, i) => union(range, ranges[i]!)) : ranges);
  }
  const chosen = estimators.length > 1 ? selectRanges(graph, plan, samples, candidates) : undefined;
  const groupRanges = new Map([...candidates].map(([group, ranges]) => [group, ranges[chosen?.get(group) ?? 0]!]));
  const params = new Map([...groupRanges].map(([group, range]) => [group, activationParams(range)]));
  return { params, ranges: groupRanges, preactivationMeans: new Map([...means].map(([name, mean]) => [name, mean.value])) };
}
