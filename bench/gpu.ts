// weblite's webgpu backend against TF.js's WebGPU backend (@tensorflow/tfjs-backend-webgpu), both on Dawn (the
// `webgpu` npm package) in one Node process and on one GPUDevice: TF.js creates its device as it would in a page,
// and weblite's sessions run on that same device (SessionOptions.gpuDevice). Runs alternate between the engines;
// medians are reported with the latency ratio weblite / TF.js (target ≤ 0.80), plus weblite's GEMM throughput on a
// 2048³ MatMul as a fraction of the GPU's fp32 peak, and the fp16 checks (bench/gpu/fp16.ts).
//
// Normally started by bench/gpu.sh (which finds the Vulkan driver and the carried Node); directly:
//   node <bundle> [--models mobilenet_v2,resnet18] [--rounds 50] [--warmup 5] [--gemm 2048] [--gemm-runs 50]
//                        [--fixtures dir1:dir2] [--out bench/RESULTS-gpu.md] [--copy-to DIR] [--peak-tflops 66.9]
// TF.js gets the same network rebuilt from the ONNX weights (bench/gpu/tfjs-graph.ts); both outputs are checked
// against torch's. On SwiftShader every figure is CPU emulation and the results say so in their first line.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import { readNpy } from '../src/cli/npy.js';
import { importModel } from '../src/convert/index.js';
import { InferenceSession, setGpu } from '../src/index.js';
import { type Fp16Report, checkFp16 } from './gpu/fp16.js';
import { type GemmResult, measureGemm } from './gpu/gemm.js';
import { buildTfjsModel } from './gpu/tfjs-graph.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
const root = resolve(option('root', process.cwd()));
const models = option('models', 'mobilenet_v2,resnet18').split(',').filter(Boolean);
const rounds = Number(option('rounds', '50'));
const warmup = Number(option('warmup', '5'));
const gemmSize = Number(option('gemm', '2048'));
const gemmRuns = Number(option('gemm-runs', '50'));
const fixtureDirs = option('fixtures', `${join(root, '.cache/fixtures')}:${join(root, '.gpu/fixtures')}`).split(':');
const outFile = resolve(root, option('out', 'bench/RESULTS-gpu.md'));
const copyTo = option('copy-to', '');
const peakOverride = Number(option('peak-tflops', '0'));

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

function relativeL2(got: Float32Array, want: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** fp32 peak of known GPUs (TFLOP/s, non-tensor-core FMA rate at boost clock), matched on the adapter's description. */
function fp32Peak(description: string): { tflops: number; source: string } | undefined {
  if (peakOverride > 0) return { tflops: peakOverride, source: 'given with --peak-tflops' };
  // H100/H200 SXM: 132 SMs × 128 FP32 lanes × 2 flops × 1.98 GHz = 66.9 TFLOP/s (NVIDIA's figure: 67).
  if (/H200|H100/i.test(description)) return { tflops: 66.9, source: 'H100/H200 SXM: 132 SMs × 128 lanes × 2 × 1.98 GHz (NVIDIA lists 67 TFLOP/s)' };
  return undefined;
}

interface ModelRow {
  name: string;
  missing?: string;
  weblite?: number;
  tfjs?: number;
  webliteMin?: number;
  tfjsMin?: number;
  createWeblite?: number;
  createTfjs?: number;
  placement?: string;
  dispatches?: number;
  tfjsOps?: number;
  errorWeblite?: number;
  errorTfjs?: number;
}

function findFixture(name: string): { onnx: string; input: string; expected: string } | string {
  for (const dir of fixtureDirs) {
    const onnx = join(dir, `${name}.onnx`);
    if (existsSync(onnx)) return { onnx, input: join(dir, `${name}.input.npy`), expected: join(dir, `${name}.output.npy`) };
  }
  return `MISSING FIXTURE ${name}.onnx (looked in ${fixtureDirs.join(', ')}): run \`npm run fixtures\` and carry .cache/fixtures/${name}.*`;
}

async function benchModel(name: string, tf: typeof TfCore, device: GPUDevice): Promise<ModelRow> {
  const paths = findFixture(name);
  if (typeof paths === 'string') {
    console.log(`\n!!! ${paths}\n`);
    return { name, missing: paths };
  }
  const bytes = new Uint8Array(readFileSync(paths.onnx));
  const input = readNpy(new Uint8Array(readFileSync(paths.input)), paths.input);
  const expected = existsSync(paths.expected) ? (readNpy(new Uint8Array(readFileSync(paths.expected)), paths.expected).data as Float32Array) : undefined;
  const [n, c, h, w] = input.dims as [number, number, number, number];

  let started = performance.now();
  const session = await InferenceSession.create(bytes, { backend: 'webgpu', gpuDevice: device });
  const createWeblite = performance.now() - started;
  const feeds = { [session.inputs[0]!.name]: input };
  const outputName = session.outputs[0]!.name;

  started = performance.now();
  const model = buildTfjsModel(tf, importModel(bytes, { fileName: `${name}.onnx`, optimize: false }));
  const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(input.data as Float32Array, [n, c, h, w]), [0, 2, 3, 1])) as TfCore.Tensor4D;
  const createTfjs = performance.now() - started;

  const runWeblite = async () => (await session.run(feeds))[outputName]!.data as Float32Array;
  const runTfjs = async () => {
    const y = model.run(nhwc);
    const data = (await y.data()) as Float32Array;
    y.dispose();
    return data;
  };
  console.log(`${name}: warming up (${warmup} runs each; the first compiles TF.js's shaders)…`);
  let a = await runWeblite();
  let b = await runTfjs();
  for (let i = 1; i < warmup; i++) {
    a = await runWeblite();
    b = await runTfjs();
  }
  const times = { weblite: [] as number[], tfjs: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    // Alternate which engine goes first, so neither always runs on a GPU just woken by the other.
    const order: ('weblite' | 'tfjs')[] = r % 2 === 0 ? ['weblite', 'tfjs'] : ['tfjs', 'weblite'];
    for (const engine of order) {
      const t0 = performance.now();
      await (engine === 'weblite' ? runWeblite() : runTfjs());
      times[engine].push(performance.now() - t0);
    }
  }
  const onGpu = session.placement.filter((p) => p.backend === 'webgpu').length;
  const stats = (session as unknown as { compiled?: { stats?: { lastRun?: { dispatches: number } } } }).compiled?.stats;
  const row: ModelRow = {
    name,
    weblite: median(times.weblite),
    tfjs: median(times.tfjs),
    webliteMin: Math.min(...times.weblite),
    tfjsMin: Math.min(...times.tfjs),
    createWeblite,
    createTfjs,
    placement: `${onGpu}/${session.placement.length} on GPU`,
    dispatches: stats?.lastRun?.dispatches,
    tfjsOps: model.ops,
    errorWeblite: expected && relativeL2(a, expected),
    errorTfjs: expected && relativeL2(b, expected),
  };
  console.log(`${name}: weblite ${fmt(row.weblite!)} ms, TF.js ${fmt(row.tfjs!)} ms, ratio ${(row.weblite! / row.tfjs!).toFixed(2)}; rel. L2 vs torch ${row.errorWeblite?.toExponential(1)} / ${row.errorTfjs?.toExponential(1)}`);
  model.dispose();
  nhwc.dispose();
  await session.release();
  return row;
}

async function main(): Promise<void> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  // TF.js looks for navigator.gpu; Node 20 has no navigator.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `Node.js ${process.version}` }, configurable: true, writable: true });
  setGpu(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    console.error(`Dawn found no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})`);
    process.exit(3);
  }
  const info = adapter.info;
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const swiftShader = /swiftshader/i.test(description);
  const features = [...adapter.features].sort();
  console.log(`adapter: ${description}\nfeatures: ${features.join(', ')}`);
  if (swiftShader) console.log('\n!!! SwiftShader adapter: CPU emulation, NOT GPU performance. Figures below are labelled as such. !!!\n');

  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not initialise its webgpu backend');
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const tfVersion = tf.version_core;

  const rows: ModelRow[] = [];
  for (const name of models) rows.push(await benchModel(name, tf, device));

  let gemm: GemmResult | undefined;
  if (gemmSize > 0) {
    console.log(`GEMM ${gemmSize}³: ${gemmRuns} products…`);
    gemm = await measureGemm(gemmSize, gemmRuns, device, tf);
    console.log(`GEMM ${gemmSize}³: weblite ${gemm.wallMs.toFixed(3)} ms = ${gemm.tflops.toFixed(2)} TFLOP/s; TF.js ${gemm.tfjs?.wallMs.toFixed(3)} ms = ${gemm.tfjs?.tflops.toFixed(2)} TFLOP/s; check error ${gemm.checkError.toExponential(1)}`);
  }

  const fp16 = await checkFp16(adapter, models.map((name) => ({ name, paths: findFixture(name) })), { rounds: Math.max(3, Math.min(rounds, 20)), gemm: gemmSize, gemmRuns });
  for (const line of fp16.lines) console.log(line);

  const section = report({ description, features, swiftShader, tfVersion, rows, gemm, fp16 });
  if (!existsSync(outFile)) writeFileSync(outFile, '# weblite webgpu vs TF.js WebGPU on Dawn (bench/gpu.sh)\n\nEach section is one run of bench/gpu.sh, newest last.\n');
  appendFileSync(outFile, section);
  console.log(`\nappended to ${outFile}`);
  if (copyTo) {
    mkdirSync(copyTo, { recursive: true });
    copyFileSync(outFile, join(copyTo, 'RESULTS-gpu.md'));
    writeFileSync(join(copyTo, 'section.md'), section);
  }
  process.exit(0);
}

function report(r: { description: string; features: string[]; swiftShader: boolean; tfVersion: string; rows: ModelRow[]; gemm?: GemmResult; fp16: Fp16Report }): string {
  const peak = fp32Peak(r.description);
  const lines: string[] = [];
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  lines.push(`\n## ${when} — ${r.swiftShader ? 'SwiftShader (CPU emulation: NOT GPU figures)' : r.description}\n`);
  if (r.swiftShader) lines.push('**SwiftShader run: a check that the script works end to end. Timings are CPU emulation, not GPU performance.**\n');
  const webgpuVersion = (() => {
    try {
      return (JSON.parse(readFileSync(join(root, 'node_modules/webgpu/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return process.env.WEBLITE_DAWN_VERSION ?? 'unknown';
    }
  })();
  lines.push(`- adapter: ${r.description}; features: ${r.features.join(', ') || 'none'}`);
  lines.push(`- Vulkan ICD: ${process.env.VK_ICD_FILENAMES ?? 'loader default'}; Node ${process.version}; Dawn: npm webgpu ${webgpuVersion}; TF.js ${r.tfVersion} (tfjs-backend-webgpu)`);
  lines.push(`- weblite commit ${process.env.WEBLITE_COMMIT ?? 'unknown'}; ${rounds} alternating rounds after ${warmup} warm-up runs each; batch 1, 3×224×224, output read back to the CPU every run`);
  lines.push('- one GPUDevice for both: TF.js creates it (as in a page), weblite runs on it through `gpuDevice`. TF.js runs the same ONNX weights rebuilt as TF.js ops (bench/gpu/tfjs-graph.ts: NHWC, fused conv+bias+relu/relu6, fused matMul+bias)');
  lines.push("- create: weblite's includes converting the ONNX and compiling every pipeline; TF.js's only lays out the weights (it compiles its shaders during the first, untimed, warm-up run)\n");
  lines.push('| model | weblite median (min) ms | TF.js median (min) ms | ratio weblite/TF.js | create weblite / TF.js ms | weblite placement, dispatches/run | TF.js ops/run | rel. L2 vs torch weblite / TF.js |');
  lines.push('|---|---|---|---|---|---|---|---|');
  const ratios: number[] = [];
  for (const row of r.rows) {
    if (row.missing) {
      lines.push(`| ${row.name} | — | — | — | — | — | — | ${row.missing} |`);
      continue;
    }
    const ratio = row.weblite! / row.tfjs!;
    ratios.push(ratio);
    lines.push(`| ${row.name} | ${fmt(row.weblite!)} (${fmt(row.webliteMin!)}) | ${fmt(row.tfjs!)} (${fmt(row.tfjsMin!)}) | **${ratio.toFixed(2)}** | ${fmt(row.createWeblite!)} / ${fmt(row.createTfjs!)} | ${row.placement}, ${row.dispatches ?? '?'} | ${row.tfjsOps} | ${row.errorWeblite?.toExponential(1) ?? '?'} / ${row.errorTfjs?.toExponential(1) ?? '?'} |`);
  }
  if (ratios.length) {
    const geomean = Math.exp(ratios.reduce((s, x) => s + Math.log(x), 0) / ratios.length);
    lines.push(`\nLatency ratio (geometric mean): **${geomean.toFixed(2)}** (target ≤ 0.80: ${geomean <= 0.8 ? 'met' : 'not met'}${r.swiftShader ? '; meaningless on SwiftShader' : ''}).`);
  }
  if (r.gemm) {
    const g = r.gemm;
    const fraction = peak ? ` = **${((100 * g.tflops) / peak.tflops).toFixed(1)}%** of the fp32 peak ${peak.tflops} TFLOP/s (${peak.source})` : ' (fp32 peak of this adapter unknown: pass --peak-tflops)';
    lines.push(`\nGEMM ${g.n}³ (MatMul: A a GPU-resident input, B a weight, result kept on the GPU; ${g.runs} back-to-back runs; kernel ${g.kernel}): weblite ${g.wallMs.toFixed(3)} ms = ${g.tflops.toFixed(2)} TFLOP/s${fraction}; check vs CPU ${g.checkError.toExponential(1)}.`);
    if (g.tfjs) lines.push(`TF.js tf.matMul, same operands and method: ${g.tfjs.wallMs.toFixed(3)} ms = ${g.tfjs.tflops.toFixed(2)} TFLOP/s.`);
  }
  lines.push('', ...r.fp16.markdown, '');
  return lines.join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
