/**
 * Runs small ONNX graphs on the webgpu backend (Node + Dawn, SwiftShader on machines without a GPU) and on the
 * reference backend, and compares. Tests skip with the reason when no WebGPU adapter is available.
 *
 * Setup: Dawn reads VK_ICD_FILENAMES when it creates its Vulkan instance; without a GPU it needs SwiftShader's
 * ICD, which Debian's chromium package ships — set here when the caller has not chosen one.
 */
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { importModel } from '../../src/convert/index.js';
import { referenceBackend } from '../../src/backends/reference/index.js';
import { type WebGpuModel, setGpu, webgpuBackend } from '../../src/backends/webgpu/index.js';
import type { Graph } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { registerBackend } from '../../src/runtime/select.js';
import { type ModelSpec, buildModel } from '../helpers/onnx-builder.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** The GPU object injected into the backend (Dawn's), when it loaded. */
export let dawnGpu: GPU | undefined;

async function setupWebGpu(): Promise<{ available: boolean; reason: string }> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    dawnGpu = create([]);
    setGpu(dawnGpu);
  } catch (error) {
    return { available: false, reason: `the 'webgpu' package (Dawn) cannot load: ${(error as Error).message}` };
  }
  registerBackend(webgpuBackend);
  const probe = await webgpuBackend.probe();
  return probe.available ? probe : { available: false, reason: `no WebGPU adapter: ${probe.reason} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'})` };
}

/** Whether WebGPU runs here, and why (or why not). */
export const webgpu = await setupWebGpu();

/** Skips the calling test with the reason when there is no adapter; use as `if (skipWithoutGpu(context)) return;`. */
export function skipWithoutGpu(context: { skip: (note?: string) => void }): boolean {
  if (!webgpu.available) context.skip(webgpu.reason);
  return !webgpu.available;
}

export async function compileGraph(graph: Graph): Promise<WebGpuModel> {
  return (await webgpuBackend.compile(graph, {})) as WebGpuModel;
}

export interface CompareOptions {
  /** |got − want| ≤ tolerance · (1 + |want|). */
  tolerance?: number;
  /** Nodes expected on GPU kernels (default: all). */
  gpuNodes?: number;
}

/** Builds `spec`, runs it on both backends, compares every output; returns the webgpu model for more checks. */
export async function expectMatchesReference(spec: ModelSpec, feeds: Record<string, Tensor>, options: CompareOptions = {}): Promise<WebGpuModel> {
  const graph = importModel(buildModel(spec));
  const model = await compileGraph(graph);
  const reference = await referenceBackend.compile(graph, {});
  const feedMap = new Map(Object.entries(feeds));
  const outputs = graph.outputs;
  const got = await model.run(feedMap, outputs);
  const want = await reference.run(feedMap, outputs);
  const tolerance = options.tolerance ?? 2e-5;
  for (const name of outputs) {
    const a = got.get(name)!;
    const b = want.get(name)!;
    expect(a.dims, `dims of ${name}`).toEqual(b.dims);
    expect(a.type).toBe(b.type);
    // Integer outputs (int64 as BigInt) compare as numbers; a tolerance of 0 makes them exact.
    const x = Array.from(a.data as ArrayLike<number | bigint>, Number);
    const y = Array.from(b.data as ArrayLike<number | bigint>, Number);
    let worst = 0;
    let at = -1;
    for (let i = 0; i < y.length; i++) {
      const excess = x[i] === y[i] ? 0 : Math.abs(x[i]! - y[i]!) / (1 + Math.abs(y[i]!));
      if (!(excess <= worst) && !(Number.isNaN(x[i]!) && Number.isNaN(y[i]!))) {
        worst = excess;
        at = i;
      }
    }
    expect(worst, `${name}[${at}]: got ${x[at]}, want ${y[at]}`).toBeLessThanOrEqual(tolerance);
  }
  const onGpu = model.placement.filter((p) => p.backend === 'webgpu').length;
  expect(onGpu, JSON.stringify(model.placement)).toBe(options.gpuNodes ?? model.placement.length);
  return model;
}

export const f32 = (name: string, dims: (number | string)[] = []) => ({ name, type: 'float32' as const, dims });
