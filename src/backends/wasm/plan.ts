/**
 * A Plan is one specialised graph (concrete input dims) turned into a list of steps over one arena:
 *   1. pick a lowering per node (first that supports it; the reference fallback otherwise);
 *   2. assign layouts (src/passes/layout.ts) and add NCHW↔NHWC conversions where readers need them;
 *   3. give every float32 and 8-bit (quantized) tensor a slot in wasm memory via the static memory planner (other
 *      dtypes stay in JS);
 *   4. build each step's closure with its pointers and packed weights resolved — run() only calls them.
 */
import { WebliteError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';
import type { Graph, Node } from '../../ir/graph.js';
import { Tensor, sizeOf } from '../../ir/tensor.js';
import { type Layout, assignLayouts, layoutFree } from '../../passes/layout.js';
import type { PlacementEntry } from '../../runtime/backend.js';
import { planMemory, type PlanRequest } from '../../runtime/memory-plan.js';
import type { Heap } from './heap.js';
import type { WasmKernels } from './loader.js';
import type { WorkerPool } from './threads.js';
import { type Lowering, type LoweringContext, type Step, elementBytes, staticDims } from './lowering.js';
import { fallbackLowering } from './lower/fallback.js';
import { convertLayout } from './lower/layout-convert.js';

export interface PlanOptions {
  lowerings: readonly Lowering[];
  cached: LoweringContext['cached'];
  /** Worker pool for parallel kernels (absent: single-threaded). */
  pool?: WorkerPool;
}

export class Plan {
  /** JS-side values (tensors not resident in wasm memory) of the current run. */
  readonly values = new Map<string, Tensor>();
  /** Graph output → the stored version to read it from (its NCHW copy when the tensor is kept NHWC). */
  readonly outputSlots = new Map<string, string>();

  constructor(
    readonly graph: Graph,
    readonly steps: Step[],
    /** One entry per node step; conversion steps have none (see `stepNodes`). */
    readonly placement: PlacementEntry[],
    /** For each step, its node's placement index, or -1 for a layout conversion. */
    readonly stepNodes: number[],
    readonly arenaBytes: number,
    private readonly slots: Map<string, number>,
    readonly heap: Heap,
  ) {}

  ptr(name: string): number | undefined {
    return this.slots.get(name);
  }

  /** Step index → milliseconds accumulated while profiling (undefined when off). */
  profile: Float64Array | undefined;
  profileRuns = 0;

  run(feeds: Map<string, Tensor>, outputs: readonly string[]): Map<string, Tensor> {
    this.values.clear();
    for (const [name, tensor] of feeds) {
      const ptr = this.slots.get(name);
      if (ptr === undefined) this.values.set(name, tensor);
      else residentView(this.heap, tensor.type, ptr, tensor.size).set(tensor.data as Float32Array);
    }
    const profile = this.profile;
    if (profile) {
      this.profileRuns++;
      for (let i = 0; i < this.steps.length; i++) {
        const started = performance.now();
        this.steps[i]!.run();
        profile[i]! += performance.now() - started;
      }
    } else {
      for (const step of this.steps) step.run();
    }
    const result = new Map<string, Tensor>();
    for (const name of outputs) {
      const constant = this.graph.constant(name);
      if (constant) result.set(name, constant);
      else result.set(name, readTensor(this, name, this.outputSlots.get(name)));
    }
    this.values.clear();
    return result;
  }
}

/**
 * A graph tensor's current value as a JS Tensor (a copy for wasm-resident tensors). `slot` names the stored version
 * to read (e.g. 'x#nchw' when the tensor itself is kept NHWC); its logical dims are the tensor's.
 */
export function readTensor(plan: Plan, name: string, slot = name): Tensor {
  const constant = plan.graph.constant(name);
  if (constant) return constant;
  const ptr = plan.ptr(slot);
  if (ptr === undefined) {
    const value = plan.values.get(name);
    if (!value) throw new WebliteError('RUNTIME_ERROR', `wasm: tensor '${name}' has no value`);
    return value;
  }
  const dims = staticDims(plan.graph, name)!;
  const type = plan.graph.tensor(name).type;
  return new Tensor(type, residentView(plan.heap, type, ptr, sizeOf(dims)).slice(), dims);
}

/** A typed view of a resident tensor's storage. */
export function residentView(heap: Heap, type: DType, ptr: number, length: number): Float32Array | Int8Array | Uint8Array | Int16Array {
  const buffer = heap.kernels.memory.buffer;
  if (type === 'int8') return new Int8Array(buffer, ptr, length);
  if (type === 'int16') return new Int16Array(buffer, ptr, length);
  if (type === 'uint8') return new Uint8Array(buffer, ptr, length);
  return new Float32Array(buffer, ptr, length);
}

function writeTensor(plan: Plan, name: string, value: Tensor): void {
  const ptr = plan.ptr(name);
  if (ptr === undefined) {
    plan.values.set(name, value);
    return;
  }
  const dims = staticDims(plan.graph, name)!;
  const type = plan.graph.tensor(name).type;
  if (value.type !== type || value.size !== sizeOf(dims)) {
    throw new WebliteError('RUNTIME_ERROR', `wasm: '${name}' was planned as ${type}[${dims.join(', ')}] but computed as ${value.type}[${value.dims.join(', ')}]`);
  }
  residentView(plan.heap, type, ptr, value.size).set(value.data as Float32Array);
}

export function buildPlan(graph: Graph, heap: Heap, kernels: WasmKernels, options: PlanOptions): Plan {
  const choose = (node: Node): Lowering => options.lowerings.find((l) => l.supports(node, graph)) ?? fallbackLowering;
  const chosen = new Map<Node, Lowering>(graph.nodes.map((node) => [node, choose(node)]));
  const assignment = assignLayouts(graph, {
    nativeNhwc: (node) => chosen.get(node)!.layout === 'native',
    transparent: (node) => chosen.get(node)!.layout === 'transparent',
  });
  const layoutOf = (name: string): Layout => assignment.layouts.get(name) ?? 'nchw';

  // The version of `input` a node reads: its own storage, or a converted copy.
  const is4dActivation = (name: string) => name !== '' && !graph.constant(name) && graph.tensors.get(name)?.dims?.length === 4;
  const nodeReadsNhwc = (node: Node): boolean => {
    const lowering = chosen.get(node)!;
    if (lowering.layout === 'native') return true;
    if (lowering.layout === 'transparent') return node.outputs.some((o) => layoutOf(o) === 'nhwc');
    return false;
  };
  const versionOf = (node: Node, input: string): string => {
    if (!is4dActivation(input)) return input;
    const want: Layout = nodeReadsNhwc(node) ? 'nhwc' : 'nchw';
    return layoutOf(input) === want ? input : `${input}#${want}`;
  };

  // Order of execution with conversion steps inserted right before their first reader.
  type Item = { kind: 'node'; node: Node } | { kind: 'convert'; from: string; to: string; target: Layout };
  const items: Item[] = [];
  const converted = new Set<string>();
  const aliases = new Map<string, string>();
  // A Transpose NHWC → NCHW (perm 0,3,1,2: an NHWC graph input entering the NCHW IR, as TFLite models do) whose
  // readers all want NHWC: their NHWC copy of its output has exactly its input's bytes, so it is that input and
  // neither the transpose nor the conversion back moves any data.
  const nhwcViews = new Set<Node>();
  for (const node of graph.nodes) {
    const [x, y] = [node.inputs[0] ?? '', node.outputs[0] ?? ''];
    if (node.op !== 'Transpose' || ((node.attrs.perm as number[] | undefined) ?? []).join() !== '0,3,1,2') continue;
    if (!is4dActivation(x) || layoutOf(x) !== 'nchw' || layoutOf(y) !== 'nchw' || graph.outputs.includes(y)) continue;
    if (graph.tensors.get(x)?.type !== graph.tensors.get(y)?.type) continue;
    const readers = graph.nodes.filter((n) => n.inputs.includes(y));
    if (readers.length === 0 || !readers.every((r) => versionOf(r, y) === `${y}#nhwc`)) continue;
    nhwcViews.add(node);
    aliases.set(`${y}#nhwc`, x);
    converted.add(`${y}#nhwc`);
  }
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      const version = versionOf(node, input);
      if (version === input || converted.has(version)) continue;
      converted.add(version);
      if (layoutFree(graph.tensors.get(input)?.dims)) aliases.set(version, input);
      else items.push({ kind: 'convert', from: input, to: version, target: version.endsWith('#nhwc') ? 'nhwc' : 'nchw' });
    }
    items.push({ kind: 'node', node });
  }
  for (const output of graph.outputs) {
    if (layoutOf(output) === 'nhwc' && !converted.has(`${output}#nchw`)) {
      converted.add(`${output}#nchw`);
      if (layoutFree(graph.tensors.get(output)?.dims)) aliases.set(`${output}#nchw`, output);
      else items.push({ kind: 'convert', from: output, to: `${output}#nchw`, target: 'nchw' });
    }
  }
  const resolve = (name: string) => aliases.get(name) ?? name;
  const outputVersion = (name: string) => resolve(layoutOf(name) === 'nhwc' ? `${name}#nchw` : name);

  // Lifetimes of wasm-resident (float32 / 8-bit, static) tensors, over item indices.
  const baseOf = (name: string) => name.replace(/#nhwc$|#nchw$/, '');
  const bytesOf = (name: string) => elementBytes(graph.tensors.get(baseOf(name))?.type);
  const resident = (name: string) => !graph.constant(baseOf(name)) && bytesOf(name) !== undefined && staticDims(graph, baseOf(name)) !== undefined;
  const lifetimes = new Map<string, PlanRequest>();
  const touch = (name: string, index: number) => {
    const key = resolve(name);
    if (key === '' || !resident(key)) return;
    const existing = lifetimes.get(key);
    if (existing) existing.end = Math.max(existing.end, index);
    else lifetimes.set(key, { id: key, bytes: sizeOf(staticDims(graph, baseOf(key))!) * bytesOf(key)!, start: index, end: index });
  };
  for (const name of graph.inputs) touch(name, 0);
  items.forEach((item, index) => {
    if (item.kind === 'convert') {
      touch(item.from, index);
      touch(item.to, index);
    } else {
      for (const input of item.node.inputs) touch(versionOf(item.node, input), index);
      for (const extra of chosen.get(item.node)!.extraReads?.(item.node, graph) ?? []) touch(extra, index);
      for (const output of item.node.outputs) touch(output, index);
    }
  });
  for (const name of graph.outputs) touch(outputVersion(name), items.length);

  const memory = planMemory([...lifetimes.values()]);
  heap.check(memory.size, 'the activation arena');
  const arena = heap.alloc(memory.size, 'the activation arena');
  const slots = new Map<string, number>();
  for (const [name, offset] of memory.offsets) slots.set(name, arena + offset);
  for (const [alias, target] of aliases) if (slots.has(target)) slots.set(alias, slots.get(target)!);
  const plan = new Plan(graph, [], [], [], memory.size, slots, heap);
  // Graph outputs are read from their NCHW version.
  for (const name of graph.outputs) plan.outputSlots.set(name, outputVersion(name));
  const contextFor = (node: Node | undefined): LoweringContext => ({
    graph,
    heap,
    kernels,
    layout: (name) => (node && node.inputs.includes(name) && is4dActivation(name) ? (nodeReadsNhwc(node) ? 'nhwc' : 'nchw') : layoutOf(name)),
    dims: (name) => staticDims(graph, baseOf(name)) ?? [],
    ptr: (name) => {
      const version = node && node.inputs.includes(name) ? versionOf(node, name) : name;
      const ptr = slots.get(resolve(version));
      if (ptr === undefined) throw new WebliteError('RUNTIME_ERROR', `wasm: tensor '${version}' has no slot in wasm memory`);
      return ptr;
    },
    constant: (name) => graph.constant(name),
    cached: options.cached,
    read: (name) => readTensor(plan, name, node && node.inputs.includes(name) ? resolve(versionOf(node, name)) : name),
    write: (name, value) => writeTensor(plan, name, value),
    parallel: (name, args, rangeIndex, total, parallelOptions = {}) => {
      const fn = kernels.fn(name);
      const callArgs = [...args];
      const pool = options.pool;
      if (!pool) {
        callArgs[rangeIndex] = 0;
        callArgs[rangeIndex + 1] = total;
        return () => void fn(...callArgs);
      }
      const granule = parallelOptions.granule ?? 1;
      const minPerThread = parallelOptions.minPerThread ?? 1;
      return () => pool.run(name, fn, callArgs, rangeIndex, total, granule, minPerThread);
    },
  });

  for (const item of items) {
    if (item.kind === 'convert') {
      const dims = staticDims(graph, item.from)!;
      const from = slots.get(resolve(item.from))!;
      const to = slots.get(resolve(item.to))!;
      plan.steps.push(convertLayout(contextFor(undefined), dims, from, to, item.target, bytesOf(item.from)));
      plan.stepNodes.push(-1);
      continue;
    }
    const lowering = chosen.get(item.node)!;
    const step = nhwcViews.has(item.node) ? { kernel: 'none (NHWC view of its input)', run() {} } : lowering.build(item.node, contextFor(item.node));
    plan.steps.push(step);
    plan.stepNodes.push(plan.placement.length);
    plan.placement.push({ node: item.node.name, op: item.node.op, backend: lowering === fallbackLowering ? 'cpu' : 'wasm', kernel: step.kernel });
  }
  return plan;
}
