/**
 * The quantize stage: weight compression for the .wlm file. It runs after optimisation and fusion, so that
 * folding does not turn the dequantisation chains back into float32 constants, and it only changes how weights
 * are stored: every rewritten constant is restored to float32 under its own name by a Cast (and a Mul by
 * per-channel scales for int8), which the runtime folds once at load (src/runtime/fold-at-load.ts).
 *
 *   'fp16'          weights, biases and large float32 constants as IEEE binary16        (~50% of fp32)
 *   'int8-weights'  matrix-product weights as per-output-channel symmetric int8, other
 *                   large constants as binary16, small biases unchanged                   (~25–30% of fp32)
 *   'int8'          calibrated full-integer quantization in ONNX's QDQ form (int8-static.ts): int8 weights per
 *                   channel, int32 biases, asymmetric int8 activations from calibration (int16 for the few
 *                   whose rounding dominates the output error, sensitivity.ts)          (~25–30% of fp32)
 *
 * fp16 and int8-weights leave the computation in float; int8 changes what is computed (activations are rounded to
 * their calibrated grid), which integer kernels then compute exactly (qdq-fuse.ts).
 */
import { WebliteError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { inferShapes } from '../../ir/infer.js';
import type { Pass } from '../pass.js';
import { validateGraph } from '../validate.js';
import { quantizeFloat16 } from './fp16.js';
import { type StaticQuantizationOptions, quantizeInt8Static } from './int8-static.js';
import { quantizeInt8Weights } from './int8-weights.js';

export type QuantizationMode = 'fp16' | 'int8-weights' | 'int8';

const PASSES: Record<QuantizationMode, (options: QuantizationOptions) => Pass> = {
  fp16: () => quantizeFloat16,
  'int8-weights': () => quantizeInt8Weights,
  // Without calibration data the pass fails with BAD_ARGUMENT, naming the model's inputs.
  int8: (options) => quantizeInt8Static({ ...options, calibration: options.calibration as StaticQuantizationOptions['calibration'] }),
};

export const QUANTIZATION_MODES = Object.keys(PASSES) as QuantizationMode[];

/** The metadata property recording the mode a model was compressed with. */
export const QUANTIZATION_PROPERTY = 'quantization';

export interface QuantizationOptions extends Partial<StaticQuantizationOptions> {
  /** Run the graph validator afterwards (tests). */
  validate?: boolean;
}

/** Compresses the graph's weights in place with `mode`; returns the same graph. */
export function applyQuantization(graph: Graph, mode: QuantizationMode, options: QuantizationOptions = {}): Graph {
  const pass = Object.hasOwn(PASSES, mode) ? PASSES[mode](options) : undefined;
  if (!pass) {
    throw new WebliteError('BAD_ARGUMENT', `quantize: unknown mode '${String(mode)}' (expected ${QUANTIZATION_MODES.map((m) => `'${m}'`).join(' or ')})`);
  }
  if (pass.run(graph)) inferShapes(graph);
  if (options.validate) validateGraph(graph, pass.name);
  graph.metadata.properties[QUANTIZATION_PROPERTY] = mode;
  return graph;
}
