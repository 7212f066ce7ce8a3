// Bundles bench/gpu.ts for Node into one ES module (`npx tsx bench/gpu/bundle.ts OUT_DIR`): weblite's sources with
// the WGSL kernels inlined as text (`?raw` needs a bundler), TF.js core + its WebGPU backend, protobufjs — all but
// the `webgpu` package (Dawn's native addon), which bench/gpu.sh puts beside the bundle. Called by `gpu.sh pack`.
import { resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '../..');
const outDir = resolve(process.argv[2] ?? '.gpu/app');

await build({
  configFile: false,
  logLevel: 'warn',
  root,
  define: { __WEBLITE_VERSION__: JSON.stringify('bench-gpu') },
  ssr: { noExternal: true, external: ['webgpu'], target: 'node' },
  build: {
    ssr: resolve(root, 'bench/gpu.ts'),
    outDir,
    emptyOutDir: false,
    sourcemap: false,
    minify: false,
    target: 'node20',
    rollupOptions: { external: ['webgpu', /^node:/], output: { format: 'es', entryFileNames: 'bench-gpu.mjs', codeSplitting: false } },
  },
});
console.log(`bundled bench/gpu.ts → ${outDir}/bench-gpu.mjs`);
