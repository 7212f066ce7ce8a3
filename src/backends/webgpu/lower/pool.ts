/**
 * Pooling: MaxPool (without its Indices output) and AveragePool over 1-D/2-D/3-D windows (lifted to 3-D) on
 * kernels-wgsl/pool/f32-pool3d-direct.wgsl; GlobalAveragePool/GlobalMaxPool on
 * kernels-wgsl/pool/f32-global-pool-workgroup.wgsl (one workgroup per plane).
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, isGpuFloat, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { window3d } from '../../../ir/window.js';

export const POOL_KERNEL = 'pool/f32-pool3d-direct.wgsl';
export const GLOBAL_POOL_KERNEL = 'pool/f32-global-pool-workgroup.wgsl';

function poolWindow(node: Node, graph: Graph) {
  if (node.op !== 'MaxPool' && node.op !== 'AveragePool') return undefined;
  if (node.outputs.slice(1).some((name) => name !== '')) return undefined; // Indices: reference
  const [x] = node.inputs;
  const y = node.outputs[0]!;
  if (!isGpuFloat(graph, x) || !isGpuFloat(graph, y)) return undefined;
  const window = window3d(node, staticDims(graph, x!)!, (node.attrs.kernel_shape as number[] | undefined) ?? []);
  if (!window || window.batch * window.channels * sizeOf(window.out) !== sizeOf(staticDims(graph, y)!)) return undefined;
  return window;
}

export const poolLowering: Lowering = {
  name: 'pool',
  supports: (node, graph) => poolWindow(node, graph) !== undefined,
  build(node, ctx) {
    const w = poolWindow(node, ctx.graph)!;
    const size = w.batch * w.channels * sizeOf(w.out);
    const uniforms = new Uniforms()
      .u32(size, 0, 0, 0)
      .vec4u(w.out).vec4u(w.in).vec4u(w.kernel).vec4u(w.strides).vec4u(w.dilations).vec4u(w.padsBegin).vec4u(w.padsEnd);
    const constants = { IS_MAX: node.op === 'MaxPool', COUNT_INCLUDE_PAD: node.attrs.count_include_pad === 1 };
    return {
      kind: 'gpu',
      kernel: POOL_KERNEL,
      dispatches: [{ shader: { file: POOL_KERNEL, constants }, uniforms, bindings: [node.inputs[0]!, node.outputs[0]!], grid: linearGrid(size) }],
    };
  },
};

export const globalPoolLowering: Lowering = {
  name: 'global-pool',
  supports(node, graph) {
    if (node.op !== 'GlobalAveragePool' && node.op !== 'GlobalMaxPool') return false;
    const dims = staticDims(graph, node.inputs[0]!);
    return !!dims && dims.length >= 3 && isGpuFloat(graph, node.inputs[0]) && isGpuFloat(graph, node.outputs[0]);
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const planes = dims[0]! * dims[1]!;
    const uniforms = new Uniforms().u32(planes, sizeOf(dims.slice(2)), 0, 0);
    return {
      kind: 'gpu',
      kernel: GLOBAL_POOL_KERNEL,
      dispatches: [{
        shader: { file: GLOBAL_POOL_KERNEL, constants: { IS_MAX: node.op === 'GlobalMaxPool' } },
        uniforms,
        bindings: [node.inputs[0]!, node.outputs[0]!],
        grid: linearGrid(planes, 1),
      }],
    };
  },
};
