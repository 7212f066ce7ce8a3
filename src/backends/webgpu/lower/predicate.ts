/**
 * Bool-valued unary ops (Not, IsNaN, IsInf) on kernels-wgsl/elementwise/x32-predicate.wgsl, and Hardmax on
 * kernels-wgsl/reduce/f32-hardmax-direct.wgsl (one invocation per lane of the axis).
 */
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, isGpuFloat, isGpuTensor, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const PREDICATE_KERNEL = 'elementwise/x32-predicate.wgsl';
export const HARDMAX_KERNEL = 'reduce/f32-hardmax-direct.wgsl';

const OPS: Partial<Record<string, number>> = { Not: 0, IsNaN: 1, IsInf: 2 };

export const predicateLowering: Lowering = {
  name: 'predicate',
  supports(node, graph) {
    const op = OPS[node.op];
    if (op === undefined) return false;
    const [x] = node.inputs;
    const y = node.outputs[0];
    if (graph.tensors.get(y!)?.type !== 'bool' || !isGpuTensor(graph, y)) return false;
    return op === 0 ? graph.tensors.get(x!)?.type === 'bool' && isGpuTensor(graph, x) : isGpuFloat(graph, x);
  },
  build(node, ctx) {
    const size = sizeOf(ctx.dims(node.outputs[0]!));
    const constants = {
      OP: OPS[node.op]!,
      DETECT_NEGATIVE: node.attrs.detect_negative !== 0,
      DETECT_POSITIVE: node.attrs.detect_positive !== 0,
    };
    return {
      kind: 'gpu',
      kernel: PREDICATE_KERNEL,
      dispatches: [{ shader: { file: PREDICATE_KERNEL, constants }, uniforms: new Uniforms().u32(size, 0, 0, 0), bindings: [node.inputs[0]!, node.outputs[0]!], grid: linearGrid(size) }],
    };
  },
};

function hardmaxAxis(dims: readonly number[], axis: unknown): number | undefined {
  const value = (axis as number | undefined) ?? -1;
  const resolved = value < 0 ? value + dims.length : value;
  return Number.isInteger(resolved) && resolved >= 0 && resolved < dims.length ? resolved : undefined;
}

export const hardmaxLowering: Lowering = {
  name: 'hardmax',
  supports(node, graph) {
    if (node.op !== 'Hardmax' || !isGpuFloat(graph, node.inputs[0]) || !isGpuFloat(graph, node.outputs[0])) return false;
    return hardmaxAxis(staticDims(graph, node.inputs[0]!)!, node.attrs.axis) !== undefined;
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const axis = hardmaxAxis(dims, node.attrs.axis)!;
    const inner = sizeOf(dims.slice(axis + 1));
    const lanes = sizeOf(dims) / dims[axis]!;
    return {
      kind: 'gpu',
      kernel: HARDMAX_KERNEL,
      dispatches: [{ shader: { file: HARDMAX_KERNEL }, uniforms: new Uniforms().u32(lanes, dims[axis]!, inner, 0), bindings: [node.inputs[0]!, node.outputs[0]!], grid: linearGrid(lanes) }],
    };
  },
};
