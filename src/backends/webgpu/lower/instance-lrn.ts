/**
 * Per-channel normalisations of NCHW tensors: InstanceNormalization on
 * kernels-wgsl/normalization/f32-instancenorm-workgroup.wgsl (one workgroup per (n, c) plane, f32 statistics) and
 * LRN on kernels-wgsl/normalization/f32-lrn-direct.wgsl.
 */
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, isGpuFloat, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const INSTANCE_NORM_KERNEL = 'normalization/f32-instancenorm-workgroup.wgsl';
export const LRN_KERNEL = 'normalization/f32-lrn-direct.wgsl';

export const instanceNormLowering: Lowering = {
  name: 'instance-norm',
  supports(node, graph) {
    if (node.op !== 'InstanceNormalization') return false;
    const [x, scale, bias] = node.inputs;
    if (![x, scale, bias, node.outputs[0]].every((name) => isGpuFloat(graph, name))) return false;
    const dims = staticDims(graph, x!)!;
    const channels = dims[1];
    return dims.length >= 2 && sizeOf(staticDims(graph, scale!)!) === channels && sizeOf(staticDims(graph, bias!)!) === channels;
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const planes = dims[0]! * dims[1]!;
    const length = sizeOf(dims.slice(2));
    return {
      kind: 'gpu',
      kernel: INSTANCE_NORM_KERNEL,
      dispatches: [{
        shader: { file: INSTANCE_NORM_KERNEL },
        uniforms: new Uniforms().u32(planes, length, dims[1]!).f32(node.attrs.epsilon as number),
        bindings: [node.inputs[0]!, node.inputs[1]!, node.inputs[2]!, node.outputs[0]!],
        grid: linearGrid(planes, 1),
      }],
    };
  },
};

export const lrnLowering: Lowering = {
  name: 'lrn',
  supports(node, graph) {
    if (node.op !== 'LRN' || !isGpuFloat(graph, node.inputs[0]) || !isGpuFloat(graph, node.outputs[0])) return false;
    const size = node.attrs.size as number;
    // bias > 0 keeps the power's base positive (x² sums are ≥ 0 and alpha is a scale the spec expects positive).
    return staticDims(graph, node.inputs[0]!)!.length >= 2 && Number.isInteger(size) && size >= 1 &&
      (node.attrs.bias as number) > 0 && (node.attrs.alpha as number) >= 0;
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const size = sizeOf(dims);
    const window = node.attrs.size as number;
    const uniforms = new Uniforms()
      .u32(size, dims[1]!, sizeOf(dims.slice(2)), Math.floor((window - 1) / 2))
      .u32(Math.ceil((window - 1) / 2))
      .f32((node.attrs.alpha as number) / window, node.attrs.beta as number, node.attrs.bias as number);
    return {
      kind: 'gpu',
      kernel: LRN_KERNEL,
      dispatches: [{ shader: { file: LRN_KERNEL }, uniforms, bindings: [node.inputs[0]!, node.outputs[0]!], grid: linearGrid(size) }],
    };
  },
};
