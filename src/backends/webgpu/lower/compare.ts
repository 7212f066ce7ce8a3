/**
 * Comparisons (Equal, Less, LessOrEqual, Greater, GreaterOrEqual) of float32 or 32-bit integer tensors and the
 * logical And/Or/Xor of bools, with broadcasting, on kernels-wgsl/elementwise/x32-compare-broadcast.wgsl. Their bool
 * results stay on the GPU for Where, Cast and friends.
 */
import { sizeOf } from '../../../ir/tensor.js';
import { broadcastStrides } from '../../../ir/reference/movement.js';
import { type Lowering, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { isGpuValue } from './values.js';

export const COMPARE_KERNEL = 'elementwise/x32-compare-broadcast.wgsl';

const OPS: Partial<Record<string, number>> = { Equal: 0, Less: 1, LessOrEqual: 2, Greater: 3, GreaterOrEqual: 4, And: 5, Or: 6, Xor: 7 };

export const compareLowering: Lowering = {
  name: 'compare',
  supports(node, graph) {
    const op = OPS[node.op];
    if (op === undefined || node.inputs.length !== 2) return false;
    const [a, b] = node.inputs;
    const out = node.outputs[0];
    const type = (name: string | undefined) => (name ? graph.tensors.get(name)?.type : undefined);
    if (type(out) !== 'bool' || type(a) !== type(b) || (op >= 5 && type(a) !== 'bool')) return false;
    return [a, b, out].every((name) => isGpuValue(graph, name)) && staticDims(graph, out!)!.length <= 8;
  },
  build(node, ctx) {
    const [a, b] = node.inputs as [string, string];
    const out = ctx.dims(node.outputs[0]!);
    const size = sizeOf(out);
    const uniforms = new Uniforms()
      .u32(size, out.length, 0, 0)
      .dims(out)
      .strides(broadcastStrides(ctx.dims(a), out))
      .strides(broadcastStrides(ctx.dims(b), out));
    const constants = { OP: OPS[node.op]!, IS_FLOAT: ctx.graph.tensors.get(a)!.type === 'float32' };
    return {
      kind: 'gpu',
      kernel: COMPARE_KERNEL,
      dispatches: [{ shader: { file: COMPARE_KERNEL, constants }, uniforms, bindings: [a, b, node.outputs[0]!], grid: linearGrid(size) }],
    };
  },
};
