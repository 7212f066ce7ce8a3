// `npm run bench`: weblite (wasm backend) side by side with onnxruntime-web 1.30 (wasm EP, same thread count,
// graphOptimizationLevel 'all') in the same Node process, on the torchvision suite exported by
// scripts/export-torchvision.py. Runs alternate between the two engines; medians are reported. Writes bench/RESULTS.md.
// Session creation is timed twice per model: the first create of that model in the process (each engine has already
// created, run and released the previous models' sessions), and the median of --creates repeated creates, alternating
// engines, each session released before the next (both engines then reuse their memory and threads).
// With one thread it then runs bench/int8.ts (quantized TFLite MobileNets: weblite int8 vs the TFLite interpreter and
// vs weblite fp32; needs ../shared/models) unless --no-int8.
// Usage: npm run bench [-- --threads 1 --loops 20 --warmup 3 --creates 9 --models mobilenet_v2,resnet18 --no-int8]
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { InferenceSession, Tensor } from '../src/index.js';
import type { Graph } from '../src/ir/graph.js';
import { convert, importModel } from '../src/convert/index.js';
import { ensureFixtures, loadFixture } from '../test/models/fixtures.js';
import { convFlops, peakGflops } from './flops.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
const threads = Number(option('threads', '1'));
const loops = Number(option('loops', '20'));
const warmup = Number(option('warmup', '3'));
const creates = Number(option('creates', '9'));
const models = option('models', 'mobilenet_v2,resnet18,squeezenet1_1,efficientnet_b0').split(',');

ort.env.wasm.numThreads = threads;
const status = ensureFixtures(models);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

function relativeL2(got: Float32Array, want: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

interface Row {
  model: string;
  weblite: number[];
  ort: number[];
  createWeblite: number;
  createOrt: number;
  /** Medians of the repeated creates. */
  warmWeblite: number;
  warmOrt: number;
  /** weblite's createTimings: of the first create, and per phase the median over the repeated creates. */
  phasesFirst: Record<string, number>;
  phasesWarm: Record<string, number>;
  error: number;
  flops: number;
  wasmNodes: number;
  nodes: number;
}

const rows: Row[] = [];
const PHASES = ['load', 'instantiate', 'specialize', 'plan', 'pack', 'workers'];
for (const name of models) {
  const state = status.get(name);
  if (!state?.ready) {
    console.log(`${name}: skipped (${state && !state.ready ? state.reason : 'unknown model'})`);
    continue;
  }
  const fixture = loadFixture(name);
  // weblite's product path: convert once (offline), ship the .wlm, create sessions from it.
  const wlm = await convert(fixture.onnx);
  let started = performance.now();
  const session = await InferenceSession.create(wlm, { backend: 'wasm', threads });
  const createWeblite = performance.now() - started;
  started = performance.now();
  const reference = await ort.InferenceSession.create(fixture.onnx, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const createOrt = performance.now() - started;
  const feeds = { input: fixture.input };
  const ortFeeds = { input: new ort.Tensor('float32', fixture.input.data as Float32Array, [...fixture.input.dims]) };
  const out = await session.run(feeds);
  const error = relativeL2(out.output!.data as Float32Array, fixture.expected.data as Float32Array);
  for (let i = 0; i < warmup; i++) {
    await session.run(feeds);
    await reference.run(ortFeeds);
  }
  const row: Row = {
    model: name,
    weblite: [],
    ort: [],
    createWeblite,
    createOrt,
    warmWeblite: 0,
    warmOrt: 0,
    phasesFirst: session.createTimings,
    phasesWarm: {},
    error,
    flops: convFlops(importModel(fixture.onnx) as Graph),
    wasmNodes: session.placement.filter((p) => p.backend === 'wasm').length,
    nodes: session.placement.length,
  };
  // A short pause before each timed run lets the other engine's spinning worker threads go idle, so neither engine
  // is timed while the other still occupies a core.
  const settle = () => new Promise((resolve) => setTimeout(resolve, threads > 1 ? 20 : 2));
  for (let i = 0; i < loops; i++) {
    await settle();
    let t = performance.now();
    await session.run(feeds);
    row.weblite.push(performance.now() - t);
    await settle();
    t = performance.now();
    await reference.run(ortFeeds);
    row.ort.push(performance.now() - t);
  }
  await session.release();
  await reference.release();
  const warm = { weblite: [] as number[], ort: [] as number[], phases: new Map<string, number[]>() };
  for (let i = 0; i < creates; i++) {
    started = performance.now();
    const again = await InferenceSession.create(wlm, { backend: 'wasm', threads });
    warm.weblite.push(performance.now() - started);
    for (const [phase, ms] of Object.entries(again.createTimings)) warm.phases.set(phase, [...(warm.phases.get(phase) ?? []), ms]);
    await again.release();
    started = performance.now();
    const ortAgain = await ort.InferenceSession.create(fixture.onnx, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    warm.ort.push(performance.now() - started);
    await ortAgain.release();
  }
  row.warmWeblite = median(warm.weblite);
  row.warmOrt = median(warm.ort);
  row.phasesWarm = Object.fromEntries([...warm.phases].map(([phase, ms]) => [phase, median(ms)]));
  rows.push(row);
  console.log(
    `${name}: weblite ${median(row.weblite).toFixed(2)} ms (p90 ${quantile(row.weblite, 0.9).toFixed(2)}) vs onnxruntime-web ${median(row.ort).toFixed(2)} ms → ratio ${(median(row.weblite) / median(row.ort)).toFixed(3)}; create first ${createWeblite.toFixed(0)} vs ${createOrt.toFixed(0)} ms, repeated ${row.warmWeblite.toFixed(1)} vs ${row.warmOrt.toFixed(1)} ms; rel L2 vs torch ${error.toExponential(2)}; ${row.wasmNodes}/${row.nodes} nodes on wasm kernels`,
  );
}

const geomean = Math.exp(rows.reduce((s, r) => s + Math.log(median(r.weblite) / median(r.ort)), 0) / Math.max(1, rows.length));
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const peak = peakGflops();
const lines = [
  `# Benchmark results`,
  '',
  `- date: ${new Date().toISOString()}`,
  `- machine: ${cpu}, ${cpus().length} cores; Node ${process.version}; threads: ${threads}; loops: ${loops} (alternating), warm-up ${warmup}`,
  `- onnxruntime-web 1.30 wasm EP, graphOptimizationLevel 'all', numThreads ${threads}; weblite backend 'wasm'`,
  `- session create: weblite from the converted .wlm bytes, onnxruntime-web from the .onnx bytes (each engine's shipping format), models in the order of the table. "first": the first create of that model in the process (the first model's also compiles each engine's wasm — 14 MB for onnxruntime-web, ~0.2 MB for weblite — and starts its threads; later ones reuse the memory and threads the previous, released sessions left). "repeated": median of ${creates} creates, alternating engines, each session released before the next. Both include what each engine does before its first run: onnxruntime-web copies and parses the protobuf, optimises the graph and creates kernels (its wasm Conv packs no weights); weblite reads the .wlm (zero-copy weights), folds, plans memory and packs every weight into its kernels' layout`,
  `- command: \`npm run bench -- --threads ${threads} --loops ${loops}\``,
  '',
  '| model | weblite median (ms) | weblite p90 | onnxruntime-web median (ms) | ratio | create first weblite / ort (ms) | create repeated weblite / ort (ms) | conv GFLOP/s | rel L2 vs torch | nodes on wasm kernels |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.model} | ${median(r.weblite).toFixed(2)} | ${quantile(r.weblite, 0.9).toFixed(2)} | ${median(r.ort).toFixed(2)} | ${(median(r.weblite) / median(r.ort)).toFixed(3)} | ${r.createWeblite.toFixed(0)} / ${r.createOrt.toFixed(0)} | ${r.warmWeblite.toFixed(1)} / ${r.warmOrt.toFixed(1)} | ${(r.flops / median(r.weblite) / 1e6).toFixed(1)} | ${r.error.toExponential(2)} | ${r.wasmNodes}/${r.nodes} |`,
  ),
  '',
  `geomean ratio weblite / onnxruntime-web: **${geomean.toFixed(3)}** (target ≤ 0.80)`,
  '',
  'weblite session create by phase (ms; session.createTimings), first create / median of the repeated ones:',
  '',
  `| model | ${PHASES.join(' | ')} | total |`,
  `|---|${PHASES.map(() => '---|').join('')}---|`,
  ...rows.map((r) => `| ${r.model} | ${[...PHASES, 'total'].map((phase) => `${(r.phasesFirst[phase] ?? 0).toFixed(1)} / ${(r.phasesWarm[phase] ?? 0).toFixed(1)}`).join(' | ')} |`),
  '',
  'load = reading the .wlm + load-time folding; instantiate = a kernel instance and memory (0 when a released session\'s is reused); plan = lowering choice, layouts, memory plan, indirection buffers; pack = copying weights into wasm memory and packing them; workers = waiting for worker threads still booting after packing.',
  '',
  `128-bit SIMD peak: ${peak.description}; measured with a register-only wasm loop: 45 GFLOP/s plain SIMD, 56.6 with relaxed FMA. Conv GFLOP/s = conv+GEMM FLOPs / whole-model median (a lower bound for the conv kernels themselves).`,
];
const path = new URL(`./RESULTS${threads > 1 ? `-${threads}threads` : ''}.md`, import.meta.url);
writeFileSync(path, `${lines.join('\n')}\n`);
console.log(`\n${lines.join('\n')}\nwrote ${path.pathname}`);

// The int8 comparison (issue #4's speed target) runs after the float suite, one thread, unless --no-int8:
// bench/int8.ts, its own process (it loads the TFLite interpreter's wasm build), writing bench/RESULTS-int8.md.
if (!args.includes('--no-int8') && threads === 1) {
  console.log('\nnpm run bench:int8 (weblite int8 vs the TFLite interpreter, 1 thread):');
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL('./int8.ts', import.meta.url))], { stdio: 'inherit' });
  if (child.status !== 0) process.exitCode = child.status ?? 1;
}
