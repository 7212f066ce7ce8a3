/**
 * GatherND on kernels-wgsl/movement/x32-gather-nd.wgsl, ScatterND and ScatterElements on
 * kernels-wgsl/movement/x32-scatter-search.wgsl (each output element searches the updates that land on it).
 * Data of any 32-bit storage (int64 only where it fits, values.ts); the add/mul/max/min reductions only for float32.
 * Constant indices are checked here (an out-of-range one leaves the node to the reference, which reports it);
 * run-time ones outside their axis write 0 (GatherND) or are skipped (scatters).
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { checkElementwiseIndices, gatherNDDims } from '../../../ir/reference/gather.js';
import { scatterNDUpdateDims } from '../../../ir/reference/scatter.js';
import { stridesOf } from '../../../ir/shape.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, constantNumbers, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { isGpuIndices, isGpuValue } from './values.js';

export const GATHER_ND_KERNEL = 'movement/x32-gather-nd.wgsl';
export const SCATTER_KERNEL = 'movement/x32-scatter-search.wgsl';

const REDUCTIONS: Partial<Record<string, number>> = { none: 0, add: 1, mul: 2, max: 3, min: 4 };

/** Whether constant indices (if constant) all lie in their axes; `axisOf(k)` is the data dim the k-th index reads. */
function constantIndicesFit(graph: Graph, indices: string, axisOf: (k: number) => number): boolean {
  const known = constantNumbers(graph, indices);
  return !known || known.every((index, k) => index >= -axisOf(k) && index < axisOf(k));
}

function shapes(node: Node, graph: Graph) {
  const [data, indices, updates] = node.inputs;
  const y = node.outputs[0];
  const values = node.op === 'GatherND' ? [data, y] : [data, updates, y];
  if (!values.every((name) => isGpuValue(graph, name)) || !isGpuIndices(graph, indices)) return undefined;
  if (values.some((name) => graph.tensors.get(name!)!.type !== graph.tensors.get(data!)!.type)) return undefined;
  const dataDims = staticDims(graph, data!)!;
  const indexDims = staticDims(graph, indices!)!;
  if (dataDims.length > 8 || indexDims.length > 8) return undefined;
  return { dataDims, indexDims, type: graph.tensors.get(data!)!.type };
}

function supportsGatherND(node: Node, graph: Graph): boolean {
  const s = shapes(node, graph);
  if (!s) return false;
  const batchDims = (node.attrs.batch_dims as number | undefined) ?? 0;
  try {
    gatherNDDims(s.dataDims, s.indexDims, batchDims, node.name, 'RUNTIME_ERROR');
  } catch {
    return false;
  }
  const tuple = s.indexDims[s.indexDims.length - 1]!;
  return constantIndicesFit(graph, node.inputs[1]!, (k) => s.dataDims[batchDims + (k % tuple)]!);
}

function supportsScatter(node: Node, graph: Graph): boolean {
  const s = shapes(node, graph);
  const reduction = REDUCTIONS[(node.attrs.reduction as string | undefined) ?? 'none'];
  if (!s || reduction === undefined || (reduction !== 0 && s.type !== 'float32')) return false;
  const updateDims = staticDims(graph, node.inputs[2]!)!;
  try {
    if (node.op === 'ScatterND') {
      if (scatterNDUpdateDims(s.dataDims, s.indexDims, node.name, 'RUNTIME_ERROR')!.join() !== updateDims.join()) return false;
    } else {
      const axis = scatterAxis(node, s.dataDims.length);
      if (axis === undefined || updateDims.join() !== s.indexDims.join()) return false;
      checkElementwiseIndices(s.dataDims, s.indexDims, axis, node.name, 'RUNTIME_ERROR');
    }
  } catch {
    return false;
  }
  if (node.op === 'ScatterND') {
    const tuple = s.indexDims[s.indexDims.length - 1]!;
    return constantIndicesFit(graph, node.inputs[1]!, (k) => s.dataDims[k % tuple]!);
  }
  const axisDim = s.dataDims[scatterAxis(node, s.dataDims.length)!]!;
  return constantIndicesFit(graph, node.inputs[1]!, () => axisDim);
}

function scatterAxis(node: Node, rank: number): number | undefined {
  const axis = (node.attrs.axis as number | undefined) ?? 0;
  const resolved = axis < 0 ? axis + rank : axis;
  return Number.isInteger(resolved) && resolved >= 0 && resolved < rank ? resolved : undefined;
}

export const gatherNDLowering: Lowering = {
  name: 'gather-nd',
  supports: (node, graph) => node.op === 'GatherND' && supportsGatherND(node, graph),
  build(node, ctx) {
    const [data, indices] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    const dataDims = ctx.dims(data);
    const indexDims = ctx.dims(indices);
    const batchDims = (node.attrs.batch_dims as number | undefined) ?? 0;
    const tuple = indexDims[indexDims.length - 1]!;
    const size = sizeOf(ctx.dims(y));
    const uniforms = new Uniforms()
      .u32(size, tuple, sizeOf(dataDims.slice(batchDims + tuple)), sizeOf(indexDims.slice(batchDims, -1)))
      .u32(sizeOf(dataDims.slice(batchDims)), 0, 0, 0)
      .dims(dataDims.slice(batchDims, batchDims + tuple))
      .strides(stridesOf(dataDims).slice(batchDims, batchDims + tuple));
    return {
      kind: 'gpu',
      kernel: GATHER_ND_KERNEL,
      dispatches: [{ shader: { file: GATHER_ND_KERNEL }, uniforms, bindings: [data, indices, y], grid: linearGrid(size) }],
    };
  },
};

export const scatterLowering: Lowering = {
  name: 'scatter',
  supports: (node, graph) => (node.op === 'ScatterND' || node.op === 'ScatterElements') && supportsScatter(node, graph),
  build(node, ctx) {
    const [data, indices, updates] = node.inputs as [string, string, string];
    const y = node.outputs[0]!;
    const dataDims = ctx.dims(data);
    const indexDims = ctx.dims(indices);
    const size = sizeOf(dataDims);
    const isND = node.op === 'ScatterND';
    const uniforms = new Uniforms();
    if (isND) {
      const tuple = indexDims[indexDims.length - 1]!;
      uniforms
        .u32(size, tuple, sizeOf(indexDims.slice(0, -1)), sizeOf(dataDims.slice(tuple)))
        .u32(0, 0, 0, 0)
        .dims(dataDims.slice(0, tuple))
        .strides(stridesOf(dataDims).slice(0, tuple));
    } else {
      const axis = scatterAxis(node, dataDims.length)!;
      uniforms
        .u32(size, indexDims.length, sizeOf(indexDims), 1)
        .u32(axis, dataDims[axis]!, 0, 0)
        .dims(indexDims)
        .strides(stridesOf(dataDims));
    }
    const constants = { IS_ND: isND, REDUCTION: REDUCTIONS[(node.attrs.reduction as string | undefined) ?? 'none']! };
    return {
      kind: 'gpu',
      kernel: SCATTER_KERNEL,
      dispatches: [{ shader: { file: SCATTER_KERNEL, constants }, uniforms, bindings: [data, indices, updates, y], grid: linearGrid(size) }],
    };
  },
};
