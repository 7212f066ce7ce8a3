/**
 * int16 activations in static quantization (src/passes/quantize/sensitivity.ts): the per-group error measure, the
 * promotion rule, and the `int16Activations` option ('auto' | 'none' | names) end to end on small graphs.
 */
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/convert/index.js';
import { WebliteError } from '../../src/errors.js';
import { Tensor } from '../../src/ir/tensor.js';
import { calibrate } from '../../src/passes/quantize/calibrate.js';
import { applyQuantization } from '../../src/passes/quantize/index.js';
import { planQdq } from '../../src/passes/quantize/qdq-plan.js';
import { MIN_ERROR, chooseWide, measureSensitivity } from '../../src/passes/quantize/sensitivity.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';

/**
 * Two branches from one input: `a` feeds a MatMul whose columns sum to zero with a large norm (it amplifies a's
 * rounding noise and cancels a's signal), `b` a benign averaging MatMul; their sum is the output.
 */
function branches() {
  const n = 32;
  const cancelling = new Float32Array(n * 4);
  for (let k = 0; k < n; k++) for (let j = 0; j < 4; j++) cancelling[k * 4 + j] = (k + j) % 2 === 0 ? 40 : -40;
  return buildModel({
    inputs: [{ name: 'x', type: 'float32', dims: [1, n] }],
    outputs: [{ name: 'y', type: 'float32' }],
    initializers: {
      one: new Tensor('float32', Float32Array.of(1), []),
      C: new Tensor('float32', cancelling, [n, 4]),
      M: new Tensor('float32', new Float32Array(n * 4).fill(1 / n), [n, 4]),
    },
    nodes: [
      { op: 'Add', inputs: ['x', 'one'], outputs: ['a'] },
      { op: 'Mul', inputs: ['x', 'one'], outputs: ['b'] },
      { op: 'MatMul', inputs: ['a', 'C'], outputs: ['ya'] },
      { op: 'MatMul', inputs: ['b', 'M'], outputs: ['yb'] },
      { op: 'Add', inputs: ['ya', 'yb'], outputs: ['y'] },
    ],
  });
}

const samples = [1, 2, 3].map((seed) => ({ x: randomTensor([1, 32], seed) }));

describe('int16 activations', () => {
  it('measures each group alone at the outputs: the group behind the cancelling product dominates', () => {
    const graph = importModel(branches());
    const plan = planQdq(graph);
    const { params } = calibrate(graph, plan, samples, { method: 'minmax', percentile: 99.999, biasCorrection: false });
    const result = measureSensitivity(graph, plan, params, samples);
    expect(result.samples).toBe(3);
    const { sensitivities } = result;
    expect(new Set(sensitivities.map(({ group }) => group))).toEqual(new Set(plan.group.values()));
    const errorOf = (name: string) => sensitivities.find(({ group }) => group === plan.group.get(name))!.error;
    expect(errorOf('a')).toBeGreaterThan(10 * errorOf('b'));
    // Sorted, largest first; every error is a relative squared error, small but not zero.
    expect(sensitivities.map(({ error }) => error)).toEqual(sensitivities.map(({ error }) => error).sort((p, q) => q - p));
    for (const { error } of sensitivities) expect(error).toBeGreaterThanOrEqual(0);
    expect(errorOf('a')).toBeGreaterThan(0);

    // A budget below one sample's estimated cost measures nothing (and says what it would cost); Infinity measures
    // on every sample.
    const skipped = measureSensitivity(graph, plan, params, samples, 0);
    expect(skipped.samples).toBe(0);
    expect(skipped.sensitivities).toEqual([]);
    expect(skipped.estimatedMs).toBeGreaterThan(0);
    expect(measureSensitivity(graph, plan, params, samples, Infinity).samples).toBe(3);
  });

  it('promotes the groups that dominate, at most one in eight, only above MIN_ERROR', () => {
    const spread = (errors: number[]) => errors.map((error, i) => ({ group: `g${i}`, error }));
    // 16 groups: two carry most of the error → both promoted (the limit is 2).
    expect(chooseWide(spread([0.1, 0.08, 0.01, ...new Array(13).fill(0.001)]))).toEqual(new Set(['g0', 'g1']));
    // The third would also pass the share test but the limit stops at two.
    expect(chooseWide(spread([0.1, 0.1, 0.1, ...new Array(13).fill(0)])).size).toBe(2);
    // Evenly spread error: nothing is a large enough share.
    expect(chooseWide(spread(new Array(16).fill(0.05))).size).toBe(0);
    // Below MIN_ERROR nothing is promoted whatever its share.
    expect(chooseWide(spread([MIN_ERROR / 2, ...new Array(15).fill(0)])).size).toBe(0);
    // Fewer than eight groups: never.
    expect(chooseWide(spread([1, 0, 0])).size).toBe(0);
  });

  it("int16Activations: names widen their groups to int16, 'none', 'auto' and 'measure' on a small graph keep int8, bad names are typed errors", () => {
    const quantized = (int16Activations?: 'auto' | 'measure' | 'none' | string[]) =>
      applyQuantization(importModel(branches()), 'int8', { calibration: samples, int16Activations, validate: true });
    const storage = (graph: ReturnType<typeof quantized>) =>
      new Map(graph.nodes.filter((node) => node.op === 'QuantizeLinear').map((node) => [node.outputs[0]!, graph.tensors.get(node.outputs[0]!)!.type]));

    const wide = quantized(['a']);
    const types = storage(wide);
    expect([...types].filter(([, type]) => type === 'int16').map(([name]) => name)).toEqual(['a_quantized']);
    expect([...types.values()].filter((type) => type === 'int8').length).toBe(types.size - 1);
    expect(wide.metadata.properties.quantization_calibration).toMatch(/, int16: a$/);
    // int16 parameters over the same range: a step 257 times finer than int8's.
    const zeroPoint = wide.constant(wide.nodes.find((node) => node.outputs[0] === 'a_quantized')!.inputs[2]!)!;
    expect(zeroPoint.type).toBe('int16');

    for (const choice of ['none', 'auto', 'measure', undefined] as const) {
      expect([...storage(quantized(choice)).values()].every((type) => type === 'int8')).toBe(true);
    }
    expect(() => quantized(['nope'])).toThrow(WebliteError);
    expect(() => quantized(['nope'])).toThrow(/int16Activations names 'nope', which is not a quantized activation/);
  });
});
