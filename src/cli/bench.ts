/** `weblite bench`: MindSpore-Lite-style benchmark of one model on one backend. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { WebliteError } from '../errors.js';
import { InferenceSession } from '../runtime/session.js';
import { Tensor } from '../ir/tensor.js';
import { formatBytes, quantizedSummary } from './format.js';
import { provideWebGpu } from './node-webgpu.js';
import { formatProfile } from './profile-format.js';
import { openSession, printedHelp } from './model-files.js';
import { readNpy } from './npy.js';

const HELP = `usage: weblite bench <model.wlm|model.onnx> [options]

Times session creation, then runs the model (seeded random inputs, symbolic dims set to 1, unless --input is given)
and prints min / median / p90 latency, memory, and optionally a per-node profile and accuracy against golden outputs.

options:
  -b, --backend <name>    auto | reference | wasm | webgpu (default auto)
  --threads <N>           threads for the wasm backend
  --warmup <W>            untimed runs first (default 1)
  --loops <L>             timed runs (default 10)
  -i, --input name=f.npy  use this input instead of random data (repeatable)
  --golden name=f.npy     compare output 'name' with this golden output: max abs error, cosine similarity
  --profile               per-node time profile (top 25 nodes and totals per kernel); webgpu: GPU time per node
                          from timestamp-query when the adapter has it, else CPU-side time with a caveat
  --weights <file>        Caffe: the .caffemodel for a deploy.prototxt (default: next to it)
  -h, --help              this help`;

export async function bench(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      backend: { type: 'string', short: 'b', default: 'auto' },
      threads: { type: 'string' },
      warmup: { type: 'string', default: '1' },
      loops: { type: 'string', default: '10' },
      input: { type: 'string', short: 'i', multiple: true },
      golden: { type: 'string', multiple: true },
      profile: { type: 'boolean' },
      weights: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (printedHelp(HELP, values.help, positionals)) return;
  const warmup = Number(values.warmup);
  const loops = Number(values.loops);
  if (!Number.isInteger(warmup) || warmup < 0 || !Number.isInteger(loops) || loops < 1) {
    throw new WebliteError('BAD_ARGUMENT', '--warmup must be ≥ 0 and --loops ≥ 1 (integers)');
  }
  const path = positionals[0]!;
  const rssBefore = process.memoryUsage().rss;
  const createStart = performance.now();
  await provideWebGpu(values.backend);
  const session = await openSession(path, { ...values, threads: values.threads ? Number(values.threads) : undefined });
  const createMs = performance.now() - createStart;
  const feeds = syntheticFeeds(session);
  for (const [name, tensor] of await namedNpy(values.input ?? [], '--input')) feeds[name] = tensor;
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  if (values.profile) session.startProfiling();
  const times: number[] = [];
  let outputs: Record<string, Tensor> = {};
  for (let i = 0; i < loops; i++) {
    const start = performance.now();
    outputs = await session.run(feeds);
    times.push(performance.now() - start);
  }
  const profile = values.profile ? session.endProfiling() : [];
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  console.log(`model: ${path}`);
  console.log(`backend: ${session.backend} — ${session.backendReason}; threads: ${session.threads}`);
  const kernels = session.placement.filter((p) => p.backend !== 'cpu').length;
  console.log(`placement: ${kernels}/${session.placement.length} nodes on ${session.backend} kernels, ${session.placement.length - kernels} on the CPU reference`);
  const quantized = quantizedSummary(session.placement, session.backend);
  if (quantized) console.log(quantized);
  const phases = Object.entries(session.createTimings).filter(([name]) => name !== 'total');
  const breakdown = phases.length > 0 ? ` (${phases.map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(', ')})` : '';
  console.log(`session create: ${createMs.toFixed(1)} ms${breakdown}`);
  console.log(`latency over ${loops} runs (after ${warmup} warm-up): min ${times[0]!.toFixed(2)} ms, median ${at(0.5).toFixed(2)} ms, p90 ${at(0.9).toFixed(2)} ms`);
  const memory = session.memoryBytes;
  console.log(`memory: ${memory !== undefined ? `${formatBytes(memory)} reserved by the backend; ` : ''}process RSS +${formatBytes(Math.max(0, process.memoryUsage().rss - rssBefore))}`);
  for (const [name, golden] of await namedNpy(values.golden ?? [], '--golden')) {
    const got = outputs[name];
    if (!got) throw new WebliteError('BAD_ARGUMENT', `--golden ${name}: the model has no output '${name}'`);
    console.log(`accuracy ${name}: ${accuracy(got, golden)}`);
  }
  if (profile.length > 0) for (const line of formatProfile(profile, loops, session.backend)) console.log(line);
  await session.release();
}

async function namedNpy(specs: string[], flag: string): Promise<[string, Tensor][]> {
  const out: [string, Tensor][] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new WebliteError('BAD_ARGUMENT', `${flag} ${spec}: expected name=file.npy`);
    const file = spec.slice(eq + 1);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (error) {
      throw new WebliteError('IO_ERROR', `${flag} ${spec}: ${(error as Error).message}`);
    }
    out.push([spec.slice(0, eq), readNpy(bytes, basename(file))]);
  }
  return out;
}

function accuracy(got: Tensor, want: Tensor): string {
  if (got.size !== want.size) return `size ${got.size} ≠ golden ${want.size}`;
  const a = got.data as ArrayLike<number>;
  const b = want.data as ArrayLike<number>;
  let maxAbs = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < b.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(Number(a[i]) - Number(b[i])));
    dot += Number(a[i]) * Number(b[i]);
    na += Number(a[i]) ** 2;
    nb += Number(b[i]) ** 2;
  }
  return `max abs error ${maxAbs.toExponential(3)}, cosine similarity ${(dot / Math.sqrt(na * nb)).toFixed(7)}`;
}

function syntheticFeeds(session: InferenceSession): Record<string, Tensor> {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const feeds: Record<string, Tensor> = {};
  for (const input of session.inputs) {
    const dims = input.dims.map((d) => (typeof d === 'number' ? d : 1));
    const tensor = Tensor.zeros(input.type, dims);
    const data = tensor.data as unknown as { [i: number]: number | bigint; length: number };
    for (let i = 0; i < data.length; i++) {
      if (input.type === 'float32' || input.type === 'float64') data[i] = random();
    }
    feeds[input.name] = tensor;
  }
  return feeds;
}
