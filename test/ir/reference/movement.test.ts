/** Reference tables for the shape and data-movement ops (src/ir/ops/movement.ts). */
import { describe, expect, it } from 'vitest';
import { WebliteError } from '../../../src/errors.js';
import type { DType } from '../../../src/ir/dtype.js';
import type { Attrs } from '../../../src/ir/graph.js';
import { movementOps } from '../../../src/ir/ops/movement.js';
import { Tensor, limits } from '../../../src/ir/tensor.js';

type Op = keyof typeof movementOps;

/** Runs an op's reference with its attribute defaults filled in, as the runtime does. */
function run(op: Op, inputs: (Tensor | undefined)[], attrs: Attrs = {}, outputCount = 1): Tensor[] {
  const spec = movementOps[op];
  const resolved: Attrs = {};
  for (const [name, attr] of Object.entries(spec.attrs as Record<string, { default?: Attrs[string] }>)) {
    if (attr.default !== undefined) resolved[name] = attr.default;
  }
  return spec.reference(inputs, { ...resolved, ...attrs }, { outputCount, nodeName: 'n1' });
}

const f32 = (values: number[], dims?: number[]) => new Tensor('float32', Float32Array.from(values), dims);
const i64 = (values: number[], dims?: number[]) => new Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
const i32 = (values: number[], dims?: number[]) => new Tensor('int32', Int32Array.from(values), dims);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const values = (t: Tensor) => Array.from(t.data as ArrayLike<number | bigint | string>, (v) => (typeof v === 'bigint' ? Number(v) : v));

function expectTensor(got: Tensor | undefined, dims: number[], want: (number | string)[], type?: DType): void {
  expect(got).toBeDefined();
  expect([...got!.dims]).toEqual(dims);
  expect(values(got!)).toEqual(want);
  if (type) expect(got!.type).toBe(type);
}

function expectError(action: () => unknown, code: string, text = "'n1'"): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(WebliteError);
    expect((error as WebliteError).code).toBe(code);
    expect((error as Error).message).toContain(text);
    return;
  }
  throw new Error('expected an error');
}

describe('Reshape / Flatten / Squeeze / Unsqueeze', () => {
  it('reshapes with 0 and -1', () => {
    expectTensor(run('Reshape', [f32(range(24), [2, 3, 4]), i64([0, -1])])[0], [2, 12], range(24));
    expectTensor(run('Reshape', [f32(range(24), [2, 3, 4]), i64([-1, 2, 3])])[0], [4, 2, 3], range(24));
  });
  it('keeps zero dims with allowzero', () => {
    expectTensor(run('Reshape', [f32([], [0, 3]), i64([3, 0])], { allowzero: 1 })[0], [3, 0], []);
  });
  it('rejects a wrong element count at run time', () => {
    expectError(() => run('Reshape', [f32(range(6), [2, 3]), i64([4, 2])]), 'RUNTIME_ERROR');
    expectError(() => run('Reshape', [f32(range(6), [2, 3]), i64([-1, -1])]), 'RUNTIME_ERROR');
  });
  it('moves strings, bools and int64 alike', () => {
    const strings = new Tensor('string', ['a', 'b', 'c', 'd'], [2, 2]);
    expectTensor(run('Reshape', [strings, i64([4])])[0], [4], ['a', 'b', 'c', 'd'], 'string');
    expectTensor(run('Flatten', [new Tensor('bool', Uint8Array.from([1, 0, 1, 0]), [1, 2, 2])], { axis: 0 })[0], [1, 4], [1, 0, 1, 0], 'bool');
    expectTensor(run('Squeeze', [i64([7], [1, 1])])[0], [], [7], 'int64');
  });
  it('flattens at every axis', () => {
    const data = f32(range(24), [2, 3, 4]);
    expect([...run('Flatten', [data], { axis: 0 })[0]!.dims]).toEqual([1, 24]);
    expect([...run('Flatten', [data], { axis: 3 })[0]!.dims]).toEqual([24, 1]);
    expect([...run('Flatten', [data], { axis: -1 })[0]!.dims]).toEqual([6, 4]);
    expectError(() => run('Flatten', [data], { axis: 4 }), 'RUNTIME_ERROR');
  });
  it('squeezes given or all unit axes, and unsqueezes at output positions', () => {
    const data = f32(range(3), [1, 3, 1]);
    expect([...run('Squeeze', [data])[0]!.dims]).toEqual([3]);
    expect([...run('Squeeze', [data, i64([-1])])[0]!.dims]).toEqual([1, 3]);
    expectError(() => run('Squeeze', [data, i64([1])]), 'RUNTIME_ERROR');
    expect([...run('Unsqueeze', [f32(range(3)), i64([2, 0])])[0]!.dims]).toEqual([1, 3, 1]);
    expect([...run('Unsqueeze', [f32(range(3)), i64([-1])])[0]!.dims]).toEqual([3, 1]);
    expectError(() => run('Unsqueeze', [f32(range(3)), i64([0, 0])]), 'RUNTIME_ERROR');
  });
});

describe('Transpose / Concat / Split', () => {
  it('transposes, reversing by default', () => {
    expectTensor(run('Transpose', [f32(range(6), [2, 3])])[0], [3, 2], [0, 3, 1, 4, 2, 5]);
    const out = run('Transpose', [i64(range(24), [2, 3, 4])], { perm: [1, 2, 0] })[0]!;
    expect([...out.dims]).toEqual([3, 4, 2]);
    expect(values(out).slice(0, 6)).toEqual([0, 12, 1, 13, 2, 14]);
    expectError(() => run('Transpose', [f32(range(6), [2, 3])], { perm: [0, 0] }), 'RUNTIME_ERROR');
  });
  it('concatenates on negative axes and empty parts', () => {
    const out = run('Concat', [f32([1, 2, 3, 4], [2, 2]), f32([5, 6], [2, 1]), f32([], [2, 0])], { axis: -1 })[0];
    expectTensor(out, [2, 3], [1, 2, 5, 3, 4, 6]);
    expectError(() => run('Concat', [f32([1, 2], [2]), f32([1, 2], [1, 2])], { axis: 0 }), 'RUNTIME_ERROR');
  });
  it('splits evenly, unevenly (opset 18), and by sizes', () => {
    const data = f32(range(7));
    expect(run('Split', [data], {}, 3).map((t) => values(t))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(run('Split', [data, i64([2, 5])], {}, 2).map((t) => values(t))).toEqual([[0, 1], [2, 3, 4, 5, 6]]);
    expect(run('Split', [f32(range(4)), i64([0, 4])], {}, 2).map((t) => [...t.dims])).toEqual([[0], [4]]);
    const two = run('Split', [f32(range(6), [2, 3])], { axis: 1, num_outputs: 2 }, 2);
    expect(two.map((t) => values(t))).toEqual([[0, 1, 3, 4], [2, 5]]);
    expectError(() => run('Split', [data, i64([2, 2])], {}, 2), 'RUNTIME_ERROR');
  });
});

describe('Slice', () => {
  const data = f32(range(20), [4, 5]);
  it('slices with defaults, negative axes and steps', () => {
    expectTensor(run('Slice', [data, i64([1, 0]), i64([3, 10])])[0], [2, 5], range(10).map((i) => i + 5));
    expectTensor(run('Slice', [data, i64([-1]), i64([-1000]), i64([-1]), i64([-2])])[0], [4, 3],
      [4, 2, 0, 9, 7, 5, 14, 12, 10, 19, 17, 15]);
    expectTensor(run('Slice', [f32(range(5)), i64([4]), i64([-6]), undefined, i64([-1])])[0], [5], [4, 3, 2, 1, 0]);
  });
  it('clamps INT64 bounds and empty ranges', () => {
    const huge = new Tensor('int64', BigInt64Array.of(9223372036854775807n), [1]);
    const tiny = new Tensor('int64', BigInt64Array.of(-9223372036854775808n), [1]);
    expectTensor(run('Slice', [f32(range(5)), i64([2]), huge])[0], [3], [2, 3, 4]);
    expectTensor(run('Slice', [f32(range(5)), huge, tiny, i64([0]), i64([-1])])[0], [5], [4, 3, 2, 1, 0]);
    expectTensor(run('Slice', [f32(range(5)), i64([10]), i64([20])])[0], [0], []);
    expectError(() => run('Slice', [f32(range(5)), i64([0]), i64([2]), undefined, i64([0])]), 'RUNTIME_ERROR');
  });
});

describe('Gather family', () => {
  it('gathers with negative indices along any axis', () => {
    const data = f32(range(6), [3, 2]);
    expectTensor(run('Gather', [data, i64([2, -3], [1, 2])])[0], [1, 2, 2], [4, 5, 0, 1]);
    expectTensor(run('Gather', [data, i32([-1]), ], { axis: 1 })[0], [3, 1], [1, 3, 5]);
    expectTensor(run('Gather', [data, i64([1], [])], { axis: 1 })[0], [3], [1, 3, 5]);
    expectError(() => run('Gather', [data, i64([3])]), 'RUNTIME_ERROR', "Gather 'n1'");
    expectError(() => run('Gather', [data, i64([-4])]), 'RUNTIME_ERROR');
  });
  it('gathers elements', () => {
    const data = f32([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    expectTensor(run('GatherElements', [data, i64([1, 2, 0, 2, 0, 0], [2, 3])])[0], [2, 3], [4, 8, 3, 7, 2, 3]);
    expectTensor(run('GatherElements', [data, i64([-1, 0], [1, 2])], { axis: 1 })[0], [1, 2], [3, 1]);
    expectError(() => run('GatherElements', [data, i64([3], [1, 1])]), 'RUNTIME_ERROR');
  });
  it('gathers ND with batch dims', () => {
    const data = i32(range(8), [2, 2, 2]);
    expectTensor(run('GatherND', [data, i64([0, 1, 1, 0], [2, 2])])[0], [2, 2], [2, 3, 4, 5]);
    expectTensor(run('GatherND', [data, i64([1, 0], [2, 1])], { batch_dims: 1 })[0], [2, 2], [2, 3, 4, 5]);
    expectTensor(run('GatherND', [data, i64([0, 1, 1, -1, 0, 0], [2, 3])])[0], [2], [3, 4]);
    expectError(() => run('GatherND', [data, i64([2, 0], [1, 2])]), 'RUNTIME_ERROR');
  });
  it('makes one-hot rows, leaving out-of-range indices all off', () => {
    expectTensor(run('OneHot', [i64([0, -1, 5]), f32([3], []), f32([0, 1])])[0], [3, 3], [1, 0, 0, 0, 0, 1, 0, 0, 0]);
    expectTensor(run('OneHot', [i64([1, 0]), i64([2]), i32([-1, 7])], { axis: 0 })[0], [2, 2], [-1, 7, 7, -1]);
  });
});

describe('Scatter family', () => {
  it('scatters elements with every reduction', () => {
    const data = f32([1, 2, 3, 4, 5], [1, 5]);
    const indices = i64([1, 3, 1], [1, 3]);
    const updates = f32([10, 20, 30], [1, 3]);
    const scatter = (reduction: string) => values(run('ScatterElements', [data, indices, updates], { axis: 1, reduction })[0]!);
    expect(scatter('none')).toEqual([1, 30, 3, 20, 5]);
    expect(scatter('add')).toEqual([1, 42, 3, 24, 5]);
    expect(scatter('mul')).toEqual([1, 600, 3, 80, 5]);
    expect(scatter('max')).toEqual([1, 30, 3, 20, 5]);
    expect(scatter('min')).toEqual([1, 2, 3, 4, 5]);
    expectError(() => run('ScatterElements', [data, i64([5], [1, 1]), f32([1], [1, 1])], { axis: 1 }), 'RUNTIME_ERROR');
  });
  it('adds int64 exactly', () => {
    const big = new Tensor('int64', BigInt64Array.of(2n ** 60n, 1n), [2]);
    const out = run('ScatterElements', [big, i64([0]), new Tensor('int64', BigInt64Array.of(3n), [1])], { reduction: 'add' })[0]!;
    expect((out.data as BigInt64Array)[0]).toBe(2n ** 60n + 3n);
  });
  it('scatters ND slices and reduces', () => {
    const data = f32(range(8), [4, 2]);
    const out = run('ScatterND', [data, i64([3, -4], [2, 1]), f32([10, 11, 12, 13], [2, 2])])[0];
    expectTensor(out, [4, 2], [12, 13, 2, 3, 4, 5, 10, 11]);
    const summed = run('ScatterND', [data, i64([1, 1, 1, 1], [2, 2]), f32([5, 5], [2])], { reduction: 'add' })[0];
    expectTensor(summed, [4, 2], [0, 1, 2, 13, 4, 5, 6, 7]);
    expectError(() => run('ScatterND', [data, i64([4], [1, 1]), f32([1, 1], [1, 2])]), 'RUNTIME_ERROR');
  });
});

describe('Pad', () => {
  const data = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  it('pads in every mode', () => {
    const pads = i64([0, 2, 0, 1]);
    expectTensor(run('Pad', [data, pads, f32([9], [])])[0], [2, 6], [9, 9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9]);
    expectTensor(run('Pad', [data, pads], { mode: 'reflect' })[0], [2, 6], [3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5]);
    expectTensor(run('Pad', [data, pads], { mode: 'edge' })[0], [2, 6], [1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6]);
    expectTensor(run('Pad', [data, pads], { mode: 'wrap' })[0], [2, 6], [2, 3, 1, 2, 3, 1, 5, 6, 4, 5, 6, 4]);
  });
  it('reflects past the edge repeatedly, crops with negative pads, pads chosen axes', () => {
    expectTensor(run('Pad', [f32([1, 2]), i64([3, 0])], { mode: 'reflect' })[0], [5], [2, 1, 2, 1, 2]);
    expectTensor(run('Pad', [f32([1, 2, 3, 4]), i64([-1, 2])], { mode: 'wrap' })[0], [5], [2, 3, 4, 2, 3]);
    expectTensor(run('Pad', [data, i64([1, 0]), undefined, i64([-2])])[0], [3, 3], [0, 0, 0, 1, 2, 3, 4, 5, 6]);
    expectError(() => run('Pad', [data, i64([0, -4, 0, 0])]), 'RUNTIME_ERROR');
    expectError(() => run('Pad', [f32([], [0]), i64([1, 1])], { mode: 'edge' }), 'RUNTIME_ERROR');
  });
});

describe('Tile / Expand / DepthToSpace / SpaceToDepth', () => {
  it('tiles and expands', () => {
    expectTensor(run('Tile', [f32([1, 2, 3, 4], [2, 2]), i64([1, 2])])[0], [2, 4], [1, 2, 1, 2, 3, 4, 3, 4]);
    expectTensor(run('Tile', [new Tensor('string', ['x', 'y']), i64([2])])[0], [4], ['x', 'y', 'x', 'y']);
    expectTensor(run('Expand', [f32([1, 2, 3], [3, 1]), i64([2, 1, 2])])[0], [2, 3, 2], [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
    expectTensor(run('Expand', [f32([1, 2, 3]), i64([1])])[0], [3], [1, 2, 3]);
    expectError(() => run('Expand', [f32([1, 2, 3]), i64([2])]), 'RUNTIME_ERROR');
  });
  it('rearranges depth and space both ways (DCR and CRD)', () => {
    const data = f32(range(16), [1, 4, 2, 2]);
    const dcr = run('DepthToSpace', [data], { blocksize: 2 })[0]!;
    expectTensor(dcr, [1, 1, 4, 4], [0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15]);
    expectTensor(run('SpaceToDepth', [dcr], { blocksize: 2 })[0], [1, 4, 2, 2], range(16));
    const crd = run('DepthToSpace', [data], { blocksize: 2, mode: 'CRD' })[0]!;
    expect(values(crd)).toEqual([0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15]);
    const crd2 = run('DepthToSpace', [f32(range(8), [1, 8, 1, 1])], { blocksize: 2, mode: 'CRD' })[0]!;
    expectTensor(crd2, [1, 2, 2, 2], range(8));
    expectError(() => run('DepthToSpace', [f32(range(6), [1, 6, 1, 1])], { blocksize: 2 }), 'RUNTIME_ERROR');
  });
});

describe('Shape / Size / ConstantOfShape / Range / Trilu', () => {
  const data = f32(range(24), [2, 3, 4]);
  it('reads shapes and sizes', () => {
    expectTensor(run('Shape', [data])[0], [3], [2, 3, 4], 'int64');
    expectTensor(run('Shape', [data], { start: -2 })[0], [2], [3, 4]);
    expectTensor(run('Shape', [data], { start: 1, end: -1 })[0], [1], [3]);
    expectTensor(run('Shape', [data], { start: 10 })[0], [0], []);
    expectTensor(run('Size', [data])[0], [], [24], 'int64');
  });
  it('fills constants', () => {
    expectTensor(run('ConstantOfShape', [i64([2, 2])])[0], [2, 2], [0, 0, 0, 0], 'float32');
    expectTensor(run('ConstantOfShape', [i64([3])], { value: i32([7]) })[0], [3], [7, 7, 7], 'int32');
    expectTensor(run('ConstantOfShape', [i64([0])], { value: i64([1]) })[0], [0], [], 'int64');
  });
  it('makes ranges', () => {
    expectTensor(run('Range', [f32([1], []), f32([5], []), f32([1.5], [])])[0], [3], [1, 2.5, 4]);
    expectTensor(run('Range', [i32([10], []), i32([6], []), i32([-3], [])])[0], [2], [10, 7], 'int32');
    expectTensor(run('Range', [i64([0], []), i64([-1], []), i64([1], [])])[0], [0], []);
    expectError(() => run('Range', [i32([0], []), i32([5], []), i32([0], [])]), 'RUNTIME_ERROR');
  });
  it('keeps triangles', () => {
    const square = i32(range(9), [3, 3]);
    expectTensor(run('Trilu', [square])[0], [3, 3], [0, 1, 2, 0, 4, 5, 0, 0, 8]);
    expectTensor(run('Trilu', [square, i64([-1], [])], { upper: 0 })[0], [3, 3], [0, 0, 0, 3, 0, 0, 6, 7, 0]);
    expectTensor(run('Trilu', [f32(range(8), [2, 1, 4]), i64([1], [])])[0], [2, 1, 4], [0, 1, 2, 3, 0, 5, 6, 7]);
  });
});

describe('absurd requested sizes', () => {
  const huge = 2 ** 40;
  it.each([
    ['ConstantOfShape', () => run('ConstantOfShape', [i64([huge, huge])])],
    ['Expand', () => run('Expand', [f32([1]), i64([huge])])],
    ['Tile', () => run('Tile', [f32([1, 2]), i64([huge])])],
    ['Range', () => run('Range', [f32([0], []), f32([1e30], []), f32([1], [])])],
    ['Pad', () => run('Pad', [f32([1, 2]), i64([huge, 0])])],
    ['OneHot', () => run('OneHot', [i64([0]), i64([huge]), f32([0, 1])])],
  ])('%s fails with OUT_OF_MEMORY instead of hanging', (_, action) => {
    expect(limits.maxElements).toBeLessThan(huge);
    expectError(action, 'OUT_OF_MEMORY', 'elements');
  });
  it('pads an empty tensor by a huge amount without walking the padding', () => {
    expect([...run('Pad', [f32([], [0, 1]), i64([0, huge, 0, 0])])[0]!.dims]).toEqual([0, huge + 1]);
  });
});
