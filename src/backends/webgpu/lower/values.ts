/**
 * Which tensors a 32-bit kernel may bind (src/backends/webgpu/storage.ts): float32 as f32 words, int32/int16/
 * uint16/int8/uint8/bool as i32 words, and int64 as i32 only where its values provably fit in 32 bits:
 *   - a constant whose values all fit;
 *   - the result of ArgMax/ArgMin or TopK's indices (an index along an axis), of Shape/Size of a tensor below 2^31 elements, or of a
 *     Cast/CastLike from a type that is not 64-bit;
 *   - the result of Mod of inputs that fit (its magnitude is below the divisor's);
 *   - the result of a node that only moves or selects values (Reshape, Transpose, Gather's data, Where…) whose int64
 *     inputs fit.
 *   - an int64 graph input whose fed values were checked to fit: the session keys its plans by which int64 data
 *     inputs do not fit (src/backends/webgpu/index.ts) and marks the others on each plan's graph (`markFittingInputs`).
 * Anything else (an int64 graph input fed values beyond i32, a Cast from float to int64) stays on the CPU reference.
 */
import type { Graph } from '../../../ir/graph.js';
import type { Tensor } from '../../../ir/tensor.js';
import { gpuResidence } from '../../../ir/tensor.js';
import { isGpuTensor } from '../lowering.js';

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** Ops whose outputs hold only values taken from their data inputs (listed by input position). */
const VALUE_MOVERS: Partial<Record<string, readonly number[]>> = {
  Reshape: [0], Flatten: [0], Squeeze: [0], Unsqueeze: [0], Identity: [0], Transpose: [0], Slice: [0], Expand: [0],
  Tile: [0], Gather: [0], GatherElements: [0], Concat: [], Split: [0], Where: [1, 2], Pad: [0, 2], Max: [], Min: [], Trilu: [0],
};

/** Per plan graph: the int64 graph inputs whose values this plan's feeds are checked to keep in the i32 range. */
const fittingInputs = new WeakMap<Graph, ReadonlySet<string>>();

/** Records which int64 graph inputs of `graph` (a plan's specialised copy) are fed values that fit in i32. */
export function markFittingInputs(graph: Graph, names: Iterable<string>): void {
  fittingInputs.set(graph, new Set(names));
}

/** Whether an int64 feed's values all fit in i32 (a GPU-resident one is not looked at: it counts as not fitting). */
export function int64FeedFits(tensor: Tensor): boolean {
  if (gpuResidence(tensor) || tensor.type !== 'int64') return false;
  const [low, high] = [BigInt(I32_MIN), BigInt(I32_MAX)];
  const data = tensor.data as BigInt64Array;
  for (let i = 0; i < data.length; i++) if (data[i]! < low || data[i]! > high) return false;
  return true;
}

/** Whether the int64 tensor `name` provably holds only values in the i32 range. */
export function int64Fits(graph: Graph, name: string, depth = 0): boolean {
  const constant = graph.constant(name);
  if (constant) {
    const data = constant.data as BigInt64Array;
    for (let i = 0; i < data.length; i++) if (data[i]! < BigInt(I32_MIN) || data[i]! > BigInt(I32_MAX)) return false;
    return true;
  }
  if (depth > 32) return false;
  const producer = graph.nodes.find((node) => node.outputs.includes(name));
  if (!producer) return graph.inputs.includes(name) && (fittingInputs.get(graph)?.has(name) ?? false);
  switch (producer.op) {
    case 'ArgMax':
    case 'ArgMin':
    case 'TopK': // the int64 output is the indices
    case 'Shape':
    case 'Size':
      return true;
    case 'Mod': // |result| < |divisor|
      return producer.inputs.every((input) => graph.tensors.get(input)?.type !== 'int64' || int64Fits(graph, input, depth + 1));
    case 'Cast':
    case 'CastLike': {
      const from = graph.tensors.get(producer.inputs[0]!)?.type;
      if (from === 'int64') return int64Fits(graph, producer.inputs[0]!, depth + 1);
      return from !== undefined && from !== 'uint64' && from !== 'uint32' && !from.startsWith('float') && from !== 'string';
    }
    default: {
      const positions = VALUE_MOVERS[producer.op];
      if (!positions) return false;
      const inputs = positions.length ? positions.map((i) => producer.inputs[i]) : producer.inputs;
      return inputs.every((input) => !input || graph.tensors.get(input)?.type !== 'int64' || int64Fits(graph, input, depth + 1));
    }
  }
}

/** A tensor a 32-bit kernel may bind as its values (int64 only where they fit). */
export function isGpuValue(graph: Graph, name: string | undefined): boolean {
  if (!isGpuTensor(graph, name)) return false;
  return graph.tensors.get(name!)!.type !== 'int64' || int64Fits(graph, name!);
}

/**
 * A tensor a kernel may bind as indices: any int32/int64 tensor. An int64 index is saturated to the i32 range on
 * upload, so one outside the axis stays outside it (kernels then write 0; the reference throws).
 */
export function isGpuIndices(graph: Graph, name: string | undefined): boolean {
  const type = name ? graph.tensors.get(name)?.type : undefined;
  return (type === 'int32' || type === 'int64') && isGpuTensor(graph, name);
}

/** The WGSL storage word of a GPU tensor: 'f32' or 'i32'. */
export function wordOf(graph: Graph, name: string): 'f32' | 'i32' {
  return graph.tensors.get(name)?.type === 'float32' ? 'f32' : 'i32';
}
