/**
 * Integer Add/Sub/Mul/Max/Min (and Sum of two), Div, Mod (fmod 0 or 1) and Pow (same-type exponent) with numpy
 * broadcasting on kernels-wgsl/elementwise/i32-binary-broadcast.wgsl: int32/int16/uint16/int8/uint8 held as i32
 * words, wrapped to their width by the kernel; int64 only for Max/Min/Mod, whose results are bounded by inputs that
 * fit (values.ts) — not Div (−2^31 / −1 = 2^31 does not fit) nor the others, which may leave the i32 range.
 */
import type { DType } from '../../../ir/dtype.js';
import type { Graph, Node } from '../../../ir/graph.js';
import { type Lowering, staticDims } from '../lowering.js';
import { linearGrid } from '../uniforms.js';
import { broadcastOperands } from './elementwise.js';
import { isGpuValue } from './values.js';

export const INTEGER_BINARY_KERNEL = 'elementwise/i32-binary-broadcast.wgsl';

/** OP codes of i32-binary-broadcast.wgsl. */
const OPS: Partial<Record<string, number>> = { Add: 0, Sum: 0, Sub: 1, Mul: 2, Max: 3, Min: 4, Div: 5, Mod: 6, Pow: 7 };
/** The ops whose int64 results stay within their (fitting) inputs' bounds. */
const INT64_OPS = new Set(['Max', 'Min', 'Mod']);

/** Storage width and signedness per integer dtype; int64 is listed for INT64_OPS only (see supports). */
const WIDTHS: Partial<Record<DType, { BITS: number; SIGNED: boolean }>> = {
  int32: { BITS: 32, SIGNED: true }, int64: { BITS: 32, SIGNED: true },
  int16: { BITS: 16, SIGNED: true }, uint16: { BITS: 16, SIGNED: false },
  int8: { BITS: 8, SIGNED: true }, uint8: { BITS: 8, SIGNED: false },
};

function supportsIntegerBinary(node: Node, graph: Graph): boolean {
  const op = OPS[node.op];
  if (op === undefined || node.inputs.length !== 2) return false;
  const out = node.outputs[0]!;
  const type = graph.tensors.get(out)?.type;
  if (!type || !WIDTHS[type] || (type === 'int64' && !INT64_OPS.has(node.op))) return false;
  if (!node.inputs.every((name) => graph.tensors.get(name)?.type === type)) return false;
  if (![...node.inputs, out].every((name) => isGpuValue(graph, name))) return false;
  return staticDims(graph, out)!.length <= 8;
}

export const integerBinaryLowering: Lowering = {
  name: 'integer-binary',
  supports: supportsIntegerBinary,
  build(node, ctx) {
    const [a, b] = node.inputs as [string, string];
    const { size, broadcast, uniforms } = broadcastOperands(ctx, a, b, node.outputs[0]!);
    const width = WIDTHS[ctx.graph.tensors.get(node.outputs[0]!)!.type]!;
    return {
      kind: 'gpu',
      kernel: INTEGER_BINARY_KERNEL,
      dispatches: [{
        shader: { file: INTEGER_BINARY_KERNEL, flags: broadcast ? ['BROADCAST'] : [], constants: { OP: OPS[node.op]!, FMOD: node.attrs.fmod === 1, ...width } },
        uniforms,
        bindings: [a, b, node.outputs[0]!],
        grid: linearGrid(size),
      }],
    };
  },
};
