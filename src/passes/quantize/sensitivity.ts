/**
 * Which activations static quantization stores in 16 bits (int16, as TFLite's "16x8" mode does for whole
 * models) instead of 8: the few whose 8-bit rounding alone costs a large share of the output error.
 *
 * Sensitivity of a parameter group g: the float graph runs on a calibration sample with only g's tensors rounded to
 * their int8 grid (QuantizeLinear → DequantizeLinear with the calibrated parameters), and
 *
 *   e_g = Σ_outputs ‖y_g − y‖² / Σ_outputs ‖y‖²       (averaged over the samples)
 *
 * measures what that rounding does at the model's outputs. Only the nodes downstream of g are recomputed, from the
 * float run's values. Groups are promoted in order of e_g while e_g is at least PROMOTE_SHARE of Σ e and at least
 * MIN_ERROR, and at most one group in MAX_SHARE_DIVISOR: a network whose error is spread evenly, or a small graph,
 * keeps 8 bits everywhere.
 *
 * Why: on MobileNet v1 0.25 the first three ReLU6 outputs (112×112, 8–16 channels, all channels using the full
 * [0, 6] range, so no equalisation or tighter range helps) carry 97% of Σ e: the next depthwise layer has
 * zero-sum filters with gains up to 9 that amplify their rounding noise. In 16 bits the worst output cosine of the
 * evaluation images goes from 0.954 to 0.988.
 */
import type { Graph, Node } from '../../ir/graph.js';
import { opTable } from '../../ir/ops.js';
import type { Tensor } from '../../ir/tensor.js';
import { type CalibrationSample, runObserved } from './calibrate.js';
import type { QdqPlan } from './qdq-plan.js';
import { type ActivationParams, fakeQuantize, squaredError } from './ranges.js';

/** A group is promoted only if its error is at least this share of the sum over all groups… */
export const PROMOTE_SHARE = 0.1;
/** …and at least this relative squared error at the outputs (about a 0.002 loss of output cosine). */
export const MIN_ERROR = 0.004;
/** At most one group in this many is promoted (so graphs with fewer groups stay int8 throughout). */
export const MAX_SHARE_DIVISOR = 8;
/** Sensitivities are measured on at most this many calibration samples. */
export const SENSITIVITY_SAMPLES = 4;

/**
 * What `int16Activations` may say: 'auto' measures when that fits BUDGET_MS, 'measure' measures whatever it costs,
 * 'none' keeps int8, or a list of tensors whose groups get int16.
 */
export type WideActivations = 'auto' | 'measure' | 'none' | readonly string[];

/** 'auto' measures only if the estimate (from the float run's per-node times) is at most this. */
export const BUDGET_MS = 30_000;

export interface Sensitivity {
  group: string;
  /** Relative squared error at the outputs with only this group rounded to 8 bits. */
  error: number;
}

export interface SensitivityResult {
  /** Per group, largest first; empty when not measured. */
  sensitivities: Sensitivity[];
  /** Samples measured on (0: over budget, not measured). */
  samples: number;
  /** The estimated cost of measuring on every sample used, in milliseconds. */
  estimatedMs: number;
}

/**
 * e_g for every parameter group, on up to SENSITIVITY_SAMPLES samples: as many as the budget allows (none when even
 * one does not fit), unless `budgetMs` is Infinity.
 */
export function measureSensitivity(
  graph: Graph, plan: QdqPlan, params: ReadonlyMap<string, ActivationParams>, samples: readonly CalibrationSample[], budgetMs = BUDGET_MS,
): SensitivityResult {
  const members = new Map<string, string[]>();
  for (const name of plan.activations) {
    const group = plan.group.get(name)!;
    members.set(group, [...(members.get(group) ?? []), name]);
  }
  const errors = new Map([...members.keys()].map((group) => [group, 0]));
  const all = new Set(graph.tensors.keys());
  let used = Math.min(samples.length, SENSITIVITY_SAMPLES);
  let estimatedMs = 0;
  for (let index = 0; index < used; index++) {
    const sample = samples[index]!;
    // The float run, timing each node: the first one prices a measurement (nodes from a group's producer on).
    const nodeMs: number[] = [];
    let last = performance.now();
    const float = runObserved(graph, sample, {
      keep: all,
      onNode: () => {
        const now = performance.now();
        nodeMs.push(now - last);
        last = now;
      },
    });
    if (index === 0) {
      const after = new Float64Array(nodeMs.length + 1);
      for (let i = nodeMs.length - 1; i >= 0; i--) after[i] = after[i + 1]! + nodeMs[i]!;
      const producerIndex = new Map<string, number>();
      graph.nodes.forEach((node, i) => node.outputs.forEach((name) => producerIndex.set(name, i)));
      const perSample = [...members.values()].reduce((total, names) => total + after[Math.min(...names.map((name) => producerIndex.get(name) ?? 0))]!, 0);
      used = budgetMs === Infinity ? used : Math.min(used, Math.floor(budgetMs / Math.max(perSample, 1e-3)));
      estimatedMs = perSample * Math.max(used, 1);
      if (used === 0) return { sensitivities: [], samples: 0, estimatedMs };
    }
    for (const name of graph.inputs) if (sample[name]) float.set(name, sample[name]!);
    const energy = graph.outputs.reduce((total, name) => total + squaredNorm(float.get(name)), 0);
    for (const [group, names] of members) {
      const changed = new Map<string, Tensor>();
      const rounded = new Set(names);
      for (const name of names) if (float.has(name) && graph.inputs.includes(name)) changed.set(name, fakeQuantize(float.get(name)!, params.get(group)!));
      for (const node of graph.nodes) {
        if (!node.inputs.some((name) => changed.has(name)) && !node.outputs.some((name) => rounded.has(name))) continue;
        const outputs = recompute(node, (name) => changed.get(name) ?? float.get(name) ?? graph.constant(name));
        node.outputs.forEach((name, i) => {
          const value = outputs[i];
          if (name === '' || !value) return;
          changed.set(name, rounded.has(name) ? fakeQuantize(value, params.get(group)!) : value);
        });
      }
      let error = 0;
      for (const name of graph.outputs) {
        const [got, want] = [changed.get(name), float.get(name)];
        if (got && want?.type === 'float32' && got.size === want.size) error += squaredError(got, want);
      }
      errors.set(group, errors.get(group)! + (energy > 0 ? error / energy : 0));
    }
  }
  const sensitivities = [...errors].map(([group, error]) => ({ group, error: error / used })).sort((a, b) => b.error - a.error);
  return { sensitivities, samples: used, estimatedMs };
}

/** The groups to store in 16 bits, by the rule in the header. */
export function chooseWide(sensitivities: readonly Sensitivity[]): Set<string> {
  const total = sensitivities.reduce((sum, { error }) => sum + error, 0);
  const limit = Math.floor(sensitivities.length / MAX_SHARE_DIVISOR);
  const chosen = new Set<string>();
  for (const { group, error } of sensitivities) {
    if (chosen.size >= limit || error < PROMOTE_SHARE * total || error < MIN_ERROR) break;
    chosen.add(group);
  }
  return chosen;
}

function recompute(node: Node, lookup: (name: string) => Tensor | undefined): Tensor[] {
  const inputs = node.inputs.map((name) => (name === '' ? undefined : lookup(name)));
  return opTable[node.op].reference(inputs, node.attrs, { outputCount: node.outputs.length, nodeName: node.name });
}

function squaredNorm(value: Tensor | undefined): number {
  if (!value || value.type !== 'float32') return 0;
  let sum = 0;
  for (const x of value.data as Float32Array) sum += x * x;
  return sum;
}
