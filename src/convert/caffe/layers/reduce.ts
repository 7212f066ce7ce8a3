/** Reductions: Reduction (SUM, ASUM, SUMSQ, MEAN over the trailing axes, times coeff) and ArgMax. */
import type { OpType } from '../../../ir/ops.js';
import type { LayerContext } from '../builder.js';
import type { ScalarParameters } from '../messages.js';
import { scalar } from './activation.js';

const REDUCTIONS: Record<string, OpType> = { SUM: 'ReduceSum', ASUM: 'ReduceL1', SUMSQ: 'ReduceSumSquare', MEAN: 'ReduceMean' };

/** Reduces every axis from `axis` (default 0) on; the output keeps the leading axes only. */
export function reduction(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('reduction');
  const operation = (p.operation as string | undefined) ?? 'SUM';
  const op = REDUCTIONS[operation];
  if (!op) throw ctx.fail(`unknown reduction operation ${operation}`);
  const rank = ctx.dims(0).length;
  const given = (p.axis as number | undefined) ?? 0;
  const axis = given < 0 ? given + rank : given;
  if (axis < 0 || axis >= rank) throw ctx.fail(`axis ${given} is out of range for an input of rank ${rank}`);
  const coefficient = (p.coeff as number | undefined) ?? 1;
  const axes = ctx.int64s('axes', Array.from({ length: rank - axis }, (_, i) => axis + i));
  if (coefficient === 1) {
    ctx.node(op, [ctx.inputs[0]!, axes], [ctx.outputs[0]!], { keepdims: 0 });
    return;
  }
  const reduced = ctx.node(op, [ctx.inputs[0]!, axes], [ctx.temp('reduced')], { keepdims: 0 }, 'reduce')[0]!;
  ctx.node('Mul', [reduced, scalar(ctx, 'coeff', coefficient)], [ctx.outputs[0]!]);
}

/**
 * ArgMax: the top_k largest along `axis` (indices as floats, or the values with out_max_val); without an axis, over
 * each sample's C·H·W values, written [N, 1, top_k, 1] (indices) or [N, 2, top_k, 1] (indices, then values). Equal
 * values rank the lower index first (Caffe's sort puts the higher index first; only ties differ).
 */
export function argMax(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('argmax');
  const dims = ctx.knownDims(0);
  const k = (p.top_k as number | undefined) ?? 1;
  const values = (p.out_max_val as boolean | undefined) ?? false;
  const x = ctx.inputs[0]!;
  if (p.axis !== undefined) {
    const axis = (p.axis as number) < 0 ? (p.axis as number) + dims.length : (p.axis as number);
    if (axis < 0 || axis >= dims.length) throw ctx.fail(`axis ${p.axis} is out of range for an input of rank ${dims.length}`);
    if (k < 1 || k > dims[axis]!) throw ctx.fail(`top_k ${k} must lie in [1, ${dims[axis]}]`);
    const [top, indices] = ctx.node('TopK', [x, ctx.int64s('k', [k])], [ctx.temp('values'), ctx.temp('indices')], { axis }, 'top_k');
    if (values) ctx.node('Identity', [top!], [ctx.outputs[0]!]);
    else ctx.node('Cast', [indices!], [ctx.outputs[0]!], { to: 'float32' });
    return;
  }
  const count = dims.slice(1).reduce((a, b) => a * b, 1);
  if (k < 1 || k > count) throw ctx.fail(`top_k ${k} must lie in [1, ${count}]`);
  const flat = ctx.node('Reshape', [x, ctx.int64s('flat', [dims[0]!, count])], [ctx.temp('flat')], {}, 'flatten')[0]!;
  const [top, indices] = ctx.node('TopK', [flat, ctx.int64s('k', [k])], [ctx.temp('values'), ctx.temp('indices')], { axis: 1 }, 'top_k');
  const shape = ctx.int64s('shape', [dims[0]!, 1, k, 1]);
  const positions = ctx.node('Cast', [indices!], [ctx.temp('positions')], { to: 'float32' }, 'cast')[0]!;
  if (!values) {
    ctx.node('Reshape', [positions, shape], [ctx.outputs[0]!]);
    return;
  }
  const parts = [positions, top!].map((part, i) => ctx.node('Reshape', [part, shape], [ctx.temp(`part_${i}`)], {}, `part_${i}`)[0]!);
  ctx.node('Concat', parts, [ctx.outputs[0]!], { axis: 1 });
}
