/**
 * Builds (all into dist/):
 *   default mode: ESM library — weblite.js (runtime) and convert.js (converter), shared chunks split out
 *   --mode umd:   weblite.umd.js, one file for a <script> tag (global `weblite`), converter included
 *   --mode cli:   cli.js for Node (the `weblite` bin)
 * Types come from `tsc -p tsconfig.build.json` (dist/types).
 */
import { cpSync, readFileSync } from 'node:fs';
import { type Plugin, defineConfig } from 'vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const define = { __WEBLITE_VERSION__: JSON.stringify(pkg.version) };

/** The wasm kernels ship next to the bundles (dist/bin/*.wasm); the loader finds them relative to itself. */
const copyWasm: Plugin = {
  name: 'weblite-copy-wasm',
  closeBundle() {
    cpSync('src/backends/wasm/bin', 'dist/bin', { recursive: true, filter: (path) => !path.endsWith('.md') });
  },
};

export default defineConfig(({ mode }) => {
  if (mode === 'umd') {
    return {
      define,
      plugins: [copyWasm],
      build: {
        emptyOutDir: false,
        sourcemap: true,
        lib: { entry: 'src/index.ts', name: 'weblite', formats: ['umd'], fileName: () => 'weblite.umd.js' },
      },
    };
  }
  if (mode === 'cli') {
    return {
      define,
      build: {
        emptyOutDir: false,
        ssr: 'src/cli/main.ts',
        target: 'node20',
        rollupOptions: { output: { entryFileNames: 'cli.js' } },
      },
    };
  }
  return {
    define,
    plugins: [copyWasm],
    build: {
      emptyOutDir: true,
      sourcemap: true,
      target: 'es2022',
      lib: {
        entry: { weblite: 'src/index.ts', convert: 'src/convert/index.ts' },
        formats: ['es'],
        fileName: (_format, name) => `${name}.js`,
      },
    },
  };
});
