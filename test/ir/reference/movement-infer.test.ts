/** Shape/dtype inference of the movement ops: exact dims from constants, symbols kept, rank when that is all. */
import { describe, expect, it } from 'vitest';
import { WebliteError } from '../../../src/errors.js';
import type { Attrs } from '../../../src/ir/graph.js';
import type { TensorFacts } from '../../../src/ir/op-spec.js';
import { movementOps } from '../../../src/ir/ops/movement.js';
import { Tensor } from '../../../src/ir/tensor.js';

type Op = keyof typeof movementOps;

const i64 = (values: number[], dims?: number[]) => new Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
const f32 = (values: number[], dims?: number[]) => new Tensor('float32', Float32Array.from(values), dims);

/** Input facts; a Tensor stands for a constant input with that value. */
type Input = TensorFacts | Tensor | undefined;

function infer(op: Op, inputs: Input[], attrs: Attrs = {}, outputCount = 1): TensorFacts[] {
  const spec = movementOps[op];
  const resolved: Attrs = {};
  for (const [name, attr] of Object.entries(spec.attrs as Record<string, { default?: Attrs[string] }>)) {
    if (attr.default !== undefined) resolved[name] = attr.default;
  }
  let fresh = 0;
  return spec.infer({
    inputs: inputs.map((i) => (i instanceof Tensor ? { type: i.type, dims: [...i.dims] } : i)),
    attrs: { ...resolved, ...attrs },
    constant: (i) => (inputs[i] instanceof Tensor ? (inputs[i] as Tensor) : undefined),
    outputCount,
    unknownDim: () => `unknown_${++fresh}`,
    nodeName: 'n1',
  });
}

const dimsOf = (op: Op, inputs: Input[], attrs?: Attrs, outputCount?: number) =>
  infer(op, inputs, attrs, outputCount).map((f) => f.dims);

function expectBadModel(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(WebliteError);
    expect((error as WebliteError).code).toBe('BAD_MODEL');
    expect((error as Error).message).toContain("'n1'");
    return;
  }
  throw new Error('expected BAD_MODEL');
}

const x = (...dims: (number | string)[]): TensorFacts => ({ type: 'float32', dims });
const shapeInput = (length: number): TensorFacts => ({ type: 'int64', dims: [length] });

describe('Reshape', () => {
  it('copies symbols for 0 and cancels them for -1', () => {
    expect(dimsOf('Reshape', [x('batch', 3, 4), i64([0, -1])])).toEqual([['batch', 12]]);
    expect(dimsOf('Reshape', [x('batch', 3, 4), i64([-1, 12])])).toEqual([['batch', 12]]);
    expect(dimsOf('Reshape', [x('batch', 'seq', 8), i64([0, 0, 2, 4])])).toEqual([['batch', 'seq', 2, 4]]);
    expect(dimsOf('Reshape', [x('batch', 'seq', 8), i64([-1, 8])])).toEqual([['unknown_1', 8]]);
    expect(dimsOf('Reshape', [x(2, 3, 4), i64([-1, 2])])).toEqual([[12, 2]]);
  });
  it('knows the rank from a non-constant shape of known length', () => {
    expect(dimsOf('Reshape', [x(2, 3), shapeInput(3)])).toEqual([['unknown_1', 'unknown_2', 'unknown_3']]);
    expect(dimsOf('Reshape', [x(2, 3), { type: 'int64', dims: ['n'] }])).toEqual([undefined]);
  });
  it('rejects impossible shapes', () => {
    expectBadModel(() => infer('Reshape', [x(2, 3), i64([4, -1])]));
    expectBadModel(() => infer('Reshape', [x(2, 3), i64([5])]));
    expectBadModel(() => infer('Reshape', [x(2, 3), i64([0, 0, 0])]));
  });
});

describe('Flatten / Squeeze / Unsqueeze / Transpose', () => {
  it('flattens symbolic dims', () => {
    expect(dimsOf('Flatten', [x('batch', 3, 4)])).toEqual([['batch', 12]]);
    expect(dimsOf('Flatten', [x('batch', 'seq', 4)], { axis: 2 })).toEqual([['unknown_1', 4]]);
    expect(dimsOf('Flatten', [{ type: 'float32' }])).toEqual([['unknown_1', 'unknown_2']]);
  });
  it('squeezes and unsqueezes with constant or unknown axes', () => {
    expect(dimsOf('Squeeze', [x('batch', 1, 4), i64([1])])).toEqual([['batch', 4]]);
    expect(dimsOf('Squeeze', [x('batch', 1, 4)])).toEqual([undefined]);
    expect(dimsOf('Squeeze', [x(3, 1, 1)])).toEqual([[3]]);
    expect(dimsOf('Squeeze', [x(3, 1, 1), shapeInput(2)])).toEqual([['unknown_1']]);
    expectBadModel(() => infer('Squeeze', [x(3, 1), i64([0])]));
    expect(dimsOf('Unsqueeze', [x('batch', 4), i64([0, -1])])).toEqual([[1, 'batch', 4, 1]]);
    expect(dimsOf('Unsqueeze', [x('batch', 4), shapeInput(1)])).toEqual([['unknown_1', 'unknown_2', 'unknown_3']]);
  });
  it('transposes', () => {
    expect(dimsOf('Transpose', [x('batch', 3, 4)], { perm: [2, 0, 1] })).toEqual([[4, 'batch', 3]]);
    expect(dimsOf('Transpose', [x('batch', 3, 4)])).toEqual([[4, 3, 'batch']]);
    expectBadModel(() => infer('Transpose', [x(1, 2)], { perm: [0, 2] }));
  });
});

describe('Concat / Split / Slice', () => {
  it('concatenates and merges known dims', () => {
    expect(dimsOf('Concat', [x('batch', 3), x('batch', 5)], { axis: 1 })).toEqual([['batch', 8]]);
    expect(dimsOf('Concat', [x('a', 3), x('b', 3)], { axis: 0 })).toEqual([['unknown_1', 3]]);
    expect(dimsOf('Concat', [x('n', 3), x(2, 'm')], { axis: 0 })).toEqual([['unknown_1', 3]]);
    expectBadModel(() => infer('Concat', [x(2, 3), x(2, 4)], { axis: 0 }));
    expectBadModel(() => infer('Concat', [x(2, 3), { type: 'int64', dims: [2, 3] }], { axis: 0 }));
  });
  it('splits into outputs', () => {
    expect(dimsOf('Split', [x('batch', 7)], { axis: 1 }, 3)).toEqual([['batch', 3], ['batch', 3], ['batch', 1]]);
    expect(dimsOf('Split', [x('batch', 6), i64([2, 4])], { axis: -1 }, 2)).toEqual([['batch', 2], ['batch', 4]]);
    expect(dimsOf('Split', [x('n', 6)], {}, 2)).toEqual([['unknown_1', 6], ['unknown_2', 6]]);
    expect(dimsOf('Split', [x(4, 6), shapeInput(2)], {}, 2)).toEqual([['unknown_1', 6], ['unknown_2', 6]]);
    expectBadModel(() => infer('Split', [x(4), i64([1, 2])], {}, 2));
    expectBadModel(() => infer('Split', [x(4)], { num_outputs: 3 }, 2));
  });
  it('slices constant bounds exactly and keeps full symbolic axes', () => {
    const end = new Tensor('int64', BigInt64Array.of(9223372036854775807n), [1]);
    expect(dimsOf('Slice', [x('batch', 10), i64([0]), end, i64([0])])).toEqual([['batch', 10]]);
    expect(dimsOf('Slice', [x('batch', 10), i64([1]), i64([-1]), i64([-1]), i64([2])])).toEqual([['batch', 4]]);
    expect(dimsOf('Slice', [x('batch', 10), i64([1]), i64([3])])).toEqual([['unknown_1', 10]]);
    expect(dimsOf('Slice', [x(3, 10), shapeInput(1), shapeInput(1), i64([1])])).toEqual([[3, 'unknown_1']]);
    expect(dimsOf('Slice', [x(3, 10), shapeInput(1), shapeInput(1)])).toEqual([['unknown_1', 10]]);
    expectBadModel(() => infer('Slice', [x(3), i64([0]), i64([1]), i64([0]), i64([0])]));
  });
});

describe('indexing ops', () => {
  it('infers gather dims', () => {
    expect(dimsOf('Gather', [x('vocab', 64), { type: 'int64', dims: ['batch', 'seq'] }])).toEqual([['batch', 'seq', 64]]);
    expect(dimsOf('Gather', [x(2, 3, 4), { type: 'int64', dims: [] }], { axis: -2 })).toEqual([[2, 4]]);
    expect(dimsOf('GatherElements', [x(3, 3), { type: 'int64', dims: [2, 3] }])).toEqual([[2, 3]]);
    expect(dimsOf('GatherND', [x(2, 3, 4), { type: 'int64', dims: [5, 2] }])).toEqual([[5, 4]]);
    expect(dimsOf('GatherND', [x(2, 3, 4), { type: 'int64', dims: [2, 1] }], { batch_dims: 1 })).toEqual([[2, 4]]);
    expectBadModel(() => infer('GatherND', [x(2, 3), { type: 'int64', dims: [5, 3] }]));
    expectBadModel(() => infer('Gather', [x(2, 3), { type: 'int64', dims: [1] }], { axis: 2 }));
  });
  it('keeps data facts for scatters and checks reductions', () => {
    const data = x('n', 4);
    expect(dimsOf('ScatterElements', [data, { type: 'int64', dims: [1, 2] }, x(1, 2)], { reduction: 'max' })).toEqual([['n', 4]]);
    expect(dimsOf('ScatterND', [data, { type: 'int64', dims: [3, 1] }, x(3, 4)])).toEqual([['n', 4]]);
    expectBadModel(() => infer('ScatterND', [data, { type: 'int64', dims: [1, 1] }, x(1, 4)], { reduction: 'avg' }));
  });
  it('infers one-hot dims and dtype from values', () => {
    const facts = infer('OneHot', [{ type: 'int64', dims: ['batch'] }, i64([10], []), { type: 'int32', dims: [2] }], { axis: 0 });
    expect(facts).toEqual([{ type: 'int32', dims: [10, 'batch'] }]);
    expect(dimsOf('OneHot', [{ type: 'int64', dims: [2] }, { type: 'int64', dims: [] }, x(2)])).toEqual([[2, 'unknown_1']]);
  });
});

describe('size-making ops', () => {
  it('infers Pad, Tile, Expand', () => {
    expect(dimsOf('Pad', [x('batch', 3, 4), i64([0, 1, 2, 0, 1, 2])])).toEqual([['batch', 5, 8]]);
    expect(dimsOf('Pad', [x('batch', 3, 4), i64([1, 1]), undefined, i64([-1])])).toEqual([['batch', 3, 6]]);
    expect(dimsOf('Pad', [x('batch', 3), shapeInput(4)])).toEqual([['unknown_1', 'unknown_2']]);
    expectBadModel(() => infer('Pad', [x(3), i64([1, 1])], { mode: 'mirror' }));
    expect(dimsOf('Tile', [x('batch', 3), i64([1, 2])])).toEqual([['batch', 6]]);
    expect(dimsOf('Tile', [x('batch', 3), shapeInput(2)])).toEqual([['unknown_1', 'unknown_2']]);
    expect(dimsOf('Expand', [x('batch', 1), i64([1, 1, 5])])).toEqual([[1, 'batch', 5]]);
    expect(dimsOf('Expand', [x(3, 1), shapeInput(3)])).toEqual([['unknown_1', 'unknown_2', 'unknown_3']]);
    expectBadModel(() => infer('Expand', [x(3), i64([4])]));
  });
  it('infers DepthToSpace / SpaceToDepth', () => {
    expect(dimsOf('DepthToSpace', [x('n', 8, 3, 'w')], { blocksize: 2 })).toEqual([['n', 2, 6, 'unknown_1']]);
    expect(dimsOf('SpaceToDepth', [x(1, 2, 4, 6)], { blocksize: 2 })).toEqual([[1, 8, 2, 3]]);
    expectBadModel(() => infer('DepthToSpace', [x(1, 6, 2, 2)], { blocksize: 2 }));
  });
  it('infers Shape, Size, ConstantOfShape, Range, Trilu', () => {
    expect(infer('Shape', [x('batch', 3, 4)], { start: 1 })).toEqual([{ type: 'int64', dims: [2] }]);
    expect(infer('Size', [x('batch')])).toEqual([{ type: 'int64', dims: [] }]);
    expect(infer('ConstantOfShape', [i64([2, 3])], { value: new Tensor('int32', Int32Array.of(1), [1]) }))
      .toEqual([{ type: 'int32', dims: [2, 3] }]);
    expect(infer('ConstantOfShape', [shapeInput(2)])).toEqual([{ type: 'float32', dims: ['unknown_1', 'unknown_2'] }]);
    expect(dimsOf('Range', [f32([0], []), f32([10], []), f32([3], [])])).toEqual([[4]]);
    expect(dimsOf('Range', [x(), f32([10], []), f32([3], [])])).toEqual([['unknown_1']]);
    expect(dimsOf('Trilu', [x('n', 3, 3)])).toEqual([['n', 3, 3]]);
    expectBadModel(() => infer('Trilu', [x(3)]));
  });
});
