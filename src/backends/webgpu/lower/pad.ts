/**
 * Pad (constant, reflect, edge, wrap; negative pads crop) on kernels-wgsl/movement/x32-pad.wgsl, for any tensor
 * stored as 32-bit words. pads, constant_value and axes must be constants (specialisation folds shape arithmetic).
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { padPlan } from '../../../ir/reference/pad.js';
import { stridesOf } from '../../../ir/shape.js';
import { sizeOf } from '../../../ir/tensor.js';
import { type Lowering, constantNumbers, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';
import { isGpuValue } from './values.js';

export const PAD_KERNEL = 'movement/x32-pad.wgsl';

const MODES: Record<string, number> = { constant: 0, reflect: 1, edge: 2, wrap: 3 };

interface PadGeometry {
  out: number[];
  kept: number[];
  lead: number[];
  low: number[];
  /** The constant's 32-bit word (f32 bits or the integer). */
  value: number;
}

function padGeometry(node: Node, graph: Graph): PadGeometry | undefined {
  const [x, padsName, valueName, axesName] = node.inputs;
  const dims = staticDims(graph, x!);
  const out = staticDims(graph, node.outputs[0]!);
  const mode = MODES[node.attrs.mode as string];
  if (!dims || !out || mode === undefined || dims.length > 8) return undefined;
  const pads = constantNumbers(graph, padsName);
  const axes = axesName ? constantNumbers(graph, axesName) : undefined;
  if (!pads || (axesName && !axes)) return undefined;
  // constant_value: absent or empty means 0; otherwise a constant of the data's type.
  let value = 0;
  if (valueName) {
    const constant = graph.constant(valueName);
    if (!constant) return undefined;
    if (constant.size > 0) {
      const element = Number((constant.data as ArrayLike<number | bigint>)[0]!);
      if (constant.type === 'float32') value = new Uint32Array(Float32Array.of(element).buffer)[0]!;
      else if (Number.isInteger(element) && Math.abs(element) < 2 ** 31) value = element >>> 0;
      else return undefined;
    }
  }
  let plan;
  try {
    plan = padPlan(dims.length, pads, axes, node.name, 'RUNTIME_ERROR');
  } catch {
    return undefined;
  }
  const { before, after } = plan;
  const low = dims.map((_, k) => Math.max(0, -before[k]!));
  const kept = dims.map((d, k) => d - low[k]! - Math.max(0, -after[k]!));
  const lead = before.map((b) => Math.max(0, b));
  // A mode other than constant needs data on every axis it pads (the reference throws otherwise).
  if (mode !== 0 && kept.some((k, axis) => k <= 0 && out[axis]! > 0)) return undefined;
  if (out.join() !== dims.map((d, k) => d + before[k]! + after[k]!).join()) return undefined;
  return { out, kept, lead, low, value };
}

export const padLowering: Lowering = {
  name: 'pad',
  supports(node, graph) {
    if (node.op !== 'Pad') return false;
    const [x] = node.inputs;
    const y = node.outputs[0];
    return isGpuValue(graph, x) && isGpuValue(graph, y) && graph.tensors.get(x!)!.type === graph.tensors.get(y!)!.type &&
      padGeometry(node, graph) !== undefined;
  },
  build(node, ctx) {
    const g = padGeometry(node, ctx.graph)!;
    const size = sizeOf(g.out);
    const uniforms = new Uniforms()
      .u32(size, g.out.length, g.value, 0)
      .dims(g.out).dims(g.kept).dims(g.lead).dims(g.low)
      .strides(stridesOf(ctx.dims(node.inputs[0]!)));
    return {
      kind: 'gpu',
      kernel: PAD_KERNEL,
      dispatches: [{
        shader: { file: PAD_KERNEL, constants: { MODE: MODES[node.attrs.mode as string]! } },
        uniforms,
        bindings: [node.inputs[0]!, node.outputs[0]!],
        grid: linearGrid(size),
      }],
    };
  },
};
