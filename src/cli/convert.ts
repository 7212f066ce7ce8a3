/** `weblite convert`: source model → .wlm, with a summary of what changed. */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { importModel } from '../convert/index.js';
import { WebliteError } from '../errors.js';
import { writeWlm } from '../ir/wlm/write.js';
import { formatBytes, opHistogram, parameterCount } from './format.js';
import { printedHelp, readModelFile, sourceOptions } from './model-files.js';

const HELP = `usage: weblite convert <model.onnx | model.tflite | deploy.prototxt> [-o model.wlm] [--weights model.caffemodel] [--fp16 | --int8-weights] [--no-optimize]

Converts an ONNX model (opsets 7–18; external data is read from files next to the model), a TFLite model (float,
uint8 or int8) or a Caffe model (deploy.prototxt + .caffemodel) to weblite's .wlm format: constant folding, dead-node and Identity/Dropout removal,
fusion (Conv+BN+activation+residual, MatMul+bias, LayerNorm, Gelu), then one flatbuffers file with 64-byte-aligned
weights.

options:
  -o, --output <file>   where to write (default: the model's name with .wlm)
  --weights <file>      Caffe: the .caffemodel for a deploy.prototxt (default: <model>.caffemodel next to it)
  --fp16                store weights as float16 (~50% of the float32 file), expanded at load
  --int8-weights        store matrix weights as per-channel int8 (~26%), expanded at load
  --no-optimize         keep the graph as imported (no folding/elimination)
  -h, --help            this help`;

export async function convertCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, weights: { type: 'string' }, fp16: { type: 'boolean' }, 'int8-weights': { type: 'boolean' }, 'no-optimize': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
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
  if (values.fp16 && values['int8-weights']) throw new WebliteError('BAD_ARGUMENT', 'convert: choose one of --fp16 and --int8-weights');
  const quantize = values.fp16 ? 'fp16' : values['int8-weights'] ? 'int8-weights' : undefined;
  const source = await sourceOptions(input, bytes, values.weights);
  const graph = importModel(bytes, { ...source, optimize: !values['no-optimize'], quantize, onProgress: progress });
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
