// Runs ONNX's node conformance tests on the webgpu backend (Node + Dawn; SwiftShader where there is no GPU) and
// prints the per-op table, then how many nodes ran on GPU kernels. The backend is registered here wrapped, to record
// each model's placement after its first run. --cpu-nodes lists every node left on the CPU with its tensor types.
// Usage: npx tsx scripts/conformance-webgpu.ts [--filter <regex>] [--failures-only] [--cpu-nodes]
// Node cannot import `.wgsl?raw` (a Vite convention) by itself: scripts/wgsl-as-text.mjs serves those files as text.
import './wgsl-as-text.mjs';
import { existsSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const { setGpu, webgpuBackend } = await import('../src/backends/webgpu/index.js');
const { registerBackend } = await import('../src/runtime/select.js');
const { formatReport, listInScopeTests, runCase } = await import('../test/conformance/onnx-node.js');

setGpu(create([]));
const probe = await webgpuBackend.probe();
if (!probe.available) {
  console.error(`webgpu is not available here: ${probe.reason}`);
  process.exit(2);
}
// Record where every node ran, to report how much of the suite the GPU kernels (not the CPU fallback) covered.
const placed = new Map<string, { gpu: number; cpu: number }>();
const cpuNodes: string[] = [];
let currentTest = '';
registerBackend({
  ...webgpuBackend,
  async compile(graph, options) {
    const model = await webgpuBackend.compile(graph, options);
    const run = model.run.bind(model);
    // Placement after the first run: shape inputs bound then may move nodes onto the GPU.
    let recorded = false;
    model.run = async (feeds, outputs) => {
      const results = await run(feeds, outputs);
      if (!recorded) {
        recorded = true;
        for (const entry of model.placement) {
          const counts = placed.get(entry.op) ?? { gpu: 0, cpu: 0 };
          counts[entry.backend === 'webgpu' ? 'gpu' : 'cpu']++;
          placed.set(entry.op, counts);
          if (entry.backend === 'webgpu') continue;
          const node = graph.nodes.find((n) => n.name === entry.node);
          const types = (names: readonly string[]) => names.map((name) => (name === '' ? '-' : `${graph.tensors.get(name)?.type ?? '?'}${graph.constant(name) ? '(const)' : ''}`)).join(', ');
          cpuNodes.push(`${entry.op} ${currentTest}: (${types(node?.inputs ?? [])}) → (${types(node?.outputs ?? [])})`);
        }
      }
      return results;
    };
    return model;
  },
});

const args = process.argv.slice(2);
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? new RegExp(args[filterAt + 1]!) : undefined;
const started = performance.now();
const results = [];
for (const { test, op } of listInScopeTests(filter)) {
  currentTest = test;
  results.push(await runCase(test, op, 'webgpu'));
}
const report = formatReport(results);
console.log(args.includes('--failures-only') ? report.split('\n').filter((l) => !/^\| .* \| (\d+)\/\1 \|/.test(l)).join('\n') : report);
const rows = [...placed].sort(([a], [b]) => (a < b ? -1 : 1));
const onGpu = rows.reduce((sum, [, c]) => sum + c.gpu, 0);
const total = rows.reduce((sum, [, c]) => sum + c.gpu + c.cpu, 0);
console.log(`\nnodes on GPU kernels: ${onGpu}/${total}; ops with nodes on the CPU reference:`);
console.log(rows.filter(([, c]) => c.cpu > 0).map(([op, c]) => `${op} ${c.gpu}/${c.gpu + c.cpu}`).join(', '));
if (args.includes('--cpu-nodes')) console.log(`\nnodes on the CPU reference:\n${cpuNodes.sort().join('\n')}`);
console.log(`(${probe.reason}; ${((performance.now() - started) / 1000).toFixed(0)} s)`);
process.exit(0);
