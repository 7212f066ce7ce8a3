/**
 * The webgpu backend's session behaviour, beyond single kernels: CPU fallback visible in placement and correct in
 * a mixed graph, replays that create nothing, plans per input shape and per shape-input value, buffer pooling,
 * profiling, the session API, release, device loss and uncaptured GPU errors becoming errors on the next run, and
 * probe() without a GPU.
 */
import { describe, expect, it } from 'vitest';
import { setGpu, webgpuBackend } from '../../src/backends/webgpu/index.js';
import { referenceBackend } from '../../src/backends/reference/index.js';
import { importModel } from '../../src/convert/index.js';
import { InferenceSession, Tensor } from '../../src/index.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { compileGraph, dawnGpu, expectMatchesReference, f32, skipWithoutGpu } from '../kernels-wgsl/harness.js';

const int64 = (name: string, dims: number[]) => ({ name, type: 'int64' as const, dims });

describe('webgpu plans', () => {
  it('a mixed graph: reference nodes in the middle are visible, read back and uploaded', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await expectMatchesReference(
      {
        inputs: [f32('x', [2, 3, 5, 5])],
        outputs: [f32('y'), f32('h')],
        initializers: { w: randomTensor([4, 3, 3, 3], 2) },
        nodes: [
          { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
          { op: 'Einsum', inputs: ['c'], outputs: ['h'], attrs: { equation: 'abcd->abcd' } },
          { op: 'Add', inputs: ['h', 'c'], outputs: ['a'] },
          { op: 'Relu', inputs: ['a'], outputs: ['y'] },
        ],
      },
      { x: randomTensor([2, 3, 5, 5], 3) },
      { tolerance: 1e-5, gpuNodes: 3 },
    );
    expect(model.placement.find((p) => p.op === 'Einsum')).toMatchObject({ backend: 'cpu', kernel: 'reference/Einsum' });
    const run = model.stats.lastRun!;
    expect(run.cpuNodes).toBe(1);
    expect(run.submits).toBe(2); // up to the Einsum, then the rest
    expect(run.readbacks).toBe(2); // the Conv output for Einsum, then y (h is known on the CPU already)
    model.release();
  });

  it('replays create no pipeline, buffer or bind group; a new input shape gets its own plan', async (context) => {
    if (skipWithoutGpu(context)) return;
    const graph = importModel(buildModel({
      inputs: [f32('x', ['batch', 3, 6, 6])],
      outputs: [f32('y')],
      initializers: { w: randomTensor([4, 3, 3, 3], 4), wf: randomTensor([4, 5], 5) },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
        { op: 'MatMul', inputs: ['f', 'wf'], outputs: ['y'] },
      ],
    }));
    const model = await compileGraph(graph);
    const run = async (batch: number) => (await model.run(new Map([['x', randomTensor([batch, 3, 6, 6], batch)]]), ['y'])).get('y')!;
    const two = await run(2);
    expect(two.dims).toEqual([2, 5]);
    const afterFirst = model.stats;
    await run(2);
    expect(model.stats).toMatchObject({ pipelinesCreated: afterFirst.pipelinesCreated, buffersCreated: afterFirst.buffersCreated, bindGroupsCreated: afterFirst.bindGroupsCreated });
    expect(model.stats.lastRun).toMatchObject({ dispatches: 3, submits: 1, readbacks: 1, uploads: 1, cpuNodes: 0 }); // FusedConv, pool, MatMul; Flatten aliases
    expect((await run(3)).dims).toEqual([3, 5]);
    const afterThree = model.stats;
    expect(afterThree.pipelinesCreated).toBe(afterFirst.pipelinesCreated); // same kernels, new buffers
    expect(afterThree.buffersCreated).toBeGreaterThan(afterFirst.buffersCreated);
    expect((await run(2)).data).toEqual(two.data);
    expect(model.stats.buffersCreated).toBe(afterThree.buffersCreated);
    model.release();
  });

  it('int64 shape inputs are bound per value at plan time, putting their readers on the GPU', async (context) => {
    if (skipWithoutGpu(context)) return;
    const graph = importModel(buildModel({
      inputs: [f32('x', [2, 3, 4]), int64('shape', [2]), int64('axes', [1])],
      outputs: [f32('y'), f32('u')],
      nodes: [
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
        { op: 'Neg', inputs: ['r'], outputs: ['y'] },
        { op: 'Unsqueeze', inputs: ['x', 'axes'], outputs: ['u'] },
      ],
    }));
    const model = await compileGraph(graph);
    // Before the first run the shapes are unknown: the readers and everything after them are on the reference.
    expect(model.placement.filter((p) => p.backend === 'cpu').map((p) => p.op).sort()).toEqual(['Neg', 'Reshape', 'Unsqueeze']);
    const x = randomTensor([2, 3, 4], 6);
    const feeds = (shape: number[], axis: number) => new Map<string, Tensor>([
      ['x', x], ['shape', new Tensor('int64', BigInt64Array.from(shape, (v) => BigInt(v)), [2])], ['axes', new Tensor('int64', BigInt64Array.from([BigInt(axis)]), [1])],
    ]);
    const first = await model.run(feeds([4, 6], 0), ['y', 'u']);
    expect(model.placement.every((p) => p.backend === 'webgpu')).toBe(true);
    expect(first.get('y')!.dims).toEqual([4, 6]);
    expect(first.get('u')!.dims).toEqual([1, 2, 3, 4]);
    const second = await model.run(feeds([3, 8], 3), ['y', 'u']);
    expect(second.get('y')!.dims).toEqual([3, 8]);
    expect(second.get('u')!.dims).toEqual([2, 3, 4, 1]);
    expect(Array.from(second.get('y')!.data as Float32Array)).toEqual(Array.from(x.data as Float32Array, (v) => -v));
    model.release();
  });

  it('int64 data inputs run as i32 on the GPU while their fed values fit, on the reference when they do not', async (context) => {
    if (skipWithoutGpu(context)) return;
    const spec = {
      inputs: [int64('labels', [3, 4]), { name: 'mask', type: 'bool' as const, dims: [3, 4] }],
      outputs: [int64('kept', [3, 4]), int64('triangle', [1, 3, 4]), { name: 'same', type: 'bool' as const, dims: [] }],
      rawInitializers: [{ name: 'axes', dims: [1], data_type: 7, int64_data: [0] }, { name: 'zero', dims: [], data_type: 7, int64_data: [0] }],
      nodes: [
        { op: 'Where', inputs: ['mask', 'labels', 'zero'], outputs: ['kept'] },
        { op: 'Trilu', inputs: ['labels'], outputs: ['lower'], attrs: { upper: 0 } },
        { op: 'Unsqueeze', inputs: ['lower', 'axes'], outputs: ['triangle'] },
        { op: 'Equal', inputs: ['labels', 'zero'], outputs: ['same'] },
      ],
    };
    const graph = importModel(buildModel(spec));
    const model = await compileGraph(graph);
    const reference = await referenceBackend.compile(graph, {});
    const feeds = (values: bigint[]) => new Map<string, Tensor>([
      ['labels', new Tensor('int64', BigInt64Array.from(values), [3, 4])],
      ['mask', new Tensor('bool', Uint8Array.from(values, (_, i) => i % 3), [3, 4])],
    ]);
    const small = [5n, -7n, 0n, 2147483647n, -2147483648n, 3n, 0n, 9n, 1n, -1n, 12n, 0n];
    const large = small.map((v, i) => (i === 4 ? -(2n ** 40n) : v));
    const expectExact = async (values: bigint[], backend: 'webgpu' | 'cpu') => {
      const got = await model.run(feeds(values), graph.outputs);
      const want = await reference.run(feeds(values), graph.outputs);
      for (const name of graph.outputs) {
        expect(got.get(name)!.dims).toEqual(want.get(name)!.dims);
        expect(Array.from(got.get(name)!.data as ArrayLike<bigint | number>), name).toEqual(Array.from(want.get(name)!.data as ArrayLike<bigint | number>));
      }
      const readers = model.placement.filter((p) => p.op !== 'Unsqueeze');
      expect(readers.map((p) => p.backend)).toEqual(readers.map(() => backend));
    };
    await expectExact(small, 'webgpu');
    const created = model.stats;
    await expectExact(large, 'cpu'); // -2^40 does not fit: another plan, with the readers of labels on the reference
    await expectExact(small, 'webgpu');
    expect(model.stats.buffersCreated).toBeGreaterThan(created.buffersCreated);
    const afterBoth = model.stats;
    await expectExact(large, 'cpu');
    await expectExact(small, 'webgpu');
    expect(model.stats).toMatchObject({ buffersCreated: afterBoth.buffersCreated, pipelinesCreated: afterBoth.pipelinesCreated, bindGroupsCreated: afterBoth.bindGroupsCreated });
    model.release();
  });

  it("Resize's float32 scales (and an int32 axis) are shape inputs too: bound per value, the Resize runs on the GPU", async (context) => {
    if (skipWithoutGpu(context)) return;
    const spec = {
      inputs: [f32('x', [1, 2, 3, 5]), f32('scales', [4]), { name: 'axis', type: 'int32' as const, dims: [] }],
      outputs: [f32('y'), f32('c')],
      nodes: [
        { op: 'Resize', inputs: ['x', '', 'scales'], outputs: ['y'], attrs: { mode: 'linear' } },
        { op: 'CumSum', inputs: ['x', 'axis'], outputs: ['c'] },
      ],
    };
    const graph = importModel(buildModel(spec));
    const model = await compileGraph(graph);
    const reference = await referenceBackend.compile(graph, {});
    const x = randomTensor([1, 2, 3, 5], 9);
    const feeds = (scales: number[], axis: number) => new Map<string, Tensor>([
      ['x', x], ['scales', new Tensor('float32', Float32Array.from(scales), [4])], ['axis', new Tensor('int32', Int32Array.from([axis]), [])],
    ]);
    for (const [scales, axis] of [[[1, 1, 2, 1.5], 3], [[1, 1, 0.5, 3], -2], [[1, 1, 2, 1.5], 1]] as [number[], number][]) {
      const got = await model.run(feeds(scales, axis), ['y', 'c']);
      const want = await reference.run(feeds(scales, axis), ['y', 'c']);
      expect(model.placement.map((p) => p.backend)).toEqual(['webgpu', 'webgpu']);
      for (const name of ['y', 'c']) {
        expect(got.get(name)!.dims).toEqual(want.get(name)!.dims);
        const [a, b] = [got.get(name)!.data as Float32Array, want.get(name)!.data as Float32Array];
        b.forEach((w, i) => expect(Math.abs(a[i]! - w), `${name}[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(w))));
      }
    }
    model.release();
  });

  it('concurrent runs are serialised and each gets its own answer', async (context) => {
    if (skipWithoutGpu(context)) return;
    const graph = importModel(buildModel({ inputs: [f32('x', [4, 5])], outputs: [f32('y')], nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['y'] }] }));
    const model = await compileGraph(graph);
    const inputs = [1, 2, 3, 4].map((seed) => randomTensor([4, 5], seed));
    const results = await Promise.all(inputs.map((x) => model.run(new Map([['x', x]]), ['y'])));
    results.forEach((result, i) => expect(Array.from(result.get('y')!.data as Float32Array)).toEqual(Array.from(inputs[i]!.data as Float32Array, (v) => -v)));
    model.release();
  });

  it('intermediate buffers are pooled by lifetime', async (context) => {
    if (skipWithoutGpu(context)) return;
    const nodes = Array.from({ length: 12 }, (_, i) => ({ op: i % 2 ? 'Relu' : 'Neg', inputs: [i ? `t${i}` : 'x'], outputs: [i === 11 ? 'y' : `t${i + 1}`] }));
    const graph = importModel(buildModel({ inputs: [f32('x', [64, 64])], outputs: [f32('y')], nodes }));
    const model = await compileGraph(graph);
    // Each tensor dies as the next is written: x, the intermediates and y alternate between two buffers.
    expect(model.memoryBytes).toBe(2 * 64 * 64 * 4);
    model.release();
  });

  it('profiling reports every node with its kernel', async (context) => {
    if (skipWithoutGpu(context)) return;
    const graph = importModel(buildModel({
      inputs: [f32('x', [3, 8])],
      outputs: [f32('y')],
      nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['s'], attrs: { axis: -1 } }, { op: 'Einsum', inputs: ['s'], outputs: ['y'], attrs: { equation: 'ij->ij' } }],
    }));
    const model = await compileGraph(graph);
    model.setProfiling(true);
    await model.run(new Map([['x', randomTensor([3, 8], 7)]]), ['y']);
    const profile = model.takeProfile();
    expect(profile.map((p) => [p.op, p.kernel, p.runs])).toEqual([
      ['Softmax', 'normalization/f32-softmax-workgroup.wgsl', 1],
      ['Einsum', 'reference/Einsum', 1],
    ]);
    expect(profile.every((p) => p.totalMs >= 0)).toBe(true);
    model.release();
  });
});

describe('webgpu sessions and failures', () => {
  const spec = { inputs: [f32('x', [2, 3])], outputs: [f32('y')], nodes: [{ op: 'Sigmoid', inputs: ['x'], outputs: ['y'] }] };

  it('runs through InferenceSession once registered; release makes run() fail with RELEASED', async (context) => {
    if (skipWithoutGpu(context)) return;
    const session = await InferenceSession.create(buildModel(spec), { backend: 'webgpu' });
    expect(session.backend).toBe('webgpu');
    expect(session.placement).toEqual([{ node: 'Sigmoid_0', op: 'Sigmoid', backend: 'webgpu', kernel: 'elementwise/f32-unary.wgsl' }]);
    const { y } = await session.run({ x: new Tensor('float32', new Float32Array([0, 1, -1, 2, -2, 30]), [2, 3]) });
    expect((y!.data as Float32Array)[0]).toBeCloseTo(0.5, 6);
    // The device has the adapter's optional features that cost nothing unused (shader-f16: none on SwiftShader).
    const adapter = (await dawnGpu!.requestAdapter({ powerPreference: 'high-performance' }))!;
    for (const feature of ['shader-f16', 'timestamp-query']) expect(session.gpuDevice!.features.has(feature), feature).toBe(adapter.features.has(feature));
    await session.release();
    await expect(session.run({ x: randomTensor([2, 3], 1) })).rejects.toMatchObject({ code: 'RELEASED' });
  });

  it('a lost device makes the next run fail with a clear error', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await compileGraph(importModel(buildModel(spec)));
    (model as unknown as { gpu: { device: GPUDevice } }).gpu.device.destroy();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(model.run(new Map([['x', randomTensor([2, 3], 1)]]), ['y'])).rejects.toMatchObject({ code: 'DEVICE_LOST', message: expect.stringMatching(/GPU device was lost/) });
    model.release();
  });

  it('an uncaptured GPU error is reported by the next run, once', async (context) => {
    if (skipWithoutGpu(context)) return;
    const model = await compileGraph(importModel(buildModel(spec)));
    const device = (model as unknown as { gpu: { device: GPUDevice } }).gpu.device;
    device.createBuffer({ size: 16, usage: 0x0001 | 0x0080 }); // MAP_READ | STORAGE: invalid combination
    await device.queue.onSubmittedWorkDone();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const feeds = new Map([['x', randomTensor([2, 3], 1)]]);
    await expect(model.run(feeds, ['y'])).rejects.toMatchObject({ code: 'GPU_ERROR', message: expect.stringMatching(/GPU reported an error/) });
    expect((await model.run(feeds, ['y'])).get('y')!.dims).toEqual([2, 3]);
    model.release();
  });

  it('probe() says why when there is no GPU', async () => {
    setGpu(undefined);
    const scope = globalThis as { navigator?: { gpu?: unknown }; gpu?: unknown };
    const hidden = scope.navigator?.gpu === undefined && scope.gpu === undefined;
    try {
      if (hidden) expect(await webgpuBackend.probe()).toMatchObject({ available: false, reason: expect.stringMatching(/no navigator\.gpu/) });
      setGpu({ requestAdapter: async () => null } as unknown as GPU);
      expect(await webgpuBackend.probe()).toEqual({ available: false, reason: 'WebGPU found no adapter (requestAdapter returned null)' });
    } finally {
      setGpu(dawnGpu);
    }
  });

  it("an adapter without a device is not available: 'auto' moves on to wasm and says why", async (context) => {
    if (skipWithoutGpu(context)) return;
    const adapterWith = (requestDevice: () => Promise<unknown>) => ({ info: { vendor: 'fake' }, features: new Set(), limits: {}, requestDevice });
    const lostDevice = { lost: Promise.resolve({ reason: 'unknown', message: 'out of device memory' }), destroy: () => undefined };
    try {
      setGpu({ requestAdapter: async () => adapterWith(async () => Promise.reject(new Error('too many devices'))) } as unknown as GPU);
      expect(await webgpuBackend.probe()).toEqual({ available: false, reason: 'WebGPU adapter fake, but requestDevice failed: too many devices' });
      setGpu({ requestAdapter: async () => adapterWith(async () => lostDevice) } as unknown as GPU);
      expect(await webgpuBackend.probe()).toEqual({ available: false, reason: 'WebGPU adapter fake, but its device was lost at once (unknown: out of device memory)' });
      const session = await InferenceSession.create(buildModel(spec));
      expect(session.backend).toBe('wasm');
      expect(session.backendReason).toMatch(/auto chose 'wasm'.*skipped webgpu: WebGPU adapter fake, but its device was lost at once/);
      await session.release();
    } finally {
      setGpu(dawnGpu);
    }
    expect(await webgpuBackend.probe()).toMatchObject({ available: true, reason: expect.stringMatching(/^WebGPU adapter .+; device obtained$/) });
  });
});
