/**
 * Guarded fp16 (`precision: 'fp16'`): option checks, the typed refusal without 'shader-f16', and — on an adapter
 * that has the feature — fp16 sessions against fp32 ones. SwiftShader (Dawn's software adapter) has no shader-f16:
 * those tests skip and print why; bench/gpu.sh runs the same comparison on a real GPU.
 */
import { create } from 'webgpu';
import { describe, expect, it } from 'vitest';
import { WebGpuModel } from '../../src/backends/webgpu/index.js';
import { staticDims } from '../../src/backends/webgpu/lowering.js';
import { LOWERINGS } from '../../src/backends/webgpu/lower/index.js';
import { planPrecision } from '../../src/backends/webgpu/precision.js';
import { supportsF16 } from '../../src/backends/webgpu/shaders.js';
import { toFloat16Bits } from '../../src/backends/webgpu/storage.js';
import { importModel } from '../../src/convert/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { InferenceSession, isWebliteError } from '../../src/index.js';
import { type ModelSpec, buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { dawnGpu, f32, skipWithoutGpu, webgpu } from '../kernels-wgsl/harness.js';
import { ensureFixtures, loadFixture } from '../models/fixtures.js';

const model = () =>
  buildModel({
    inputs: [f32('x', [1, 3, 8, 8])],
    outputs: [f32('y')],
    initializers: { w: randomTensor([4, 3, 3, 3], 1), b: randomTensor([4], 2) },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
    ],
  });

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: isWebliteError(error) ? error.code : undefined, message: (error as Error).message };
  }
  throw new Error('expected a rejection');
}

/**
 * Dawn's null backend: it computes nothing but offers shader-f16 and validates shaders, pipelines and bind groups as
 * a GPU device would. One instance per process (several Dawn instances in one process have crashed Dawn).
 */
let nullGpu: GPU | undefined;
async function nullAdapter(): Promise<GPUAdapter | null> {
  nullGpu ??= create(['backend=null']);
  return nullGpu.requestAdapter();
}
/** Null-backend devices stay referenced and undestroyed until the process ends (destroying them has crashed Dawn). */
const nullDevices: GPUDevice[] = [];
async function nullDevice(adapter: GPUAdapter, label: string): Promise<GPUDevice> {
  const device = await adapter.requestDevice({ requiredFeatures: ['shader-f16'], label });
  nullDevices.push(device);
  return device;
}

/** Whether Dawn's adapter here has shader-f16 (never on SwiftShader). */
async function adapterHasF16(): Promise<boolean> {
  const adapter = await dawnGpu?.requestAdapter({ powerPreference: 'high-performance' });
  return adapter?.features.has('shader-f16') ?? false;
}

/**
 * A small MobileNet-like graph: conv + relu6, depthwise conv + residual, pooling, Flatten (an alias), Gemm, then a
 * Softmax (an f32 kernel) and a Einsum (CPU reference) — every kind of storage boundary the fp16 plan has.
 */
const mixed: ModelSpec = {
  inputs: [f32('x', [1, 4, 8, 8])],
  outputs: [f32('y'), f32('h')],
  initializers: {
    w1: randomTensor([8, 4, 3, 3], 1), b1: randomTensor([8], 2), w2: randomTensor([8, 1, 3, 3], 3), b2: randomTensor([8], 4),
    lo: randomTensor([], 5).reshape([]), hi: randomTensor([], 6).reshape([]), fc: randomTensor([10, 8], 7), fb: randomTensor([10], 8),
  },
  nodes: [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Clip', inputs: ['c1', '', ''], outputs: ['r1'] },
    { op: 'Conv', inputs: ['r1', 'w2', 'b2'], outputs: ['c2'], attrs: { pads: [1, 1, 1, 1], group: 8 } },
    { op: 'Add', inputs: ['c2', 'r1'], outputs: ['s'] },
    { op: 'MaxPool', inputs: ['s'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'GlobalAveragePool', inputs: ['p'], outputs: ['g'] },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
    { op: 'Gemm', inputs: ['f', 'fc', 'fb'], outputs: ['z'], attrs: { transB: 1 } },
    { op: 'Softmax', inputs: ['z'], outputs: ['y'], attrs: { axis: 1 } },
    { op: 'Einsum', inputs: ['z'], outputs: ['h'], attrs: { equation: 'ij->ij' } },
  ],
};

describe('fp16 without a GPU', () => {
  it('converts weights to f16 bits: round to nearest even, subnormals, saturation at 65504, NaN', () => {
    const bits = toFloat16Bits(new Float32Array([0, -0, 1, -2, 65504, 65520, 1e6, -Infinity, NaN, 2 ** -24, 2 ** -25, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1]));
    expect(Array.from(bits)).toEqual([0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x7bff, 0x7bff, 0xfbff, 0x7e00, 0x0001, 0x0000, 0x3c00, 0x3c02, 0x2e66]);
    expect(toFloat16Bits(new Float32Array(3)).length).toBe(4); // padded to whole 32-bit words
  });

  it('plans f16 for conv/elementwise/pooling/GEMM, f32 for Softmax and the CPU, with conversions only at the boundaries', () => {
    const graph = importModel(buildModel(mixed), { optimize: false });
    const ctx = { graph, dims: (name: string) => staticDims(graph, name) ?? [], constant: (name: string) => graph.constant(name) };
    const steps = graph.nodes.map((node) => LOWERINGS.find((l) => l.supports(node, graph))?.build(node, ctx));
    const roots = new Map<string, string>();
    steps.forEach((step, i) => step?.kind === 'alias' && roots.set(graph.nodes[i]!.outputs[0]!, graph.nodes[i]!.inputs[0]!));
    const root = (name: string) => roots.get(name) ?? name;
    const plan = planPrecision('fp16', { graph, steps, root, onGpu: () => true, supportsF16 });
    const f16Ops = [...plan.f16Steps].map((i) => graph.nodes[i]!.op);
    expect(f16Ops).toEqual(['Conv', 'Clip', 'Conv', 'Add', 'MaxPool', 'GlobalAveragePool', 'Gemm']);
    expect(plan.f16Bytes).toBe(2);
    expect(plan.flag).toBe('F16');
    expect([...plan.f16Homes].sort()).toEqual(['c1', 'c2', 'g', 'p', 'r1', 's', 'z']);
    // x arrives in f32 and is converted before the first conv; z (f16, from the Gemm) is converted once, right
    // after the Gemm, for the Softmax kernel and the Einsum on the CPU; nothing else changes storage.
    const shadows = [...plan.shadows.values()].map((s) => `${s.root}@${s.stored} ${s.when} ${graph.nodes[s.op]!.op} until ${s.lastUse}`);
    expect(shadows.sort()).toEqual(['x@f16 before Conv until 0', 'z@f32 after Gemm until 9']);
    expect(planPrecision('fp32', { graph, steps, root, onGpu: () => true, supportsF16 }).f16Steps.size).toBe(0);
    expect(planPrecision('fp16-emulated', { graph, steps, root, onGpu: () => true, supportsF16 })).toMatchObject({ flag: 'F16_EMULATED', f16Bytes: 4 });
  });

  it('the fp16 plan with f32 storage (F16_EMULATED) computes what fp32 does: conversions and shadows are wired right', async (context) => {
    if (skipWithoutGpu(context)) return;
    const graph: Graph = importModel(buildModel(mixed));
    const emulated = await WebGpuModel.create(graph, LOWERINGS, undefined, 'fp16-emulated');
    const fp32 = await WebGpuModel.create(graph, LOWERINGS, undefined, 'fp32');
    const feeds = new Map([['x', randomTensor([1, 4, 8, 8], 9)]]);
    const got = await emulated.run(feeds, ['y', 'h']);
    const want = await fp32.run(feeds, ['y', 'h']);
    for (const name of ['y', 'h']) {
      const a = got.get(name)!.data as Float32Array;
      const b = want.get(name)!.data as Float32Array;
      b.forEach((v, i) => expect(Math.abs(a[i]! - v), `${name}[${i}]`).toBeLessThan(1e-6));
    }
    const kernels = emulated.placement.map((p) => `${p.op}:${p.kernel.endsWith('#F16') ? 'f16' : p.backend === 'cpu' ? 'cpu' : 'f32'}`);
    expect(kernels).toContain('Softmax:f32');
    expect(kernels).toContain('Einsum:cpu');
    expect(kernels.filter((k) => k.endsWith(':f16')).length).toBeGreaterThanOrEqual(4);
    // Two conversions (x to f16, z to f32) on top of one dispatch per GPU node.
    expect(emulated.stats.lastRun!.dispatches).toBe(fp32.stats.lastRun!.dispatches + 2);
    emulated.release();
    fp32.release();
  });

  it("real f16 pipelines, bind groups and buffers validate on Dawn's null backend (shader-f16; nothing is computed)", async (context) => {
    const adapter = await nullAdapter();
    if (!adapter?.features.has('shader-f16')) {
      context.skip("Dawn's null backend is not available or lacks shader-f16");
      return;
    }
    const device = await nullDevice(adapter, 'null backend');
    const session = await InferenceSession.create(buildModel(mixed), { gpuDevice: device, precision: 'fp16' });
    expect(session.backendReason).toContain('precision fp16');
    const f16 = session.placement.filter((p) => p.kernel.endsWith('#F16')).map((p) => p.op);
    expect(f16).toEqual(expect.arrayContaining(['FusedConv', 'GlobalAveragePool', 'Gemm']));
    // Runs end to end without a validation error (GPU_ERROR): odd-sized f16 bindings, conversions, f16 weights.
    const out = await session.run({ x: randomTensor([1, 4, 8, 8], 9) });
    expect(out.y!.dims).toEqual([1, 10]);
    await session.release();
  });
});

describe('fp16 on a real model without a GPU (mobilenet_v2, torch.onnx export)', () => {
  const status = ensureFixtures(['mobilenet_v2']).get('mobilenet_v2')!;

  it("its fp16 plan and f16 shaders validate on Dawn's null backend, with nearly every node in f16", async (context) => {
    if (!status.ready) return context.skip(status.reason);
    const adapter = await nullAdapter();
    if (!adapter?.features.has('shader-f16')) return context.skip("Dawn's null backend is not available or lacks shader-f16");
    const device = await nullDevice(adapter, 'null backend, mobilenet_v2');
    const fixture = loadFixture('mobilenet_v2');
    const session = await InferenceSession.create(fixture.onnx, { gpuDevice: device, precision: 'fp16' });
    const placement = session.placement;
    const f16 = placement.filter((p) => p.kernel.endsWith('#F16'));
    // All but the Flatten (an alias: no kernel) run their F16 variant.
    expect(placement.filter((p) => !p.kernel.endsWith('#F16')).map((p) => p.op)).toEqual(['Flatten']);
    expect(f16.length).toBe(placement.length - 1);
    await session.run({ input: fixture.input });
    await session.release();
  });

  it('its fp16 plan with f32 storage (F16_EMULATED) reproduces fp32 on SwiftShader', async (context) => {
    if (skipWithoutGpu(context)) return;
    if (!status.ready) return context.skip(status.reason);
    const fixture = loadFixture('mobilenet_v2');
    const graph = importModel(fixture.onnx);
    const emulated = await WebGpuModel.create(graph, LOWERINGS, undefined, 'fp16-emulated');
    const got = (await emulated.run(new Map([['input', fixture.input]]), ['output'])).get('output')!.data as Float32Array;
    const want = fixture.expected.data as Float32Array;
    let num = 0;
    let den = 0;
    want.forEach((v, i) => ((num += (got[i]! - v) ** 2), (den += v * v)));
    expect(Math.sqrt(num / den)).toBeLessThan(1e-5);
    emulated.release();
  });
});

describe('precision option', () => {
  it('rejects unknown precisions and fp16 on backends other than webgpu', async () => {
    expect(await errorOf(InferenceSession.create(model(), { precision: 'fp8' as 'fp16' }))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining("precision must be 'fp32' or 'fp16'") });
    expect(await errorOf(InferenceSession.create(model(), { backend: 'wasm', precision: 'fp16' }))).toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining("precision 'fp16' is for the webgpu backend") });
    expect(await errorOf(InferenceSession.create(model(), { backend: 'reference', precision: 'fp16' }))).toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it("without 'shader-f16', fp16 is refused with BACKEND_UNAVAILABLE (never a silent fp32 run); fp32 still runs", async (context) => {
    if (skipWithoutGpu(context)) return;
    if (await adapterHasF16()) {
      context.skip('this adapter has shader-f16: the refusal cannot happen here');
      return;
    }
    for (const backend of ['webgpu', 'auto'] as const) {
      const error = await errorOf(InferenceSession.create(model(), { backend, precision: 'fp16' }));
      expect(error.code).toBe('BACKEND_UNAVAILABLE');
      expect(error.message).toContain("precision 'fp16' needs the WebGPU feature 'shader-f16'");
    }
    // A caller's device without the feature is refused the same way.
    const adapter = (await dawnGpu!.requestAdapter())!;
    const device = await adapter.requestDevice();
    expect(await errorOf(InferenceSession.create(model(), { gpuDevice: device, precision: 'fp16' }))).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('the given gpuDevice was created without it') });
    device.destroy();
    const session = await InferenceSession.create(model(), { backend: 'webgpu', precision: 'fp32' });
    expect(session.backend).toBe('webgpu');
    const out = await session.run({ x: randomTensor([1, 3, 8, 8], 3) });
    expect(out.y!.dims).toEqual([1, 4, 8, 8]);
    await session.release();
  });

  it("with 'shader-f16': an fp16 session matches fp32 within 1e-2 relative L2", async (context) => {
    if (skipWithoutGpu(context)) return;
    if (!(await adapterHasF16())) {
      const reason = `skipped: the WebGPU adapter here (${webgpu.reason}) has no 'shader-f16'; bench/gpu.sh runs this on a real GPU`;
      console.log(`[fp16] ${reason}`);
      context.skip(reason);
      return;
    }
    const x = randomTensor([1, 3, 8, 8], 3);
    const fp32 = await InferenceSession.create(model(), { backend: 'webgpu' });
    const fp16 = await InferenceSession.create(model(), { backend: 'webgpu', precision: 'fp16' });
    expect(fp16.backendReason).toContain('precision fp16');
    const want = (await fp32.run({ x })).y!.data as Float32Array;
    const got = (await fp16.run({ x })).y!.data as Float32Array;
    let num = 0;
    let den = 0;
    want.forEach((v, i) => ((num += (got[i]! - v) ** 2), (den += v * v)));
    expect(Math.sqrt(num / den)).toBeLessThan(1e-2);
    expect(fp16.placement.some((p) => p.kernel.endsWith('#F16'))).toBe(true);
    await fp16.release();
    await fp32.release();
  });
});

