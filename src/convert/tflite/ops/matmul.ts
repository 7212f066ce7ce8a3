/**
 * FULLY_CONNECTED → Gemm (weights [units, depth] used as transB), with the input flattened to [rows, depth] and the
 * result reshaped back when keep_num_dims asks for it. BATCH_MATMUL → MatMul, adjoints as transposes of the last
 * two axes (folded into constants at conversion time).
 */
import { sizeOf } from '../../../ir/tensor.js';
import { transposeConstant } from '../context.js';
import { nativeForm } from '../layout.js';
import type { OpContext } from '../op-context.js';
import type { OpConverter } from './registry.js';
import { readInTfliteOrder } from './common.js';

const FullyConnectedOptions = { fused_activation_function: 0, weights_format: 1, keep_num_dims: 2, asymmetric_quantize_inputs: 3 };
const BatchMatMulOptions = { adj_x: 0, adj_y: 1 };

const fullyConnected: OpConverter = (ctx) => {
  const o = ctx.options;
  if (o.int8(FullyConnectedOptions.weights_format, 'weights_format') !== 0) ctx.unsupported('shuffled weights are not supported');
  const dims = ctx.dims(0);
  const weights = ctx.dims(1);
  if (weights.length !== 2) ctx.fail(`weights must be 2-D, got [${weights.join(', ')}]`);
  const [units, depth] = weights as [number, number];
  const count = sizeOf(dims);
  if (depth < 1 || count % depth !== 0) ctx.fail(`input [${dims.join(', ')}] does not flatten into rows of ${depth}`);
  const rows = count / depth;
  let input = readInTfliteOrder(ctx, 0);
  if (dims.length !== 2 || dims[1] !== depth) input = ctx.node1('Reshape', [input, ctx.int64s([rows, depth])], {}, 'flatten');
  const bias = ctx.has(2) ? ctx.read(2, [0]) : '';
  let output = ctx.node1('Gemm', [input, ctx.read(1, nativeForm(2)), bias], { transB: 1 });
  const keep = o.bool(FullyConnectedOptions.keep_num_dims, 'keep_num_dims');
  const target = keep ? [...dims.slice(0, -1), units] : [rows, units];
  if (target.length !== 2) output = ctx.node1('Reshape', [output, ctx.int64s(target)], {}, 'unflatten');
  ctx.finish(0, output, nativeForm(target.length), { activation: o.int8(FullyConnectedOptions.fused_activation_function, 'fused_activation_function') });
};

/** Input i as a matrix operand, its last two axes swapped when `adjoint`. */
function operand(ctx: OpContext, i: number, adjoint: boolean): string {
  const rank = ctx.rank(i);
  if (rank < 2) ctx.fail(`input ${i} must have rank ≥ 2, got ${rank}`);
  if (!adjoint) return ctx.read(i, nativeForm(rank));
  const perm = [...nativeForm(rank - 2), rank - 1, rank - 2];
  const value = ctx.constant(i);
  if (value) return ctx.converter.addConstant(`${ctx.nodeName}/adjoint_${i}`, transposeConstant(value, perm));
  return ctx.node1('Transpose', [ctx.read(i, nativeForm(rank))], { perm }, `adjoint_${i}`);
}

const batchMatMul: OpConverter = (ctx) => {
  const o = ctx.options;
  const a = operand(ctx, 0, o.bool(BatchMatMulOptions.adj_x, 'adj_x'));
  const b = operand(ctx, 1, o.bool(BatchMatMulOptions.adj_y, 'adj_y'));
  const output = ctx.node1('MatMul', [a, b]);
  ctx.finish(0, output, nativeForm(ctx.converter.irDims(output).length));
};

export const matmulConverters: Record<string, OpConverter> = {
  FULLY_CONNECTED: fullyConnected,
  BATCH_MATMUL: batchMatMul,
};
