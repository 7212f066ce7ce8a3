/**
 * movement/x32-copy-strided.wgsl, x32-transpose-16x16-tiled.wgsl and x32-concat-4.wgsl through Transpose, Slice, Split, Concat, Expand,
 * Tile, DepthToSpace/SpaceToDepth, and the zero-copy aliases (Reshape and friends), against the reference.
 * Copies are exact.
 */
import { describe, expect, it } from 'vitest';
import { TRANSPOSE_TILED_KERNEL, asBatchedTranspose, reducePermutation } from '../../src/backends/webgpu/lower/transpose.js';
import type { ModelSpec } from '../helpers/onnx-builder.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

const ints = (name: string, values: number[]) => ({ name, dims: [values.length], data_type: 7, int64_data: values });

const exact = (spec: ModelSpec, dims: number[], gpuNodes?: number) => async (context: { skip: (note?: string) => void }) => {
  if (skipWithoutGpu(context)) return;
  const model = await expectMatchesReference(spec, { x: randomTensor(dims, 1) }, { tolerance: 0, gpuNodes });
  model.release();
};

const single = (op: string, dims: number[], attrs: Record<string, number | number[] | string> = {}, constants: ReturnType<typeof ints>[] = []) =>
  exact({ inputs: [f32('x', dims)], outputs: [f32('y')], rawInitializers: constants, nodes: [{ op, inputs: ['x', ...constants.map((c) => c.name)], outputs: ['y'], attrs }] }, dims);

describe('webgpu data movement', () => {
  it('Transpose 4-D [0,2,3,1]', single('Transpose', [2, 3, 5, 7], { perm: [0, 2, 3, 1] }));
  it('Transpose default (reverse) 3-D', single('Transpose', [3, 4, 5]));
  it('Transpose 6-D', single('Transpose', [2, 1, 3, 2, 2, 3], { perm: [5, 3, 1, 0, 4, 2] }));
});

describe('webgpu tiled Transpose (movement/x32-transpose-16x16-tiled.wgsl)', () => {
  it('reduces permutations: unit axes dropped, axes that stay adjacent merged', () => {
    expect(reducePermutation([2, 3, 5, 7], [0, 2, 3, 1])).toEqual({ dims: [2, 3, 35], perm: [0, 2, 1] });
    expect(reducePermutation([4, 1, 6], [2, 1, 0])).toEqual({ dims: [4, 6], perm: [1, 0] });
    expect(reducePermutation([2, 3, 4], [1, 2, 0])).toEqual({ dims: [2, 12], perm: [1, 0] });
    expect(reducePermutation([2, 3, 4, 5], [0, 2, 1, 3])).toEqual({ dims: [2, 3, 4, 5], perm: [0, 2, 1, 3] });
    expect(asBatchedTranspose([2, 3, 4, 5], [0, 2, 1, 3])).toBeUndefined(); // the inner axis stays inner: strided copy
    expect(asBatchedTranspose([2, 3, 5, 7], [0, 2, 3, 1])).toEqual({ batch: 2, rows: 3, columns: 35 });
  });

  // Edge sizes the XNNPACK way: equal to the 16×16 tile, a multiple, below, above (odd), batched.
  const cases: [string, number[], number[]][] = [
    ['tile-sized 16×16', [16, 16], [1, 0]],
    ['a multiple, 32×48', [32, 48], [1, 0]],
    ['below the tile, 3×5', [3, 5], [1, 0]],
    ['above the tile, odd 17×33, batched ×3', [3, 17, 33], [0, 2, 1]],
    ['NCHW → NHWC, odd', [2, 19, 5, 7], [0, 2, 3, 1]],
    ['NHWC → NCHW with a unit axis', [1, 9, 7, 21], [0, 3, 1, 2]],
    ['rotation [1, 2, 0] of 3×4×37', [3, 4, 37], [1, 2, 0]],
  ];
  for (const [name, dims, perm] of cases) {
    it(`${name}: exact, on the tiled kernel`, async (context) => {
      if (skipWithoutGpu(context)) return;
      const spec = { inputs: [f32('x', dims)], outputs: [f32('y')], nodes: [{ op: 'Transpose', inputs: ['x'], outputs: ['y'], attrs: { perm } }] };
      const model = await expectMatchesReference(spec, { x: randomTensor(dims, 7) }, { tolerance: 0 });
      expect(model.placement[0]!.kernel).toBe(TRANSPOSE_TILED_KERNEL);
      model.release();
    });
  }
  it('a permutation that keeps the inner axis stays a strided copy', async (context) => {
    if (skipWithoutGpu(context)) return;
    const spec = { inputs: [f32('x', [2, 3, 5, 4])], outputs: [f32('y')], nodes: [{ op: 'Transpose', inputs: ['x'], outputs: ['y'], attrs: { perm: [0, 2, 1, 3] } }] };
    const model = await expectMatchesReference(spec, { x: randomTensor([2, 3, 5, 4], 8) }, { tolerance: 0 });
    expect(model.placement[0]!.kernel).toBe('movement/x32-copy-strided.wgsl');
    model.release();
  });
});

describe('webgpu data movement, continued', () => {
  it('Slice with steps and negative indices', single('Slice', [20, 10, 5], {}, [ints('starts', [-18, 1]), ints('ends', [-2, 1000]), ints('axes', [0, 1]), ints('steps', [3, 2])]));
  it('Slice with negative steps', single('Slice', [20, 10, 5], {}, [ints('starts', [20, 10, 4]), ints('ends', [0, 0, 1]), ints('axes', [0, 1, 2]), ints('steps', [-1, -3, -1])]));
  it('Expand', single('Expand', [3, 1, 4], {}, [ints('shape', [2, 3, 5, 4])]));
  it('Tile', single('Tile', [2, 3, 2], {}, [ints('repeats', [2, 1, 3])]));
  it('DepthToSpace DCR', single('DepthToSpace', [1, 8, 2, 3], { blocksize: 2 }));
  it('DepthToSpace CRD', single('DepthToSpace', [2, 8, 3, 2], { blocksize: 2, mode: 'CRD' }));
  it('SpaceToDepth', single('SpaceToDepth', [1, 2, 4, 6], { blocksize: 2 }));
  it('Split into unequal parts along axis 1', exact({
    inputs: [f32('x', [2, 9, 3])],
    outputs: [f32('a'), f32('b'), f32('c')],
    rawInitializers: [ints('split', [2, 4, 3])],
    nodes: [{ op: 'Split', inputs: ['x', 'split'], outputs: ['a', 'b', 'c'], attrs: { axis: 1 } }],
  }, [2, 9, 3]));
  it('Split into five equal parts (num_outputs, two dispatches), opset 18', exact({
    opset: 18,
    inputs: [f32('x', [10, 3])],
    outputs: ['a', 'b', 'c', 'd', 'e'].map((name) => f32(name)),
    nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b', 'c', 'd', 'e'], attrs: { axis: 0, num_outputs: 5 } }],
  }, [10, 3]));
  it('Concat of six inputs (two dispatches) along axis 1, with a constant', exact({
    inputs: [f32('x', [2, 3, 4])],
    outputs: [f32('y')],
    initializers: { k: randomTensor([2, 2, 4], 7) },
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Neg', inputs: ['x'], outputs: ['n'] },
      { op: 'Concat', inputs: ['x', 'r', 'k', 'n', 'x', 'k'], outputs: ['y'], attrs: { axis: 1 } },
    ],
  }, [2, 3, 4]));
  it('Concat along the last axis', exact({
    inputs: [f32('x', [3, 2, 5])],
    outputs: [f32('y')],
    nodes: [
      { op: 'Abs', inputs: ['x'], outputs: ['a'] },
      { op: 'Concat', inputs: ['a', 'x'], outputs: ['y'], attrs: { axis: -1 } },
    ],
  }, [3, 2, 5]));
  it('Reshape / Flatten / Squeeze / Unsqueeze alias their input (graph outputs read through the alias)', exact({
    inputs: [f32('x', [2, 3, 1, 4])],
    outputs: [f32('y'), f32('f'), f32('s')],
    rawInitializers: [ints('shape', [4, -1]), ints('axes', [2]), ints('front', [0])],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Reshape', inputs: ['r', 'shape'], outputs: ['y'] },
      { op: 'Flatten', inputs: ['r'], outputs: ['f'], attrs: { axis: 2 } },
      { op: 'Squeeze', inputs: ['r', 'axes'], outputs: ['q'] },
      { op: 'Unsqueeze', inputs: ['q', 'front'], outputs: ['u'] },
      { op: 'Neg', inputs: ['u'], outputs: ['s'] },
    ],
  }, [2, 3, 1, 4]));
});
