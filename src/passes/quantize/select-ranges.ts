/**
 * calibrationMethod 'auto': each activation group takes the range, among those of every estimator (ranges.ts),
 * whose rounding and clipping cost least where it matters: at the outputs of the ops that read the group's tensors
 * (the squared error of each reader's output when that one input is quantized, the others float, summed over the
 * calibration samples). A tensor no op reads (a graph output) is scored on itself. A range that looks good on its
 * own tensor can be poor downstream, and the other way round: a filter whose taps nearly cancel amplifies rounding
 * noise, one with large positive taps amplifies clipping.
 */
import type { Graph } from '../../ir/graph.js';
import { opTable } from '../../ir/ops.js';
import { type CalibrationSample, runObserved } from './calibrate.js';
import type { QdqPlan } from './qdq-plan.js';
import { type Range, activationParams, fakeQuantize, squaredError } from './ranges.js';

/** For each group, the candidate (index into its list) with the least error downstream. */
export function selectRanges(graph: Graph, plan: QdqPlan, samples: CalibrationSample[], candidates: Map<string, Range[]>): Map<string, number> {
  const params = new Map([...candidates].map(([group, ranges]) => [group, ranges.map((range) => activationParams(range))]));
  const errors = new Map([...candidates].map(([group, ranges]) => [group, new Float64Array(ranges.length)]));
  const consumers = graph.consumers();
  const groupOf = (name: string) => plan.group.get(name);
  // Tensors no op reads are scored on their own values.
  const unread = new Set(plan.activations.filter((name) => !consumers.has(name)));
  for (const sample of samples) {
    runObserved(graph, sample, {
      watched: unread,
      observe: (name, value) => {
        const group = groupOf(name)!;
        params.get(group)!.forEach((p, i) => (errors.get(group)![i]! += squaredError(value, fakeQuantize(value, p))));
      },
      onNode: (node, inputs, outputs) => {
        node.inputs.forEach((name, index) => {
          const group = groupOf(name);
          const value = inputs[index];
          if (!group || !value || value.type !== 'float32') return;
          params.get(group)!.forEach((p, i) => {
            const changed = [...inputs];
            changed[index] = fakeQuantize(value, p);
            const result = opTable[node.op].reference(changed, node.attrs, { outputCount: node.outputs.length, nodeName: node.name });
            const want = outputs[0];
            if (want && result[0] && want.type === 'float32') errors.get(group)![i]! += squaredError(want, result[0]);
          });
        });
      },
    });
  }
  return new Map([...errors].map(([group, error]) => [group, error.reduce((best, e, i) => (e < error[best]! ? i : best), 0)]));
}
