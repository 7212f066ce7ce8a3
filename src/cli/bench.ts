/** `weblite bench`: latency statistics of one backend on one model, with synthetic inputs. */
import { parseArgs } from 'node:util';
import { WebliteError } from '../errors.js';
import { InferenceSession } from '../runtime/session.js';
import type { BackendName } from '../runtime/backend.js';
import { Tensor } from '../ir/tensor.js';
import { readModelFile, sideFiles } from './model-files.js';

const HELP = `usage: weblite bench <model.wlm|model.onnx> [options]

Creates a session (timed), then runs it on seeded random inputs (symbolic dims set to 1) and prints
min / median / p90 latency.

options:
  -b, --backend <name>   auto | reference | wasm | webgpu (default auto)
  --warmup <W>           untimed runs first (default 1)
  --loops <L>            timed runs (default 10)
  -h, --help             this help`;

export async function bench(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      backend: { type: 'string', short: 'b', default: 'auto' },
      warmup: { type: 'string', default: '1' },
      loops: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.log(HELP);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const warmup = Number(values.warmup);
  const loops = Number(values.loops);
  if (!Number.isInteger(warmup) || warmup < 0 || !Number.isInteger(loops) || loops < 1) {
    throw new WebliteError('BAD_ARGUMENT', '--warmup must be ≥ 0 and --loops ≥ 1 (integers)');
  }
  const path = positionals[0]!;
  const bytes = await readModelFile(path);
  const createStart = performance.now();
  const session = await InferenceSession.create(bytes, { backend: values.backend as BackendName | 'auto', files: sideFiles(path) });
  const createMs = performance.now() - createStart;
  const feeds = syntheticFeeds(session);
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < loops; i++) {
    const start = performance.now();
    await session.run(feeds);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  console.log(`model: ${path}`);
  console.log(`backend: ${session.backend} — ${session.backendReason}`);
  console.log(`session create: ${createMs.toFixed(1)} ms`);
  console.log(`latency over ${loops} runs (after ${warmup} warm-up): min ${times[0]!.toFixed(2)} ms, median ${at(0.5).toFixed(2)} ms, p90 ${at(0.9).toFixed(2)} ms`);
  await session.release();
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
      else if (input.type === 'int64' || input.type === 'uint64') data[i] = 0n;
    }
    feeds[input.name] = tensor;
  }
  return feeds;
}
