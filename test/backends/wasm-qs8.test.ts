/**
 * Quantized graphs on the wasm backend's int8 kernels. Each case builds a QDQ graph (DequantizeLinear → op →
 * QuantizeLinear, int8 weights and int32 biases as ONNX QDQ models store them), fuses it with fuse-qdq into QLinear
 * ops and writes that to .wlm; the wasm backend (integer kernels) must then equal the reference backend (the
 * integer references of ops/qlinear.ts) exactly, on odd sizes around the kernels' tiles. The float QDQ composition
 * (reference backend on the unfused model) must agree within one quantization step.
 */
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/convert/index.js';
import { InferenceSession, Tensor } from '../../src/index.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { fuseQdq } from '../../src/passes/quantize/qdq-fuse.js';
import { type ModelSpec, type NodeSpec, buildModel } from '../helpers/onnx-builder.js';

function ints(length: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return lo + ((s >>> 0) % (hi - lo + 1));
  });
}

const i8 = (dims: number[], seed: number, lo = -127, hi = 127) => new Tensor('int8', Int8Array.from(ints(dims.reduce((a, b) => a * b, 1), lo, hi, seed)), dims);
const scalar = (v: number) => new Tensor('float32', Float32Array.of(v), []);
const zp = (v: number) => new Tensor('int8', Int8Array.of(v), []);

/** Q(DQ(…)) scaffolding for one quantized op; returns nodes and initializers. */
class QdqBuilder {
  nodes: NodeSpec[] = [];
  init: Record<string, Tensor> = {};
  private n = 0;

  param(name: string, value: Tensor): string {
    this.init[name] = value;
    return name;
  }

  /** float x → int8 (scale, zp) → float: the activation grid every quantized op reads. */
  qdq(x: string, scale: number, zeroPoint: number): string {
    const k = this.n++;
    const s = this.param(`s${k}`, scalar(scale));
    const z = this.param(`z${k}`, zp(zeroPoint));
    this.nodes.push({ op: 'QuantizeLinear', inputs: [x, s, z], outputs: [`q${k}`] });
    this.nodes.push({ op: 'DequantizeLinear', inputs: [`q${k}`, s, z], outputs: [`dq${k}`] });
    return `dq${k}`;
  }

  /** A weight as int8 constant + per-channel (axis) or per-tensor scales behind DequantizeLinear. */
  weight(value: Tensor, scales: number[], axis: number): string {
    const k = this.n++;
    const w = this.param(`w${k}`, value);
    const s = this.param(`ws${k}`, new Tensor('float32', Float32Array.from(scales), scales.length === 1 ? [] : [scales.length]));
    const z = this.param(`wz${k}`, new Tensor('int8', new Int8Array(scales.length), scales.length === 1 ? [] : [scales.length]));
    this.nodes.push({ op: 'DequantizeLinear', inputs: [w, s, z], outputs: [`dw${k}`], attrs: { axis } });
    return `dw${k}`;
  }

  bias(values: number[], scales: number[]): string {
    const k = this.n++;
    const b = this.param(`b${k}`, new Tensor('int32', Int32Array.from(values), [values.length]));
    const s = this.param(`bs${k}`, new Tensor('float32', Float32Array.from(scales), [scales.length]));
    this.nodes.push({ op: 'DequantizeLinear', inputs: [b, s], outputs: [`db${k}`], attrs: { axis: 0 } });
    return `db${k}`;
  }
}

const f = (name: string, dims: number[]) => ({ name, type: 'float32' as const, dims });

function randomInput(dims: number[], seed: number, scale: number): Tensor {
  return new Tensor('float32', Float32Array.from(ints(dims.reduce((a, b) => a * b, 1), -140, 140, seed), (v) => v * scale), dims);
}

async function check(spec: ModelSpec, feeds: Record<string, Tensor>, wantKernels: string[], threads = 1) {
  const onnx = buildModel(spec);
  const graph = importModel(onnx, { fileName: 'qdq.onnx' });
  expect(fuseQdq.run(graph)).toBe(true);
  const fused = writeWlm(graph);
  const wasm = await InferenceSession.create(fused, { backend: 'wasm', threads });
  expect(wasm.threads).toBe(threads);
  const reference = await InferenceSession.create(fused, { backend: 'reference' });
  const float = await InferenceSession.create(onnx, { backend: 'reference' });
  const got = await wasm.run(feeds);
  const want = await reference.run(feeds);
  const approx = await float.run(feeds);
  for (const [name, expected] of Object.entries(want)) {
    expect(got[name]!.dims).toEqual(expected.dims);
    const a = got[name]!.data as Float32Array;
    const b = expected.data as Float32Array;
    let bad = -1;
    for (let i = 0; i < b.length && bad < 0; i++) if (a[i] !== b[i]) bad = i;
    expect(bad, bad < 0 ? name : `${name}[${bad}]: wasm ${a[bad]} reference ${b[bad]}`).toBe(-1);
    const c = approx[name]!.data as Float32Array;
    for (let i = 0; i < b.length; i++) expect(Math.abs(b[i]! - c[i]!), `${name}[${i}] vs float QDQ`).toBeLessThanOrEqual(1.0001 * outputScale);
  }
  const kernels = wasm.placement.map((p) => p.kernel);
  for (const k of wantKernels) expect(kernels, kernels.join(', ')).toContain(k);
  await Promise.all([wasm.release(), reference.release(), float.release()]);
}

/** Every case dequantizes its int8 output with this scale, so one step of the output is this much. */
const outputScale = 0.05;

function convCase(x: number[], w: number[], attrs: Record<string, number | number[]>, seed: number): { spec: ModelSpec; feeds: Record<string, Tensor> } {
  const b = new QdqBuilder();
  const xs = 0.02;
  const wScales = Array.from({ length: w[0]! }, (_, i) => 0.004 + 0.001 * (i % 5));
  const input = b.qdq('x', xs, 3);
  const weights = b.weight(i8(w, seed), wScales, 0);
  const bias = b.bias(ints(w[0]!, -3000, 3000, seed + 1), wScales.map((s) => Math.fround(xs * s)));
  b.nodes.push({ op: 'Conv', inputs: [input, weights, bias], outputs: ['c'], attrs });
  const out = b.qdq('c', outputScale, -5);
  b.nodes.push({ op: 'Identity', inputs: [out], outputs: ['y'] });
  return { spec: { inputs: [f('x', x)], outputs: [f('y', [])], nodes: b.nodes, initializers: b.init }, feeds: { x: randomInput(x, seed + 2, xs) } };
}

describe('quantized ops on the wasm int8 kernels (exact vs the integer references)', () => {
  it('1×1 conv (GEMM path), 19 → 13 channels, 5×7', async () => {
    const { spec, feeds } = convCase([1, 19, 5, 7], [13, 19, 1, 1], {}, 11);
    await check(spec, feeds, ['qs8-gemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2']);
  });

  it('3×3 conv, stride 2, asymmetric pads, 2 images, 5 → 9 channels', async () => {
    const { spec, feeds } = convCase([2, 5, 9, 11], [9, 5, 3, 3], { strides: [2, 2], pads: [1, 0, 1, 2] }, 21);
    await check(spec, feeds, ['qs8-igemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2']);
  });

  it('grouped conv (3 groups) with dilation', async () => {
    const { spec, feeds } = convCase([1, 6, 8, 7], [9, 2, 3, 2], { group: 3, dilations: [2, 1], pads: [2, 1, 2, 0] }, 31);
    await check(spec, feeds, ['qs8-igemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2']);
  });

  it('threads: 2 split pixels and rows across the pool with identical results (conv, depthwise, GEMM)', async () => {
    const a = convCase([2, 13, 17, 9], [11, 13, 3, 3], { pads: [1, 1, 1, 1] }, 51);
    await check(a.spec, a.feeds, ['qs8-igemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2'], 2);
    const b = convCase([1, 19, 21, 23], [19, 1, 3, 3], { group: 19, pads: [1, 1, 1, 1] }, 53);
    await check(b.spec, b.feeds, ['qs8-dwconv-minmax-fp32-up16c-wasmsimd-dot16x2'], 2);
    const c = convCase([1, 24, 19, 21], [40, 24, 1, 1], {}, 55);
    await check(c.spec, c.feeds, ['qs8-gemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2'], 2);
  });

  it('depthwise 3×3 (17 channels: one full tile of 16 and a remainder) and 5×5 stride 2', async () => {
    const a = convCase([1, 17, 6, 9], [17, 1, 3, 3], { group: 17, pads: [1, 1, 1, 1] }, 41);
    await check(a.spec, a.feeds, ['qs8-dwconv-minmax-fp32-up16c-wasmsimd-dot16x2']);
    const b = convCase([1, 33, 11, 10], [33, 1, 5, 5], { group: 33, pads: [2, 2, 2, 2], strides: [2, 2] }, 43);
    await check(b.spec, b.feeds, ['qs8-dwconv-minmax-fp32-up16c-wasmsimd-dot16x2']);
  });

  it('residual QLinearAdd, QLinearMul by a per-channel vector, average and global pooling, max pooling', async () => {
    const b = new QdqBuilder();
    const x = b.qdq('x', 0.03, 2);
    const r = b.qdq('r', 0.02, -7);
    b.nodes.push({ op: 'Add', inputs: [x, r], outputs: ['sum'] });
    const sum = b.qdq('sum', 0.04, 1);
    const gate = b.qdq('g', 0.01, -128);
    b.nodes.push({ op: 'Mul', inputs: [sum, gate], outputs: ['prod'] });
    const prod = b.qdq('prod', 0.03, 0);
    b.nodes.push({ op: 'AveragePool', inputs: [prod], outputs: ['avg'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } });
    const avg = b.qdq('avg', outputScale, 4);
    b.nodes.push({ op: 'MaxPool', inputs: [prod], outputs: ['max'], attrs: { kernel_shape: [2, 2], strides: [1, 2] } });
    const max = b.qdq('max', 0.03, 0);
    b.nodes.push({ op: 'GlobalAveragePool', inputs: [prod], outputs: ['gap'] });
    const gap = b.qdq('gap', outputScale, -3);
    b.nodes.push({ op: 'Identity', inputs: [avg], outputs: ['y'] }, { op: 'Identity', inputs: [max], outputs: ['m'] }, { op: 'Identity', inputs: [gap], outputs: ['z'] });
    const dims = [1, 21, 7, 9];
    await check(
      { inputs: [f('x', dims), f('r', dims), f('g', [1, 21, 1, 1])], outputs: [f('y', []), f('m', []), f('z', [])], nodes: b.nodes, initializers: b.init },
      { x: randomInput(dims, 1, 0.03), r: randomInput(dims, 2, 0.02), g: randomInput([1, 21, 1, 1], 3, 0.005) },
      ['qs8-vbinary-minmax-fp32-16x-wasmsimd', 'qs8-avgpool-minmax-fp32-up16c-wasmsimd', 's8-maxpool-minmax-up16c-wasmsimd', 'qs8-global-avgpool-minmax-fp32-up16c-wasmsimd'],
    );
  });

  it('fully connected (Gemm transB with int32 bias) and MatMul', async () => {
    const b = new QdqBuilder();
    const x = b.qdq('x', 0.02, -1);
    const wScales = Array.from({ length: 11 }, (_, i) => 0.003 + 0.0005 * i);
    const w = b.weight(i8([11, 37], 5), wScales, 0);
    const bias = b.bias(ints(11, -2000, 2000, 6), wScales.map((s) => Math.fround(0.02 * s)));
    b.nodes.push({ op: 'Gemm', inputs: [x, w, bias], outputs: ['g'], attrs: { transB: 1 } });
    const g = b.qdq('g', outputScale, 2);
    const m = b.weight(i8([37, 6], 7), [0.004], 1);
    b.nodes.push({ op: 'MatMul', inputs: [x, m], outputs: ['mm'] });
    const mm = b.qdq('mm', outputScale, -9);
    b.nodes.push({ op: 'Identity', inputs: [g], outputs: ['y'] }, { op: 'Identity', inputs: [mm], outputs: ['z'] });
    await check(
      { inputs: [f('x', [5, 37])], outputs: [f('y', []), f('z', [])], nodes: b.nodes, initializers: b.init },
      { x: randomInput([5, 37], 8, 0.02) },
      ['qs8-gemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2'],
    );
  });

  it('Concat and Reshape of int8 tensors with shared parameters move bytes (no requantization)', async () => {
    const b = new QdqBuilder();
    const x = b.qdq('x', outputScale, 3);
    const r = b.qdq('r', outputScale, 3);
    b.nodes.push({ op: 'Concat', inputs: [x, r], outputs: ['cat'], attrs: { axis: 1 } });
    const cat = b.qdq('cat', outputScale, 3);
    const shape = b.param('shape', new Tensor('int64', BigInt64Array.from([1n, -1n]), [2]));
    b.nodes.push({ op: 'Reshape', inputs: [cat, shape], outputs: ['flat'] });
    const flat = b.qdq('flat', outputScale, 3);
    b.nodes.push({ op: 'Identity', inputs: [flat], outputs: ['y'] });
    await check(
      { inputs: [f('x', [1, 5, 3, 7]), f('r', [1, 2, 3, 7])], outputs: [f('y', [])], nodes: b.nodes, initializers: b.init },
      { x: randomInput([1, 5, 3, 7], 4, outputScale), r: randomInput([1, 2, 3, 7], 5, outputScale) },
      ['ts/concat-memcpy-x8', 'ts/copy-x8'],
    );
  });

  it('Concat of int8 tensors on other grids than its output becomes QLinearConcat: NHWC channel concat of two convolutions and a graph input, one input copied', async () => {
    const b = new QdqBuilder();
    const x = b.qdq('x', 0.02, 3);
    const wScales = [0.004, 0.005, 0.003];
    b.nodes.push({ op: 'Conv', inputs: [x, b.weight(i8([3, 4, 3, 3], 71), wScales, 0)], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } });
    const c1 = b.qdq('c1', 0.07, -11);
    b.nodes.push({ op: 'Conv', inputs: [x, b.weight(i8([5, 4, 1, 1], 72), [0.006], 0)], outputs: ['c2'] });
    const c2 = b.qdq('c2', outputScale, 3);
    b.nodes.push({ op: 'Concat', inputs: [c1, c2, x], outputs: ['cat'], attrs: { axis: 1 } });
    const cat = b.qdq('cat', outputScale, 3);
    b.nodes.push({ op: 'Identity', inputs: [cat], outputs: ['y'] });
    // A concat along W of NCHW tensors (graph inputs), one on the output's grid.
    const p = b.qdq('p', 0.011, 100);
    const q = b.qdq('q', outputScale, -20);
    b.nodes.push({ op: 'Concat', inputs: [p, q], outputs: ['wcat'], attrs: { axis: -1 } });
    const wcat = b.qdq('wcat', outputScale, -20);
    b.nodes.push({ op: 'Identity', inputs: [wcat], outputs: ['z'] });
    const spec = { inputs: [f('x', [2, 4, 5, 7]), f('p', [1, 2, 3, 5]), f('q', [1, 2, 3, 4])], outputs: [f('y', []), f('z', [])], nodes: b.nodes, initializers: b.init };
    const graph = importModel(buildModel(spec), { fileName: 'concat.onnx' });
    fuseQdq.run(graph);
    expect(graph.nodes.filter((n) => n.op === 'QLinearConcat').length).toBe(2);
    await check(spec, { x: randomInput([2, 4, 5, 7], 73, 0.02), p: randomInput([1, 2, 3, 5], 74, 0.011), q: randomInput([1, 2, 3, 4], 75, outputScale) }, ['ts/concat-requantize-lut-x8']);
  });

  it('QuantizeLinear(DequantizeLinear(x)) onto another grid is one table lookup per byte (int8 → int8, int8 → uint8 graph output)', async () => {
    const b = new QdqBuilder();
    const x = b.qdq('x', 0.0213, 3);
    const moved = b.qdq(x, outputScale, -7); // x's int8 values requantized onto the output grid
    b.nodes.push({ op: 'MaxPool', inputs: [moved], outputs: ['max'], attrs: { kernel_shape: [2, 2] } });
    const max = b.qdq('max', outputScale, -7);
    b.nodes.push({ op: 'Identity', inputs: [max], outputs: ['y'] });
    b.nodes.push({ op: 'QuantizeLinear', inputs: [x, b.param('us', scalar(0.031)), b.param('uz', new Tensor('uint8', Uint8Array.of(130), []))], outputs: ['u'] });
    await check(
      { inputs: [f('x', [1, 3, 5, 6])], outputs: [f('y', []), { name: 'u', type: 'uint8', dims: [] }], nodes: b.nodes, initializers: b.init },
      { x: randomInput([1, 3, 5, 6], 76, 0.0213) },
      ['ts/requantize-lut-s8-s8', 'ts/requantize-lut-s8-u8', 's8-maxpool-minmax-up16c-wasmsimd'],
    );
  });

  it("int16 activations (static int8's wide ones) between float kernels: a Q → DQ pair is one rounding loop, lone Q / DQ convert; exact vs the reference", async () => {
    // x → Relu → int16 Q/DQ (rounding pair) → Conv (float, int8 weights) → int16 Q → graph output and → DQ → Relu.
    const b = new QdqBuilder();
    const s16 = (v: number) => new Tensor('int16', Int16Array.of(v), []);
    b.nodes.push({ op: 'Relu', inputs: ['x'], outputs: ['r'] });
    b.nodes.push({ op: 'QuantizeLinear', inputs: ['r', b.param('rs', scalar(6 / 65535)), b.param('rz', s16(-32768))], outputs: ['rq'] });
    b.nodes.push({ op: 'DequantizeLinear', inputs: ['rq', 'rs', 'rz'], outputs: ['rd'] });
    const weights = b.weight(i8([5, 3, 3, 3], 81), [0.01, 0.02, 0.015, 0.03, 0.005], 0);
    b.nodes.push({ op: 'Conv', inputs: ['rd', weights], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } });
    b.nodes.push({ op: 'QuantizeLinear', inputs: ['c', b.param('cs', scalar(0.0007)), b.param('cz', s16(11))], outputs: ['cq'] });
    b.nodes.push({ op: 'DequantizeLinear', inputs: ['cq', 'cs', 'cz'], outputs: ['cd'] });
    b.nodes.push({ op: 'Relu', inputs: ['cd'], outputs: ['y'] });
    const onnx = buildModel({
      inputs: [f('x', [1, 3, 7, 9])], outputs: [f('y', []), { name: 'cq', type: 'int16', dims: [] }], nodes: b.nodes, initializers: b.init,
    });
    // Values at exact halves of the int16 step test ties (to even) as well.
    const x = randomInput([1, 3, 7, 9], 82, 0.011);
    (x.data as Float32Array)[5] = Math.fround(7.5 * (6 / 65535));
    const wasm = await InferenceSession.create(onnx, { backend: 'wasm' });
    const reference = await InferenceSession.create(onnx, { backend: 'reference' });
    const [got, want] = [await wasm.run({ x }), await reference.run({ x })];
    expect(Array.from(got.y!.data as Float32Array)).toEqual(Array.from(want.y!.data as Float32Array));
    expect(got.cq!.type).toBe('int16');
    expect(Array.from(got.cq!.data as Int16Array)).toEqual(Array.from(want.cq!.data as Int16Array));
    const kernels = Object.fromEntries(wasm.placement.map((p) => [p.node, p.kernel]));
    expect(Object.values(kernels)).toEqual(expect.arrayContaining(['f32-qround-s16-4x-wasmsimd', 'none (rounded by its DequantizeLinear)', 'ts/quantize-f32-s16', 'ts/dequantize-s16-f32']));
    expect(wasm.placement.every((p) => p.backend === 'wasm'), JSON.stringify(wasm.placement)).toBe(true);
    await Promise.all([wasm.release(), reference.release()]);
  });

  it('rounding pairs (QuantizeLinear → DequantizeLinear read by float kernels) onto int16, int8 and uint8 grids: one SIMD pass, bit-exact incl. ties, ±0, NaN, ±∞ and saturation', async () => {
    const grids = [
      { type: 'int16', zero: new Tensor('int16', Int16Array.of(-7), []), scale: 0.0003, kernel: 'f32-qround-s16-4x-wasmsimd' },
      { type: 'int8', zero: new Tensor('int8', Int8Array.of(5), []), scale: 0.02, kernel: 'f32-qround-s8-4x-wasmsimd' },
      // fuse-qdq retypes a uint8 pair to int8 (zero point − 128) before lowering: the int8 kernel again.
      { type: 'uint8', zero: new Tensor('uint8', Uint8Array.of(128), []), scale: 0.013, kernel: 'f32-qround-s8-4x-wasmsimd' },
    ];
    const nodes: NodeSpec[] = [];
    const init: Record<string, Tensor> = {};
    grids.forEach((grid, i) => {
      init[`s${i}`] = scalar(grid.scale);
      init[`z${i}`] = grid.zero;
      nodes.push({ op: 'QuantizeLinear', inputs: ['x', `s${i}`, `z${i}`], outputs: [`q${i}`] });
      nodes.push({ op: 'DequantizeLinear', inputs: [`q${i}`, `s${i}`, `z${i}`], outputs: [`y${i}`] });
    });
    const onnx = buildModel({ inputs: [f('x', [1, 1003])], outputs: grids.map((_, i) => f(`y${i}`, [])), nodes, initializers: init });
    // Ties at every grid's half steps, values past each grid's ends, tiny negatives (round to −0), NaN and ±∞,
    // then a spread of ordinary values; 1003 elements leave a 3-element tail after the 4-wide body.
    const special = [NaN, Infinity, -Infinity, -1e-9, 1e-9, 0, -0, 1e6, -1e6, 2.5 * 0.02, -3.5 * 0.02, 0.5 * 0.0003, 1.5 * 0.0003, 0.5 * 0.013];
    const data = Float32Array.from({ length: 1003 }, (_, i) => (i < special.length ? special[i]! : Math.sin(i * 0.37) * (i % 7) * 1.3));
    const x = new Tensor('float32', data, [1, 1003]);
    const wasm = await InferenceSession.create(onnx, { backend: 'wasm' });
    const reference = await InferenceSession.create(onnx, { backend: 'reference' });
    const [got, want] = [await wasm.run({ x }), await reference.run({ x })];
    grids.forEach((_, i) => expect(Array.from(got[`y${i}`]!.data as Float32Array), `y${i}`).toEqual(Array.from(want[`y${i}`]!.data as Float32Array)));
    const kernels = wasm.placement.map((p) => p.kernel);
    for (const grid of grids) expect(kernels).toContain(grid.kernel);
    expect(kernels.filter((k) => k === 'none (rounded by its DequantizeLinear)')).toHaveLength(3);
    await Promise.all([wasm.release(), reference.release()]);
  });

  it('Q → int8 Transpose → DQ read by a float op becomes Q → DQ (one rounding pass) → float Transpose', async () => {
    // An NHWC input quantized, moved to NCHW, then read by a float op (as static int8's graph input before a first
    // convolution whose output is int16).
    const b = new QdqBuilder();
    const x = b.qdq('x', 0.0213, 3);
    b.nodes.push({ op: 'Transpose', inputs: [x], outputs: ['t'], attrs: { perm: [0, 3, 1, 2] } });
    const moved = b.qdq('t', 0.0213, 3);
    b.nodes.push({ op: 'Relu', inputs: [moved], outputs: ['y'] });
    const spec: ModelSpec = { inputs: [f('x', [1, 5, 6, 3])], outputs: [f('y', [])], nodes: b.nodes, initializers: b.init };
    const graph = importModel(buildModel(spec));
    expect(fuseQdq.run(graph)).toBe(true);
    expect(graph.nodes.map((node) => node.op)).toEqual(['QuantizeLinear', 'DequantizeLinear', 'Transpose', 'Relu']);
    expect(graph.tensors.get(graph.nodes[2]!.inputs[0]!)?.type).toBe('float32');
    await check(spec, { x: randomInput([1, 5, 6, 3], 91, 0.0213) }, ['f32-qround-s8-4x-wasmsimd', 'none (rounded by its DequantizeLinear)']);
  });

  it('an onnxruntime QOperator model (QLinearConv + com.microsoft QLinearAdd / QLinearGlobalAveragePool) runs on the int8 kernels', async () => {
    const init: Record<string, Tensor> = {
      xs: scalar(0.02), xz: zp(-3), w: i8([5, 5, 3, 3], 61), ws: new Tensor('float32', Float32Array.from([0.004, 0.005, 0.003, 0.006, 0.004]), [5]),
      wz: new Tensor('int8', new Int8Array(5), [5]), ys: scalar(0.05), yz: zp(2), b: new Tensor('int32', Int32Array.from(ints(5, -500, 500, 62)), [5]),
      as: scalar(0.06), az: zp(-1), gs: scalar(0.03), gz: zp(0),
    };
    const nodes: NodeSpec[] = [
      { op: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'QLinearAdd', domain: 'com.microsoft', inputs: ['c', 'ys', 'yz', 'x', 'xs', 'xz', 'as', 'az'], outputs: ['sum'] },
      { op: 'QLinearGlobalAveragePool', domain: 'com.microsoft', inputs: ['sum', 'as', 'az', 'gs', 'gz'], outputs: ['y'], attrs: { channels_last: 0 } },
    ];
    const model = buildModel({ inputs: [{ name: 'x', type: 'int8', dims: [1, 5, 9, 8] }], outputs: [{ name: 'y', type: 'int8', dims: [] }], nodes, initializers: init });
    const x = i8([1, 5, 9, 8], 63);
    const wasm = await InferenceSession.create(model, { backend: 'wasm' });
    const reference = await InferenceSession.create(model, { backend: 'reference' });
    const got = (await wasm.run({ x })).y!;
    const want = (await reference.run({ x })).y!;
    expect(Array.from(got.data as Int8Array)).toEqual(Array.from(want.data as Int8Array));
    expect(wasm.placement.map((p) => p.kernel)).toEqual(['qs8-igemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2', 'qs8-vbinary-minmax-fp32-16x-wasmsimd', 'qs8-global-avgpool-minmax-fp32-up16c-wasmsimd']);
    // The com.microsoft ops are not ONNX operators: from the default domain they are reported unsupported.
    const wrong = buildModel({ inputs: [{ name: 'x', type: 'int8', dims: [1, 5, 9, 8] }], outputs: [{ name: 'y', type: 'int8', dims: [] }], nodes: [{ ...nodes[1]!, domain: undefined, inputs: ['x', 'xs', 'xz', 'x', 'xs', 'xz', 'as', 'az'], outputs: ['y'] }], initializers: init });
    await expect(InferenceSession.create(wrong, { backend: 'wasm' })).rejects.toThrow(/QLinearAdd.*com\.microsoft/);
  });
});
