/**
 * MATRIX_DIAG and MATRIX_SET_DIAG on the last two axes: a constant identity mask picks the diagonal (Where, so that
 * inf or NaN off the diagonal never leaks through a multiplication by zero).
 */
import { Tensor } from '../../../ir/tensor.js';
import { nativeForm } from '../layout.js';
import type { OpContext } from '../op-context.js';
import type { OpConverter } from './registry.js';

/** A bool [rows, columns] mask, true on the main diagonal. */
function identityMask(ctx: OpContext, rows: number, columns: number): string {
  const data = new Uint8Array(rows * columns);
  for (let i = 0; i < Math.min(rows, columns); i++) data[i * columns + i] = 1;
  return ctx.converter.addConstant(`${ctx.nodeName}/diagonal_mask`, new Tensor('bool', data, [rows, columns]));
}

/** [..., K] → [..., K, K] with the input on the diagonal and zeros elsewhere. */
const matrixDiag: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  if (dims.length < 1) ctx.fail('the diagonal must have rank ≥ 1');
  const size = dims[dims.length - 1]!;
  const diagonal = ctx.read(0, nativeForm(dims.length));
  const column = ctx.node1('Unsqueeze', [diagonal, ctx.int64s([dims.length])], {}, 'column');
  const zero = ctx.converter.sharedConstant(ctx.converter.graph.tensor(diagonal).type, [0], []);
  ctx.finish(0, ctx.node1('Where', [identityMask(ctx, size, size), column, zero]), nativeForm(dims.length + 1), { exactInput: 0 });
};

/** input [..., M, N] with its main diagonal replaced by diagonal [..., min(M, N)]. */
const matrixSetDiag: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const rank = dims.length;
  if (rank < 2) ctx.fail('the input must have rank ≥ 2');
  const [rows, columns] = [dims[rank - 2]!, dims[rank - 1]!];
  const length = Math.min(rows, columns);
  if (ctx.dims(1)[ctx.rank(1) - 1] !== length) ctx.fail(`the diagonal must end in ${length} values, got [${ctx.dims(1).join(', ')}]`);
  let diagonal = ctx.read(1, nativeForm(ctx.rank(1)));
  // Row i of the result takes diagonal[i]; rows past the diagonal's end are never picked (padded with zeros).
  if (rows > length) {
    const pads = new Array<number>(2 * ctx.rank(1)).fill(0);
    pads[2 * ctx.rank(1) - 1] = rows - length;
    diagonal = ctx.node1('Pad', [diagonal, ctx.int64s(pads)], { mode: 'constant' }, 'pad');
  }
  const column = ctx.node1('Unsqueeze', [diagonal, ctx.int64s([ctx.rank(1)])], {}, 'column');
  const output = ctx.node1('Where', [identityMask(ctx, rows, columns), column, ctx.read(0, nativeForm(rank))]);
  ctx.finish(0, output, nativeForm(rank));
};

export const matrixConverters: Record<string, OpConverter> = {
  MATRIX_DIAG: matrixDiag,
  MATRIX_SET_DIAG: matrixSetDiag,
};
