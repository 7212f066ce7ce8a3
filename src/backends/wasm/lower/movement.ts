/**
 * Data movement done as block copies on the backend's memory (TypedArray.set lowers to memcpy): Concat in either
 * layout (a channel Concat of NHWC tensors interleaves per pixel), and Reshape/Flatten/Squeeze/Unsqueeze/Identity
 * of float32 tensors as one copy. The planner gives every tensor its own slot, so these copy rather than alias.
 */
import type { Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { normalizeAxis } from '../../../ir/shape.js';
import { type Lowering, isFloat32, staticDims } from '../lowering.js';
import { NHWC_POSITION, physicalDims } from './physical.js';

export const concatLowering: Lowering = {
  name: 'concat',
  requires: [],
  layout: 'transparent',
  supports(node, graph) {
    if (node.op !== 'Concat') return false;
    const out = staticDims(graph, node.outputs[0]!);
    return !!out && isFloat32(graph, node.outputs[0]!) && node.inputs.every((name) => !graph.constant(name) && staticDims(graph, name)?.length === out.length);
  },
  build(node, ctx) {
    const outName = node.outputs[0]!;
    const logical = ctx.dims(outName);
    const rank = logical.length;
    const layout = ctx.layout(outName);
    const axis = normalizeAxis(node.attrs.axis as number, rank, node.name);
    const physicalAxis = layout === 'nhwc' && rank === 4 ? NHWC_POSITION[axis]! : axis;
    const out = physicalDims(logical, rank, layout);
    const outer = sizeOf(out.slice(0, physicalAxis));
    const outBlock = sizeOf(out.slice(physicalAxis));
    const parts = node.inputs.map((name) => {
      const dims = physicalDims(ctx.dims(name), rank, layout);
      return { ptr: ctx.ptr(name), block: sizeOf(dims.slice(physicalAxis)) };
    });
    const y = ctx.ptr(outName);
    const heap = ctx.heap;
    return {
      kernel: 'ts/concat-memcpy',
      run() {
        const memory = heap.f32(0, heap.kernels.memory.buffer.byteLength >> 2);
        let offset = 0;
        for (const part of parts) {
          const src = part.ptr >> 2;
          const dst = (y >> 2) + offset;
          for (let o = 0; o < outer; o++) memory.copyWithin(dst + o * outBlock, src + o * part.block, src + (o + 1) * part.block);
          offset += part.block;
        }
      },
    };
  },
};

const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);

export const reshapeLowering: Lowering = {
  name: 'reshape',
  requires: [],
  layout: 'nchw',
  supports(node: Node, graph) {
    if (!RESHAPES.has(node.op) || (node.outputs.length > 1 && node.outputs[1] !== '')) return false;
    const x = node.inputs[0]!;
    return !graph.constant(x) && isFloat32(graph, x) && staticDims(graph, x) !== undefined && staticDims(graph, node.outputs[0]!) !== undefined;
  },
  build(node, ctx) {
    const x = ctx.ptr(node.inputs[0]!) >> 2;
    const y = ctx.ptr(node.outputs[0]!) >> 2;
    const size = sizeOf(ctx.dims(node.outputs[0]!));
    const heap = ctx.heap;
    return {
      kernel: 'ts/copy',
      run() {
        heap.f32(0, heap.kernels.memory.buffer.byteLength >> 2).copyWithin(y, x, x + size);
      },
    };
  },
};
