/**
 * The contract between the session and a backend. A backend compiles an optimised IR graph into something it can
 * run, and reports where every node runs (`placement`) — weblite never falls back silently.
 */
/// <reference types="@webgpu/types" />
import type { Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';

export type BackendName = 'webgpu' | 'wasm' | 'reference';

export interface PlacementEntry {
  node: string;
  op: string;
  backend: BackendName | 'cpu';
  kernel: string;
}

/** Accumulated time of one node over the profiled runs. */
export interface ProfileEntry {
  node: string;
  op: string;
  kernel: string;
  runs: number;
  totalMs: number;
  /** What measured it: GPU timestamps ('timestamp-query'), or CPU wall time (the default). */
  clock?: 'gpu' | 'cpu';
}

export interface CompileOptions {
  threads?: number;
  /** webgpu: run on this device (shared with the caller) instead of requesting one. */
  gpuDevice?: GPUDevice;
  /** webgpu: 'fp16' runs the guarded-fp16 plan (src/backends/webgpu/precision.ts); needs 'shader-f16'. */
  precision?: 'fp32' | 'fp16';
}

/** Where run() leaves the outputs: on the CPU, or (webgpu) in GPU buffers the output tensors own. */
export type OutputLocation = 'cpu' | 'gpu-buffer';

export interface CompiledModel {
  readonly placement: PlacementEntry[];
  /** Threads actually used (1 when the backend runs on the calling thread only). */
  readonly threads?: number;
  /** Bytes the backend reserved for weights, packed data and activation arenas (where it tracks them). */
  readonly memoryBytes?: number;
  /** Milliseconds per phase of `compile` (names are the backend's), for benchmarks. */
  readonly createTimings?: Record<string, number>;
  /** The device, for backends that run on a GPU (GPU-tensor feeds must live on it). */
  readonly gpuDevice?: GPUDevice;
  /**
   * Runs the graph. `feeds` are validated by the session (GPU-tensor feeds reach only backends with a gpuDevice);
   * returns the requested outputs, on the GPU when asked and supported (the session refuses it otherwise).
   */
  run(feeds: Map<string, Tensor>, outputs: readonly string[], options?: { outputLocation?: OutputLocation }): Promise<Map<string, Tensor>>;
  /** Per-node timing: on from `setProfiling(true)` until `takeProfile()` returns and clears what was gathered. */
  setProfiling?(on: boolean): void;
  takeProfile?(): ProfileEntry[];
  release(): void;
}

export interface Backend {
  readonly name: BackendName;
  /**
   * Runs quantized operators (ops/qlinear.ts) on integer kernels: sessions rewrite QDQ islands into them
   * (src/passes/quantize/qdq-fuse.ts) before expanding stored integer weights to float.
   */
  readonly integerKernels?: boolean;
  /** Whether this backend can run here; `reason` says why not (or what it found). */
  probe(): Promise<{ available: boolean; reason: string }>;
  compile(graph: Graph, options: CompileOptions): Promise<CompiledModel>;
}
