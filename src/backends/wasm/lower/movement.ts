/**
 * Data movement done as block copies on the backend's memory (TypedArray.set lowers to memcpy): Concat in either
 * layout (a channel Concat of NHWC tensors interleaves per pixel), and Reshape/Flatten/Squeeze/Unsqueeze/Identity
 * as one copy, of float32 tensors and of 8-bit ones (quantized activations, src/passes/quantize/qdq-fuse.ts). The
 * planner gives every tensor its own slot, so these copy rather than alias. Copies work on bytes.
 */
import type { Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { normalizeAxis } from '../../../ir/shape.js';
import type { Graph } from '../../../ir/graph.js';
import { type Lowering, type LoweringContext, elementBytes, staticDims } from '../lowering.js';
import { NHWC_POSITION, physicalDims } from './physical.js';

/** Bytes per element of a tensor the copies handle (float32 and 8-bit), else undefined. */
function copyable(graph: Graph, name: string): number | undefined {
  return elementBytes(graph.tensors.get(name)?.type);
}

export const concatLowering: Lowering = {
  name: 'concat',
  requires: [],
  layout: 'transparent',
  supports(node, graph) {
    if (node.op !== 'Concat') return false;
    const out = staticDims(graph, node.outputs[0]!);
    const type = graph.tensors.get(node.outputs[0]!)?.type;
    return !!out && copyable(graph, node.outputs[0]!) !== undefined
      && node.inputs.every((name) => !graph.constant(name) && graph.tensors.get(name)?.type === type && staticDims(graph, name)?.length === out.length);
  },
  build(node, ctx) {
    const { outer, outBlock, parts, y } = concatGeometry(ctx, node, node.inputs);
    const bytes = copyable(ctx.graph, node.outputs[0]!)!;
    const memory = ctx.heap.kernels.memory;
    return {
      kernel: bytes === 1 ? 'ts/concat-memcpy-x8' : 'ts/concat-memcpy',
      run() {
        const view = new Uint8Array(memory.buffer);
        let offset = 0;
        for (const part of parts) {
          const block = part.block * bytes;
          const dst = y + offset;
          for (let o = 0; o < outer; o++) view.copyWithin(dst + o * outBlock * bytes, part.ptr + o * block, part.ptr + (o + 1) * block);
          offset += block;
        }
      },
    };
  },
};

/**
 * A concatenation (`axis` attribute) of `inputs` into node's first output, in the output's storage layout: `outer`
 * rows (the dims before the physical axis), each `outBlock` elements long in the output and `block` elements long in
 * input part i, which starts at element offset Σ earlier blocks.
 */
export function concatGeometry(ctx: LoweringContext, node: Node, inputs: readonly string[]) {
  const outName = node.outputs[0]!;
  const logical = ctx.dims(outName);
  const rank = logical.length;
  const layout = ctx.layout(outName);
  const axis = normalizeAxis(node.attrs.axis as number, rank, node.name);
  const physicalAxis = layout === 'nhwc' && rank === 4 ? NHWC_POSITION[axis]! : axis;
  const out = physicalDims(logical, rank, layout);
  const parts = inputs.map((name) => {
    const dims = physicalDims(ctx.dims(name), rank, layout);
    return { name, ptr: ctx.ptr(name), block: sizeOf(dims.slice(physicalAxis)) };
  });
  return { outer: sizeOf(out.slice(0, physicalAxis)), outBlock: sizeOf(out.slice(physicalAxis)), parts, y: ctx.ptr(outName) };
}

const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);

export const reshapeLowering: Lowering = {
  name: 'reshape',
  requires: [],
  layout: 'nchw',
  supports(node: Node, graph) {
    if (!RESHAPES.has(node.op) || (node.outputs.length > 1 && node.outputs[1] !== '')) return false;
    const x = node.inputs[0]!;
    return !graph.constant(x) && copyable(graph, x) !== undefined && staticDims(graph, x) !== undefined && staticDims(graph, node.outputs[0]!) !== undefined;
  },
  build(node, ctx) {
    const x = ctx.ptr(node.inputs[0]!);
    const y = ctx.ptr(node.outputs[0]!);
    const bytes = copyable(ctx.graph, node.inputs[0]!)!;
    const size = sizeOf(ctx.dims(node.outputs[0]!)) * bytes;
    const memory = ctx.heap.kernels.memory;
    return {
      kernel: bytes === 1 ? 'ts/copy-x8' : 'ts/copy',
      run() {
        new Uint8Array(memory.buffer).copyWithin(y, x, x + size);
      },
    };
  },
};
