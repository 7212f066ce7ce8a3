/**
 * Guarded fp16 (SessionOptions.precision 'fp16'): which steps run their F16 variant and where tensors change
 * storage. Pure planning over the chosen steps; plan.ts turns the answer into buffers and dispatches.
 *
 * Rules:
 *   - A step runs in f16 when every kernel it dispatches has the F16 variant (shaders.ts `supportsF16`: conv,
 *     depthwise conv, GEMM/MatMul, elementwise, pooling) and every tensor it binds is float32. Everything else —
 *     softmax, normalisations, reductions, movement, integer kernels, the CPU reference — stays f32.
 *   - A tensor's home storage is its producer's: f16 when written by an f16 step; f32 for graph inputs, CPU
 *     results and f32 steps' outputs. Constants are uploaded once per storage they are bound in.
 *   - Where a reader wants the other storage (an f32 kernel reading an f16 tensor, an f16 kernel reading a graph
 *     input, the CPU or a graph output reading an f16 tensor), a shadow copy is made by one conversion dispatch:
 *     right after the producing step for f16 homes, right before the first such reader for f32 homes (whose
 *     values may arrive from the CPU during the run). Graph inputs and outputs therefore stay f32 on the API.
 * Emulation (precision 'fp16-emulated', tests only): the same plan and conversions with f32 storage (flag
 * F16_EMULATED instead of F16), so the wiring can be checked numerically on adapters without shader-f16.
 */
import type { Graph } from '../../ir/graph.js';
import type { Step } from './lowering.js';

export type Precision = 'fp32' | 'fp16' | 'fp16-emulated';
export type Stored = 'f32' | 'f16';

/** A copy of `root` in the storage its home lacks. */
export interface Shadow {
  root: string;
  stored: Stored;
  /** The op whose dispatches make it: `before` its own work (f32 homes) or `after` it (f16 homes). */
  op: number;
  when: 'before' | 'after';
  /** Last op that reads it (the op count for graph outputs). */
  lastUse: number;
}

export interface PrecisionPlan {
  precision: Precision;
  /** Node indices whose step runs the F16 variant. */
  f16Steps: ReadonlySet<number>;
  /** Roots whose home buffer is f16. */
  f16Homes: ReadonlySet<string>;
  /** Keyed by shadowKey(root, stored). */
  shadows: ReadonlyMap<string, Shadow>;
  /** The variant flag of f16 work: 'F16', or 'F16_EMULATED' when emulated. */
  flag: 'F16' | 'F16_EMULATED';
  /** Bytes per element of f16 storage (4 when emulated). */
  f16Bytes: number;
}

export const shadowKey = (root: string, stored: Stored) => `${root}@${stored}`;

export interface PrecisionInputs {
  graph: Graph;
  steps: readonly (Step | undefined)[];
  root(name: string): string;
  /** Whether a root lives in a GPU buffer. */
  onGpu(root: string): boolean;
  /**
   * Whether a kernel file has the F16 variant (shaders.ts `supportsF16`). Passed in, not imported: shaders.ts
   * imports the WGSL sources with `?raw`, which only bundlers and Vitest resolve, so it loads only with the first
   * compiled model (index.ts) and plain Node scripts that import weblite never reach it.
   */
  supportsF16(file: string): boolean;
}

export function planPrecision(precision: Precision, { graph, steps, root, onGpu, supportsF16 }: PrecisionInputs): PrecisionPlan {
  const f16Steps = new Set<number>();
  const f16Homes = new Set<string>();
  const shadows = new Map<string, Shadow>();
  const plan: PrecisionPlan = { precision, f16Steps, f16Homes, shadows, flag: precision === 'fp16-emulated' ? 'F16_EMULATED' : 'F16', f16Bytes: precision === 'fp16' ? 2 : 4 };
  if (precision === 'fp32') return plan;

  const isFloat = (name: string) => graph.tensors.get(name)?.type === 'float32';
  steps.forEach((step, index) => {
    if (step?.kind !== 'gpu') return;
    const eligible = step.dispatches.every((d) => supportsF16(d.shader.file) && d.bindings.every((operand) => operand === undefined || (typeof operand === 'string' && isFloat(operand))));
    if (eligible) f16Steps.add(index);
  });
  graph.nodes.forEach((node, index) => {
    if (!f16Steps.has(index)) return;
    for (const name of node.outputs) if (name !== '') f16Homes.add(root(name));
  });

  const home = (r: string): Stored => (f16Homes.has(r) ? 'f16' : 'f32');
  const producer = new Map<string, number>();
  graph.nodes.forEach((node, index) => {
    if (steps[index]?.kind === 'gpu') for (const name of node.outputs) if (name !== '') producer.set(root(name), index);
  });
  const want = (name: string, stored: Stored, index: number) => {
    if (name === '' || graph.constant(name) || !isFloat(name)) return;
    const r = root(name);
    if (!onGpu(r) || home(r) === stored) return;
    const key = shadowKey(r, stored);
    const known = shadows.get(key);
    if (known) {
      known.lastUse = Math.max(known.lastUse, index);
      if (known.when === 'before' && index < known.op) known.op = index;
      return;
    }
    const made = producer.get(r);
    shadows.set(key, made !== undefined && stored === 'f32' ? { root: r, stored, op: made, when: 'after', lastUse: index } : { root: r, stored, op: index, when: 'before', lastUse: index });
  };
  steps.forEach((step, index) => {
    const node = graph.nodes[index]!;
    if (step?.kind === 'gpu') {
      const stored: Stored = f16Steps.has(index) ? 'f16' : 'f32';
      for (const dispatch of step.dispatches) for (const operand of dispatch.bindings) if (typeof operand === 'string') want(operand, stored, index);
    } else if (!step) {
      for (const name of node.inputs) want(name, 'f32', index);
    }
  });
  for (const name of graph.outputs) want(name, 'f32', graph.nodes.length);
  return plan;
}
