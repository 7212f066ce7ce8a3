/**
 * Headless Chromium with WebGPU on SwiftShader, for the webgpu browser test and bench/webgpu-browser.ts:
 *   - builds the current sources (ESM, WGSL bundled as text) into test-results/browser-webgpu/ so the page never
 *     runs a stale dist/;
 *   - serves the repo root on http://localhost (navigator.gpu exists only in secure contexts), so the page can
 *     also load node_modules/onnxruntime-web and .cache/fixtures;
 *   - launches /usr/bin/chromium with the flags of ../shared/ENVIRONMENT.md and reports whether the page sees an
 *     adapter (and which), so callers can skip with the reason.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { serve } from './server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const root = new URL('../../', import.meta.url).pathname;
/** Where the bundle and the page live (served as /test-results/browser-webgpu/); emptied by buildBundle(). */
export const outDir = join(root, 'test-results/browser-webgpu');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

/**
 * Builds src/index.ts into `dir`/weblite.js (a few seconds). Test files that run in parallel use directories of
 * their own: the build empties its directory first.
 */
export async function buildBundle(dir = outDir): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'warn',
    root,
    define: { __WEBLITE_VERSION__: JSON.stringify('browser-test') },
    build: {
      outDir: dir,
      emptyOutDir: true,
      sourcemap: false,
      minify: false,
      target: 'es2022',
      lib: { entry: join(root, 'src/index.ts'), formats: ['es'], fileName: () => 'weblite.js' },
    },
  });
}

export interface WebGpuPage {
  browser: Browser;
  page: Page;
  /** Base URL of the repo root. */
  url: string;
  /** The adapter the page sees ('google swiftshader …'), or undefined with `reason`. */
  adapter: string | undefined;
  reason: string;
  close(): Promise<void>;
}

/**
 * Opens a page that has imported the bundle in `dir` (buildBundle's) as `window.weblite` (and `extraModules`, each
 * as window[name]) and probed navigator.gpu. Page errors and console errors are collected in `errors`.
 */
export async function openWebGpuPage(errors: string[], extraModules: Record<string, string> = {}, dir = outDir): Promise<WebGpuPage> {
  if (!existsSync(join(dir, 'weblite.js'))) throw new Error(`no bundle in ${dir}: call buildBundle() first`);
  mkdirSync(dir, { recursive: true });
  const imports = Object.entries(extraModules).map(([name, path]) => `import * as ${name} from '${path}'; window.${name} = ${name};`).join('\n');
  writeFileSync(join(dir, 'page.html'), `<!doctype html><link rel="icon" href="data:,"><script type="module">
    // tsx (esbuild's keepNames) wraps named functions in __name(); callbacks given to page.evaluate carry the calls.
    window.__name = (f) => f;
    import * as weblite from './weblite.js'; window.weblite = weblite;
    ${imports}
    window.probe = (async () => {
      if (!navigator.gpu) return { reason: 'navigator.gpu is undefined' };
      const adapter = await navigator.gpu.requestAdapter();
      if (!adapter) return { reason: 'navigator.gpu.requestAdapter() returned null' };
      const info = adapter.info ?? {};
      return { adapter: [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unknown', features: [...adapter.features] };
    })();
    window.ready = true;</script>`);
  const server = await serve(root, false);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${server.url}/${relative(root, dir)}/page.html`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, { timeout: 60_000 });
  const probe = (await page.evaluate(() => (window as unknown as { probe: Promise<unknown> }).probe)) as { adapter?: string; reason?: string };
  return {
    browser,
    page,
    url: server.url,
    adapter: probe.adapter,
    reason: probe.adapter ? `adapter ${probe.adapter}` : `Chromium exposes no WebGPU adapter (${probe.reason}; flags: ${CHROMIUM_ARGS.join(' ')})`,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
