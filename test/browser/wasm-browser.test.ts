/**
 * The built library in real headless Chromium (Debian's /usr/bin/chromium): the ESM build and the single-file
 * <script> build load their .wasm kernels from dist/bin, run a small CNN on the wasm backend and match the reference
 * backend computed in Node; a cross-origin-isolated page runs it on worker threads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceSession } from '../../src/index.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { serve } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
const root = new URL('../../', import.meta.url).pathname;
const available = existsSync(CHROMIUM);

const model = buildModel({
  inputs: [{ name: 'x', type: 'float32', dims: [1, 3, 12, 12] }],
  outputs: [{ name: 'y', type: 'float32' }],
  initializers: { w: randomTensor([8, 3, 3, 3], 1), w2: randomTensor([8, 1, 3, 3], 2), wf: randomTensor([8, 5], 3) },
  nodes: [
    { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'Conv', inputs: ['r', 'w2'], outputs: ['d'], attrs: { group: 8, strides: [2, 2] } },
    { op: 'GlobalAveragePool', inputs: ['d'], outputs: ['g'] },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
    { op: 'MatMul', inputs: ['f', 'wf'], outputs: ['m'] },
    { op: 'Softmax', inputs: ['m'], outputs: ['y'], attrs: { axis: -1 } },
  ],
});
const input = randomTensor([1, 3, 12, 12], 4);

const PAGE_SCRIPT = `
  async function runWeblite(weblite, modelBytes, inputData) {
    const session = await weblite.InferenceSession.create(new Uint8Array(modelBytes), { backend: 'auto' });
    const x = new weblite.Tensor('float32', new Float32Array(inputData), [1, 3, 12, 12]);
    const out = await session.run({ x });
    const result = { backend: session.backend, threads: session.threads, cores: navigator.hardwareConcurrency, kernels: session.placement.map((p) => p.backend + ':' + p.kernel), y: Array.from(out.y.data) };
    // A second session reuses the released one's memory and workers (src/backends/wasm/context.ts).
    await session.release();
    const again = await weblite.InferenceSession.create(new Uint8Array(modelBytes), { backend: 'auto' });
    return { ...result, againThreads: again.threads, againY: Array.from((await again.run({ x })).y.data) };
  }`;

describe.skipIf(!available)('weblite in headless Chromium', () => {
  let browser: Browser;
  let want: number[];
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/weblite.js')) || !existsSync(join(root, 'dist/weblite.umd.js'))) {
      execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    }
    mkdirSync(join(root, 'test-results/browser'), { recursive: true });
    writeFileSync(join(root, 'test-results/browser/esm.html'), `<!doctype html><script type="module">${PAGE_SCRIPT}
      import * as weblite from '/dist/weblite.js'; window.run = (m, x) => runWeblite(weblite, m, x); window.ready = true;</script>`);
    writeFileSync(join(root, 'test-results/browser/umd.html'), `<!doctype html><script src="/dist/weblite.umd.js"></script><script>${PAGE_SCRIPT}
      window.run = (m, x) => runWeblite(window.weblite, m, x); window.ready = true;</script>`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const reference = await InferenceSession.create(model, { backend: 'reference' });
    want = Array.from((await reference.run({ x: input })).y!.data as Float32Array);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
  });

  const cases: [string, string, boolean][] = [
    ['ESM build', 'esm.html', false],
    ['single-file <script> build', 'umd.html', false],
    ['ESM build on a cross-origin-isolated page (worker threads)', 'esm.html', true],
  ];
  for (const [name, page, isolated] of cases) {
    it(name, async () => {
      const server = await serve(root, isolated);
      try {
        const tab = await browser.newPage();
        const errors: string[] = [];
        tab.on('pageerror', (error) => errors.push(error.message));
        await tab.goto(`${server.url}/test-results/browser/${page}`);
        await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, { timeout: 30_000 });
        const result = (await tab.evaluate(
          ([m, x]) => (window as unknown as { run: (m: number[], x: number[]) => Promise<unknown> }).run(m, x),
          [Array.from(model), Array.from(input.data as Float32Array)] as [number[], number[]],
        )) as { backend: string; threads: number; cores: number; kernels: string[]; y: number[]; againThreads: number; againY: number[] };
        expect(errors).toEqual([]);
        expect(result.backend).toBe('wasm');
        expect(result.kernels.filter((k) => k.startsWith('wasm:')).length).toBeGreaterThanOrEqual(5);
        // Default threads: min(4, hardwareConcurrency) when cross-origin isolated, else 1.
        expect(result.threads).toBe(isolated ? Math.min(4, result.cores) : 1);
        result.y.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-5));
        expect(result.againThreads).toBe(result.threads);
        expect(result.againY).toEqual(result.y);
        await tab.close();
      } finally {
        await server.close();
      }
    }, 120_000);
  }
});
