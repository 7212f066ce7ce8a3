/**
 * Cast and CastLike between the GPU's 32-bit storage types on kernels-wgsl/elementwise/x32-cast.wgsl. Stays on the
 * CPU reference: float16/float64/uint32/64-bit/string on either side, int64 inputs not provably in i32 range, and
 * casts to int64 from float32 (the result need not fit in 32 bits).
 */
import type { DType } from '../../../ir/dtype.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { isGpuValue } from './values.js';

export const CAST_KERNEL = 'elementwise/x32-cast.wgsl';

/** TO codes of x32-cast.wgsl. */
const TARGETS: Partial<Record<DType, number>> = { float32: 0, int32: 1, int64: 1, int16: 2, uint16: 3, int8: 4, uint8: 5, bool: 6 };

export const castLowering: Lowering = {
  name: 'cast',
  supports(node, graph) {
    if (node.op !== 'Cast' && node.op !== 'CastLike') return false;
    const [x] = node.inputs;
    const y = node.outputs[0];
    const from = graph.tensors.get(x!)?.type;
    const to = graph.tensors.get(y!)?.type;
    if (!from || !to || TARGETS[to] === undefined || !isGpuValue(graph, x)) return false;
    // An int64 output qualifies only from a source that is not float (values.ts int64Fits).
    return isGpuValue(graph, y);
  },
  build(node, ctx) {
    const from = ctx.graph.tensors.get(node.inputs[0]!)!.type;
    const to = ctx.graph.tensors.get(node.outputs[0]!)!.type;
    const size = sizeOf(ctx.dims(node.outputs[0]!));
    return {
      kind: 'gpu',
      kernel: CAST_KERNEL,
      dispatches: [{
        shader: { file: CAST_KERNEL, constants: { FROM: from === 'float32' ? 0 : 1, TO: TARGETS[to]! } },
        uniforms: new Uniforms().u32(size, 0, 0, 0),
        bindings: [node.inputs[0]!, node.outputs[0]!],
        grid: linearGrid(size),
      }],
    };
  },
};
