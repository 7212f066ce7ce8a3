/** `weblite info`: what a model holds. */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { importModel } from '../convert/index.js';
import { sniffFormat } from '../convert/sniff.js';
import type { Graph } from '../ir/graph.js';
import { readWlm } from '../ir/wlm/read.js';
import { describeDims, formatBytes, opHistogram, parameterCount } from './format.js';
import { printedHelp, readModelFile, sourceOptions } from './model-files.js';

const HELP = `usage: weblite info <model.wlm|model.onnx|deploy.prototxt> [--weights model.caffemodel]

Prints inputs, outputs, op counts, parameter count and metadata. Source models are converted in memory first.`;

export async function loadGraphForCli(path: string, weights?: string): Promise<Graph> {
  const bytes = await readModelFile(path);
  if (sniffFormat(bytes) === 'wlm') return readWlm(bytes, basename(path));
  return importModel(bytes, await sourceOptions(path, bytes, weights));
}

export async function infoCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { weights: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (printedHelp(HELP, values.help, positionals)) return;
  const path = positionals[0]!;
  const graph = await loadGraphForCli(path, values.weights);
  const bytes = (await readModelFile(path)).length;
  const m = graph.metadata;
  console.log(`${path} (${formatBytes(bytes)})`);
  console.log(`source: ${m.sourceFormat}${m.sourceOpset ? ` opset ${m.sourceOpset}` : ''}; producer: ${m.producer || '?'} ${m.producerVersion}`);
  console.log('inputs:');
  for (const name of graph.inputs) console.log(`  ${name}: ${graph.tensor(name).type}${describeDims(graph.tensor(name).dims)}`);
  console.log('outputs:');
  for (const name of graph.outputs) console.log(`  ${name}: ${graph.tensor(name).type}${describeDims(graph.tensor(name).dims)}`);
  console.log(`nodes: ${graph.nodes.length} (${opHistogram(graph)})`);
  console.log(`parameters: ${parameterCount(graph).toLocaleString('en-US')}`);
  const properties = Object.entries(m.properties);
  if (properties.length) {
    console.log('metadata:');
    for (const [key, value] of properties) console.log(`  ${key}: ${value.length > 120 ? `${value.slice(0, 117)}...` : value}`);
  }
}
