/**
 * Where on kernels-wgsl/elementwise/x32-where-broadcast.wgsl: a bool condition (i32 words) selecting between two
 * tensors of one 32-bit type, with numpy broadcasting.
 */
import { sizeOf } from '../../../ir/tensor.js';
import { broadcastStrides } from '../../../ir/reference/movement.js';
import { type Lowering, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { isGpuValue } from './values.js';

export const WHERE_KERNEL = 'elementwise/x32-where-broadcast.wgsl';

export const whereLowering: Lowering = {
  name: 'where',
  supports(node, graph) {
    if (node.op !== 'Where') return false;
    const [condition, x, y] = node.inputs;
    const out = node.outputs[0];
    const type = (name: string | undefined) => (name ? graph.tensors.get(name)?.type : undefined);
    if (type(condition) !== 'bool' || type(x) !== type(out) || type(y) !== type(out)) return false;
    if (![condition, x, y, out].every((name) => isGpuValue(graph, name))) return false;
    return staticDims(graph, out!)!.length <= 8;
  },
  build(node, ctx) {
    const [condition, x, y] = node.inputs as [string, string, string];
    const out = ctx.dims(node.outputs[0]!);
    const size = sizeOf(out);
    const uniforms = new Uniforms()
      .u32(size, out.length, 0, 0)
      .dims(out)
      .strides(broadcastStrides(ctx.dims(condition), out))
      .strides(broadcastStrides(ctx.dims(x), out))
      .strides(broadcastStrides(ctx.dims(y), out));
    return {
      kind: 'gpu',
      kernel: WHERE_KERNEL,
      dispatches: [{ shader: { file: WHERE_KERNEL }, uniforms, bindings: [condition, x, y, node.outputs[0]!], grid: linearGrid(size) }],
    };
  },
};
