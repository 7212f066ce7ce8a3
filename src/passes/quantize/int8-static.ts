/**
 * Static (calibrated) full-int8 quantization of a float graph from any front-end, written in ONNX's QDQ form:
 *
 *   weights      DequantizeLinear(int8 constant, float32[C_out] scales, int8[C_out] zeros, axis = output channel)
 *   biases       float32 constants holding exactly the dequantized int32 biases (b_q · x_scale · w_scale[c]): the
 *                scale is known from the input and the weights, so integer backends derive b_q at load (qdq-fuse.ts
 *                rounds it back) and the file saves a scale vector, zero points and a node per product
 *   activations  QuantizeLinear(y, scale, zero_point) → DequantizeLinear(same), per tensor, asymmetric int8
 *
 * Float backends run the graph as it is (weight chains are folded once at load, src/runtime/fold-at-load.ts);
 * backends with integer kernels fuse DequantizeLinear → op → QuantizeLinear into them
 * (src/passes/quantize/qdq-fuse.ts). Where the pairs go: qdq-plan.ts. Ranges: ranges.ts, measured by running
 * the float graph on the calibration samples (calibrate.ts), one estimator for all or the best per tensor
 * (select-ranges.ts). The rewrite itself: int8-rewrite.ts; then bias correction (bias-correction.ts) or data-aware
 * rounding with bias correction (reconstruct.ts).
 */
import { WebliteError } from '../../errors.js';
import { type Graph, cloneGraph } from '../../ir/graph.js';
import { inferShapes } from '../../ir/infer.js';
import { eliminateDeadNodes } from '../eliminate-dead-nodes.js';
import type { Pass } from '../pass.js';
import { type BiasSite, correctBiases } from './bias-correction.js';
import { Tensor } from '../../ir/tensor.js';
import { type Calibration, type CalibrationSample, calibrate, checkCalibration } from './calibrate.js';
import { rewriteQdq } from './int8-rewrite.js';
import { type QdqPlan, planQdq } from './qdq-plan.js';
import { reconstructWeights } from './reconstruct.js';
import { CALIBRATION_METHODS, type CalibrationMethod, DEFAULT_PERCENTILE } from './ranges.js';
import { BUDGET_MS, type WideActivations, chooseWide, measureSensitivity } from './sensitivity.js';

export interface StaticQuantizationOptions {
  /** Representative inputs: one record per sample, mapping every graph input to a Tensor. */
  calibration: CalibrationSample[];
  /** How activation ranges are estimated (default 'minmax'; ranges.ts lists the estimators). */
  method?: CalibrationMethod;
  /** For 'percentile': the share of values kept inside the range, in percent (default 99.999). */
  percentile?: number;
  /**
   * Choose each int32 bias so that the quantized product's mean output per channel matches the float graph's on
   * the calibration samples (default true; bias-correction.ts).
   */
  biasCorrection?: boolean;
  /**
   * Round weights (and choose each row's clipping) to lower the error of each product's output on the QDQ graph's
   * own inputs, then refit the biases (reconstruct.ts; implies bias correction where the product has a bias).
   * Default false: on MobileNet v1 0.25 it lowers the logits' error energy by a third (worst cosine 0.990 → 0.993)
   * but that does not carry over to the softmax of four low-confidence evaluation images (see the test).
   */
  adaptiveRounding?: boolean;
  /**
   * Activations stored as int16 instead of int8: 'auto' (default) measures each activation group's share of the
   * output error and widens the few that dominate (sensitivity.ts) when the measurement fits a 30 s budget
   * (estimated from the float run; the metadata says when it did not), 'measure' whatever it costs, 'none' keeps
   * every activation int8, a list names tensors whose groups get int16. int16 tensors are computed in float by
   * backends without int16 kernels.
   */
  int16Activations?: WideActivations;
  /** Called after each calibration run with the fraction done (0–1). */
  onProgress?: (fraction: number) => void;
}

/** Metadata property describing how the ranges were measured. */
export const CALIBRATION_PROPERTY = 'quantization_calibration';

export function quantizeInt8Static(options: StaticQuantizationOptions): Pass {
  return {
    name: 'quantize-int8-static',
    run(graph: Graph) {
      const samples = checkCalibration(graph, options.calibration);
      const method = options.method ?? 'minmax';
      if (!CALIBRATION_METHODS.includes(method)) {
        throw new WebliteError('BAD_ARGUMENT', `quantize int8: unknown calibration method '${String(method)}' (expected ${CALIBRATION_METHODS.map((m) => `'${m}'`).join(' or ')})`);
      }
      const percentile = options.percentile ?? DEFAULT_PERCENTILE;
      if (!(percentile > 50 && percentile <= 100)) {
        throw new WebliteError('BAD_ARGUMENT', `quantize int8: percentile must be in (50, 100], got ${percentile}`);
      }
      const plan = planQdq(graph);
      if (plan.activations.length === 0) return false;
      const biasCorrection = options.biasCorrection ?? true;
      const adaptiveRounding = options.adaptiveRounding ?? false;
      const calibration = calibrate(graph, plan, samples, { method, percentile, biasCorrection: biasCorrection && !adaptiveRounding, onProgress: options.onProgress });
      // The rounding compares each product with the float graph's, run beside the QDQ graph.
      const float = adaptiveRounding ? cloneGraph(graph) : undefined;
      const { wide, note } = chooseWideGroups(graph, plan, calibration, samples, options.int16Activations ?? 'auto');
      const { biases, products } = rewriteQdq(graph, plan, calibration, { biasCorrection, wide });
      if (float) reconstructWeights(graph, float, products, samples);
      else if (biasCorrection) correctBiases(graph, biases, calibration.preactivationMeans, samples);
      storeBiasesAsFloat(graph, biases);
      eliminateDeadNodes.run(graph);
      inferShapes(graph);
      graph.metadata.properties[CALIBRATION_PROPERTY] =
        `${method === 'percentile' ? `percentile ${percentile}` : method}, ${samples.length} sample${samples.length === 1 ? '' : 's'}` +
        `${adaptiveRounding ? ', adaptive rounding' : ''}${biasCorrection ? ', bias correction' : ''}` +
        `${wide.size > 0 ? `, int16: ${plan.activations.filter((name) => wide.has(name)).join(' ')}` : ''}${note ? `, ${note}` : ''}`;
      return true;
    },
  };
}

/**
 * The parameter groups to store as int16 (see StaticQuantizationOptions.int16Activations), and a note for the
 * metadata when 'auto' did not measure (over budget).
 */
function chooseWideGroups(
  graph: Graph, plan: QdqPlan, calibration: Calibration, samples: CalibrationSample[], choice: WideActivations,
): { wide: Set<string>; note?: string } {
  if (choice === 'none') return { wide: new Set() };
  if (choice === 'auto' || choice === 'measure') {
    const result = measureSensitivity(graph, plan, calibration.params, samples, choice === 'measure' ? Infinity : BUDGET_MS);
    if (result.samples === 0) {
      const seconds = Math.round(result.estimatedMs / 1000);
      return { wide: new Set(), note: `int16 not measured (about ${seconds} s per sample, over the ${BUDGET_MS / 1000} s budget; int16Activations 'measure' runs it)` };
    }
    return { wide: chooseWide(result.sensitivities) };
  }
  if (!Array.isArray(choice)) {
    throw new WebliteError('BAD_ARGUMENT', `quantize int8: int16Activations must be 'auto', 'measure', 'none' or a list of tensor names, got ${JSON.stringify(choice)}`);
  }
  const groups = new Set<string>();
  for (const name of choice) {
    const group = plan.group.get(name);
    if (group === undefined) {
      throw new WebliteError('BAD_ARGUMENT', `quantize int8: int16Activations names '${name}', which is not a quantized activation (${plan.activations.length} are; the CLI's per-layer report lists them)`);
    }
    groups.add(group);
  }
  return { wide: groups };
}

/**
 * Replaces each product's int32 bias DequantizeLinear by a float32 constant of the same values (the float32
 * products b_q · scale[c] that DequantizeLinear computes). qdq-fuse.ts recovers b_q as round(b / (x_scale ·
 * w_scale[c])), exact for |b_q| < 2^22 (and within one accumulator unit beyond).
 */
function storeBiasesAsFloat(graph: Graph, biases: readonly BiasSite[]): void {
  const removed = new Set<string>();
  for (const site of biases) {
    const name = site.node.inputs[site.biasIndex];
    const quantized = graph.constant(site.quantized);
    if (!name || !quantized || quantized.type !== 'int32') continue;
    const values = Float32Array.from(quantized.data as Int32Array, (b, c) => b * site.scales[site.scales.length === 1 ? 0 : c]!);
    graph.tensors.set(name, { name, type: 'float32', dims: [values.length], value: new Tensor('float32', values, [values.length]) });
    removed.add(name);
  }
  graph.nodes = graph.nodes.filter((node) => !removed.has(node.outputs[0]!));
}
