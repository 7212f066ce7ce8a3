/** `weblite convert`: source model → .wlm, with a summary of what changed. */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { importModel } from '../convert/index.js';
import { WebliteError } from '../errors.js';
import { cloneGraph } from '../ir/graph.js';
import { writeWlm } from '../ir/wlm/write.js';
import { applyQuantization } from '../passes/quantize/index.js';
import { CALIBRATION_PROPERTY } from '../passes/quantize/int8-static.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../passes/quantize/ranges.js';
import { readCalibration } from './calibration.js';
import { formatBytes, opHistogram, parameterCount } from './format.js';
import { printLayerReport } from './layer-report.js';
import { printedHelp, readModelFile, sourceOptions } from './model-files.js';

const HELP = `usage: weblite convert <model.onnx | model.tflite | deploy.prototxt> [-o model.wlm] [--weights model.caffemodel]
         [--fp16 | --int8-weights | --int8 --calibration DIR [--mean M] [--std S] [--size N|WxH] [--layout nhwc|nchw]
         [--calibration-method minmax|percentile|mse|kl|auto] [--percentile P] [--no-bias-correction] [--adaptive-rounding]
         [--int16-activations auto|measure|none|NAME,…]] [--no-optimize]

Converts an ONNX model (opsets 7–18; external data is read from files next to the model), a TFLite model (float,
uint8 or int8) or a Caffe model (deploy.prototxt + .caffemodel) to weblite's .wlm format: constant folding, dead-node and Identity/Dropout removal,
fusion (Conv+BN+activation+residual, MatMul+bias, LayerNorm, Gelu), then one flatbuffers file with 64-byte-aligned
weights.

options:
  -o, --output <file>   where to write (default: the model's name with .wlm)
  --weights <file>      Caffe: the .caffemodel for a deploy.prototxt (default: <model>.caffemodel next to it)
  --fp16                store weights as float16 (~50% of the float32 file), expanded at load
  --int8-weights        store matrix weights as int8 with a scale per block of 16 (~30%), expanded at load
  --int8                calibrated full-integer quantization (ONNX QDQ form: int8 weights per channel, int32
                        biases, int8 activations); runs on the int8 kernels of the wasm backend, in float elsewhere.
                        Prints each quantized layer's cosine similarity to the float model on the calibration data.
  --calibration <dir>   --int8: representative inputs, one sample per file: images (.jpg .png .bmp), .npy or
                        .bin (raw, the input's dtype and dims); for models with several inputs one sub-folder per
                        sample holding <input>.npy / <input>.bin
  --mean <m|r,g,b>      images: subtracted from pixel values 0–255 (default: model metadata, else 127.5)
  --std <s|r,g,b>       images: divides after the mean (default: model metadata, else 127.5)
  --size <N|WxH>        images: resize to this (default: the input's H and W)
  --layout <nhwc|nchw>  images: tensor layout (default: from the input's dims)
  --calibration-method  minmax (default), percentile, mse, kl (TensorRT entropy) or auto (per tensor, the one
                        with the least error at the ops reading it): how activation ranges are chosen
  --percentile <p>      with percentile: the share of values kept in range (default 99.999)
  --no-bias-correction  keep biases as rounded (default: match each layer's mean output to the float model)
  --adaptive-rounding   round weights to minimise each layer's output error on the calibration data
  --int16-activations   auto (default): store as int16 the few activations whose 8-bit rounding dominates the
                        output error (measured one at a time on the calibration data, when that fits 30 s;
                        computed in float on wasm); measure: whatever it costs; none: every activation int8; or a
                        comma-separated list of activation tensor names
  --no-optimize         keep the graph as imported (no folding/elimination)
  -h, --help            this help`;

export async function convertCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      weights: { type: 'string' },
      fp16: { type: 'boolean' },
      'int8-weights': { type: 'boolean' },
      int8: { type: 'boolean' },
      calibration: { type: 'string' },
      mean: { type: 'string' },
      std: { type: 'string' },
      size: { type: 'string' },
      layout: { type: 'string' },
      'calibration-method': { type: 'string' },
      percentile: { type: 'string' },
      'no-bias-correction': { type: 'boolean' },
      'adaptive-rounding': { type: 'boolean' },
      'int16-activations': { type: 'string' },
      'no-optimize': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (printedHelp(HELP, values.help, positionals)) return;
  const input = positionals[0]!;
  const output = values.output ?? `${input.slice(0, input.length - extname(input).length)}.wlm`;
  const started = performance.now();
  const bytes = await readModelFile(input);
  // A progress bar for large models (on a terminal); stages: read → optimise → write.
  const showProgress = bytes.length > 16 * 1024 * 1024 && process.stderr.isTTY;
  const progress = (stage: string, fraction: number) => {
    if (!showProgress) return;
    const width = 30;
    const filled = Math.round(fraction * width);
    process.stderr.write(`\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)}% ${stage.padEnd(16)}`);
    if (fraction >= 1) process.stderr.write('\n');
  };
  if ([values.fp16, values['int8-weights'], values.int8].filter(Boolean).length > 1) {
    throw new WebliteError('BAD_ARGUMENT', 'convert: choose one of --fp16, --int8-weights and --int8');
  }
  if (values.int8 && !values.calibration) {
    throw new WebliteError('BAD_ARGUMENT', 'convert: --int8 needs --calibration DIR (a folder of representative inputs: images, .npy or .bin)');
  }
  if (values.calibration && !values.int8) throw new WebliteError('BAD_ARGUMENT', 'convert: --calibration is for --int8');
  if (values['int16-activations'] !== undefined && !values.int8) throw new WebliteError('BAD_ARGUMENT', 'convert: --int16-activations is for --int8');
  const method = values['calibration-method'] as CalibrationMethod | undefined;
  if (method !== undefined && !CALIBRATION_METHODS.includes(method)) {
    throw new WebliteError('BAD_ARGUMENT', `convert: --calibration-method must be ${CALIBRATION_METHODS.join(', ')}; got '${method}'`);
  }
  const quantize = values.fp16 ? 'fp16' : values['int8-weights'] ? 'int8-weights' : undefined;
  const source = await sourceOptions(input, bytes, values.weights);
  let graph = importModel(bytes, { ...source, optimize: !values['no-optimize'], quantize, onProgress: progress });
  if (values.int8) {
    // The float graph stays for the per-layer comparison; the quantized one is a copy (constants are shared).
    const float = graph;
    const { samples, description } = await readCalibration(values.calibration!, float, values);
    console.log(`calibrating on ${description}`);
    graph = applyQuantization(cloneGraph(float), 'int8', {
      calibration: samples,
      method,
      percentile: values.percentile === undefined ? undefined : Number(values.percentile),
      biasCorrection: !values['no-bias-correction'],
      adaptiveRounding: values['adaptive-rounding'],
      int16Activations: wideActivations(values['int16-activations']),
    });
    console.log(`quantized: ${graph.metadata.properties[CALIBRATION_PROPERTY] ?? ''}`);
    printLayerReport(float, graph, samples);
  }
  progress('writing', 0.95);
  const wlm = writeWlm(graph);
  progress('done', 1);
  await writeFile(output, wlm);
  const seconds = (performance.now() - started) / 1000;
  console.log(`converted ${input} → ${output} in ${seconds.toFixed(2)} s`);
  console.log(`  source: ${graph.metadata.sourceFormat}${graph.metadata.sourceOpset ? ` opset ${graph.metadata.sourceOpset}` : ''}, producer ${graph.metadata.producer || '?'} ${graph.metadata.producerVersion}`);
  console.log(`  nodes: ${graph.nodes.length}  (${opHistogram(graph)})`);
  console.log(`  parameters: ${parameterCount(graph).toLocaleString('en-US')}`);
  console.log(`  size: ${formatBytes(bytes.length + (source.weights?.length ?? 0))} → ${formatBytes(wlm.length)}`);
}

/** --int16-activations: 'auto', 'measure', 'none' or tensor names separated by commas. */
function wideActivations(value: string | undefined): 'auto' | 'measure' | 'none' | string[] | undefined {
  if (value === undefined || value === 'auto' || value === 'measure' || value === 'none') return value;
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new WebliteError('BAD_ARGUMENT', `convert: --int16-activations must be auto, measure, none or tensor names; got '${value}'`);
  return names;
}
