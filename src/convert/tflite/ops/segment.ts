/**
 * SEGMENT_SUM and UNSORTED_SEGMENT_{SUM,PROD,MAX,MIN}: ScatterND of the data rows into an output filled with the
 * reduction's identity (0, 1, the lowest or the highest value — what TFLite's kernels fill empty segments with).
 * The segment count must be known: from the constant ids (SEGMENT_SUM) or num_segments, else the declared shape.
 */
import type { DType } from '../../../ir/dtype.js';
import { toNumbers } from '../../../ir/reference/util.js';
import { Tensor, sizeOf } from '../../../ir/tensor.js';
import { nativeForm } from '../layout.js';
import type { OpContext } from '../op-context.js';
import type { OpConverter } from './registry.js';

type Reduction = 'add' | 'mul' | 'max' | 'min';

const LIMITS: Partial<Record<DType, [lowest: number, highest: number]>> = {
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  int32: [-2147483648, 2147483647],
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
};

function fillValue(ctx: OpContext, reduction: Reduction, type: DType): number {
  if (reduction === 'add') return 0;
  if (reduction === 'mul') return 1;
  const limits = LIMITS[type] ?? ctx.unsupported(`segment ${reduction} of ${type} is not supported`);
  return reduction === 'max' ? limits[0] : limits[1];
}

function segments(reduction: Reduction, sorted: boolean): OpConverter {
  return (ctx) => {
    const dims = ctx.dims(0);
    const idDims = ctx.dims(1);
    if (idDims.length < 1 || idDims.length > dims.length || idDims.some((d, i) => d !== dims[i])) {
      ctx.fail(`segment ids [${idDims.join(', ')}] must match the leading axes of data [${dims.join(', ')}]`);
    }
    const ids = ctx.constant(1);
    let count: number | undefined;
    if (!sorted && ctx.constant(2)) count = toNumbers(ctx.constant(2))[0];
    else if (sorted && ids) count = Math.max(-1, ...toNumbers(ids)) + 1;
    count ??= ctx.converter.tensor(ctx.output(0)).shape[0];
    if (count === undefined || !Number.isInteger(count) || count < 0) ctx.unsupported('the number of segments must be known at conversion time');
    if (ids && toNumbers(ids).some((id) => id < 0 || id >= count!)) ctx.fail(`segment ids must lie in [0, ${count})`);
    const outputDims = [count!, ...dims.slice(idDims.length)];
    const data = ctx.read(0, nativeForm(dims.length));
    const type = ctx.converter.graph.tensor(data).type;
    const fill = new Array<number>(sizeOf(outputDims)).fill(fillValue(ctx, reduction, type));
    const init = ctx.converter.addConstant(`${ctx.nodeName}/init`, new Tensor(type, fill, outputDims));
    let indices: string;
    if (ids) {
      indices = ctx.converter.addConstant(`${ctx.nodeName}/indices`, new Tensor('int64', BigInt64Array.from(toNumbers(ids), (v) => BigInt(v)), [...idDims, 1]));
    } else {
      const read = ctx.read(1, nativeForm(idDims.length));
      const wide = ctx.converter.graph.tensor(read).type === 'int64' ? read : ctx.node1('Cast', [read], { to: 'int64' }, 'ids');
      indices = ctx.node1('Unsqueeze', [wide, ctx.int64s([idDims.length])], {}, 'indices');
    }
    ctx.finish(0, ctx.node1('ScatterND', [init, indices, data], { reduction }), nativeForm(outputDims.length));
  };
}

export const segmentConverters: Record<string, OpConverter> = {
  SEGMENT_SUM: segments('add', true),
  UNSORTED_SEGMENT_SUM: segments('add', false),
  UNSORTED_SEGMENT_PROD: segments('mul', false),
  UNSORTED_SEGMENT_MAX: segments('max', false),
  UNSORTED_SEGMENT_MIN: segments('min', false),
};
