/** `weblite run`: run a model on inputs from .npy/.bin files and print (or save) the outputs. */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebliteError } from '../errors.js';
import { InferenceSession } from '../runtime/session.js';
import type { Tensor } from '../ir/tensor.js';
import { previewTensor, quantizedSummary, topK } from './format.js';
import { openSession, printedHelp } from './model-files.js';
import { readNpy, readRaw, writeNpy } from './npy.js';

const HELP = `usage: weblite run <model.wlm|model.onnx> --input name=file.npy|file.bin [...] [options]

Runs the model once and prints each output's type, dims and first values.

options:
  -i, --input name=file   an input from a .npy file, or raw little-endian .bin (needs static dims);
                          with a single-input model, 'name=' may be omitted
  -b, --backend <name>    auto | reference | wasm | webgpu (default auto)
  --top <K>               also print the K largest values of each float output (classifier scores)
  --save <dir>            write each output to <dir>/<name>.npy
  --placement             print which backend and kernel runs each node
  --weights <file>        Caffe: the .caffemodel for a deploy.prototxt (default: next to it)
  -h, --help              this help`;

export async function runCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      input: { type: 'string', short: 'i', multiple: true },
      backend: { type: 'string', short: 'b', default: 'auto' },
      top: { type: 'string' },
      save: { type: 'string' },
      placement: { type: 'boolean' },
      weights: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (printedHelp(HELP, values.help, positionals)) return;
  const session = await openSession(positionals[0]!, values);
  console.log(`backend: ${session.backend} — ${session.backendReason}`);
  if (values.placement) printPlacement(session);
  const feeds = await readInputs(session, values.input ?? []);
  const started = performance.now();
  const outputs = await session.run(feeds);
  console.log(`ran in ${(performance.now() - started).toFixed(1)} ms`);
  const k = values.top ? Number(values.top) : 0;
  const labels = parseLabels(session.metadata.properties.labels);
  for (const [name, tensor] of Object.entries(outputs)) {
    console.log(`${name}: ${previewTensor(tensor)}`);
    if (k > 0 && tensor.type === 'float32') {
      for (const { index, value } of topK(tensor, k)) console.log(`  #${index}${labels[index] ? ` ${labels[index]}` : ''}: ${value.toPrecision(5)}`);
    }
  }
  if (values.save) {
    await mkdir(values.save, { recursive: true });
    for (const [name, tensor] of Object.entries(outputs)) {
      await writeFile(join(values.save, `${name.replace(/[^\w.-]/g, '_')}.npy`), writeNpy(tensor));
    }
    console.log(`saved ${Object.keys(outputs).length} output(s) to ${values.save}`);
  }
  await session.release();
}

export function printPlacement(session: InferenceSession): void {
  const counts = new Map<string, number>();
  for (const p of session.placement) counts.set(`${p.backend}:${p.kernel}`, (counts.get(`${p.backend}:${p.kernel}`) ?? 0) + 1);
  console.log(`placement (${session.placement.length} nodes):`);
  for (const [kernel, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${n}× ${kernel}`);
  const quantized = quantizedSummary(session.placement, session.backend);
  if (quantized) console.log(quantized);
}

async function readInputs(session: InferenceSession, specs: string[]): Promise<Record<string, Tensor>> {
  const feeds: Record<string, Tensor> = {};
  for (const spec of specs) {
    let [name, file] = spec.includes('=') ? [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)] : ['', spec];
    if (name === '') {
      if (session.inputs.length !== 1) {
        throw new WebliteError('BAD_ARGUMENT', `--input ${spec}: the model has ${session.inputs.length} inputs; write name=file (${session.inputs.map((i) => i.name).join(', ')})`);
      }
      name = session.inputs[0]!.name;
    }
    const info = session.inputs.find((i) => i.name === name);
    if (!info) throw new WebliteError('BAD_ARGUMENT', `--input ${spec}: the model has no input '${name}' (inputs: ${session.inputs.map((i) => i.name).join(', ')})`);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file!));
    } catch (error) {
      throw new WebliteError('IO_ERROR', `--input ${spec}: ${(error as Error).message}`);
    }
    if (extname(file!) === '.npy') feeds[name] = readNpy(bytes, basename(file!));
    else {
      if (!info.dims.every((d): d is number => typeof d === 'number')) {
        throw new WebliteError('BAD_ARGUMENT', `--input ${spec}: input '${name}' has symbolic dims [${info.dims.join(', ')}]; use a .npy file`);
      }
      feeds[name] = readRaw(bytes, info.type, info.dims, basename(file!));
    }
  }
  const missing = session.inputs.filter((i) => !feeds[i.name]);
  if (missing.length) {
    throw new WebliteError('BAD_ARGUMENT', `missing --input for ${missing.map((i) => `${i.name} (${i.type}[${i.dims.join(', ')}])`).join(', ')}`);
  }
  return feeds;
}

/** Labels from metadata: a JSON array or one label per line. */
export function parseLabels(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // not JSON: one per line
  }
  return text.split('\n');
}
