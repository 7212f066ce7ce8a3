/**
 * Data movement: Transpose (tiled when it is a batched 2-D transpose, transpose.ts), Slice, Expand, Tile and
 * DepthToSpace/SpaceToDepth (6-D transposes) on the strided-copy kernel kernels-wgsl/movement/x32-copy-strided.wgsl; Concat and Split on x32-concat-4 / x32-split-4 (one dispatch
 * per four inputs or outputs). Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout move nothing: their
 * output aliases the input's buffer.
 * Shape-like inputs (starts, repeats, split sizes…) must be constants — specialisation has folded them.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { stridesOf } from '../../../ir/shape.js';
import { broadcastStrides, sliceAxes, sliceRange, splitCount, splitSizes } from '../../../ir/reference/movement.js';
import { type Dispatch, type Lowering, type Step, constantNumbers, isGpuFloat, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { transposeDispatch } from './transpose.js';
import { isGpuValue } from './values.js';

export const COPY_KERNEL = 'movement/x32-copy-strided.wgsl';
export const CONCAT_KERNEL = 'movement/x32-concat-4.wgsl';
export const SPLIT_KERNEL = 'movement/x32-split-4.wgsl';

/** target[targetBase + Σ i·targetStrides] = source[sourceBase + Σ i·sourceStrides] over `dims`. */
function copy(source: string, target: string, dims: number[], sourceStrides: number[], sourceBase = 0, targetStrides = stridesOf(dims), targetBase = 0): Dispatch {
  const size = sizeOf(dims);
  const uniforms = new Uniforms().u32(size, dims.length).i32(sourceBase, targetBase).dims(dims).strides(sourceStrides).strides(targetStrides);
  return { shader: { file: COPY_KERNEL }, uniforms, bindings: [source, target], grid: linearGrid(size) };
}

const gpuStep = (dispatches: Dispatch[]): Step => ({ kind: 'gpu', kernel: COPY_KERNEL, dispatches });

const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);

export const aliasLowering: Lowering = {
  name: 'alias',
  supports(node, graph) {
    if (!RESHAPES.has(node.op) || node.outputs.slice(1).some((name) => name !== '')) return false;
    // Dropout is the identity only in inference mode (training_mode absent or a constant false).
    if (node.op === 'Dropout' && node.inputs[2] && constantNumbers(graph, node.inputs[2])?.[0] !== 0) return false;
    const [x, y] = [node.inputs[0]!, node.outputs[0]!];
    // Any GPU value (float32, or 32-bit words; int64 where it fits): the output is the same words under other dims.
    return !graph.constant(x) && graph.tensors.get(x)?.type === graph.tensors.get(y)?.type && isGpuValue(graph, x) && isGpuValue(graph, y);
  },
  build: () => ({ kind: 'alias', kernel: 'alias' }),
};

/** Rank of the views the kernel iterates (Dims/Strides hold 8 axes). */
const fits = (graph: Graph, name: string | undefined, rank = 8) => isGpuFloat(graph, name) && staticDims(graph, name!)!.length <= rank;

function sliceView(node: Node, graph: Graph): { dims: number[]; strides: number[]; base: number } | undefined {
  const dims = staticDims(graph, node.inputs[0]!)!;
  const [starts, ends] = [constantNumbers(graph, node.inputs[1]), constantNumbers(graph, node.inputs[2])];
  const axes = node.inputs[3] ? constantNumbers(graph, node.inputs[3]) : undefined;
  const steps = node.inputs[4] ? constantNumbers(graph, node.inputs[4]) : undefined;
  if (!starts || !ends || (node.inputs[3] && !axes) || (node.inputs[4] && !steps)) return undefined;
  let plan;
  try {
    plan = sliceAxes(dims.length, starts, ends, axes, steps, node.name, 'RUNTIME_ERROR');
  } catch {
    return undefined;
  }
  const viewDims = [...dims];
  const strides = stridesOf(dims);
  let base = 0;
  plan.axes.forEach((axis, i) => {
    const { first, count } = sliceRange(dims[axis]!, plan.starts[i]!, plan.ends[i]!, plan.steps[i]!);
    viewDims[axis] = count;
    base += first * strides[axis]!;
    strides[axis] = strides[axis]! * plan.steps[i]!;
  });
  return viewDims.join() === staticDims(graph, node.outputs[0]!)?.join() ? { dims: viewDims, strides, base } : undefined;
}

function splitParts(node: Node, graph: Graph): number[] | undefined {
  const dims = staticDims(graph, node.inputs[0]!)!;
  const axis = (node.attrs.axis as number) < 0 ? (node.attrs.axis as number) + dims.length : (node.attrs.axis as number);
  const split = node.inputs[1] ? constantNumbers(graph, node.inputs[1]) : undefined;
  if (node.inputs[1] && !split) return undefined;
  try {
    return [axis, ...splitSizes(dims[axis]!, split, splitCount(node.attrs, node.outputs.length), node.name, 'RUNTIME_ERROR')];
  } catch {
    return undefined;
  }
}

/** DepthToSpace/SpaceToDepth as (view dims, permutation) of a 6-D reshape-transpose, as the reference does. */
function blockView(node: Node, graph: Graph): { view: number[]; perm: number[] } | undefined {
  const dims = staticDims(graph, node.inputs[0]!)!;
  const block = node.attrs.blocksize as number;
  if (dims.length !== 4 || !Number.isInteger(block) || block < 1) return undefined;
  const [n, c, h, w] = dims as [number, number, number, number];
  if (node.op === 'DepthToSpace') {
    if (c % (block * block) !== 0) return undefined;
    const depth = c / (block * block);
    if (node.attrs.mode === 'CRD') return { view: [n, depth, block, block, h, w], perm: [0, 1, 4, 2, 5, 3] };
    return { view: [n, block, block, depth, h, w], perm: [0, 3, 4, 1, 5, 2] };
  }
  if (h % block !== 0 || w % block !== 0) return undefined;
  return { view: [n, c, h / block, block, w / block, block], perm: [0, 3, 5, 1, 2, 4] };
}

function supportsMovement(node: Node, graph: Graph): boolean {
  const [x] = node.inputs;
  const outputsOk = node.outputs.every((name) => name === '' || isGpuFloat(graph, name));
  if (!fits(graph, x) || !outputsOk || node.outputs[0] === '') return false;
  switch (node.op) {
    case 'Transpose':
      return true;
    case 'Slice':
      return sliceView(node, graph) !== undefined;
    case 'Split':
      return node.outputs.every((name) => name !== '') && splitParts(node, graph) !== undefined;
    case 'Concat':
      return node.inputs.every((name) => fits(graph, name) || sizeOf(staticDims(graph, name) ?? [1]) === 0);
    case 'Expand':
      return fits(graph, node.outputs[0]);
    case 'Tile':
      return staticDims(graph, x!)!.length <= 4 && constantNumbers(graph, node.inputs[1])?.length === staticDims(graph, x!)!.length;
    case 'DepthToSpace':
    case 'SpaceToDepth':
      return blockView(node, graph) !== undefined;
    default:
      return false;
  }
}

export const movementLowering: Lowering = {
  name: 'movement',
  supports: supportsMovement,
  build(node, ctx) {
    const x = node.inputs[0]!;
    const y = node.outputs[0]!;
    const dims = ctx.dims(x);
    const strides = stridesOf(dims);
    switch (node.op) {
      case 'Transpose': {
        const given = node.attrs.perm as number[];
        const perm = given.length ? given.map((p) => (p < 0 ? p + dims.length : p)) : dims.map((_, i) => dims.length - 1 - i);
        const dispatch = transposeDispatch(x, y, dims, perm, (viewDims, viewStrides) => copy(x, y, viewDims, viewStrides));
        return { kind: 'gpu', kernel: dispatch.shader.file, dispatches: [dispatch] };
      }
      case 'Slice': {
        const view = sliceView(node, ctx.graph)!;
        return gpuStep([copy(x, y, view.dims, view.strides, view.base)]);
      }
      case 'Split': {
        // Every output is non-empty (supports() checked), four per dispatch.
        const [axis, ...sizes] = splitParts(node, ctx.graph)!;
        const inner = sizeOf(dims.slice(axis! + 1));
        const outer = sizeOf(dims.slice(0, axis));
        const dispatches: Dispatch[] = [];
        let axisStart = 0;
        for (let first = 0; first < sizes.length; first += 4) {
          const lengths = sizes.slice(first, first + 4);
          const span = lengths.reduce((a, b) => a + b, 0);
          const size = outer * inner * span;
          const uniforms = new Uniforms().u32(size, inner, dims[axis!]!, axisStart).vec4u(lengths);
          const flags = [1, 2, 3].filter((i) => i < lengths.length).map((i) => `HAS_OUTPUT${i}`);
          const bindings = [x, ...node.outputs.slice(first, first + 4)];
          dispatches.push({ shader: { file: SPLIT_KERNEL, flags }, uniforms, bindings, grid: linearGrid(size) });
          axisStart += span;
        }
        return { kind: 'gpu', kernel: SPLIT_KERNEL, dispatches };
      }
      case 'Concat': {
        const out = ctx.dims(y);
        const axis = (node.attrs.axis as number) < 0 ? (node.attrs.axis as number) + out.length : (node.attrs.axis as number);
        const inner = sizeOf(out.slice(axis + 1));
        const outer = sizeOf(out.slice(0, axis));
        const parts = node.inputs.map((name) => ({ name, length: ctx.dims(name)[axis]! }));
        const dispatches: Dispatch[] = [];
        let axisStart = 0;
        // Four inputs per dispatch; empty inputs (length 0) occupy no positions and are never bound.
        const bound = parts.filter((part) => part.length > 0);
        for (let first = 0; first < bound.length; first += 4) {
          const chunk = bound.slice(first, first + 4);
          const lengths = chunk.map((part) => part.length);
          const size = outer * inner * lengths.reduce((a, b) => a + b, 0);
          const uniforms = new Uniforms().u32(size, inner, out[axis]!, axisStart).vec4u(lengths);
          const names = [0, 1, 2, 3].map((i) => (chunk[i] ?? chunk[chunk.length - 1]!).name);
          dispatches.push({ shader: { file: CONCAT_KERNEL }, uniforms, bindings: [...names, y], grid: linearGrid(size) });
          axisStart += lengths.reduce((a, b) => a + b, 0);
        }
        return { kind: 'gpu', kernel: CONCAT_KERNEL, dispatches };
      }
      case 'Expand': {
        const out = ctx.dims(y);
        return gpuStep([copy(x, y, out, broadcastStrides(dims, out))]);
      }
      case 'Tile': {
        const repeats = constantNumbers(ctx.graph, node.inputs[1])!;
        return gpuStep([copy(x, y, dims.flatMap((d, i) => [repeats[i]!, d]), strides.flatMap((s) => [0, s]))]);
      }
      default: {
        const { view, perm } = blockView(node, ctx.graph)!;
        const viewStrides = stridesOf(view);
        return gpuStep([copy(x, y, perm.map((p) => view[p]!), perm.map((p) => viewStrides[p]!))]);
      }
    }
  },
};
