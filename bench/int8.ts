// `npm run bench:int8`: weblite's wasm int8 path (quantized TFLite models, QDQ islands fused onto the qs8 kernels)
// side by side with the TFLite interpreter's wasm build (@tensorflow/tfjs-tflite, XNNPACK delegate, 1 thread) in
// the same Node process, alternating runs, medians; and against weblite's own fp32 path for the same network
// (mobilenet v1 0.25: the float .tflite; MobileNetV2 1.0: torchvision's mobilenet_v2 fixture, the same
// architecture). Writes bench/RESULTS-int8.md. Needs ../shared/models.
// Usage: npm run bench:int8 [-- --loops 30 --warmup 3]
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { convert } from '../src/convert/index.js';
import { InferenceSession, Tensor } from '../src/index.js';
import { loadTflite } from '../test/helpers/tflite-interpreter.js';
import { MODELS, modelsPresent } from '../test/helpers/tflite-models.js';
import { ensureFixtures, loadFixture } from '../test/models/fixtures.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
const loops = Number(option('loops', '30'));
const warmup = Number(option('warmup', '3'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (!modelsPresent) {
  console.log(`bench:int8 skipped: ${MODELS} is missing`);
  process.exit(0);
}

interface Case {
  name: string;
  quantized: string;
  /** The same network in float: a .tflite in ../shared, or a torchvision fixture name. */
  float: { tflite: string } | { fixture: string };
}

const CASES: Case[] = [
  { name: 'mobilenet v1 0.25 224 (uint8)', quantized: 'mobilenet-v1-0.25-224-quant.tflite', float: { tflite: 'mobilenet-v1-0.25-224-float.tflite' } },
  { name: 'mobilenet v2 1.0 224 (uint8, coral)', quantized: 'mobilenet-v2-1.0-224-quant.tflite', float: { fixture: 'mobilenet_v2' } },
];

function randomInput(dims: number[], type: 'uint8' | 'float32'): Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  let s = 12345;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  return type === 'uint8' ? new Tensor('uint8', Uint8Array.from({ length: size }, next), dims) : new Tensor('float32', Float32Array.from({ length: size }, () => next() / 127.5 - 1), dims);
}

async function timeSession(session: InferenceSession, feeds: Record<string, Tensor>, samples: number[]) {
  const t = performance.now();
  await session.run(feeds);
  samples.push(performance.now() - t);
}

const lines: string[] = [];
for (const c of CASES) {
  const tflite = readFileSync(`${MODELS}tflite/${c.quantized}`);
  let t = performance.now();
  const int8 = await InferenceSession.create(await convert(tflite, { fileName: c.quantized }), { backend: 'wasm' });
  const createInt8 = performance.now() - t;
  const onKernels = int8.placement.filter((p) => p.kernel.startsWith('qs8') || p.kernel.startsWith('s8')).length;
  const input = int8.inputs[0]!;
  const feeds = { [input.name]: randomInput(input.dims as number[], input.type as 'uint8') };

  let floatSession: InferenceSession;
  let floatFeeds: Record<string, Tensor>;
  if ('tflite' in c.float) {
    floatSession = await InferenceSession.create(await convert(readFileSync(`${MODELS}tflite/${c.float.tflite}`), { fileName: c.float.tflite }), { backend: 'wasm' });
    const fi = floatSession.inputs[0]!;
    floatFeeds = { [fi.name]: randomInput(fi.dims as number[], 'float32') };
  } else {
    const status = ensureFixtures([c.float.fixture]).get(c.float.fixture);
    if (!status?.ready) throw new Error(`fixture ${c.float.fixture}: ${status && !status.ready ? status.reason : 'missing'}`);
    const fixture = loadFixture(c.float.fixture);
    floatSession = await InferenceSession.create(await convert(fixture.onnx), { backend: 'wasm' });
    floatFeeds = { input: fixture.input };
  }

  const runner = await loadTflite(tflite, 1);
  runner.getInputs()[0]!.data().set(feeds[input.name]!.data as Uint8Array);
  const samples = { int8: [] as number[], float: [] as number[], tflite: [] as number[] };
  for (let i = 0; i < warmup + loops; i++) {
    const keep = i >= warmup;
    const a: number[] = [];
    const b: number[] = [];
    const d: number[] = [];
    await timeSession(int8, feeds, a);
    t = performance.now();
    if (!runner.infer()) throw new Error('TFLite interpreter failed');
    d.push(performance.now() - t);
    await timeSession(floatSession, floatFeeds, b);
    if (keep) {
      samples.int8.push(a[0]!);
      samples.tflite.push(d[0]!);
      samples.float.push(b[0]!);
    }
  }
  runner.cleanUp();
  const [mi, mt, mf] = [median(samples.int8), median(samples.tflite), median(samples.float)];
  const line = `| ${c.name} | ${mi.toFixed(2)} | ${mt.toFixed(2)} | ${(mi / mt).toFixed(3)} | ${mf.toFixed(2)} | ${(mi / mf).toFixed(3)} | ${onKernels}/${int8.placement.length} | ${createInt8.toFixed(0)} |`;
  console.log(line);
  lines.push(line);
  await int8.release();
  await floatSession.release();
}

const report = [
  '# int8 benchmark (wasm, 1 thread)',
  '',
  `- date: ${new Date().toISOString()}`,
  `- machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; Node ${process.version}; loops ${loops} (alternating), warm-up ${warmup}`,
  '- TFLite interpreter: @tensorflow/tfjs-tflite (TFLite wasm build with the XNNPACK delegate, SIMD, 1 thread), same process',
  '- weblite fp32: the same network in float on the wasm backend (v1 0.25: the float .tflite; v2: torchvision mobilenet_v2)',
  '- command: `npm run bench:int8`',
  '',
  '| model | weblite int8 (ms) | TFLite interpreter (ms) | ratio | weblite fp32 (ms) | int8 / fp32 | nodes on int8 kernels | create (ms) |',
  '|---|---|---|---|---|---|---|---|',
  ...lines,
  '',
];
writeFileSync(new URL('./RESULTS-int8.md', import.meta.url), report.join('\n'));
