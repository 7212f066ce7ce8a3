/**
 * ArgMax / ArgMin of float32 tensors on kernels-wgsl/reduce/f32-argextreme-workgroup.wgsl. The int64 output lives
 * on the GPU as i32 (an index along the axis always fits): values.ts counts it as fitting for later consumers.
 */
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, isGpuFloat, isGpuTensor, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const ARGEXTREME_KERNEL = 'reduce/f32-argextreme-workgroup.wgsl';

/** Rows at most this long run one per invocation; longer ones get a workgroup each. */
const SHORT_ROW = 64;

function axisOf(attrs: Record<string, unknown>, rank: number): number | undefined {
  const axis = (attrs.axis as number | undefined) ?? 0;
  const resolved = axis < 0 ? axis + rank : axis;
  return Number.isInteger(resolved) && resolved >= 0 && resolved < rank ? resolved : undefined;
}

export const argExtremeLowering: Lowering = {
  name: 'argextreme',
  supports(node, graph) {
    if (node.op !== 'ArgMax' && node.op !== 'ArgMin') return false;
    const [x] = node.inputs;
    const y = node.outputs[0];
    if (!isGpuFloat(graph, x) || graph.tensors.get(y!)?.type !== 'int64' || !isGpuTensor(graph, y)) return false;
    const dims = staticDims(graph, x!)!;
    const axis = axisOf(node.attrs, dims.length);
    return axis !== undefined && dims[axis]! > 0;
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const axis = axisOf(node.attrs, dims.length)!;
    const length = dims[axis]!;
    const inner = sizeOf(dims.slice(axis + 1));
    const rows = sizeOf(dims) / length;
    const perInvocation = length <= SHORT_ROW;
    const constants = { IS_MIN: node.op === 'ArgMin', SELECT_LAST: node.attrs.select_last_index === 1, PER_INVOCATION: perInvocation };
    return {
      kind: 'gpu',
      kernel: ARGEXTREME_KERNEL,
      dispatches: [{
        shader: { file: ARGEXTREME_KERNEL, constants },
        uniforms: new Uniforms().u32(rows, length, inner, 0),
        bindings: [node.inputs[0]!, node.outputs[0]!],
        grid: perInvocation ? linearGrid(rows) : linearGrid(rows, 1),
      }],
    };
  },
};
