/**
 * ConvTranspose (1-D to 3-D, any group/strides/pads/dilations/output_padding/output_shape/auto_pad, bias fused) on
 * kernels-wgsl/conv/f32-conv-transpose-minmax-direct.wgsl. The geometry is the reference's own
 * (convTransposeGeometry), so the two cannot disagree on output sizes or pads.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { type ConvTransposeAttrs, convTransposeGeometry } from '../../../ir/reference/conv.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, isGpuFloat, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const CONV_TRANSPOSE_KERNEL = 'conv/f32-conv-transpose-minmax-direct.wgsl';

const ints = (value: unknown): number[] => (value as number[] | undefined) ?? [];

/** Spatial values padded in front to three axes. */
const to3d = (values: readonly number[], fill: number) => [...new Array<number>(3 - values.length).fill(fill), ...values];

function parts(node: Node, graph: Graph) {
  if (node.op !== 'ConvTranspose') return undefined;
  const [x, w, b] = node.inputs;
  const y = node.outputs[0]!;
  if (!isGpuFloat(graph, x) || !isGpuFloat(graph, w) || !isGpuFloat(graph, y) || (b && !isGpuFloat(graph, b))) return undefined;
  const xDims = staticDims(graph, x!)!;
  const wDims = staticDims(graph, w!)!;
  const yDims = staticDims(graph, y)!;
  const rank = xDims.length - 2;
  if (rank < 1 || rank > 3 || wDims.length !== xDims.length) return undefined;
  const group = (node.attrs.group as number | undefined) ?? 1;
  const [batch, channels] = xDims as [number, number];
  const groupOutChannels = wDims[1]!;
  const outChannels = groupOutChannels * group;
  if (wDims[0] !== channels || channels % group !== 0) return undefined;
  if (b && staticDims(graph, b)!.join() !== String(outChannels)) return undefined;
  const kernel = wDims.slice(2);
  const shape = ints(node.attrs.kernel_shape);
  if (shape.length && shape.join() !== kernel.join()) return undefined;
  const attrs: ConvTransposeAttrs = {
    autoPad: (node.attrs.auto_pad as string | undefined) ?? 'NOTSET', kernel, strides: ints(node.attrs.strides),
    dilations: ints(node.attrs.dilations), pads: ints(node.attrs.pads), ceilMode: false, group,
    outputPadding: ints(node.attrs.output_padding), outputShape: ints(node.attrs.output_shape),
  };
  let geometry;
  try {
    geometry = convTransposeGeometry(xDims.slice(2), kernel, attrs, { where: node.name });
  } catch {
    return undefined;
  }
  const outSpatial = geometry.outSpatial as number[];
  if ([batch, outChannels, ...outSpatial].join() !== yDims.join()) return undefined;
  return { x: x!, w: w!, b: b || undefined, channels, group, groupOutChannels, outChannels, inSpatial: xDims.slice(2), outSpatial, kernel, geometry };
}

export const convTransposeLowering: Lowering = {
  name: 'conv-transpose',
  supports: (node, graph) => parts(node, graph) !== undefined,
  build(node, ctx) {
    const p = parts(node, ctx.graph)!;
    const y = node.outputs[0]!;
    const size = sizeOf(ctx.dims(y));
    const uniforms = new Uniforms()
      .u32(size, p.channels, p.channels / p.group, p.groupOutChannels)
      .u32(...to3d(p.inSpatial, 1), p.outChannels)
      .u32(...to3d(p.outSpatial, 1), 0)
      .u32(...to3d(p.kernel, 1), 0)
      .u32(...to3d(p.geometry.strides, 1), 0)
      .u32(...to3d(p.geometry.dilations, 1), 0)
      .i32(...to3d(p.geometry.padsBegin, 0), 0);
    return {
      kind: 'gpu',
      kernel: CONV_TRANSPOSE_KERNEL,
      dispatches: [{
        shader: { file: CONV_TRANSPOSE_KERNEL, flags: p.b ? ['HAS_BIAS'] : [] },
        uniforms,
        bindings: [p.x, p.w, p.b, y],
        grid: linearGrid(size),
      }],
    };
  },
};
