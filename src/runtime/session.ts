/**
 * InferenceSession: load a `.wlm` (or convert an `.onnx` in memory), pick a backend, run.
 */
/// <reference types="@webgpu/types" />
import { WebliteError, isWebliteError } from '../errors.js';
import type { Dim, Graph } from '../ir/graph.js';
import type { DType } from '../ir/dtype.js';
import type { Tensor } from '../ir/tensor.js';
import { readWlm } from '../ir/wlm/read.js';
import type { Backend, BackendName, CompiledModel, OutputLocation, PlacementEntry, ProfileEntry } from './backend.js';
import { log } from './env.js';
import { selectBackend } from './select.js';
import { checkFeeds } from './feeds.js';
import { loadBytes } from './load.js';
import { foldConstantChains } from './fold-at-load.js';
import { fuseQdq } from '../passes/quantize/qdq-fuse.js';

export interface SessionOptions {
  /** Which backend to use. 'auto' (default) picks the fastest available and says why. */
  backend?: 'auto' | BackendName;
  /** Worker threads for the wasm backend. */
  threads?: number;
  /** External-data side files when `source` is an ONNX model with external weights. */
  files?: Record<string, Uint8Array>;
  /** Caffe: the .caffemodel weights when `source` is a deploy.prototxt. */
  weights?: Uint8Array | ArrayBuffer;
  /**
   * webgpu: run on this GPUDevice instead of requesting one (implies backend 'webgpu'). Sessions on one device can
   * pass GPU tensors to each other; the device stays the caller's (release() does not destroy it).
   */
  gpuDevice?: GPUDevice;
  /**
   * 'wasm': when the GPU device of a webgpu session is lost, the session recreates itself on the wasm backend
   * and runs there (`backend` and `backendReason` say so). 'none' (default): the run throws DEVICE_LOST.
   */
  fallback?: 'wasm' | 'none';
  /**
   * webgpu: 'fp16' stores activations and weights of conv/matmul/elementwise/pooling kernels as f16 and multiplies
   * in f16 with f32 accumulation; softmax, normalisation, reductions and graph inputs/outputs stay f32 ("guarded
   * fp16"). Needs the adapter feature 'shader-f16': without it create() throws BACKEND_UNAVAILABLE (never a silent
   * fp32 run). Implies backend 'webgpu'. Default 'fp32'.
   */
  precision?: 'fp32' | 'fp16';
}

export interface ValueMetadata {
  name: string;
  type: DType;
  dims: Dim[];
}

export interface RunOptions {
  /** Names of the outputs to compute (default: all). */
  outputs?: string[];
  /**
   * 'gpu-buffer' (webgpu only): float32 outputs stay in GPU buffers they own — feed them to another session on
   * the same device, `await getData()` to download, `dispose()` to hand the buffer back. Default 'cpu'.
   */
  outputLocation?: OutputLocation;
}

export class InferenceSession {
  private backendName: BackendName;
  private reason: string;
  readonly inputs: readonly ValueMetadata[];
  readonly outputs: readonly ValueMetadata[];
  /** Model metadata (producer, source format, labels, …). */
  readonly metadata: Graph['metadata'];
  private compiled: CompiledModel | undefined;
  /** Set while the session moves to wasm after a lost device (concurrent runs wait for the same move). */
  private fallingBack: Promise<void> | undefined;

  private constructor(
    private readonly graph: Graph,
    compiled: CompiledModel,
    backend: BackendName,
    reason: string,
    private readonly options: SessionOptions = {},
  ) {
    this.compiled = compiled;
    this.backendName = backend;
    this.reason = reason;
    this.metadata = graph.metadata;
    const describe = (name: string): ValueMetadata => {
      const info = graph.tensor(name);
      return { name, type: info.type, dims: info.dims ? [...info.dims] : [] };
    };
    this.inputs = graph.inputs.map(describe);
    this.outputs = graph.outputs.map(describe);
  }

  /** The backend actually running this session (it changes only by `fallback: 'wasm'`). */
  get backend(): BackendName {
    return this.backendName;
  }

  /** Why that backend was chosen. */
  get backendReason(): string {
    return this.reason;
  }

  /** The webgpu session's device: create GPU input buffers on it, or share it with `{ gpuDevice }`. */
  get gpuDevice(): GPUDevice | undefined {
    return this.compiled?.gpuDevice;
  }

  /**
   * Where `create` spent its time, in ms: `fetch` (getting the bytes), `backend` (choosing it), `load` (reading the
   * .wlm or converting, load-time folding), the backend's own phases where it reports them (wasm: `instantiate`,
   * `plan`, `pack`, `workers`), and `total`.
   */
  createTimings: Record<string, number> = {};

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
    const started = performance.now();
    const { bytes, name } = await loadBytes(source);
    const fetched = performance.now();
    const { backend, reason } = await chooseBackend(options);
    const chosen = performance.now();
    const graph = await loadGraph(bytes, name, options, backend);
    const loaded = performance.now();
    const compiled = await backend.compile(graph, { threads: options.threads, gpuDevice: options.gpuDevice, precision: options.precision });
    const session = new InferenceSession(graph, compiled, backend.name, options.precision === 'fp16' ? `${reason}; precision fp16 (shader-f16)` : reason, options);
    // A webgpu session that may fall back keeps its bytes: the wasm backend prepares its own graph (integer kernels).
    if (options.fallback === 'wasm' && backend.name === 'webgpu') session.source = { bytes, name };
    session.createTimings = { fetch: fetched - started, backend: chosen - fetched, load: loaded - chosen, ...compiled.createTimings, total: performance.now() - started };
    return session;
  }

  async run(feeds: Record<string, Tensor>, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    const compiled = this.compiled;
    if (!compiled) throw new WebliteError('RELEASED', 'run: the session was released');
    const inputs = checkFeeds(feeds, this.graph.inputs.map((name) => this.graph.tensor(name)), compiled.gpuDevice ? undefined : this.backendName);
    const outputLocation = options.outputLocation ?? 'cpu';
    if (outputLocation !== 'cpu' && outputLocation !== 'gpu-buffer') {
      throw new WebliteError('BAD_ARGUMENT', `run: outputLocation must be 'cpu' or 'gpu-buffer', got ${JSON.stringify(outputLocation)}`);
    }
    if (outputLocation === 'gpu-buffer' && !compiled.gpuDevice) {
      throw new WebliteError('BAD_ARGUMENT', `run: outputLocation 'gpu-buffer' needs the webgpu backend; this session runs on '${this.backendName}' (${this.reason})`);
    }
    const wanted = options.outputs ?? this.graph.outputs;
    for (const name of wanted) {
      if (!this.graph.outputs.includes(name)) {
        throw new WebliteError('BAD_INPUT', `run: unknown output '${name}' (the model's outputs are ${this.graph.outputs.map((o) => `'${o}'`).join(', ')})`);
      }
    }
    let results: Map<string, Tensor>;
    try {
      results = await compiled.run(inputs, wanted, { outputLocation });
    } catch (error) {
      // Runs queued on the lost model all fail; the first starts the move, the others wait for it.
      if (!(isWebliteError(error) && error.code === 'DEVICE_LOST' && this.options.fallback === 'wasm' && compiled.gpuDevice)) throw error;
      await (this.fallingBack ??= this.fallBackToWasm(error));
      return this.run(feeds, options);
    }
    return Object.fromEntries(wanted.map((name) => [name, results.get(name)!]));
  }

  /** The model's bytes, kept only by webgpu sessions with `fallback: 'wasm'`. */
  private source: { bytes: Uint8Array; name: string } | undefined;

  /**
   * `fallback: 'wasm'`: the webgpu model is dropped and the model compiled on wasm, once — from its bytes, so the
   * wasm backend prepares the graph its own way (quantized islands on the int8 kernels); same inputs and outputs.
   */
  private async fallBackToWasm(lost: WebliteError): Promise<void> {
    const { backend, reason } = await selectBackend('wasm');
    const graph = this.source ? await loadGraph(this.source.bytes, this.source.name, this.options, backend) : this.graph;
    const compiled = await backend.compile(graph, { threads: this.options.threads });
    this.compiled?.release();
    this.compiled = compiled;
    this.backendName = backend.name;
    const probe = reason.replace(/^requested explicitly /, '');
    this.reason = `fell back to 'wasm' ${probe} (fallback: 'wasm') after the WebGPU device was lost: ${lost.message}; webgpu had been ${this.reason}`;
    log('warning', this.reason);
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

/** The backend for these options: a given gpuDevice means webgpu; `fallback` is checked here too. */
async function chooseBackend(options: SessionOptions): ReturnType<typeof selectBackend> {
  if (options.fallback !== undefined && options.fallback !== 'wasm' && options.fallback !== 'none') {
    throw new WebliteError('BAD_ARGUMENT', `fallback must be 'wasm' or 'none', got ${JSON.stringify(options.fallback)}`);
  }
  if (options.precision !== undefined && options.precision !== 'fp32' && options.precision !== 'fp16') {
    throw new WebliteError('BAD_ARGUMENT', `precision must be 'fp32' or 'fp16', got ${JSON.stringify(options.precision)}`);
  }
  const requested = options.backend ?? 'auto';
  if (options.precision === 'fp16' && requested !== 'auto' && requested !== 'webgpu') {
    throw new WebliteError('BAD_ARGUMENT', `precision 'fp16' is for the webgpu backend; this session asked for '${requested}'`);
  }
  if (options.precision === 'fp16' && !options.gpuDevice) {
    const { backend, reason } = await selectBackend('webgpu');
    return { backend, reason: requested === 'auto' ? `precision 'fp16' implies webgpu (${reason})` : reason };
  }
  if (!options.gpuDevice) return selectBackend(requested);
  if (requested !== 'auto' && requested !== 'webgpu') {
    throw new WebliteError('BAD_ARGUMENT', `gpuDevice is for the webgpu backend; this session asked for '${requested}'`);
  }
  const { backend, reason } = await selectBackend('webgpu');
  return { backend, reason: `on the GPUDevice given as gpuDevice (${reason})` };
}

async function loadGraph(bytes: Uint8Array, name: string, options: SessionOptions, backend: Backend): Promise<Graph> {
  const isWlm = bytes.length >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) === 'WLM1';
  let graph: Graph;
  if (isWlm) {
    graph = readWlm(bytes, name);
  } else {
    // Source models are converted in memory; the converter is loaded only when needed.
    const { importModel } = await import('../convert/index.js');
    graph = importModel(bytes, { fileName: name, files: options.files, weights: options.weights });
  }
  // Quantized islands become integer ops where the backend has integer kernels; then compressed and quantized
  // weights (fp16 / int8 + scale chains, DequantizeLinear of integers) become float32 constants once, not per run.
  if (backend.integerKernels) fuseQdq.run(graph);
  return foldConstantChains(graph);
}
