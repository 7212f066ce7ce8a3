/**
 * How the wasm backend turns one IR node into one step. Each op family registers lowerings (lower/*.ts); the first
 * whose `supports` accepts a node wins, and the reference fallback takes the rest — every choice is visible in
 * `session.placement`.
 */
import type { DType } from '../../ir/dtype.js';
import type { Graph, Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { Layout } from '../../passes/layout.js';
import type { Heap } from './heap.js';
import type { WasmKernels } from './loader.js';

export interface LoweringContext {
  graph: Graph;
  heap: Heap;
  kernels: WasmKernels;
  /** Layout a tensor is stored in (4-D activations may be NHWC). */
  layout(name: string): Layout;
  /** Logical (IR, NCHW) dims of a tensor; all static after specialisation. */
  dims(name: string): number[];
  /** Address of a float32 tensor in wasm memory (activations and graph inputs/outputs). */
  ptr(name: string): number;
  constant(name: string): Tensor | undefined;
  /** Per-session cache for packed weights etc., keyed by (constant tensor object, purpose). */
  cached<T>(key: object, purpose: string, make: () => T): T;
  /** A tensor's value during a run, as a JS Tensor (wasm-resident tensors are copied out). */
  read(name: string): Tensor;
  /** Stores a value computed in JS (copied into wasm memory for resident tensors). */
  write(name: string, value: Tensor): void;
  /**
   * A call of kernel `name` whose args hold a [start, end) range at `rangeIndex`, `rangeIndex + 1` over [0, total):
   * split across the worker pool when there is one (chunks are multiples of `granule`; calls with fewer than
   * `minPerThread` units per thread stay on the calling thread).
   */
  parallel(name: string, args: number[], rangeIndex: number, total: number, options?: { granule?: number; minPerThread?: number }): () => void;
}

export interface Step {
  kernel: string;
  run(): void;
}

export interface Lowering {
  name: string;
  /** Kernel exports it calls; a lowering whose kernels are missing from the loaded module is not used. */
  requires: readonly string[];
  /**
   * 'native': computes 4-D activations in NHWC; 'transparent': works in whichever layout its 4-D inputs share;
   * 'nchw': needs logical NCHW (ONNX) layout.
   */
  layout: 'native' | 'transparent' | 'nchw';
  supports(node: Node, graph: Graph): boolean;
  build(node: Node, ctx: LoweringContext): Step;
  /** Tensors the step reads besides the node's inputs (the planner keeps them alive until the step). */
  extraReads?(node: Node, graph: Graph): string[];
}

/** Static dims of a tensor, or undefined. */
export function staticDims(graph: Graph, name: string): number[] | undefined {
  const dims = graph.tensors.get(name)?.dims;
  return dims && dims.every((d): d is number => typeof d === 'number') ? dims : undefined;
}

export function isFloat32(graph: Graph, name: string): boolean {
  return graph.tensors.get(name)?.type === 'float32';
}

/** dtypes kept in wasm memory (kernels read them there), with their element sizes (int16: static int8's wide activations). */
const RESIDENT_BYTES: Partial<Record<DType, number>> = { float32: 4, int8: 1, uint8: 1, int16: 2 };

export function elementBytes(type: DType | undefined): number | undefined {
  return type === undefined ? undefined : RESIDENT_BYTES[type];
}
