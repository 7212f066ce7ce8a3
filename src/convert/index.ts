/**
 * `weblite/convert`: source model bytes → optimised IR → `.wlm` bytes. Runs in Node and in browsers (no Node APIs).
 */
import { WebliteError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { writeWlm } from '../ir/wlm/write.js';
import { runPipeline } from '../passes/pipeline.js';
import type { CalibrationSample } from '../passes/quantize/calibrate.js';
import { type QuantizationMode, applyQuantization } from '../passes/quantize/index.js';
import type { CalibrationMethod } from '../passes/quantize/ranges.js';
import { importCaffe } from './caffe/index.js';
import { importOnnx } from './onnx/import.js';
import { importTflite } from './tflite/index.js';
import type { ExternalFiles } from './onnx/tensor.js';
import { type SourceFormat, sniffFormat } from './sniff.js';

export type { SourceFormat } from './sniff.js';
export { sniffFormat } from './sniff.js';

export interface ConvertOptions {
  /** Source format; sniffed from the bytes when absent. */
  from?: SourceFormat;
  /** Run the optimisation passes (constant folding, dead-node elimination, …). Default true. */
  optimize?: boolean;
  /** External-data side files (ONNX), by the relative path the model names. */
  files?: ExternalFiles;
  /** Shown in error messages. */
  fileName?: string;
  /** Run the graph validator after every pass (slower; tests use it). */
  validate?: boolean;
  /**
   * Store weights compressed: 'fp16' (~50% of float32) or 'int8-weights' (block-wise int8, ~30%); expanded to
   * float32 once at load. 'int8': calibrated full-integer quantization in ONNX's QDQ form (needs `calibration`).
   * Runs after optimisation and fusion.
   */
  quantize?: QuantizationMode;
  /** quantize 'int8': representative inputs, one record per sample mapping every model input to a Tensor. */
  calibration?: CalibrationSample[];
  /** quantize 'int8': activation range estimator, 'minmax' (default), 'percentile' or 'mse' (least squared error). */
  calibrationMethod?: CalibrationMethod;
  /** quantize 'int8' with 'percentile': the share of values the range keeps, in percent (default 99.999). */
  percentile?: number;
  /** quantize 'int8': set each bias so the layer's mean output per channel matches the float model's (default true). */
  biasCorrection?: boolean;
  /** quantize 'int8': round weights to minimise each layer's output error on the calibration data (default false). */
  adaptiveRounding?: boolean;
  /**
   * quantize 'int8': activations stored as int16 — 'auto' (default: the few that dominate the output error, when
   * measuring that fits a 30 s budget), 'measure' (whatever it costs), 'none', or tensor names.
   */
  int16Activations?: 'auto' | 'measure' | 'none' | readonly string[];
  /** Caffe: the .caffemodel weights for a deploy.prototxt. */
  weights?: Uint8Array | ArrayBuffer;
  /** Caffe: the .caffemodel's name, for error messages. */
  weightsFileName?: string;
  /** Called as conversion advances: a stage name and the fraction done (0–1). */
  onProgress?: (stage: string, fraction: number) => void;
}

export type ModelSource = Uint8Array | ArrayBuffer;

export function toBytes(source: ModelSource): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  throw new WebliteError('BAD_ARGUMENT', `convert: expected a Uint8Array or ArrayBuffer, got ${Object.prototype.toString.call(source)}`);
}

/** Front-end + passes: the optimised IR graph (used by `convert` and by sessions created from source models). */
export function importModel(source: ModelSource, options: ConvertOptions = {}): Graph {
  const bytes = toBytes(source);
  const format = options.from ?? sniffFormat(bytes);
  options.onProgress?.(`reading ${format}`, 0);
  let graph: Graph;
  switch (format) {
    case 'onnx':
      graph = importOnnx(bytes, { fileName: options.fileName, files: options.files });
      break;
    case 'tflite':
      graph = importTflite(bytes, { fileName: options.fileName });
      break;
    case 'caffe':
      graph = importCaffe(bytes, {
        weights: options.weights ? toBytes(options.weights) : undefined,
        fileName: options.fileName,
        weightsFileName: options.weightsFileName,
      });
      break;
    case 'wlm':
      throw new WebliteError('BAD_ARGUMENT', `${options.fileName ?? 'convert'}: the input is already a .wlm model`);
    default:
      throw new WebliteError('BAD_ARGUMENT', `${options.fileName ?? 'convert'}: the ${format} front-end is not available in this version`);
  }
  options.onProgress?.('optimising', 0.6);
  const optimized = runPipeline(graph, { optimize: options.optimize, validate: options.validate });
  if (options.quantize) {
    applyQuantization(optimized, options.quantize, {
      validate: options.validate,
      calibration: options.calibration,
      method: options.calibrationMethod,
      percentile: options.percentile,
      biasCorrection: options.biasCorrection,
      adaptiveRounding: options.adaptiveRounding,
      int16Activations: options.int16Activations,
      onProgress: options.onProgress && ((fraction) => options.onProgress!('calibrating', 0.6 + 0.3 * fraction)),
    });
  }
  options.onProgress?.('optimised', 0.9);
  return optimized;
}

/** Converts a source model to `.wlm` bytes. */
export async function convert(source: ModelSource, options: ConvertOptions = {}): Promise<Uint8Array> {
  const graph = importModel(source, options);
  const wlm = writeWlm(graph);
  options.onProgress?.('written', 1);
  return wlm;
}
