/**
 * InferenceSession: load a `.wlm` (or convert an `.onnx` in memory), pick a backend, run.
 */
import { WebliteError } from '../errors.js';
import type { Dim, Graph } from '../ir/graph.js';
import type { DType } from '../ir/dtype.js';
import type { Tensor } from '../ir/tensor.js';
import { readWlm } from '../ir/wlm/read.js';
import type { BackendName, CompiledModel, PlacementEntry, ProfileEntry } from './backend.js';
import { selectBackend } from './select.js';
import { checkFeeds } from './feeds.js';
import { loadBytes } from './load.js';
import { foldConstantChains } from './fold-at-load.js';

export interface SessionOptions {
  /** Which backend to use. 'auto' (default) picks the fastest available and says why. */
  backend?: 'auto' | BackendName;
  /** Worker threads for the wasm backend. */
  threads?: number;
  /** External-data side files when `source` is an ONNX model with external weights. */
  files?: Record<string, Uint8Array>;
  /** Caffe: the .caffemodel weights when `source` is a deploy.prototxt. */
  weights?: Uint8Array | ArrayBuffer;
}

export interface ValueMetadata {
  name: string;
  type: DType;
  dims: Dim[];
}

export interface RunOptions {
  /** Names of the outputs to compute (default: all). */
  outputs?: string[];
}

export class InferenceSession {
  /** The backend actually running this session. */
  readonly backend: BackendName;
  /** Why that backend was chosen. */
  readonly backendReason: string;
  readonly inputs: readonly ValueMetadata[];
  readonly outputs: readonly ValueMetadata[];
  /** Model metadata (producer, source format, labels, …). */
  readonly metadata: Graph['metadata'];
  private compiled: CompiledModel | undefined;

  private constructor(private readonly graph: Graph, compiled: CompiledModel, backend: BackendName, reason: string) {
    this.compiled = compiled;
    this.backend = backend;
    this.backendReason = reason;
    this.metadata = graph.metadata;
    const describe = (name: string): ValueMetadata => {
      const info = graph.tensor(name);
      return { name, type: info.type, dims: info.dims ? [...info.dims] : [] };
    };
    this.inputs = graph.inputs.map(describe);
    this.outputs = graph.outputs.map(describe);
  }

  /** Bytes the backend reserved (packed weights, arenas), when it tracks them. */
  get memoryBytes(): number | undefined {
    return this.compiled?.memoryBytes;
  }

  /** Threads the backend really uses. */
  get threads(): number {
    return this.compiled?.threads ?? 1;
  }

  /** Node → backend + kernel, for every node of the optimised graph. */
  get placement(): readonly PlacementEntry[] {
    return this.compiled?.placement ?? [];
  }

  static async create(source: Uint8Array | ArrayBuffer | string, options: SessionOptions = {}): Promise<InferenceSession> {
    const { bytes, name } = await loadBytes(source);
    const graph = await loadGraph(bytes, name, options);
    const { backend, reason } = await selectBackend(options.backend ?? 'auto');
    const compiled = await backend.compile(graph, { threads: options.threads });
    return new InferenceSession(graph, compiled, backend.name, reason);
  }

  async run(feeds: Record<string, Tensor>, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    const compiled = this.compiled;
    if (!compiled) throw new WebliteError('RELEASED', 'run: the session was released');
    const inputs = checkFeeds(feeds, this.graph.inputs.map((name) => this.graph.tensor(name)));
    const wanted = options.outputs ?? this.graph.outputs;
    for (const name of wanted) {
      if (!this.graph.outputs.includes(name)) {
        throw new WebliteError('BAD_INPUT', `run: unknown output '${name}' (the model's outputs are ${this.graph.outputs.map((o) => `'${o}'`).join(', ')})`);
      }
    }
    const results = await compiled.run(inputs, wanted);
    return Object.fromEntries(wanted.map((name) => [name, results.get(name)!]));
  }

  /** Starts timing every node of the following runs (CPU-side wall time per step). */
  startProfiling(): void {
    if (!this.compiled?.setProfiling) throw new WebliteError('BAD_ARGUMENT', `profiling is not supported by the ${this.backend} backend`);
    this.compiled.setProfiling(true);
  }

  /** Stops profiling and returns per-node totals, slowest first. */
  endProfiling(): ProfileEntry[] {
    const compiled = this.compiled;
    if (!compiled?.takeProfile) return [];
    compiled.setProfiling?.(false);
    return compiled.takeProfile().sort((a, b) => b.totalMs - a.totalMs);
  }

  async release(): Promise<void> {
    this.compiled?.release();
    this.compiled = undefined;
  }
}

async function loadGraph(bytes: Uint8Array, name: string, options: SessionOptions): Promise<Graph> {
  const isWlm = bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'WLM1';
  // Compressed weights (fp16 / int8 + scale chains) become plain float32 constants once, here, not per run.
  if (isWlm) return foldConstantChains(readWlm(bytes, name));
  // Source models are converted in memory; the converter is loaded only when needed.
  const { importModel } = await import('../convert/index.js');
  return importModel(bytes, { fileName: name, files: options.files, weights: options.weights });
}
