/**
 * The contract between the session and a backend. A backend compiles an optimised IR graph into something it can
 * run, and reports where every node runs (`placement`) — weblite never falls back silently.
 */
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
}

export interface CompileOptions {
  threads?: number;
}

export interface CompiledModel {
  readonly placement: PlacementEntry[];
  /** Threads actually used (1 when the backend runs on the calling thread only). */
  readonly threads?: number;
  /** Bytes the backend reserved for weights, packed data and activation arenas (where it tracks them). */
  readonly memoryBytes?: number;
  /** Runs the graph. `feeds` are validated by the session; returns the requested outputs. */
  run(feeds: Map<string, Tensor>, outputs: readonly string[]): Promise<Map<string, Tensor>>;
  /** Per-node timing: on from `setProfiling(true)` until `takeProfile()` returns and clears what was gathered. */
  setProfiling?(on: boolean): void;
  takeProfile?(): ProfileEntry[];
  release(): void;
}

export interface Backend {
  readonly name: BackendName;
  /** Whether this backend can run here; `reason` says why not (or what it found). */
  probe(): Promise<{ available: boolean; reason: string }>;
  compile(graph: Graph, options: CompileOptions): Promise<CompiledModel>;
}
