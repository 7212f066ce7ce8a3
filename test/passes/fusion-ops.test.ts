/**
 * The fused ops' own references against the unfused ops they stand for, computed with the standalone ops'
 * references (Conv → Add → activation, …) on random data at odd sizes, for every activation kind.
 */
import { describe, expect, it } from 'vitest';
import { WebliteError } from '../../src/errors.js';
import { float16ToFloat32, float32ToFloat16 } from '../../src/ir/dtype.js';
import type { Attrs } from '../../src/ir/graph.js';
import type { InferContext, TensorFacts } from '../../src/ir/op-spec.js';
import { type OpType, opTable } from '../../src/ir/ops.js';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectClose } from './fusion-harness.js';

const scalar = (v: number) => new Tensor('float32', Float32Array.of(v), []);

/** Runs an op's reference with its attribute defaults filled in. */
function run(op: OpType, inputs: (Tensor | undefined)[], attrs: Attrs = {}): Tensor {
  const spec = opTable[op];
  const resolved: Attrs = {};
  for (const [name, attr] of Object.entries(spec.attrs)) if (attr.default !== undefined) resolved[name] = attr.default;
  return spec.reference(inputs, { ...resolved, ...attrs }, { outputCount: 1, nodeName: `test ${op}` })[0]!;
}

function infer(op: OpType, inputs: (TensorFacts | undefined)[], attrs: Attrs = {}): TensorFacts[] {
  const spec = opTable[op];
  const resolved: Attrs = {};
  for (const [name, attr] of Object.entries(spec.attrs)) if (attr.default !== undefined) resolved[name] = attr.default;
  let counter = 0;
  const ctx: InferContext = {
    inputs, attrs: { ...resolved, ...attrs }, constant: () => undefined, outputCount: 1, unknownDim: () => `u${++counter}`, nodeName: 'n',
  };
  return spec.infer(ctx);
}

interface ActivationCase {
  activation: string;
  params: number[];
  /** The same activation from standalone ops. */
  unfused(x: Tensor): Tensor;
}

/** GELU from primitives, as torch.onnx exports it. */
function geluErfOps(x: Tensor): Tensor {
  const erf = run('Erf', [run('Div', [x, scalar(Math.SQRT2)])]);
  return run('Mul', [run('Mul', [x, run('Add', [erf, scalar(1)])]), scalar(0.5)]);
}

function geluTanhOps(x: Tensor): Tensor {
  const cube = run('Mul', [x, run('Mul', [x, x])]);
  const inner = run('Mul', [scalar(Math.sqrt(2 / Math.PI)), run('Add', [x, run('Mul', [scalar(0.044715), cube])])]);
  return run('Mul', [scalar(0.5), run('Mul', [x, run('Add', [scalar(1), run('Tanh', [inner])])])]);
}

export const ACTIVATION_CASES: ActivationCase[] = [
  { activation: '', params: [], unfused: (x) => x },
  { activation: 'Relu', params: [], unfused: (x) => run('Relu', [x]) },
  { activation: 'Clip', params: [-0.25, 0.5], unfused: (x) => run('Clip', [x, scalar(-0.25), scalar(0.5)]) },
  { activation: 'Clip', params: [-Infinity, 0.3], unfused: (x) => run('Clip', [x, undefined, scalar(0.3)]) },
  { activation: 'HardSwish', params: [], unfused: (x) => run('HardSwish', [x]) },
  { activation: 'HardSigmoid', params: [0.3, 0.4], unfused: (x) => run('HardSigmoid', [x], { alpha: 0.3, beta: 0.4 }) },
  { activation: 'HardSigmoid', params: [], unfused: (x) => run('HardSigmoid', [x]) },
  { activation: 'Sigmoid', params: [], unfused: (x) => run('Sigmoid', [x]) },
  { activation: 'Silu', params: [], unfused: (x) => run('Mul', [x, run('Sigmoid', [x])]) },
  { activation: 'LeakyRelu', params: [0.15], unfused: (x) => run('LeakyRelu', [x], { alpha: 0.15 }) },
  { activation: 'Gelu', params: [], unfused: geluErfOps },
  { activation: 'Gelu', params: [1], unfused: geluTanhOps },
  { activation: 'Tanh', params: [], unfused: (x) => run('Tanh', [x]) },
  { activation: 'Elu', params: [0.7], unfused: (x) => run('Elu', [x], { alpha: 0.7 }) },
];

/** Scaled so values straddle every activation's interesting region (Clip bounds, HardSigmoid's knees…). */
function data(dims: number[], seed: number, scale = 3): Tensor {
  const t = randomTensor(dims, seed);
  const values = t.data as Float32Array;
  for (let i = 0; i < values.length; i++) values[i]! *= scale;
  return t;
}

describe('fused references equal the unfused ops', () => {
  for (const { activation, params, unfused } of ACTIVATION_CASES) {
    const label = `${activation || 'none'}[${params}]`;

    it(`FusedConv ${label}: act(Conv + Z), strided, padded, grouped`, () => {
      const x = data([2, 4, 7, 5], 1);
      const w = data([6, 2, 3, 2], 2, 0.5);
      const b = data([6], 3);
      const attrs = { group: 2, strides: [2, 1], pads: [1, 0, 1, 1], dilations: [1, 2] };
      const convOut = run('Conv', [x, w, b], attrs);
      const z = data([...convOut.dims], 4);
      const fused = run('FusedConv', [x, w, b, z], { ...attrs, activation, activation_params: params });
      expectClose(fused, unfused(run('Add', [convOut, z])), 1e-6, 1e-6);
      const withoutResidual = run('FusedConv', [x, w, undefined], { ...attrs, activation, activation_params: params });
      expectClose(withoutResidual, unfused(run('Conv', [x, w], attrs)), 1e-6, 1e-6);
    });

    it(`FusedGemm ${label}: act(alpha·A'B' + beta·C)`, () => {
      const a = data([7, 5], 5);
      const bMatrix = data([9, 7], 6, 0.5);
      const c = data([9], 7);
      const attrs = { transA: 1, transB: 1, alpha: 0.75, beta: 1.5 };
      const fused = run('FusedGemm', [a, bMatrix, c], { ...attrs, activation, activation_params: params });
      expectClose(fused, unfused(run('Gemm', [a, bMatrix, c], attrs)), 1e-6, 1e-6);
    });

    it(`FusedMatMul ${label}: act(A@B + bias), batched and broadcast`, () => {
      const a = data([2, 3, 5, 7], 8);
      const bMatrix = data([3, 7, 9], 9, 0.5);
      const bias = data([9], 10);
      const fused = run('FusedMatMul', [a, bMatrix, bias], { activation, activation_params: params });
      expectClose(fused, unfused(run('Add', [run('MatMul', [a, bMatrix]), bias])), 1e-6, 1e-6);
      const noBias = run('FusedMatMul', [a, bMatrix], { activation, activation_params: params });
      expectClose(noBias, unfused(run('MatMul', [a, bMatrix])), 1e-6, 1e-6);
    });
  }

  it('reproduces the unfused graph bit for bit for single-node activations (same rounding points)', () => {
    const x = data([1, 3, 5, 5], 11);
    const w = data([4, 3, 3, 3], 12, 0.5);
    const convOut = run('Conv', [x, w], { pads: [1, 1, 1, 1] });
    const z = data([1, 4, 5, 5], 13);
    const fused = run('FusedConv', [x, w, undefined, z], { pads: [1, 1, 1, 1], activation: 'Sigmoid' });
    expect(Array.from(fused.data as Float32Array)).toEqual(Array.from(run('Sigmoid', [run('Add', [convOut, z])]).data as Float32Array));
  });

  it('works in float64 and float16', () => {
    const x32 = data([1, 2, 5, 3], 14);
    const w32 = data([3, 2, 2, 2], 15, 0.5);
    const x64 = new Tensor('float64', Float64Array.from(x32.data as Float32Array), x32.dims);
    const w64 = new Tensor('float64', Float64Array.from(w32.data as Float32Array), w32.dims);
    const fused64 = run('FusedConv', [x64, w64], { activation: 'Elu', activation_params: [0.5] });
    const want64 = run('Elu', [run('Conv', [x64, w64])], { alpha: 0.5 });
    expect(fused64.type).toBe('float64');
    expect(Array.from(fused64.data as Float64Array)).toEqual(Array.from(want64.data as Float64Array));

    const half = (t: Tensor) => new Tensor('float16', Uint16Array.from(t.data as Float32Array, float32ToFloat16), t.dims);
    const fused16 = run('FusedConv', [half(x32), half(w32)], { activation: 'HardSwish' });
    const want16 = run('HardSwish', [run('Conv', [half(x32), half(w32)])]);
    expect(fused16.type).toBe('float16');
    const widen = (t: Tensor) => new Tensor('float32', Float32Array.from(t.data as Uint16Array, float16ToFloat32), t.dims);
    expectClose(widen(fused16), widen(want16), 1e-3, 1e-3);
  });
});

describe('Gelu', () => {
  it('matches known values in both forms', () => {
    const x = new Tensor('float32', [-3, -1, 0, 0.5, 1, 2.5]);
    const erf = run('Gelu', [x]).data as Float32Array;
    const tanh = run('Gelu', [x], { approximate: 'tanh' }).data as Float32Array;
    // torch.nn.functional.gelu(x) and gelu(x, approximate='tanh') in float64, rounded to 7 places.
    const wantErf = [-0.0040497, -0.1586553, 0, 0.3457312, 0.8413447, 2.4844758];
    const wantTanh = [-0.0036374, -0.1588080, 0, 0.3457140, 0.8411920, 2.4849157];
    wantErf.forEach((v, i) => expect(erf[i]).toBeCloseTo(v, 6));
    wantTanh.forEach((v, i) => expect(tanh[i]).toBeCloseTo(v, 6));
  });

  it('equals the exported primitive chains on random data', () => {
    const x = data([3, 17], 16, 4);
    expectClose(run('Gelu', [x]), geluErfOps(x), 1e-6, 1e-6);
    expectClose(run('Gelu', [x], { approximate: 'tanh' }), geluTanhOps(x), 1e-6, 1e-6);
  });

  it('rejects an unknown approximation and integer input', () => {
    expect(() => infer('Gelu', [{ type: 'float32', dims: [2] }], { approximate: 'fast' })).toThrow(/approximate/);
    expect(() => infer('Gelu', [{ type: 'int32', dims: [2] }])).toThrow(/float/);
    expect(() => run('Gelu', [scalar(1)], { approximate: 'fast' })).toThrow(WebliteError);
  });
});

describe('fused op inference', () => {
  const f32 = (...dims: (number | string)[]): TensorFacts => ({ type: 'float32', dims });

  it('infers like the unfused op, keeping symbolic dims', () => {
    expect(infer('FusedConv', [f32('n', 3, 8, 8), f32(5, 3, 3, 3), f32(5), f32('n', 5, 6, 6)], { activation: 'Relu' }))
      .toEqual([f32('n', 5, 6, 6)]);
    expect(infer('FusedGemm', [f32(4, 6), f32(7, 6), f32(7)], { transB: 1, activation: 'Clip', activation_params: [0, 6] }))
      .toEqual([f32(4, 7)]);
    expect(infer('FusedMatMul', [f32('b', 10, 64), f32(64, 128), f32(128)])).toEqual([f32('b', 10, 128)]);
  });

  it('rejects what the kernels cannot run', () => {
    const bad = (op: OpType, inputs: TensorFacts[], attrs: Attrs, pattern: RegExp) => {
      let error: unknown;
      try {
        infer(op, inputs, attrs);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WebliteError);
      expect((error as WebliteError).code).toBe('BAD_MODEL');
      expect((error as Error).message).toMatch(pattern);
    };
    bad('FusedConv', [f32(1, 3, 8, 8), f32(5, 3, 3, 3)], { activation: 'Swish' }, /unknown activation 'Swish'/);
    bad('FusedConv', [f32(1, 3, 8, 8), f32(5, 3, 3, 3)], { activation: 'Relu', activation_params: [1] }, /at most 0/);
    bad('FusedConv', [f32(1, 3, 8, 8), f32(5, 3, 3, 3)], { activation_params: [1] }, /without an activation/);
    bad('FusedConv', [f32(1, 3, 8, 8), f32(5, 3, 3, 3), f32(5), f32(1, 5, 1, 1)], {}, /Z \[1, 5, 1, 1\] must have the output's shape/);
    bad('FusedMatMul', [f32(2, 4), f32(4, 3), f32(4)], {}, /bias has 4 values, expected 3/);
    bad('FusedMatMul', [f32(2, 4), f32(4, 3), f32(1, 3)], {}, /bias must be 1-D/);
    bad('FusedGemm', [{ type: 'int32', dims: [2, 2] }, { type: 'int32', dims: [2, 2] }], {}, /float/);
    bad('FusedConv', [f32(1, 3, 8, 8), f32(5, 3, 3, 3), f32(5), { type: 'float64', dims: [1, 5, 6, 6] }], {}, /Z must be float32/);
  });

  it('reports a residual of the wrong shape at run time as a RUNTIME_ERROR', () => {
    const x = data([1, 2, 4, 4], 17);
    const w = data([3, 2, 1, 1], 18);
    expect(() => run('FusedConv', [x, w, undefined, data([1, 3, 4, 1], 19)])).toThrow(/residual Z \[1,3,4,1\] must have the output's shape/);
    expect(() => run('FusedMatMul', [data([2, 3], 20), data([3, 4], 21), data([3], 22)])).toThrow(/bias \[3\] must be 1-D/);
  });
});
