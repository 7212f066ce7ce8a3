/**
 * Conv/FusedConv (1-D and 2-D, grouped, with bias, residual Z and activation): depthwise convolutions on
 * kernels-wgsl/conv/f32-dwconv2d-minmax-direct.wgsl, all others as an implicit GEMM on
 * kernels-wgsl/conv/f32-conv2d-igemm-minmax-4x4-tiled.wgsl (1×1 stride-1 unpadded ones read X directly).
 * 3-D convolutions (any group count) on kernels-wgsl/conv/f32-conv3d-minmax-direct.wgsl.
 * NCHW in and out; weights bound as given (OIHW rows are the GEMM's A rows). The implicit GEMM reads the weights as
 * vec4 when a row (in channels per group × kernel taps) is a multiple of 4 (VEC4_A), and a pointwise conv's input
 * as vec4 when its plane is (VEC4_B) — see `vec4Loadable`.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { type Lowering, isGpuFloat, kernelName, nodeActivationConstants, staticDims, vec4Loadable } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { window2d, window3d } from '../../../ir/window.js';
import { sizeOf } from '../../../ir/tensor.js';

export const IGEMM_KERNEL = 'conv/f32-conv2d-igemm-minmax-4x4-tiled.wgsl';
export const DWCONV_KERNEL = 'conv/f32-dwconv2d-minmax-direct.wgsl';
export const CONV3D_KERNEL = 'conv/f32-conv3d-minmax-direct.wgsl';

/**
 * What every Conv/FusedConv lowering checks: float32 operands, a window from `windowOf` (undefined: not this
 * lowering's rank), consistent groups and channels, an output shape `outputMatches` accepts, bias and residual
 * shapes, and a known activation.
 */
function convOperands<W extends { channels: number }>(
  node: Node, graph: Graph, windowOf: (xDims: number[], kernel: number[]) => W | undefined, outputMatches: (window: W, yDims: number[], outChannels: number) => boolean,
) {
  if (node.op !== 'Conv' && node.op !== 'FusedConv') return undefined;
  const [x, w, b, z] = node.inputs;
  const y = node.outputs[0]!;
  if (!isGpuFloat(graph, x) || !isGpuFloat(graph, w) || !isGpuFloat(graph, y)) return undefined;
  if ((b && !isGpuFloat(graph, b)) || (z && !isGpuFloat(graph, z))) return undefined;
  const xDims = staticDims(graph, x!)!;
  const wDims = staticDims(graph, w!)!;
  const yDims = staticDims(graph, y)!;
  if (wDims.length !== xDims.length) return undefined;
  const window = windowOf(xDims, wDims.slice(2));
  if (!window) return undefined;
  const groups = (node.attrs.group as number | undefined) ?? 1;
  const outChannels = wDims[0]!;
  const inPerGroup = wDims[1]!;
  if (window.channels !== inPerGroup * groups || outChannels % groups !== 0) return undefined;
  if (!outputMatches(window, yDims, outChannels)) return undefined;
  if (b && staticDims(graph, b)!.join() !== String(outChannels)) return undefined;
  if (z && staticDims(graph, z)!.join() !== yDims.join()) return undefined;
  const activation = nodeActivationConstants(node);
  if (!activation) return undefined;
  return { x: x!, w: w!, b: b || undefined, z: z || undefined, window, groups, outChannels, inPerGroup, activation };
}

/** A 3-D Conv/FusedConv the direct kernel takes. */
function parts3d(node: Node, graph: Graph) {
  return convOperands(
    node, graph,
    (xDims, kernel) => (xDims.length === 5 ? window3d(node, xDims, kernel) : undefined),
    (window, yDims, outChannels) => yDims.join() === [window.batch, outChannels, ...window.out].join(),
  );
}

export const conv3dLowering: Lowering = {
  name: 'conv3d',
  supports: (node, graph) => parts3d(node, graph) !== undefined,
  build(node, ctx) {
    const p = parts3d(node, ctx.graph)!;
    const w = p.window;
    const size = w.batch * p.outChannels * sizeOf(w.out);
    const uniforms = new Uniforms()
      .u32(size, p.outChannels, p.inPerGroup, p.outChannels / p.groups)
      .vec4u(w.out).vec4u(w.in).vec4u(w.kernel).vec4u(w.strides).vec4u(w.dilations).vec4u(w.padsBegin);
    const flags = [...(p.b ? ['HAS_BIAS'] : []), ...(p.z ? ['HAS_RESIDUAL'] : [])];
    return {
      kind: 'gpu',
      kernel: CONV3D_KERNEL,
      dispatches: [{ shader: { file: CONV3D_KERNEL, flags, constants: p.activation }, uniforms, bindings: [p.x, p.w, p.b, p.z, node.outputs[0]!], grid: linearGrid(size) }],
    };
  },
};

function parts(node: Node, graph: Graph) {
  const operands = convOperands(
    node, graph,
    (xDims, kernel) => window2d(node, xDims, kernel),
    (window, yDims, outChannels) => yDims[1] === outChannels && window.outH * window.outW * outChannels * window.batch === yDims.reduce((p, d) => p * d, 1),
  );
  if (!operands) return undefined;
  const { window, groups, outChannels, inPerGroup } = operands;
  const depthwise = groups === window.channels && inPerGroup === 1;
  const tooWide = Math.ceil((window.outH * window.outW) / 32) > 65535 || Math.ceil(outChannels / groups / 32) > 65535;
  if (!depthwise && (window.batch * groups > 65535 || tooWide)) return undefined;
  return { ...operands, depthwise };
}

export const convLowering: Lowering = {
  name: 'conv',
  supports: (node, graph) => parts(node, graph) !== undefined,
  build(node, ctx) {
    const p = parts(node, ctx.graph)!;
    const w = p.window;
    const flags = [...(p.b ? ['HAS_BIAS'] : []), ...(p.z ? ['HAS_RESIDUAL'] : [])];
    const bindings = [p.x, p.w, p.b, p.z, node.outputs[0]!];
    if (p.depthwise) {
      const size = w.batch * p.outChannels * w.outH * w.outW;
      const uniforms = new Uniforms()
        .u32(size, p.outChannels, w.outH, w.outW)
        .u32(w.inH, w.inW, p.outChannels / w.channels, w.strideH)
        .u32(w.strideW, w.dilationH, w.dilationW, w.padTop)
        .u32(w.padLeft, 0, 0, 0);
      const constants = { ...p.activation, KERNEL_H: w.kernelH, KERNEL_W: w.kernelW };
      return { kind: 'gpu', kernel: DWCONV_KERNEL, dispatches: [{ shader: { file: DWCONV_KERNEL, flags, constants }, uniforms, bindings, grid: linearGrid(size) }] };
    }
    const m = p.outChannels / p.groups;
    const n = w.outH * w.outW;
    const k = p.inPerGroup * w.kernelH * w.kernelW;
    const pointwise = w.kernelH === 1 && w.kernelW === 1 && w.strideH === 1 && w.strideW === 1 && w.padTop === 0 && w.padLeft === 0 && w.outH === w.inH && w.outW === w.inW;
    const uniforms = new Uniforms()
      .u32(m, n, k, p.groups)
      .u32(w.channels, w.inH, w.inW, w.outW)
      .u32(w.kernelH, w.kernelW, w.strideH, w.strideW)
      .u32(w.dilationH, w.dilationW, w.padTop, w.padLeft)
      .u32(p.inPerGroup, p.outChannels, 0, 0);
    const constants = { ...p.activation, POINTWISE: pointwise };
    const grid: [number, number, number] = [Math.ceil(n / 32), Math.ceil(m / 32), w.batch * p.groups];
    // W row co of group g starts at (g·m + co)·k; a pointwise X̂ row (channel) of image/group starts at a multiple of n.
    const vec4 = [
      ...(vec4Loadable(k, 1, k, [m * k]) ? ['VEC4_A'] : []),
      ...(pointwise && vec4Loadable(n, 1, n, [n]) ? ['VEC4_B'] : []),
    ];
    const shader = { file: IGEMM_KERNEL, flags: [...flags, ...vec4], constants };
    return { kind: 'gpu', kernel: kernelName(IGEMM_KERNEL, vec4), dispatches: [{ shader, uniforms, bindings, grid }] };
  },
};
