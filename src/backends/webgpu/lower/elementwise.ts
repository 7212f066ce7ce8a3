/**
 * Elementwise ops: binary with numpy broadcasting on kernels-wgsl/elementwise/f32-binary-broadcast.wgsl (Add,
 * Sub, Mul, Div, Pow, PRelu; Max/Min/Sum/Mean of two inputs), unary on kernels-wgsl/elementwise/f32-unary.wgsl
 * (every activation through the shared activation table, plus the unary math ops).
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { sizeOf } from '../../../ir/tensor.js';
import { broadcastStrides } from '../../../ir/reference/movement.js';
import { type Lowering, type LoweringContext, activationConstants, constantNumbers, isGpuFloat, staticDims } from '../lowering.js';
import { Uniforms, linearGrid } from '../uniforms.js';

export const BINARY_KERNEL = 'elementwise/f32-binary-broadcast.wgsl';

/**
 * Uniforms of the binary broadcast kernels (f32 and i32): size and rank, output dims, each operand's strides over
 * the output (0 along broadcast axes); `broadcast` when an operand's dims differ from the output's.
 */
export function broadcastOperands(ctx: LoweringContext, a: string, b: string, output: string): { size: number; broadcast: boolean; uniforms: Uniforms } {
  const out = ctx.dims(output);
  const same = (name: string) => ctx.dims(name).join() === out.join();
  const uniforms = new Uniforms()
    .u32(sizeOf(out), out.length, 0, 0)
    .dims(out)
    .strides(broadcastStrides(ctx.dims(a), out))
    .strides(broadcastStrides(ctx.dims(b), out));
  return { size: sizeOf(out), broadcast: !same(a) || !same(b), uniforms };
}
export const UNARY_KERNEL = 'elementwise/f32-unary.wgsl';

/** OP codes of f32-binary-broadcast.wgsl. */
const BINARY: Partial<Record<string, number>> = { Add: 0, Sum: 0, Sub: 1, Mul: 2, Div: 3, Pow: 4, Max: 5, Min: 6, PRelu: 7, Mean: 8 };
const VARIADIC = new Set(['Sum', 'Max', 'Min', 'Mean']);

function supportsBinary(node: Node, graph: Graph): boolean {
  if (BINARY[node.op] === undefined || node.inputs.length !== 2) return false;
  const out = staticDims(graph, node.outputs[0]!);
  return !!out && out.length <= 8 && isGpuFloat(graph, node.outputs[0]) && node.inputs.every((name) => isGpuFloat(graph, name));
}

export const binaryLowering: Lowering = {
  name: 'binary',
  supports: supportsBinary,
  build(node, ctx) {
    const [a, b] = node.inputs as [string, string];
    const { size, broadcast, uniforms } = broadcastOperands(ctx, a, b, node.outputs[0]!);
    return {
      kind: 'gpu',
      kernel: BINARY_KERNEL,
      dispatches: [{
        shader: { file: BINARY_KERNEL, flags: broadcast ? ['BROADCAST'] : [], constants: { OP: BINARY[node.op]! } },
        uniforms,
        bindings: [a, b, node.outputs[0]!],
        grid: linearGrid(size),
      }],
    };
  },
};

/** OP codes of f32-unary.wgsl besides 0 (the activation table). */
const UNARY: Partial<Record<string, number>> = {
  Abs: 1, Neg: 2, Exp: 3, Log: 4, Sqrt: 5, Reciprocal: 6, Floor: 7, Ceil: 8, Round: 9, Sign: 10, Sin: 11, Cos: 12,
  Tan: 13, Asin: 14, Acos: 15, Atan: 16, Sinh: 17, Cosh: 18, Asinh: 19, Acosh: 20, Atanh: 21, Erf: 22, Softplus: 23,
  Softsign: 24, Selu: 25, Celu: 26,
};

/** The override constants that make f32-unary.wgsl compute this node; undefined when it cannot. */
function unaryConstants(node: Node, graph: Graph): Record<string, number | boolean> | undefined {
  const a = node.attrs;
  const activation = (name: string, params: number[] = []) => {
    const constants = activationConstants(name, params);
    return constants && { OP: 0, ...constants };
  };
  switch (node.op) {
    case 'Relu': return activation('Relu');
    case 'Sigmoid': return activation('Sigmoid');
    case 'Tanh': return activation('Tanh');
    case 'HardSwish': return activation('HardSwish');
    case 'HardSigmoid': return activation('HardSigmoid', [a.alpha as number, a.beta as number]);
    case 'LeakyRelu': return activation('LeakyRelu', [a.alpha as number]);
    case 'Elu': return activation('Elu', [a.alpha as number]);
    case 'Gelu': return activation('Gelu', [a.approximate === 'tanh' ? 1 : 0]);
    case 'Clip': {
      // Bounds must be constants known now (they become override constants).
      const bound = (i: number, fallback: number) => {
        const name = node.inputs[i];
        if (!name) return fallback;
        const values = constantNumbers(graph, name);
        return values?.length === 1 ? values[0] : undefined;
      };
      const [min, max] = [bound(1, -Infinity), bound(2, Infinity)];
      if (min !== undefined && max !== undefined) return activation('Clip', [min, max]);
      // Run-time bounds: one-element float32 tensors read by the kernel.
      const runTime = [node.inputs[1], node.inputs[2]].every((name) => !name || (isGpuFloat(graph, name) && sizeOf(staticDims(graph, name)!) === 1));
      return runTime ? { OP: 28 } : undefined;
    }
    case 'Selu': return { OP: UNARY.Selu!, UNARY_ALPHA: a.alpha as number, UNARY_GAMMA: a.gamma as number };
    case 'Celu': return { OP: UNARY.Celu!, UNARY_ALPHA: a.alpha as number };
    default:
      if (VARIADIC.has(node.op) && node.inputs.length === 1) return { OP: 27 }; // one input: a copy (Mean = Max = Sum)
      return UNARY[node.op] === undefined ? undefined : { OP: UNARY[node.op]! };
  }
}

export const unaryLowering: Lowering = {
  name: 'unary',
  supports(node, graph) {
    if (!isGpuFloat(graph, node.inputs[0]) || !isGpuFloat(graph, node.outputs[0])) return false;
    if (node.op === 'Clip' && node.inputs.length > 3) return false;
    return unaryConstants(node, graph) !== undefined;
  },
  build(node, ctx) {
    const size = sizeOf(ctx.dims(node.outputs[0]!));
    const constants = unaryConstants(node, ctx.graph)!;
    const [min, max] = constants.OP === 28 ? [node.inputs[1] || undefined, node.inputs[2] || undefined] : [];
    return {
      kind: 'gpu',
      kernel: UNARY_KERNEL,
      dispatches: [{
        shader: { file: UNARY_KERNEL, flags: [...(min ? ['MIN_BUFFER'] : []), ...(max ? ['MAX_BUFFER'] : [])], constants },
        uniforms: new Uniforms().u32(size, 0, 0, 0),
        bindings: [node.inputs[0]!, node.outputs[0]!, min, max],
        grid: linearGrid(size),
      }],
    };
  },
};
