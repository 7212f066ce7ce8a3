/**
 * Loads weblite's kernel module. Two builds exist: plain SIMD (runs wherever WebAssembly SIMD does) and relaxed SIMD
 * (FMA, relaxed min/max, …). The relaxed one is used only when the host validates a tiny probe module that uses a
 * relaxed instruction. The .wasm files sit next to this module (located via import.meta.url) unless
 * `env.wasmPaths` points elsewhere. Works in windows, workers and Node.
 */
import { WebliteError } from '../../errors.js';
import { env } from '../../runtime/env.js';

export type WasmFlavor = 'simd' | 'relaxed' | 'simd-threads';

/** The exported kernel functions are looked up by name; each takes numbers (pointers, sizes, floats). */
export type KernelFunction = (...args: number[]) => number;

export interface WasmKernels {
  flavor: WasmFlavor;
  memory: WebAssembly.Memory;
  /** The compiled module (workers instantiate it on the same shared memory). */
  module: WebAssembly.Module;
  /** True for the shared-memory build. */
  shared: boolean;
  /** First byte the planner may use. */
  heapBase: number;
  fn(name: string): KernelFunction;
  has(name: string): boolean;
}

export const ABI_VERSION = 1;

/** (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd) */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x3d, 0x01,
  0x3b, 0x00, ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]), 0xfd, 0x85, 0x02, 0x0b,
]);
/** (func (result v128) v128.const 0 v128.const 0 f32x4.add): if this fails, WebAssembly SIMD itself is missing. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x2b, 0x01,
  0x29, 0x00, ...[0, 1].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]), 0xfd, 0xe4, 0x01, 0x0b,
]);

export function detectFlavor(): { simd: boolean; relaxed: boolean } {
  if (typeof WebAssembly === 'undefined') return { simd: false, relaxed: false };
  return { simd: WebAssembly.validate(SIMD_PROBE), relaxed: WebAssembly.validate(RELAXED_PROBE) };
}

/**
 * Where this code was loaded from: import.meta.url in ESM builds (and when running from source); the <script>'s
 * src in the single-file build, captured while the script runs (document.currentScript is null later).
 */
const scriptUrl = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null)?.src : undefined;
function moduleUrl(): string {
  const url = (import.meta as { url?: string }).url;
  if (url) return url;
  if (scriptUrl) return scriptUrl;
  if (typeof location !== 'undefined') return location.href;
  throw new WebliteError('BACKEND_UNAVAILABLE', 'wasm: cannot tell where weblite was loaded from; set env.wasmPaths');
}

/** The .wasm files sit in bin/ next to the module (the build copies them to dist/bin/). */
function locate(file: string): URL {
  const base = moduleUrl();
  // A non-literal base keeps bundlers from inlining every variant into the JavaScript.
  return env.wasmPaths ? new URL(file, new URL(env.wasmPaths, base)) : new URL(`bin/${file}`, base);
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const fsModule = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
    try {
      return new Uint8Array(await readFile(url));
    } catch (error) {
      throw new WebliteError('BACKEND_UNAVAILABLE', `wasm: cannot read ${url.href}: ${(error as Error).message}`);
    }
  }
  const response = await fetch(url);
  if (!response.ok) throw new WebliteError('BACKEND_UNAVAILABLE', `wasm: cannot fetch ${url.href}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Compiled modules by URL: compiling once per page/process, instantiating per session. */
const cache = new Map<string, Promise<WebAssembly.Module>>();

/**
 * Why this page/process cannot share memory with workers, or undefined when it can. Browsers need
 * cross-origin isolation (COOP same-origin + COEP require-corp/credentialless) for SharedArrayBuffer.
 */
export function threadsUnavailableReason(): string | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available';
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode && isolated !== true) return 'the page is not cross-origin isolated (needs COOP/COEP headers)';
  if (!isNode && typeof Worker === 'undefined') return 'Web Workers are not available';
  return undefined;
}

export async function loadKernels(flavor: WasmFlavor | 'auto' = 'auto'): Promise<WasmKernels> {
  const { flavor: chosen, module } = await compileKernels(flavor);
  return instantiateKernels(chosen, module);
}

/** The compiled module of a flavor ('auto': relaxed where the host validates it), compiled once per page/process. */
export async function compileKernels(flavor: WasmFlavor | 'auto' = 'auto'): Promise<{ flavor: WasmFlavor; module: WebAssembly.Module }> {
  const support = detectFlavor();
  if (!support.simd) throw new WebliteError('BACKEND_UNAVAILABLE', 'wasm: this engine has no WebAssembly SIMD (fixed-width SIMD is required)');
  const chosen: WasmFlavor = flavor === 'auto' ? (support.relaxed ? 'relaxed' : 'simd') : flavor;
  if (chosen === 'relaxed' && !support.relaxed) throw new WebliteError('BACKEND_UNAVAILABLE', 'wasm: this engine does not support relaxed SIMD');
  if (chosen === 'simd-threads' && threadsUnavailableReason()) {
    throw new WebliteError('BACKEND_UNAVAILABLE', `wasm: threads unavailable: ${threadsUnavailableReason()}`);
  }
  const url = locate(`weblite-${chosen}.wasm`);
  let module = cache.get(url.href);
  if (!module) {
    module = fetchBytes(url).then((bytes) => WebAssembly.compile(bytes as BufferSource));
    cache.set(url.href, module);
    module.catch(() => cache.delete(url.href));
  }
  return { flavor: chosen, module: await module };
}

/** A fresh instance of a compiled kernel module, with its own memory. */
export async function instantiateKernels(chosen: WasmFlavor, compiled: WebAssembly.Module): Promise<WasmKernels> {
  const shared = chosen === 'simd-threads';
  // The threaded build imports one shared memory (initial 2 MiB, grows at plan time); the others export theirs.
  const importedMemory = shared ? new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true }) : undefined;
  const instance = await WebAssembly.instantiate(compiled, importedMemory ? { env: { memory: importedMemory } } : {});
  const exports = instance.exports as Record<string, unknown>;
  (exports._initialize as (() => void) | undefined)?.();
  const version = (exports.wl_abi_version as () => number)();
  if (version !== ABI_VERSION) throw new WebliteError('BACKEND_UNAVAILABLE', `wasm: kernel ABI ${version} does not match the runtime's ${ABI_VERSION}`);
  return {
    flavor: chosen,
    memory: importedMemory ?? (exports.memory as WebAssembly.Memory),
    module: compiled,
    shared,
    heapBase: (exports.wl_heap_base as () => number)(),
    fn(name) {
      const f = exports[name];
      if (typeof f !== 'function') throw new WebliteError('BACKEND_UNAVAILABLE', `wasm: kernel '${name}' is missing from weblite-${chosen}.wasm`);
      return f as KernelFunction;
    },
    has: (name) => typeof exports[name] === 'function',
  };
}
