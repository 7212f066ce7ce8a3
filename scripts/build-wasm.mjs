// Builds weblite's WebAssembly kernels (kernels-wasm/**/*.c) into standalone modules:
//   src/backends/wasm/bin/weblite-simd.wasm             emcc -O3 -msimd128 (runs everywhere with SIMD)
//   src/backends/wasm/bin/weblite-relaxed.wasm          clang-19 + relaxed SIMD (FMA etc.; chosen at run time)
//   src/backends/wasm/bin/weblite-simd-threads.wasm     clang-19, SIMD on a shared imported memory, for worker pools
// The .wasm files are committed, so a fresh clone runs without a C toolchain; `--check` rebuilds into a temporary
// folder and fails if the result differs from the committed files (CI runs it when emcc is installed).
// Usage: node scripts/build-wasm.mjs [--check] [--only simd|relaxed|simd-threads] [--out DIR] [--include dir1,dir2]
//   --out/--include build a private module from some kernel folders (kernels-wasm/common is always included),
//   e.g. while developing one kernel family; load it in tests by pointing env.wasmPaths at DIR.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const check = args.includes('--check');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const include = option('--include')?.split(',').map((d) => d.replace(/\/$/, ''));
const outDir = check ? mkdtempSync(join(tmpdir(), 'weblite-wasm-')) : option('--out') ? resolve(option('--out')) : join(root, 'src/backends/wasm/bin');
mkdirSync(outDir, { recursive: true });

function sources(dir) {
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (entry.endsWith('.c')) out.push(path);
  }
  return out;
}

const files = sources(join(root, 'kernels-wasm'))
  .map((f) => relative(root, f))
  .filter((f) => !include || f.startsWith('kernels-wasm/common/') || include.some((d) => f.startsWith(`${d}/`)));
const common = ['-O3', '-msimd128', '-mbulk-memory', '-mnontrapping-fptoint', '-ffp-contract=off', '-Ikernels-wasm/common', '-Wall', '-Werror', '-std=c11'];

function have(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(command, commandArgs) {
  execFileSync(command, commandArgs, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

const builds = [];
if (!only || only === 'simd') {
  if (!have('emcc')) throw new Error('emcc not found: apt-get install emscripten (or use the committed .wasm files)');
  const out = join(outDir, 'weblite-simd.wasm');
  run('emcc', [...common, '--no-entry', '-sSTANDALONE_WASM', '-sALLOW_MEMORY_GROWTH=1', '-sMAXIMUM_MEMORY=4GB',
    '-sTOTAL_STACK=1MB', '-sINITIAL_MEMORY=2MB', '-sERROR_ON_UNDEFINED_SYMBOLS=1', '-o', out, ...files]);
  builds.push(out);
}
/** clang-19 + wasm-ld-19 builds: relaxed SIMD and/or threads (shared imported memory, atomics). */
function clangBuild(name, extraFlags, linkFlags) {
  if (!have('clang-19') || !have('wasm-ld-19')) throw new Error('clang-19/wasm-ld-19 not found: apt-get install clang-19 lld-19');
  const objects = mkdtempSync(join(tmpdir(), 'weblite-obj-'));
  const objectFiles = files.map((file, i) => {
    const object = join(objects, `${i}.o`);
    run('clang-19', ['--target=wasm32', ...common, ...extraFlags, '-ffreestanding', '-c', file, '-o', object]);
    return object;
  });
  const out = join(outDir, `weblite-${name}.wasm`);
  run('wasm-ld-19', ['--no-entry', '--export=__heap_base', '--strip-all', '-z', 'stack-size=1048576', '--initial-memory=2097152',
    '--max-memory=4294967296', '--gc-sections', ...linkFlags, '-o', out, ...objectFiles]);
  builds.push(out);
}

const RELAXED = ['-mrelaxed-simd', '-DWL_RELAXED=1'];
// Threaded builds import one shared memory (every worker instantiates the module on it) and export the stack
// pointer, which each worker moves to its own stack.
const THREADS = ['-matomics', '-DWL_THREADS=1'];
const THREADS_LINK = ['--import-memory', '--shared-memory', '--export=__stack_pointer'];
if (!only || only === 'relaxed') clangBuild('relaxed', RELAXED, ['--export-table']);
if (!only || only === 'simd-threads') clangBuild('simd-threads', THREADS, THREADS_LINK);
// No relaxed-threads build: all modules together must stay ≤ 120 KB gzipped, and a relaxed + threads module would
// serve only cross-origin-isolated Chromium/Firefox pages that ask for threads (they use simd-threads instead).

let total = 0;
for (const out of builds) {
  const bytes = readFileSync(out);
  const gz = gzipSync(bytes, { level: 9 }).length;
  total += gz;
  console.log(`${relative(root, out)}: ${bytes.length} bytes (${gz} gzipped)`);
  if (check) {
    const committed = join(root, 'src/backends/wasm/bin', out.split('/').pop());
    if (!existsSync(committed) || !readFileSync(committed).equals(bytes)) {
      console.error(`build-wasm --check: ${relative(root, committed)} differs from a fresh build; run npm run build:wasm and commit`);
      process.exitCode = 1;
    }
  }
}
console.log(`all .wasm together: ${total} bytes gzipped`);
if (!check && !option('--out')) writeFileSync(join(outDir, 'README.md'), '# Built WebAssembly kernels\n\nGENERATED by `npm run build:wasm` (scripts/build-wasm.mjs) from kernels-wasm/. Do not edit; CI checks that rebuilding reproduces these files.\n');
