// One table of every real model the project tests (../shared/models and the torchvision fixtures): weblite's error
// against that model's reference runtime (onnxruntime-node, the TFLite interpreter, OpenCV dnn, torch) and how many
// nodes ran on the backend's own kernels, per backend. The inputs and measures are the model tests' (see
// scripts/model-report/cases.ts); this gathers their numbers in one place. Writes bench/RESULTS-models.md.
// Usage: npx tsx scripts/model-report.ts [--backends wasm,webgpu] [--out bench/RESULTS-models.md] [--webgpu-budget 420]
// --webgpu-budget: seconds of webgpu work (create + runs) after which the remaining models skip webgpu — SwiftShader
// emulates the GPU on the CPU, a few seconds to a minute per model on 2 cores.
import './wgsl-as-text.mjs';
import { execSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { InferenceSession, type PlacementEntry, type Tensor, setGpu } from '../src/index.js';
import { type ModelCase, type Prepared, modelCases } from './model-report/cases.js';
import { FLOAT_TOLERANCE, type Measure, WITHIN_ONE_STEP } from './model-report/measures.js';

type Backend = 'wasm' | 'webgpu' | 'reference';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
const backends = option('backends', 'wasm,webgpu').split(',').filter(Boolean) as Backend[];
const outFile = option('out', 'bench/RESULTS-models.md');
const webgpuBudgetMs = Number(option('webgpu-budget', '420')) * 1000;
for (const backend of backends) if (!['wasm', 'webgpu', 'reference'].includes(backend)) throw new Error(`unknown backend '${backend}'`);

interface Cell {
  /** The measure's text, or why the cell is empty. */
  text: string;
  /** Within tolerance; undefined when nothing was measured. */
  ok?: boolean;
  placement: string;
}

interface Row {
  modelCase: ModelCase;
  referenceSays: string;
  cells: Partial<Record<Backend, Cell>>;
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Installs Dawn (the `webgpu` package) as weblite's GPU; answers the adapter's description, or why there is none. */
async function setupWebGpu(): Promise<{ adapter?: string; reason?: string }> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { reason: `no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})` };
    setGpu(gpu);
    const info = adapter.info;
    return { adapter: [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') };
  } catch (error) {
    return { reason: `the 'webgpu' package (Dawn) cannot load: ${(error as Error).message}` };
  }
}

/** "on/total", and the op types left to the CPU (backend 'cpu': fallbacks onto the reference kernels). */
function placementSummary(placement: readonly PlacementEntry[], backend: Backend): string {
  const on = placement.filter((entry) => entry.backend === backend).length;
  const elsewhere = new Map<string, number>();
  for (const entry of placement) if (entry.backend !== backend) elsewhere.set(entry.op, (elsewhere.get(entry.op) ?? 0) + 1);
  const list = [...elsewhere].map(([op, count]) => (count > 1 ? `${op} ×${count}` : op)).join(', ');
  return `${on}/${placement.length}${list ? ` (CPU: ${list})` : ''}`;
}

async function runCell(prepared: Prepared, backend: Backend): Promise<Cell> {
  if (!(prepared.wlm instanceof Uint8Array)) return { text: `not converted: ${prepared.wlm.error}`, ok: false, placement: '—' };
  let session: InferenceSession | undefined;
  let placement = '—';
  try {
    session = await InferenceSession.create(prepared.wlm, { backend });
    const got: Record<string, Tensor>[] = [];
    for (const run of prepared.runs) got.push(await session.run(run.feeds));
    // After the runs: bound shapes can move nodes onto the backend's kernels.
    placement = placementSummary(session.placement, backend);
    const measure: Measure = prepared.measure(got);
    return { ...measure, placement };
  } catch (error) {
    return { text: `failed: ${(error as Error).message.split('\n')[0]}`, ok: false, placement };
  } finally {
    await session?.release();
  }
}

const started = performance.now();
const gpu = backends.includes('webgpu') ? await setupWebGpu() : {};
let webgpuSpentMs = 0;
const rows: Row[] = [];
for (const modelCase of modelCases()) {
  const row: Row = { modelCase, referenceSays: '—', cells: {} };
  rows.push(row);
  if (modelCase.unavailable) {
    for (const backend of backends) row.cells[backend] = { text: `skipped: ${modelCase.unavailable}`, placement: '—' };
    console.log(`${modelCase.model}: skipped (${modelCase.unavailable})`);
    continue;
  }
  let prepared: Prepared;
  try {
    prepared = await modelCase.prepare();
  } catch (error) {
    const message = `reference run failed: ${(error as Error).message.split('\n')[0]}`;
    for (const backend of backends) row.cells[backend] = { text: message, ok: false, placement: '—' };
    console.log(`${modelCase.model}: ${message}`);
    continue;
  }
  row.referenceSays = prepared.referenceSays;
  for (const backend of backends) {
    if (backend === 'webgpu' && gpu.reason) {
      row.cells.webgpu = { text: `skipped: ${gpu.reason}`, placement: '—' };
      continue;
    }
    if (backend === 'webgpu' && webgpuSpentMs > webgpuBudgetMs) {
      row.cells.webgpu = { text: `skipped: the webgpu time budget (--webgpu-budget ${webgpuBudgetMs / 1000} s) was spent on the models above`, placement: '—' };
      continue;
    }
    const cellStarted = performance.now();
    row.cells[backend] = await runCell(prepared, backend);
    const milliseconds = performance.now() - cellStarted;
    if (backend === 'webgpu') webgpuSpentMs += milliseconds;
    const cell = row.cells[backend]!;
    console.log(`${modelCase.model} [${backend}] ${cell.ok ? 'ok' : 'MISS'}: ${cell.text}; ${cell.placement} (${(milliseconds / 1000).toFixed(1)} s)`);
  }
}
const seconds = (performance.now() - started) / 1000;

const escape = (text: string) => text.replaceAll('|', '\\|');
const mark = (cell: Cell | undefined) => (!cell ? '—' : cell.ok === undefined ? cell.text : `${cell.ok ? '✓' : '✗'} ${cell.text}`);
const commit = (() => {
  try {
    const head = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} with uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
})();
const cpu = cpus();
const command = `npx tsx scripts/model-report.ts ${args.join(' ')}`.trim();
const lines = [
  '# weblite against each model’s reference runtime',
  '',
  `- date: ${new Date().toISOString()}; weblite commit ${commit}`,
  `- machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores; Node ${process.version}` +
    (backends.includes('webgpu') ? `; webgpu adapter: ${gpu.adapter ?? `none (${gpu.reason})`}` : ''),
  `- command: \`${command}\` (${seconds.toFixed(0)} s)`,
  '- models: every model in ../shared/models (MODELS.md) and the torchvision fixtures (`npm run fixtures`), converted to',
  '  .wlm; inputs and measures as in their tests (test/convert/tflite-models.test.ts, caffe-models.test.ts,',
  '  test/models/shared-onnx.test.ts, torchvision.test.ts)',
  `- ✓ / ✗: within / outside the tests’ tolerances — float outputs relative L2 ≤ ${FLOAT_TOLERANCE} (worst output, worst`,
  `  input); quantized outputs within one quantization step on ≥ ${100 * WITHIN_ONE_STEP}% of values; classifiers: the`,
  '  reference’s top-1 class; MoveNet and DeepLabV3 as stated in the metric column',
  '- placement: nodes on the backend’s own kernels / nodes of the optimised graph; the rest are CPU fallbacks (reference',
  '  kernels), by op type',
  ...(backends.includes('webgpu') && gpu.adapter?.toLowerCase().includes('swiftshader')
    ? ['- webgpu here is SwiftShader, a CPU emulation of a GPU: the numbers are the GPU kernels’ (f32), the speed is not a GPU’s']
    : []),
  '',
  `| model | format | reference runtime | input | metric | reference says | ${backends.map((b) => `${b} | ${b} placement`).join(' | ')} |`,
  `|---|---|---|---|---|---|${backends.map(() => '---|---').join('|')}|`,
  ...rows.map(({ modelCase: c, referenceSays, cells }) =>
    `| ${[c.model, c.format, c.runtime, c.input, c.metric, referenceSays, ...backends.flatMap((b) => [mark(cells[b]), cells[b]?.placement ?? '—'])].map(escape).join(' | ')} |`),
  '',
];
const misses = rows.flatMap(({ modelCase, cells }) => backends.filter((b) => cells[b]?.ok === false).map((b) => `- ${modelCase.model} on ${b}: ${cells[b]!.text}`));
lines.push('## Outside tolerance or not run', '', ...(misses.length > 0 ? misses : ['- none']), '');
writeFileSync(outFile, lines.join('\n'));
console.log(`wrote ${outFile} (${seconds.toFixed(0)} s)`);
// Dawn keeps the process alive.
process.exit(0);
