/**
 * Indexing operators: EMBEDDING_LOOKUP (Gather on axis 0), REVERSE_V2 (Slice with step −1), REVERSE_SEQUENCE
 * (GatherElements), SCATTER_ND (ScatterND with reduction 'add' into zeros: TFLite sums duplicate indices),
 * SPARSE_TO_DENSE (ScatterND into the default value), DYNAMIC_UPDATE_SLICE (ScatterND of the update at its clamped
 * start, the start constant or computed at run time).
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

const ReverseSequenceOptions = { seq_dim: 0, batch_dim: 1 };

/**
 * REVERSE_SEQUENCE: in each batch row b, the first seq_lengths[b] entries along seq_dim reversed, the rest kept.
 * The source index Where(t < len, len − 1 − t, t) is built as [B, T], laid onto the input's axes and expanded, then
 * read with GatherElements (constant lengths fold away in the passes).
 */
const reverseSequence: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const seqAxis = axisOf(ctx, ctx.options.int32(ReverseSequenceOptions.seq_dim, 'seq_dim'), dims.length, 'seq_dim');
  const batchAxis = axisOf(ctx, ctx.options.int32(ReverseSequenceOptions.batch_dim, 'batch_dim'), dims.length, 'batch_dim');
  if (seqAxis === batchAxis) ctx.fail('seq_dim and batch_dim must differ');
  const [steps, batch] = [dims[seqAxis]!, dims[batchAxis]!];
  if (ctx.rank(1) !== 1 || ctx.dims(1)[0] !== batch) ctx.fail(`seq_lengths must hold ${batch} values`);
  const positions = ctx.converter.addConstant(`${ctx.nodeName}/positions`, new Tensor('int64', BigInt64Array.from({ length: steps }, (_, t) => BigInt(t)), [steps]));
  const lengths = ctx.node1('Unsqueeze', [int64Indices(ctx, 1, 'lengths'), ctx.int64s([1])], {}, 'lengths_column');
  const inside = ctx.node1('Less', [positions, lengths], {}, 'inside');
  const last = ctx.node1('Sub', [lengths, ctx.converter.sharedConstant('int64', [1], [])], {}, 'last');
  let source = ctx.node1('Where', [inside, ctx.node1('Sub', [last, positions], {}, 'reversed'), positions], {}, 'source');
  if (seqAxis < batchAxis) source = ctx.node1('Transpose', [source], { perm: [1, 0] }, 'source_order');
  const laid = dims.map((d, axis) => (axis === seqAxis || axis === batchAxis ? d : 1));
  const shaped = ctx.node1('Reshape', [source, ctx.int64s(laid)], {}, 'source_axes');
  const indices = ctx.node1('Expand', [shaped, ctx.int64s(dims)], {}, 'indices');
  const output = ctx.node1('GatherElements', [ctx.read(0, nativeForm(dims.length)), indices], { axis: seqAxis });
  ctx.finish(0, output, nativeForm(dims.length), { exactInput: 0 });
};

/** SPARSE_TO_DENSE: default_value everywhere, values written at the indices (a later duplicate wins). */
const sparseToDense: OpConverter = (ctx) => {
  const shape = ctx.ints(1, 'output_shape');
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) ctx.fail(`output_shape [${shape.join(', ')}] must be non-negative`);
  const indexDims = ctx.dims(0);
  // Indices are [N, rank], or [N] (rank 1), or one scalar index.
  const count = indexDims.length === 0 ? 1 : indexDims[0]!;
  if (indexDims.length > 2 || (indexDims.length === 2 && indexDims[1] !== shape.length) || (indexDims.length < 2 && shape.length !== 1 && indexDims.length !== 0)) {
    ctx.fail(`indices [${indexDims.join(', ')}] do not fit output_shape [${shape.join(', ')}]`);
  }
  let indices = int64Indices(ctx, 0, 'indices');
  if (indexDims.length < 2) indices = ctx.node1('Reshape', [indices, ctx.int64s([count, shape.length])], {}, 'index_rows');
  let values = ctx.read(2, nativeForm(ctx.rank(2)));
  if (ctx.rank(2) !== 1 || ctx.dims(2)[0] !== count) values = ctx.node1('Expand', [ctx.node1('Reshape', [values, ctx.int64s([])], {}, 'value'), ctx.int64s([count])], {}, 'values');
  const fill = ctx.node1('Reshape', [ctx.read(3, nativeForm(ctx.rank(3))), ctx.int64s([])], {}, 'default');
  const base = ctx.node1('Expand', [fill, ctx.int64s(shape)], {}, 'base');
  ctx.finish(0, ctx.node1('ScatterND', [base, indices, values], { reduction: 'none' }), nativeForm(shape.length));
};

export const indexingConverters: Record<string, OpConverter> = {
  REVERSE_SEQUENCE: reverseSequence,
  SPARSE_TO_DENSE: sparseToDense,
  EMBEDDING_LOOKUP: embeddingLookup,
  REVERSE_V2: reverse,
  SCATTER_ND: scatterNd,
  DYNAMIC_UPDATE_SLICE: dynamicUpdateSlice,
};
