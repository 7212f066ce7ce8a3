/**
 * WebGPU for the command line: Node has no `navigator.gpu`, so `--backend webgpu` loads Dawn from the `webgpu`
 * npm package (when installed) and injects it. Without a GPU, Dawn can use Chromium's SwiftShader ICD:
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json weblite bench model.wlm --backend webgpu
 * (CPU emulation: fine for checking, never GPU performance).
 */
import { WebliteError } from '../errors.js';
import { setGpu } from '../backends/webgpu/index.js';

export async function provideWebGpu(backend: string | undefined): Promise<void> {
  if (backend !== 'webgpu' || (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) return;
  const specifier = 'webgpu';
  let dawn: { create(options: string[]): GPU; globals: Record<string, unknown> };
  try {
    dawn = await import(/* @vite-ignore */ specifier);
  } catch (error) {
    throw new WebliteError('BACKEND_UNAVAILABLE', `--backend webgpu in Node needs the 'webgpu' npm package (Dawn): ${(error as Error).message}`);
  }
  Object.assign(globalThis, dawn.globals);
  setGpu(dawn.create([]));
}
