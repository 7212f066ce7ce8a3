/**
 * Math composed from IR elementwise ops: ATAN2 (Atan of y / x with the quadrant chosen by Where, as std::atan2),
 * FAKE_QUANT (TFLite's nudged min/max grid, computed in float32 here as its kernel does), BUCKETIZE (the number of
 * boundaries ≤ x, std::upper_bound's index).
 */
import { Tensor } from '../../../ir/tensor.js';
import { nativeForm } from '../layout.js';
import type { OpConverter } from './registry.js';
import { broadcastInputs } from './common.js';

const FakeQuantOptions = { min: 0, max: 1, num_bits: 2, narrow_range: 3 };
const BucketizeOptions = { boundaries: 0 };

/**
 * atan2(y, x) = atan(y / x) for x > 0; ± π added for x < 0 (+ when y ≥ 0); ± π/2 for x = 0 by the sign of y, and
 * 0 at the origin.
 */
const atan2: OpConverter = (ctx) => {
  const { names, form } = broadcastInputs(ctx, [0, 1]);
  const [y, x] = names as [string, string];
  const zero = ctx.scalar(0);
  const base = ctx.node1('Atan', [ctx.node1('Div', [y, x], {}, 'ratio')], {}, 'atan');
  const yNonNegative = ctx.node1('GreaterOrEqual', [y, zero], {}, 'y_non_negative');
  const shift = ctx.node1('Where', [yNonNegative, ctx.scalar(Math.PI), ctx.scalar(-Math.PI)], {}, 'shift');
  const negativeX = ctx.node1('Add', [base, shift], {}, 'negative_x');
  const onAxis = ctx.node1('Mul', [ctx.node1('Sign', [y], {}, 'sign'), ctx.scalar(Math.PI / 2)], {}, 'on_axis');
  const xPositive = ctx.node1('Greater', [x, zero], {}, 'x_positive');
  const xNegative = ctx.node1('Less', [x, zero], {}, 'x_negative');
  const otherwise = ctx.node1('Where', [xNegative, negativeX, onAxis], {}, 'not_positive');
  ctx.finish(0, ctx.node1('Where', [xPositive, base, otherwise]), form);
};

const fakeQuant: OpConverter = (ctx) => {
  const o = ctx.options;
  const f = Math.fround;
  const [min, max] = [f(o.float32(FakeQuantOptions.min, 'min')), f(o.float32(FakeQuantOptions.max, 'max'))];
  const bits = o.int32(FakeQuantOptions.num_bits, 'num_bits');
  if (!(max > min) || bits < 2 || bits > 16) ctx.fail(`needs min < max and 2–16 bits, got [${min}, ${max}] and ${bits}`);
  const [quantMin, quantMax] = [o.bool(FakeQuantOptions.narrow_range, 'narrow_range') ? 1 : 0, 2 ** bits - 1];
  // TFLite's Nudge: the zero point rounded onto the integer grid, min and max moved with it.
  const scale = f(f(max - min) / (quantMax - quantMin));
  const zeroPointFromMin = f(quantMin - f(min / scale));
  const zeroPoint = zeroPointFromMin < quantMin ? quantMin : zeroPointFromMin > quantMax ? quantMax : Math.round(zeroPointFromMin);
  const [nudgedMin, nudgedMax] = [f((quantMin - zeroPoint) * scale), f((quantMax - zeroPoint) * scale)];
  const { name, form } = ctx.readPreferred(0);
  const clamped = ctx.node1('Clip', [name, ctx.scalar(nudgedMin), ctx.scalar(nudgedMax)], {}, 'clamp');
  const steps = ctx.node1('Mul', [ctx.node1('Sub', [clamped, ctx.scalar(nudgedMin)], {}, 'shift'), ctx.scalar(f(1 / scale))], {}, 'steps');
  // round() of a non-negative value: floor(v + 0.5).
  const rounded = ctx.node1('Floor', [ctx.node1('Add', [steps, ctx.scalar(0.5)], {}, 'half')], {}, 'round');
  ctx.finish(0, ctx.node1('Add', [ctx.node1('Mul', [rounded, ctx.scalar(scale)], {}, 'scale'), ctx.scalar(nudgedMin)]), form);
};

const bucketize: OpConverter = (ctx) => {
  const boundaries = ctx.op.options?.float32s(BucketizeOptions.boundaries, 'boundaries') ?? [];
  if (boundaries.some((b, i) => i > 0 && b < boundaries[i - 1]!)) ctx.fail('boundaries must be sorted');
  const rank = ctx.rank(0);
  const read = ctx.read(0, nativeForm(rank));
  // Integer inputs compare as floats against the float boundaries, as the kernel's upper_bound does.
  const input = ctx.converter.graph.tensor(read).type === 'float32' ? read : ctx.node1('Cast', [read], { to: 'float32' }, 'float');
  if (boundaries.length === 0) {
    const dims = ctx.dims(0);
    return ctx.converter.setConstant(ctx.output(0), Tensor.zeros('int32', dims));
  }
  const column = ctx.node1('Unsqueeze', [input, ctx.int64s([rank])], {}, 'column');
  const limits = ctx.converter.addConstant(`${ctx.nodeName}/boundaries`, new Tensor('float32', Float32Array.from(boundaries), [boundaries.length]));
  const passed = ctx.node1('Cast', [ctx.node1('GreaterOrEqual', [column, limits], {}, 'passed')], { to: 'int32' }, 'count');
  ctx.finish(0, ctx.node1('ReduceSum', [passed, ctx.int64s([rank])], { keepdims: 0 }), nativeForm(rank));
};

export const mathConverters: Record<string, OpConverter> = {
  ATAN2: atan2,
  FAKE_QUANT: fakeQuant,
  BUCKETIZE: bucketize,
};
