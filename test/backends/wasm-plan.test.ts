/**
 * The wasm backend's planner and lowerings against the reference backend on small graphs that exercise layout
 * decisions: NHWC ops feeding graph outputs, NCHW readers, broadcasting constants in NHWC, mixed-layout Concat,
 * depthwise/grouped/strided convs, pooling, and a second input shape on the same session.
 * Tolerance: 1e-5·(1+|want|) — f32 kernels against the float64-accumulating reference on O(1) data.
 */
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../src/index.js';
import { type ModelSpec, buildModel, randomTensor } from '../helpers/onnx-builder.js';

async function expectSameAsReference(spec: ModelSpec, feeds: Record<string, Tensor>, minWasmNodes = 1) {
  const model = buildModel(spec);
  const wasm = await InferenceSession.create(model, { backend: 'wasm' });
  const reference = await InferenceSession.create(model, { backend: 'reference' });
  const got = await wasm.run(feeds);
  const want = await reference.run(feeds);
  for (const [name, expected] of Object.entries(want)) {
    expect(got[name]!.dims).toEqual(expected.dims);
    const a = got[name]!.data as Float32Array;
    const b = expected.data as Float32Array;
    for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!), `${name}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[i]!)));
  }
  expect(wasm.placement.filter((p) => p.backend === 'wasm').length).toBeGreaterThanOrEqual(minWasmNodes);
  return wasm;
}

const f = (name: string, dims: (number | string)[]) => ({ name, type: 'float32' as const, dims });

describe('wasm backend vs reference', () => {
  it('NHWC op output that is a graph output with H, W > 1 (regression: output slot aliased its NCHW copy)', async () => {
    await expectSameAsReference(
      { inputs: [f('x', [1, 3, 6, 7])], outputs: [f('y', [])], nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2] } }] },
      { x: randomTensor([1, 3, 6, 7], 1) },
    );
  });

  it('conv chain with per-channel constants, NCHW readers and two outputs', async () => {
    await expectSameAsReference(
      {
        inputs: [f('x', [2, 5, 9, 8])],
        outputs: [f('y', []), f('z', [])],
        initializers: { w1: randomTensor([6, 5, 3, 3], 2), b1: randomTensor([6], 3), s: randomTensor([6, 1, 1], 4), w2: randomTensor([6, 1, 3, 3], 5), w3: randomTensor([4, 3, 1, 1], 6) },
        nodes: [
          { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: [1, 0, 2, 1], strides: [2, 1] } },
          { op: 'Mul', inputs: ['c1', 's'], outputs: ['m'] },
          { op: 'Conv', inputs: ['m', 'w2'], outputs: ['dw'], attrs: { group: 6, pads: [1, 1, 1, 1], dilations: [1, 2] } },
          { op: 'Relu', inputs: ['dw'], outputs: ['r'] },
          { op: 'Conv', inputs: ['r', 'w3'], outputs: ['g'], attrs: { group: 2 } },
          { op: 'Transpose', inputs: ['g'], outputs: ['y'], attrs: { perm: [0, 2, 3, 1] } },
          { op: 'AveragePool', inputs: ['r'], outputs: ['z'], attrs: { kernel_shape: [3, 2], pads: [1, 1, 1, 0], count_include_pad: 1, strides: [2, 2] } },
        ],
      },
      { x: randomTensor([2, 5, 9, 8], 7) },
      5,
    );
  });

  it('channel Concat of an NHWC tensor with a graph input, residual Add, global pooling, Gemm', async () => {
    await expectSameAsReference(
      {
        inputs: [f('x', [1, 3, 5, 5]), f('u', [1, 2, 5, 5])],
        outputs: [f('y', [])],
        initializers: { w: randomTensor([5, 3, 3, 3], 8), wf: randomTensor([10, 5], 9), bf: randomTensor([10], 10) },
        nodes: [
          { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
          { op: 'Concat', inputs: ['c', 'u'], outputs: ['cat'], attrs: { axis: 1 } },
          { op: 'Slice', inputs: ['cat', 'starts', 'ends', 'axes'], outputs: ['s'] },
          { op: 'Add', inputs: ['s', 'c'], outputs: ['a'] },
          { op: 'GlobalAveragePool', inputs: ['a'], outputs: ['g'] },
          { op: 'Flatten', inputs: ['g'], outputs: ['fl'] },
          { op: 'Gemm', inputs: ['fl', 'wf', 'bf'], outputs: ['y'], attrs: { transB: 1 } },
        ],
        rawInitializers: [
          { name: 'starts', dims: [1], data_type: 7, int64_data: [0] },
          { name: 'ends', dims: [1], data_type: 7, int64_data: [5] },
          { name: 'axes', dims: [1], data_type: 7, int64_data: [1] },
        ],
      },
      { x: randomTensor([1, 3, 5, 5], 11), u: randomTensor([1, 2, 5, 5], 12) },
      4,
    );
  });

  it('attention-style MatMul with an activation right-hand side, Softmax and LayerNormalization; two input shapes', async () => {
    const spec: ModelSpec = {
      opset: 17,
      inputs: [f('q', ['b', 4, 7]), f('k', ['b', 7, 4])],
      outputs: [f('y', [])],
      initializers: { g: randomTensor([7], 13), beta: randomTensor([7], 14) },
      nodes: [
        { op: 'MatMul', inputs: ['q', 'k'], outputs: ['s'] },
        { op: 'Softmax', inputs: ['s'], outputs: ['p'], attrs: { axis: -1 } },
        { op: 'MatMul', inputs: ['p', 'q'], outputs: ['o'] },
        { op: 'Transpose', inputs: ['o'], outputs: ['t'], attrs: { perm: [0, 2, 1] } },
        { op: 'Transpose', inputs: ['t'], outputs: ['t2'], attrs: { perm: [0, 2, 1] } },
        { op: 'LayerNormalization', inputs: ['t2', 'g', 'beta'], outputs: ['y'], attrs: { axis: -1 } },
      ],
    };
    const session = await expectSameAsReference(spec, { q: randomTensor([3, 4, 7], 15), k: randomTensor([3, 7, 4], 16) }, 3);
    const one = await session.run({ q: randomTensor([1, 4, 7], 17), k: randomTensor([1, 7, 4], 18) });
    expect(one.y!.dims).toEqual([1, 4, 7]);
  });
});

describe('wasm Softmax over channels', () => {
  it('Softmax / LogSoftmax on axis 1 of a 4-D tensor run on the row kernel over NHWC memory (Caffe, MTCNN)', async () => {
    const spec: ModelSpec = {
      opset: 13,
      inputs: [f('x', [2, 3, 5, 7])],
      outputs: [f('p', []), f('l', [])],
      initializers: { w: randomTensor([11, 3, 3, 3], 41) },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Softmax', inputs: ['c'], outputs: ['p'], attrs: { axis: 1 } },
        { op: 'LogSoftmax', inputs: ['c'], outputs: ['l'], attrs: { axis: -3 } },
      ],
    };
    const session = await expectSameAsReference(spec, { x: randomTensor([2, 3, 5, 7], 42) }, 3);
    const kernels = Object.fromEntries(session.placement.map((p) => [p.op, `${p.backend} ${p.kernel}`]));
    expect(kernels.Softmax).toBe('wasm f32-softmax-8x-wasmsimd-nhwc');
    expect(kernels.LogSoftmax).toBe('wasm f32-log-softmax-8x-wasmsimd-nhwc');
  });
});

describe('wasm worker threads', () => {
  it('threads: 2 runs a worker pool on shared memory and matches the single-threaded result', async () => {
    const spec: ModelSpec = {
      inputs: [f('x', [1, 6, 17, 19])],
      outputs: [f('y', [])],
      initializers: { w: randomTensor([10, 6, 3, 3], 21), w2: randomTensor([10, 1, 3, 3], 22), wf: randomTensor([10, 7], 23) },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'Conv', inputs: ['r', 'w2'], outputs: ['d'], attrs: { group: 10, strides: [2, 2] } },
        { op: 'GlobalAveragePool', inputs: ['d'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['fl'] },
        { op: 'MatMul', inputs: ['fl', 'wf'], outputs: ['y'] },
      ],
    };
    const model = buildModel(spec);
    const x = randomTensor([1, 6, 17, 19], 24);
    const single = await InferenceSession.create(model, { backend: 'wasm', threads: 1 });
    const pooled = await InferenceSession.create(model, { backend: 'wasm', threads: 2 });
    expect(single.threads).toBe(1);
    expect(pooled.threads).toBe(2);
    const a = (await single.run({ x })).y!.data as Float32Array;
    for (let i = 0; i < 3; i++) {
      const b = (await pooled.run({ x })).y!.data as Float32Array;
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(a[j]!)));
    }
    await pooled.release();
  });
});

describe('wasm lowerings for ConvTranspose, InstanceNormalization, reductions and Resize', () => {
  const onKernel = (session: InferenceSession, op: string) => session.placement.filter((p) => p.op === op).every((p) => p.backend === 'wasm');

  it('ConvTranspose with strides, pads, output_padding, dilations and groups', async () => {
    const session = await expectSameAsReference(
      {
        inputs: [f('x', [2, 4, 5, 6])],
        outputs: [f('y', [])],
        initializers: { w: randomTensor([4, 3, 3, 2], 31), b: randomTensor([6], 32) },
        nodes: [{ op: 'ConvTranspose', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { strides: [2, 3], pads: [1, 0, 0, 1], output_padding: [1, 2], dilations: [1, 2], group: 2 } }],
      },
      { x: randomTensor([2, 4, 5, 6], 33) },
    );
    expect(onKernel(session, 'ConvTranspose')).toBe(true);
  });

  it('InstanceNormalization', async () => {
    const session = await expectSameAsReference(
      {
        inputs: [f('x', [2, 5, 7, 3])],
        outputs: [f('y', [])],
        initializers: { s: randomTensor([5], 34), b: randomTensor([5], 35) },
        nodes: [{ op: 'InstanceNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], attrs: { epsilon: { float: 1e-3 } } }],
      },
      { x: randomTensor([2, 5, 7, 3], 36) },
    );
    expect(onKernel(session, 'InstanceNormalization')).toBe(true);
  });

  for (const op of ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSumSquare', 'ReduceL1', 'ReduceL2', 'ReduceLogSumExp', 'ReduceProd']) {
    it(`${op} over a contiguous block of axes`, async () => {
      const session = await expectSameAsReference(
        {
          opset: 18,
          inputs: [f('x', [3, 4, 5, 6])],
          outputs: [f('y', [])],
          rawInitializers: [{ name: 'axes', dims: [2], data_type: 7, int64_data: [1, 2] }],
          nodes: [{ op, inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims: 0 } }],
        },
        { x: randomTensor([3, 4, 5, 6], 37) },
      );
      expect(onKernel(session, op)).toBe(true);
    });
  }

  const resizeCases: [string, Record<string, string>][] = [
    ['nearest, asymmetric, floor', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }],
    ['nearest, half_pixel, round_prefer_ceil', { mode: 'nearest', coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_ceil' }],
    ['linear, half_pixel', { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }],
    ['linear, align_corners', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }],
    ['linear, pytorch_half_pixel', { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }],
    // Four (cubic) or more (antialiased downscale) taps: the separable TypeScript pass on the NHWC memory.
    ['cubic, half_pixel', { mode: 'cubic', coordinate_transformation_mode: 'half_pixel' }],
    ['cubic, align_corners, exclude_outside', { mode: 'cubic', coordinate_transformation_mode: 'align_corners', exclude_outside: 1 } as unknown as Record<string, string>],
  ];
  for (const [name, attrs] of resizeCases) {
    it(`Resize ${name}`, async () => {
      const session = await expectSameAsReference(
        {
          opset: 13,
          inputs: [f('x', [1, 3, 5, 7])],
          outputs: [f('y', [])],
          initializers: { s: new Tensor('float32', [1, 1, 1.6, 0.75]) },
          nodes: [{ op: 'Resize', inputs: ['x', '', 's'], outputs: ['y'], attrs }],
        },
        { x: randomTensor([1, 3, 5, 7], 38) },
      );
      expect(onKernel(session, 'Resize')).toBe(true);
    });
  }
});

describe('wasm data movement on the backend memory (index maps from the reference; Gather rows)', () => {
  const i64 = (values: number[]) => new Tensor('int64', BigInt64Array.from(values.map(BigInt)), [values.length]);
  const kernelOf = (session: InferenceSession, op: string) => session.placement.filter((p) => p.op === op).map((p) => `${p.backend}:${p.kernel}`);

  it('Slice (negative step), Split, Pad (reflect and constant), Tile, Expand, DepthToSpace, constant-index Gather', async () => {
    const session = await expectSameAsReference(
      {
        opset: 13,
        inputs: [f('x', [2, 4, 5, 3])],
        outputs: [f('s', []), f('a', []), f('b', []), f('p', []), f('q', []), f('t', []), f('e', []), f('d', []), f('g', [])],
        initializers: {
          starts: i64([4, 1]), ends: i64([0, 3]), axes: i64([2, 1]), steps: i64([-2, 1]),
          split: i64([1, 3]), pads: i64([0, 1, 2, 0, 0, 2, 1, 0]), value: new Tensor('float32', [7.5], []),
          reps: i64([1, 2, 1, 2]), shape: i64([2, 1, 1, 1, 1]), idx: i64([3, 0, 3]),
        },
        nodes: [
          { op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['s'] },
          { op: 'Split', inputs: ['x', 'split'], outputs: ['a', 'b'], attrs: { axis: 1 } },
          { op: 'Pad', inputs: ['x', 'pads'], outputs: ['p'], attrs: { mode: 'reflect' } },
          { op: 'Pad', inputs: ['x', 'pads', 'value'], outputs: ['q'] },
          { op: 'Tile', inputs: ['x', 'reps'], outputs: ['t'] },
          { op: 'Expand', inputs: ['x', 'shape'], outputs: ['e'] },
          { op: 'DepthToSpace', inputs: ['x'], outputs: ['d'], attrs: { blocksize: 2, mode: 'CRD' } },
          { op: 'Gather', inputs: ['x', 'idx'], outputs: ['g'], attrs: { axis: 2 } },
        ],
      },
      { x: randomTensor([2, 4, 5, 3], 41) },
    );
    for (const op of ['Slice', 'Split', 'Pad', 'Tile', 'Expand', 'DepthToSpace', 'Gather']) {
      expect(kernelOf(session, op).every((k) => k === 'wasm:ts/index-map-x32'), `${op}: ${kernelOf(session, op).join(', ')}`).toBe(true);
    }
  });

  it('Gather of rows by indices given at run time (an embedding table), with negative indices and a range error', async () => {
    const model = buildModel({
      opset: 13,
      inputs: [{ name: 'ids', type: 'int64', dims: [1, 4] }],
      outputs: [f('y', [])],
      initializers: { table: randomTensor([10, 6], 42) },
      nodes: [{ op: 'Gather', inputs: ['table', 'ids'], outputs: ['y'] }],
    });
    const wasm = await InferenceSession.create(model, { backend: 'wasm' });
    expect(kernelOf(wasm, 'Gather')).toEqual(['wasm:ts/gather-rows-x32']);
    const reference = await InferenceSession.create(model, { backend: 'reference' });
    const ids = new Tensor('int64', BigInt64Array.from([3n, -1n, 0n, 9n]), [1, 4]);
    expect(Array.from((await wasm.run({ ids })).y!.data as Float32Array)).toEqual(Array.from((await reference.run({ ids })).y!.data as Float32Array));
    await expect(wasm.run({ ids: new Tensor('int64', BigInt64Array.from([10n, 0n, 0n, 0n]), [1, 4]) })).rejects.toThrow(/out of range/);
  });
});

