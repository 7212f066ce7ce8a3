/**
 * Constant folding: a node whose inputs are all constants is computed once, at conversion time, with the op's
 * reference. Shape/Size of statically shaped tensors fold too, and so do Gather/Slice of a Shape whose selected
 * dims are static — which collapses the Shape→Gather→Unsqueeze→Concat→Reshape chains PyTorch exports.
 *
 * DequantizeLinear over an integer constant is never folded: it is how quantized weights are stored (int8 weights
 * with their scales, int32 biases), small in the file and usable as integers by integer kernels. Sessions expand
 * them at load for float kernels (src/runtime/fold-at-load.ts).
 */
import type { Graph, Node } from '../ir/graph.js';
import { isStatic } from '../ir/shape.js';
import { opTable } from '../ir/ops.js';
import { Tensor } from '../ir/tensor.js';
import { toNumbers } from '../ir/reference/util.js';
import type { Pass } from './pass.js';

/** Folded outputs above this many elements stay as nodes so the file does not balloon (e.g. a huge ConstantOfShape). */
const MAX_FOLDED_ELEMENTS = 1 << 20;

export const foldConstants: Pass = {
  name: 'fold-constants',
  run(graph) {
    let changed = false;
    const kept: Node[] = [];
    for (const node of graph.nodes) {
      const values = tryFold(graph, node);
      if (!values) {
        kept.push(node);
        continue;
      }
      node.outputs.forEach((name, i) => {
        if (name === '') return;
        const value = values[i]!;
        graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
      });
      changed = true;
    }
    graph.nodes = kept;
    return changed;
  },
};

function tryFold(graph: Graph, node: Node): Tensor[] | undefined {
  const spec = opTable[node.op];
  if (spec.foldable === false) return undefined;
  if (isQuantizedWeight(graph, node)) return undefined;
  if (node.op === 'Shape' || node.op === 'Size') return foldShape(graph, node);
  if ((node.op === 'Gather' || node.op === 'Slice') && !graph.constant(node.inputs[0]!)) return foldShapeSelection(graph, node);
  const inputs = node.inputs.map((name) => (name === '' ? undefined : graph.constant(name)));
  if (node.inputs.some((name, i) => name !== '' && !inputs[i])) return undefined;
  const outputs = spec.reference(inputs, node.attrs, { outputCount: node.outputs.length, nodeName: node.name });
  if (outputs.some((t) => t.size > MAX_FOLDED_ELEMENTS)) return undefined;
  return outputs;
}

/** DequantizeLinear of an integer constant: stored quantized weights, kept as they are. */
export function isQuantizedWeight(graph: Graph, node: Node): boolean {
  if (node.op !== 'DequantizeLinear') return false;
  const type = graph.constant(node.inputs[0]!)?.type;
  return type === 'int8' || type === 'uint8' || type === 'int16' || type === 'uint16' || type === 'int32';
}

function foldShape(graph: Graph, node: Node): Tensor[] | undefined {
  const dims = graph.tensors.get(node.inputs[0]!)?.dims;
  if (!isStatic(dims)) return undefined;
  const placeholder = Tensor.zeros('uint8', [0]);
  // Run the reference on a stand-in of the right shape (no data is read by Shape/Size).
  const standIn = { type: placeholder.type, data: placeholder.data, dims, size: dims.reduce((a, b) => a * b, 1) } as unknown as Tensor;
  return opTable[node.op].reference([standIn], node.attrs, { outputCount: 1, nodeName: node.name });
}

/** Gather/Slice over the output of a Shape whose selected dims are all static. */
function foldShapeSelection(graph: Graph, node: Node): Tensor[] | undefined {
  const producer = graph.nodes.find((n) => n.outputs[0] === node.inputs[0]);
  if (!producer || producer.op !== 'Shape') return undefined;
  const source = graph.tensors.get(producer.inputs[0]!)?.dims;
  if (!source) return undefined;
  const start = clampDim((producer.attrs.start as number | undefined) ?? 0, source.length);
  const end = clampDim((producer.attrs.end as number | undefined) ?? source.length, source.length);
  const shapeDims = source.slice(start, Math.max(start, end));
  const rest = node.inputs.slice(1).map((name) => (name === '' ? undefined : graph.constant(name)));
  if (node.inputs.slice(1).some((name, i) => name !== '' && !rest[i])) return undefined;
  // Evaluate the selection on dim positions, then check every selected position is static.
  const positions = new Tensor('int64', BigInt64Array.from(shapeDims, (_, i) => BigInt(i)), [shapeDims.length]);
  const [selected] = opTable[node.op].reference([positions, ...rest], node.attrs, { outputCount: 1, nodeName: node.name });
  const picked = toNumbers(selected).map((i) => shapeDims[i]);
  if (!picked.every((d): d is number => typeof d === 'number')) return undefined;
  return [new Tensor('int64', BigInt64Array.from(picked, (d) => BigInt(d)), selected!.dims)];
}

function clampDim(value: number, rank: number): number {
  const v = value < 0 ? value + rank : value;
  return Math.min(Math.max(v, 0), rank);
}
