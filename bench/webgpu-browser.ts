// `npm run bench:webgpu-browser`: weblite's webgpu backend and onnxruntime-web 1.30's WebGPU execution provider in
// the same headless Chromium page, on Chromium's SwiftShader adapter (a CPU emulation of a GPU), alternating runs
// on the torchvision fixtures. Writes bench/RESULTS-webgpu-swiftshader.md with medians and the latency ratio.
// SwiftShader figures say how the two engines' command streams fare on a CPU rasteriser, not GPU performance.
// Usage: npm run bench:webgpu-browser [-- --rounds 7 --warmup 1 --models mobilenet_v2,resnet18]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { convert } from '../src/convert/index.js';
import { ensureFixtures, fixtureDir, loadFixture } from '../test/models/fixtures.js';
import { CHROMIUM_ARGS, buildBundle, openWebGpuPage, outDir, root } from '../test/browser/webgpu-page.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback);
const rounds = Number(option('rounds', '7'));
const warmup = Number(option('warmup', '1'));
const models = option('models', 'mobilenet_v2,resnet18').split(',');
const ORT_MODULE = '/node_modules/onnxruntime-web/dist/ort.webgpu.min.mjs';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Setup {
  placement: string;
  createWeblite: number;
  createOrt: number;
  /** max |weblite − ort| over the output, and relative L2 of each against torch. */
  maxDifference: number;
  weblite: Float32Array | number[];
  ort: Float32Array | number[];
}

async function main(): Promise<void> {
  const status = ensureFixtures(models);
  for (const name of models) {
    const s = status.get(name)!;
    if (!s.ready) throw new Error(s.reason);
  }
  await buildBundle();
  const errors: string[] = [];
  const chromium = await openWebGpuPage(errors, { ort: ORT_MODULE });
  if (!chromium.adapter) throw new Error(chromium.reason);
  const page = chromium.page;
  const version = chromium.browser.version();
  const rows: string[] = [];
  const notes: string[] = [];
  const ratios: number[] = [];
  try {
    for (const name of models) {
      const fixture = loadFixture(name);
      // The page fetches both models: tens of MB do not go through page.evaluate's JSON.
      writeFileSync(join(outDir, `${name}.wlm`), await convert(fixture.onnx));
      console.log(`${name}: creating sessions…`);
      const setup = (await page.evaluate(
        async ([wlmUrl, onnxUrl, input, dims, ortPaths]) => {
          const w = window as unknown as { weblite: typeof import('../src/index.js'); ort: typeof import('onnxruntime-web'); bench: Record<string, unknown> };
          const { weblite, ort } = w;
          ort.env.wasm.wasmPaths = ortPaths;
          ort.env.wasm.numThreads = 1;
          let started = performance.now();
          const wlm = new Uint8Array(await (await fetch(wlmUrl)).arrayBuffer());
          const session = await weblite.InferenceSession.create(wlm, { backend: 'webgpu' });
          const createWeblite = performance.now() - started;
          started = performance.now();
          const onnx = new Uint8Array(await (await fetch(onnxUrl)).arrayBuffer());
          const reference = await ort.InferenceSession.create(onnx, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
          const createOrt = performance.now() - started;
          const data = new Float32Array(input);
          w.bench = {
            weblite: async () => (await session.run({ input: new weblite.Tensor('float32', data, dims) })).output!.data,
            ort: async () => (await reference.run({ input: new ort.Tensor('float32', data, dims) })).output!.data,
          };
          const a = (await (w.bench.weblite as () => Promise<Float32Array>)()) as Float32Array;
          const b = (await (w.bench.ort as () => Promise<Float32Array>)()) as Float32Array;
          let maxDifference = 0;
          a.forEach((v, i) => (maxDifference = Math.max(maxDifference, Math.abs(v - b[i]!))));
          const onGpu = session.placement.filter((p) => p.backend === 'webgpu').length;
          return { placement: `${onGpu}/${session.placement.length}`, createWeblite, createOrt, maxDifference, weblite: Array.from(a), ort: Array.from(b) };
        },
        [`/test-results/browser-webgpu/${name}.wlm`, `/.cache/fixtures/${name}.onnx`, Array.from(fixture.input.data as Float32Array), [...fixture.input.dims], '/node_modules/onnxruntime-web/dist/'] as [string, string, number[], number[], string],
      )) as Setup;
      const time = (engine: 'weblite' | 'ort') =>
        page.evaluate(async (which) => {
          const bench = (window as unknown as { bench: Record<string, () => Promise<unknown>> }).bench;
          const started = performance.now();
          await bench[which]!();
          return performance.now() - started;
        }, engine);
      for (let i = 0; i < warmup; i++) {
        await time('weblite');
        await time('ort');
      }
      const times = { weblite: [] as number[], ort: [] as number[] };
      for (let i = 0; i < rounds; i++) {
        // Alternate which engine goes first, so neither always runs on a just-warmed (or just-throttled) CPU.
        const order: ('weblite' | 'ort')[] = i % 2 ? ['ort', 'weblite'] : ['weblite', 'ort'];
        for (const engine of order) times[engine].push(await time(engine));
        console.log(`  round ${i + 1}/${rounds}: weblite ${times.weblite.at(-1)!.toFixed(0)} ms, ort ${times.ort.at(-1)!.toFixed(0)} ms`);
      }
      const a = median(times.weblite);
      const b = median(times.ort);
      ratios.push(a / b);
      const torch = fixture.expected.data as Float32Array;
      const l2 = (got: ArrayLike<number>) => {
        let difference = 0;
        let norm = 0;
        for (let i = 0; i < torch.length; i++) {
          difference += (got[i]! - torch[i]!) ** 2;
          norm += torch[i]! ** 2;
        }
        return Math.sqrt(difference / norm).toExponential(2);
      };
      rows.push(
        `| ${name} | ${a.toFixed(0)} | ${Math.min(...times.weblite).toFixed(0)} | ${b.toFixed(0)} | ${Math.min(...times.ort).toFixed(0)} | ${(a / b).toFixed(3)} | ` +
          `${setup.createWeblite.toFixed(0)} / ${setup.createOrt.toFixed(0)} | ${l2(setup.weblite)} / ${l2(setup.ort)} | ${setup.placement} |`,
      );
      notes.push(`${name}: max |weblite − onnxruntime-web| = ${setup.maxDifference.toExponential(2)}`);
      await page.evaluate(() => ((window as unknown as { bench?: unknown }).bench = undefined));
    }
  } finally {
    await chromium.close();
  }
  if (errors.length > 0) notes.push(`page messages: ${errors.join(' | ')}`);
  const geomean = Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length);
  // WEBLITE_COMMIT: for runs from an exported snapshot (git archive), which has no .git.
  let commit = process.env.WEBLITE_COMMIT ?? 'unknown';
  try {
    commit = process.env.WEBLITE_COMMIT ?? execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const ortVersion = (JSON.parse(readFileSync(join(root, 'node_modules/onnxruntime-web/package.json'), 'utf8')) as { version: string }).version;
  const markdown = `# WebGPU in Chromium on SwiftShader: weblite vs onnxruntime-web

**These are SwiftShader figures: Chromium's WebGPU adapter here is SwiftShader, a CPU emulation of a GPU (Vulkan on
the host CPU). They compare how the two engines' command streams run on a CPU rasteriser. They are not GPU
performance and predict nothing about either engine on a real GPU.** No GPU was available for this run.

- date: ${new Date().toISOString()}; weblite commit ${commit}
- machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores (shared with other work while measuring: expect noise)
- browser: headless Chromium ${version} (\`${'/usr/bin/chromium'} ${CHROMIUM_ARGS.join(' ')}\`), adapter: ${chromium.adapter}
- weblite: backend 'webgpu', model converted to .wlm; onnxruntime-web ${ortVersion}: \`executionProviders: ['webgpu']\`, graphOptimizationLevel 'all', from the .onnx
- create times include fetching the model file from the localhost server (both engines)
- both read the output back to the CPU every run (weblite's default; onnxruntime-web's default output location)
- ${rounds} rounds, each engine once per round, the first engine alternating; ${warmup} warm-up round(s); one page, one device each
- inputs and reference outputs: \`npm run fixtures\` (torchvision, random init, opset 13, 1×3×224×224; ${fixtureDir.replace(root, '')})
- command: \`npm run bench:webgpu-browser -- --rounds ${rounds} --warmup ${warmup} --models ${models.join(',')}\`

| model | weblite median (ms) | weblite min | onnxruntime-web median (ms) | onnxruntime-web min | ratio weblite / ort | create weblite / ort (ms) | rel L2 vs torch (weblite / ort) | nodes on weblite GPU kernels |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

geomean latency ratio weblite / onnxruntime-web on SwiftShader: **${geomean.toFixed(3)}** (reported, not a target: see above)

${notes.map((note) => `- ${note}`).join('\n')}
`;
  writeFileSync(join(root, 'bench/RESULTS-webgpu-swiftshader.md'), markdown);
  console.log(markdown);
}

await main();
