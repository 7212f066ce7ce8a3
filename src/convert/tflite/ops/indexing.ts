/**
 * Indexing operators: EMBEDDING_LOOKUP (Gather on axis 0), REVERSE_V2 (Slice with step −1), SCATTER_ND (ScatterND
 * with reduction 'add' into zeros: TFLite sums duplicate indices), DYNAMIC_UPDATE_SLICE (ScatterND of the update at
 * its clamped start, the start constant or computed at run time).
 */
import { toNumbers } from '../../../ir/reference/util.js';
import { Tensor, sizeOf } from '../../../ir/tensor.js';
import { irAxis, nativeForm, permuteDims } from '../layout.js';
import type { OpContext } from '../op-context.js';
import type { OpConverter } from './registry.js';
import { axisOf } from './common.js';

/** Input i as int64 indices in native form (ONNX index inputs are int64). */
function int64Indices(ctx: OpContext, i: number, what: string): string {
  const value = ctx.constant(i);
  if (value) return ctx.converter.addConstant(`${ctx.nodeName}/${what}`, new Tensor('int64', BigInt64Array.from(toNumbers(value), (v) => BigInt(v)), value.dims));
  const name = ctx.read(i, nativeForm(ctx.rank(i)));
  return ctx.converter.graph.tensor(name).type === 'int64' ? name : ctx.node1('Cast', [name], { to: 'int64' }, what);
}

const embeddingLookup: OpConverter = (ctx) => {
  if (ctx.rank(0) !== 1) ctx.fail(`the lookup ids must be 1-D, got [${ctx.dims(0).join(', ')}]`);
  const rank = ctx.rank(1);
  const output = ctx.node1('Gather', [ctx.read(1, nativeForm(rank)), int64Indices(ctx, 0, 'ids')], { axis: 0 });
  ctx.finish(0, output, nativeForm(rank), { exactInput: 1 });
};

const reverse: OpConverter = (ctx) => {
  const rank = ctx.rank(0);
  const axes = [...new Set(ctx.ints(1, 'axis').map((axis) => axisOf(ctx, axis, rank)))];
  const { name, form } = ctx.readPreferred(0);
  if (axes.length === 0) return ctx.finish(0, ctx.node1('Identity', [name]), form, { exactInput: 0 });
  const dims = permuteDims(ctx.dims(0), form);
  const irAxes = axes.map((axis) => irAxis(form, axis));
  const output = ctx.node1('Slice', [
    name,
    ctx.int64s(irAxes.map(() => -1)),
    ctx.int64s(irAxes.map((axis) => -dims[axis]! - 1)), // before the first element
    ctx.int64s(irAxes),
    ctx.int64s(irAxes.map(() => -1)),
  ]);
  ctx.finish(0, output, form, { exactInput: 0 });
};

const scatterNd: OpConverter = (ctx) => {
  const shape = ctx.ints(2, 'shape');
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) ctx.fail(`shape [${shape.join(', ')}] must be non-negative`);
  const updates = ctx.read(1, nativeForm(ctx.rank(1)));
  const type = ctx.converter.graph.tensor(updates).type;
  const zeros = ctx.converter.addConstant(`${ctx.nodeName}/zeros`, Tensor.zeros(type, shape));
  const output = ctx.node1('ScatterND', [zeros, int64Indices(ctx, 0, 'indices'), updates], { reduction: 'add' });
  ctx.finish(0, output, nativeForm(shape.length));
};

/** Every index of a tensor of `dims`, as int64 [...dims, rank] (row-major). */
function indexGrid(dims: readonly number[]): Tensor<'int64'> {
  const rank = dims.length;
  const count = sizeOf(dims);
  const data = new BigInt64Array(count * rank);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < count; i++) {
    for (let axis = 0; axis < rank; axis++) data[i * rank + axis] = BigInt(index[axis]!);
    for (let axis = rank - 1; axis >= 0; axis--) {
      if (++index[axis]! < dims[axis]!) break;
      index[axis] = 0;
    }
  }
  return new Tensor('int64', data, [...dims, rank]);
}

/** XLA's rule: the start is clamped so that the update fits inside the operand. */
const dynamicUpdateSlice: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const updateDims = ctx.dims(1);
  if (updateDims.length !== dims.length || updateDims.some((d, i) => d > dims[i]!)) {
    ctx.fail(`update [${updateDims.join(', ')}] does not fit operand [${dims.join(', ')}]`);
  }
  if (ctx.dims(2).length !== 1 || ctx.dims(2)[0] !== dims.length) ctx.fail(`start_indices must hold ${dims.length} values`);
  const room = dims.map((d, i) => d - updateDims[i]!);
  const grid = indexGrid(updateDims);
  const start = ctx.constant(2);
  let indices: string;
  if (start) {
    const clamped = toNumbers(start).map((s, i) => Math.min(Math.max(s, 0), room[i]!));
    const data = grid.data.map((v, k) => v + BigInt(clamped[k % dims.length]!));
    indices = ctx.converter.addConstant(`${ctx.nodeName}/indices`, new Tensor('int64', data, grid.dims));
  } else {
    const given = int64Indices(ctx, 2, 'start');
    const low = ctx.converter.sharedConstant('int64', [0], []);
    const high = ctx.converter.addConstant(`${ctx.nodeName}/room`, new Tensor('int64', BigInt64Array.from(room, (v) => BigInt(v)), [room.length]));
    const clamped = ctx.node1('Min', [ctx.node1('Max', [given, low], {}, 'start_low'), high], {}, 'start');
    indices = ctx.node1('Add', [ctx.converter.addConstant(`${ctx.nodeName}/grid`, grid), clamped], {}, 'indices');
  }
  const operand = ctx.read(0, nativeForm(dims.length));
  const output = ctx.node1('ScatterND', [operand, indices, ctx.read(1, nativeForm(updateDims.length))], { reduction: 'none' });
  ctx.finish(0, output, nativeForm(dims.length));
};

export const indexingConverters: Record<string, OpConverter> = {
  EMBEDDING_LOOKUP: embeddingLookup,
  REVERSE_V2: reverse,
  SCATTER_ND: scatterNd,
  DYNAMIC_UPDATE_SLICE: dynamicUpdateSlice,
};
