/**
 * How the webgpu backend turns one IR node into GPU work. Each op family registers lowerings (lower/*.ts); the
 * first whose `supports` accepts a node wins, and the CPU reference takes the rest — every choice is visible in
 * `placement` (backend 'webgpu' with the kernel's file name and its `#VARIANT`s, or 'cpu' with 'reference/<Op>').
 *
 * A lowering only describes work: dispatches naming a kernel variant, a packed uniform block, the tensors to bind
 * and a grid. The plan (plan.ts) owns buffers, pipelines and bind groups, all created before the first run.
 * Tensors live on the GPU as dense f32 buffers in the IR's own layout (NCHW for images; no layout changes).
 */
import type { Graph, Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { sizeOf } from '../../ir/tensor.js';
import type { ShaderKey } from './shaders.js';
import { type GpuStorage, gpuStorage } from './storage.js';
import type { Uniforms } from './uniforms.js';

/** Data a lowering derives at plan time (a table, re-laid-out weights): uploaded once per key and purpose. */
export interface DerivedConstant {
  key: object;
  purpose: string;
  make(): Float32Array;
}

/** What a binding holds: a tensor of the graph (activation, graph input or float32 constant) or derived data. */
export type Operand = string | DerivedConstant;

export interface Dispatch {
  shader: ShaderKey;
  uniforms: Uniforms;
  /** bindings[i] is bound at @binding(i + 1) (@binding(0) is the uniform block); undefined leaves a gap. */
  bindings: (Operand | undefined)[];
  grid: [number, number, number];
}

export type Step =
  | { kind: 'gpu'; kernel: string; dispatches: Dispatch[] }
  /** The output is the input's buffer under other dims (Reshape and friends): no work at all. */
  | { kind: 'alias'; kernel: string };

export interface LoweringContext {
  graph: Graph;
  /** Static dims of a tensor (all static after specialisation). */
  dims(name: string): number[];
  constant(name: string): Tensor | undefined;
}

export interface Lowering {
  name: string;
  supports(node: Node, graph: Graph): boolean;
  build(node: Node, ctx: LoweringContext): Step;
}

/**
 * The placement name of a kernel run with variant flags that change how it computes (not optional bindings such as
 * HAS_BIAS): the file name, then `#FLAG` per flag, as plan.ts appends `#F16` — e.g.
 * `gemm/f32-gemm-minmax-4x4-tiled.wgsl#VEC4_A#VEC4_B`.
 */
export function kernelName(file: string, variants: readonly string[]): string {
  return [file, ...variants].join('#');
}

/**
 * Whether a strided operand may be read 4 elements per vector load along one axis (the VEC4_A / VEC4_B variants of
 * gemm/gemm-tile.wgsl): unit stride along that axis, and its extent, the other axis' stride and every batch stride
 * multiples of 4. The plan binds every tensor at offset 0, so each vector then starts at an element index that is a
 * multiple of 4 (16-byte aligned in f32) and one that starts inside the axis ends inside it.
 */
export function vec4Loadable(extent: number, unitStride: number, otherStride: number, batchStrides: readonly number[] = []): boolean {
  return unitStride === 1 && extent % 4 === 0 && otherStride % 4 === 0 && batchStrides.every((stride) => stride % 4 === 0);
}

export function staticDims(graph: Graph, name: string): number[] | undefined {
  const dims = graph.tensors.get(name)?.dims;
  return dims && dims.every((d): d is number => typeof d === 'number') ? dims : undefined;
}

/** A non-empty float32 tensor of known dims: what a GPU kernel can bind (constants are uploaded). */
export function isGpuFloat(graph: Graph, name: string | undefined): boolean {
  if (!name) return false;
  const info = graph.tensors.get(name);
  const dims = staticDims(graph, name);
  return info?.type === 'float32' && dims !== undefined && sizeOf(dims) > 0;
}

/**
 * A non-empty tensor of known dims with a GPU storage type (storage.ts): float32 as f32 words, the integer types
 * and bool as i32 words. `storage` narrows to one of them. A lowering that accepts int64 must itself make sure the
 * values fit in 32 bits.
 */
export function isGpuTensor(graph: Graph, name: string | undefined, storage?: GpuStorage): boolean {
  if (!name) return false;
  const kind = gpuStorage(graph.tensors.get(name)?.type);
  const dims = staticDims(graph, name);
  return kind !== undefined && (storage === undefined || kind === storage) && dims !== undefined && sizeOf(dims) > 0;
}

/** Numbers of a small constant (shape-like inputs such as Slice starts), or undefined when not constant. */
export function constantNumbers(graph: Graph, name: string | undefined): number[] | undefined {
  if (!name) return undefined;
  const value = graph.constant(name);
  if (!value || value.type === 'string') return undefined;
  return Array.from(value.data as ArrayLike<number | bigint>, Number);
}

/**
 * Override constants of common/activation.wgsl for a fused node's `activation` / `activation_params`
 * (src/ir/reference/activation.ts); undefined for an activation the table lacks.
 */
export function activationConstants(name: string, params: readonly number[]): Record<string, number | boolean> | undefined {
  const p = (i: number, fallback: number) => params[i] ?? fallback;
  switch (name) {
    case '':
      return {};
    case 'Relu':
      return { ACTIVATION: 1 };
    case 'Clip': {
      const [min, max] = [p(0, -Infinity), p(1, Infinity)];
      if (Number.isNaN(min) || Number.isNaN(max)) return undefined;
      const bounds: Record<string, number | boolean> = { ACTIVATION: 2 };
      if (Number.isFinite(min)) Object.assign(bounds, { ACTIVATION_HAS_MIN: true, ACTIVATION_MIN: min });
      else if (min === Infinity) return undefined;
      if (Number.isFinite(max)) Object.assign(bounds, { ACTIVATION_HAS_MAX: true, ACTIVATION_MAX: max });
      else if (max === -Infinity) return undefined;
      return bounds;
    }
    case 'HardSwish':
      return { ACTIVATION: 3 };
    case 'HardSigmoid':
      return { ACTIVATION: 4, ACTIVATION_ALPHA: p(0, 0.2), ACTIVATION_BETA: p(1, 0.5) };
    case 'Sigmoid':
      return { ACTIVATION: 5 };
    case 'Silu':
      return { ACTIVATION: 6 };
    case 'LeakyRelu':
      return { ACTIVATION: 7, ACTIVATION_ALPHA: p(0, 0.01) };
    case 'Gelu':
      return { ACTIVATION: p(0, 0) === 1 ? 9 : 8 };
    case 'Tanh':
      return { ACTIVATION: 10 };
    case 'Elu':
      return { ACTIVATION: 11, ACTIVATION_ALPHA: p(0, 1) };
    default:
      return undefined;
  }
}

/** The activation constants a fused node (FusedConv/FusedGemm/FusedMatMul) carries. */
export function nodeActivationConstants(node: Node): Record<string, number | boolean> | undefined {
  return activationConstants((node.attrs.activation as string | undefined) ?? '', (node.attrs.activation_params as number[] | undefined) ?? []);
}
