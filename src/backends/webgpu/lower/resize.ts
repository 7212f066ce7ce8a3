/**
 * Resize of the two innermost axes on kernels-wgsl/resize/f32-resize-2d-taps.wgsl. The taps (clamped source
 * indices and weights per output row and column) come from the reference's own axisTaps at plan time, so every
 * mode, nearest_mode and coordinate_transformation_mode the reference knows is handled identically — except
 * tf_crop_and_resize (extrapolation outside the box), which stays on the reference.
 */
import type { Node, Graph } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { resizeAxes, resizeTargets } from '../../../ir/reference/resize.js';
import { type AxisTaps, axisTaps } from '../../../ir/reference/resize-taps.js';
import { type Lowering, constantNumbers, isGpuFloat, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const RESIZE_KERNEL = 'resize/f32-resize-2d-taps.wgsl';

/** An optional shape-like input: absent or empty → undefined, constant → its numbers, otherwise 'unknown'. */
function optionalConstant(graph: Graph, name: string | undefined): number[] | undefined | 'unknown' {
  if (!name) return undefined;
  const values = constantNumbers(graph, name);
  if (!values) return 'unknown';
  return values.length ? values : undefined;
}

function resizeTaps(node: Node, graph: Graph): AxisTaps[] | undefined {
  if (node.op !== 'Resize' || node.attrs.coordinate_transformation_mode === 'tf_crop_and_resize') return undefined;
  const [x, , scalesName, sizesName] = node.inputs;
  const dims = staticDims(graph, x!);
  if (!dims || dims.length < 2 || !isGpuFloat(graph, x) || !isGpuFloat(graph, node.outputs[0])) return undefined;
  const scales = optionalConstant(graph, scalesName);
  const sizes = optionalConstant(graph, sizesName);
  if (scales === 'unknown' || sizes === 'unknown') return undefined;
  try {
    const axes = resizeAxes(dims.length, node.attrs.axes as number[], node.name, 'RUNTIME_ERROR');
    const targets = resizeTargets(dims, axes, scales, sizes, node.attrs.keep_aspect_ratio_policy as string, node.name, 'RUNTIME_ERROR');
    if (targets.outputDims.join() !== staticDims(graph, node.outputs[0]!)?.join()) return undefined;
    const taps = dims.map((inputLength, axis) => axisTaps({
      inputLength,
      outputLength: targets.outputDims[axis]!,
      scale: targets.scales[axis]!,
      resizedLength: targets.resizedLengths[axis]!,
      roiStart: 0,
      roiEnd: 1,
    }, node.attrs));
    const leadingUntouched = taps.slice(0, -2).every((t, axis) => t.identity && targets.outputDims[axis] === dims[axis]);
    return leadingUntouched && taps.every((t) => t.outside.every((o) => o === 0)) ? taps : undefined;
  } catch {
    return undefined;
  }
}

/** The kernel's table: (source, weight) pairs per output row, then per output column. */
function tapTable(rows: AxisTaps, columns: AxisTaps): Float32Array {
  const entries = (t: AxisTaps) => t.sources.length;
  const table = new Float32Array(2 * (entries(rows) + entries(columns)));
  let at = 0;
  for (const taps of [rows, columns]) {
    for (let i = 0; i < taps.sources.length; i++) {
      table[at++] = taps.sources[i]!;
      table[at++] = taps.weights[i]!;
    }
  }
  return table;
}

export const resizeLowering: Lowering = {
  name: 'resize',
  supports: (node, graph) => resizeTaps(node, graph) !== undefined,
  build(node, ctx) {
    const taps = resizeTaps(node, ctx.graph)!;
    const [rows, columns] = taps.slice(-2) as [AxisTaps, AxisTaps];
    const inDims = ctx.dims(node.inputs[0]!);
    const outDims = ctx.dims(node.outputs[0]!);
    const size = sizeOf(outDims);
    const [inH, inW] = inDims.slice(-2) as [number, number];
    const [outH, outW] = outDims.slice(-2) as [number, number];
    const uniforms = new Uniforms().u32(size, outH, outW, inH).u32(inW, rows.count, columns.count, 2 * rows.sources.length);
    const table = { key: node, purpose: 'resize-taps', make: () => tapTable(rows, columns) };
    return {
      kind: 'gpu',
      kernel: RESIZE_KERNEL,
      dispatches: [{ shader: { file: RESIZE_KERNEL }, uniforms, bindings: [node.inputs[0]!, table, node.outputs[0]!], grid: linearGrid(size) }],
    };
  },
};
