/** Before/after tests of the conv and gemm fusions: BatchNorm folding, residual Add, activations. */
import { describe, expect, it } from 'vitest';
import { float32ToFloat16 } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';
import { fuseActivation } from '../../src/passes/fuse-activation.js';
import { fuseConvBatchNorm } from '../../src/passes/fuse-conv-batchnorm.js';
import { fuseResidualAdd } from '../../src/passes/fuse-residual-add.js';
import { FUSION_PASSES } from '../../src/passes/fusion.js';
import { type ModelSpec, type NodeSpec, randomTensor } from '../helpers/onnx-builder.js';
import { expectFusion, expectNoFusion, importGraph, ops, runPasses } from './fusion-harness.js';

const f32 = (...values: number[]) => new Tensor('float32', Float32Array.from(values), [values.length]);
const positive = (dims: number[], seed: number) => {
  const t = randomTensor(dims, seed);
  (t.data as Float32Array).forEach((v, i, a) => (a[i] = 0.5 + Math.abs(v)));
  return t;
};

/** x[1,3,6,5] → Conv(3×3, pad 1) → c[1,4,6,5] → the given tail nodes. */
function convModel(tail: NodeSpec[], extra: Partial<ModelSpec> = {}, bias = true): ModelSpec {
  return {
    inputs: [{ name: 'x', type: 'float32', dims: [1, 3, 6, 5] }, ...(extra.inputs ?? [])],
    outputs: extra.outputs ?? [{ name: 'y', type: 'float32' }],
    initializers: { w: randomTensor([4, 3, 3, 3], 2), ...(bias ? { b: randomTensor([4], 3) } : {}), ...extra.initializers },
    nodes: [{ op: 'Conv', name: 'conv', inputs: bias ? ['x', 'w', 'b'] : ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } }, ...tail],
  };
}

const batchNormParams = {
  scale: randomTensor([4], 4),
  shift: randomTensor([4], 5),
  mean: randomTensor([4], 6),
  variance: positive([4], 7),
};
const batchNorm: NodeSpec = { op: 'BatchNormalization', name: 'bn', inputs: ['c', 'scale', 'shift', 'mean', 'variance'], outputs: ['y'], attrs: { epsilon: 1e-3 } };
const feeds = { x: randomTensor([1, 3, 6, 5], 1) };

describe('fuse-conv-batchnorm', () => {
  it('folds BatchNormalization into the conv weights and bias', async () => {
    const graph = await expectFusion(convModel([batchNorm], { initializers: batchNormParams }), [fuseConvBatchNorm], ['Conv'], feeds);
    const conv = graph.nodes[0]!;
    expect(conv.name).toBe('conv+bn');
    expect(conv.outputs).toEqual(['y']);
    expect(conv.inputs[1]).toMatch(/^conv\.folded_weight/);
    expect(graph.tensors.has('c')).toBe(false);
    expect(graph.tensors.has('scale')).toBe(false);
  });

  it('folds into a conv without bias, and into a FusedConv without epilogue', async () => {
    await expectFusion(convModel([batchNorm], { initializers: batchNormParams }, false), [fuseConvBatchNorm], ['Conv'], feeds);
    const graph = importGraph(convModel([batchNorm], { initializers: batchNormParams }));
    graph.nodes[0]!.op = 'FusedConv';
    Object.assign(graph.nodes[0]!.attrs, { activation: '', activation_params: [] });
    runPasses(graph, [fuseConvBatchNorm]);
    expect(ops(graph)).toEqual(['FusedConv']);
  });

  it('leaves non-constant parameters, shared and visible intermediates, and activated convs alone', () => {
    const { scale: _scale, ...rest } = batchNormParams;
    expectNoFusion(convModel([batchNorm], { initializers: rest, inputs: [{ name: 'scale', type: 'float32', dims: [4] }] }), [fuseConvBatchNorm]);
    expectNoFusion(convModel([batchNorm, { op: 'Relu', inputs: ['c'], outputs: ['z'] }], {
      initializers: batchNormParams, outputs: [{ name: 'y', type: 'float32' }, { name: 'z', type: 'float32' }],
    }), [fuseConvBatchNorm]);
    expectNoFusion(convModel([batchNorm], {
      initializers: batchNormParams, outputs: [{ name: 'y', type: 'float32' }, { name: 'c', type: 'float32' }],
    }), [fuseConvBatchNorm]);
    const graph = importGraph(convModel([batchNorm], { initializers: batchNormParams }));
    graph.nodes[0]!.op = 'FusedConv';
    Object.assign(graph.nodes[0]!.attrs, { activation: 'Relu', activation_params: [] });
    expect(fuseConvBatchNorm.run(graph)).toBe(false);
  });
});

describe('fuse-residual-add', () => {
  const residualInput = { inputs: [{ name: 'r', type: 'float32' as const, dims: [1, 4, 6, 5] }] };
  const residualFeeds = { ...feeds, r: randomTensor([1, 4, 6, 5], 8) };

  for (const order of [['c', 'r'], ['r', 'c']]) {
    it(`makes Add(${order}) the conv's residual input Z`, async () => {
      const graph = await expectFusion(convModel([{ op: 'Add', name: 'add', inputs: order, outputs: ['y'] }], residualInput),
        [fuseResidualAdd], ['FusedConv'], residualFeeds);
      expect(graph.nodes[0]!.inputs).toEqual(['x', 'w', 'b', 'r']);
      expect(graph.nodes[0]!.name).toBe('conv+add');
      expect(graph.nodes[0]!.attrs.activation).toBe('');
    });
  }

  it('fuses when the dims are equal symbols', () => {
    const graph = importGraph({
      inputs: [{ name: 'x', type: 'float32', dims: ['n', 3, 6, 5] }, { name: 'r', type: 'float32', dims: ['n', 4, 6, 5] }],
      outputs: [{ name: 'y', type: 'float32' }],
      initializers: { w: randomTensor([4, 3, 1, 1], 2) },
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }, { op: 'Add', inputs: ['c', 'r'], outputs: ['y'] }],
    });
    runPasses(graph, [fuseResidualAdd]);
    expect(ops(graph)).toEqual(['FusedConv']);
    expect(graph.nodes[0]!.inputs).toEqual(['x', 'w', '', 'r']);
  });

  it('leaves broadcasting, constant, shared or visible operands alone', () => {
    expectNoFusion(convModel([{ op: 'Add', inputs: ['c', 'r'], outputs: ['y'] }], { inputs: [{ name: 'r', type: 'float32', dims: [1, 4, 1, 1] }] }), [fuseResidualAdd]);
    expectNoFusion(convModel([{ op: 'Add', inputs: ['c', 'k'], outputs: ['y'] }], { initializers: { k: randomTensor([1, 4, 6, 5], 9) } }), [fuseResidualAdd]);
    expectNoFusion(convModel([{ op: 'Add', inputs: ['c', 'c'], outputs: ['y'] }]), [fuseResidualAdd]);
    expectNoFusion(convModel([{ op: 'Add', inputs: ['c', 'r'], outputs: ['y'] }, { op: 'Neg', inputs: ['c'], outputs: ['z'] }], {
      ...residualInput, outputs: [{ name: 'y', type: 'float32' }, { name: 'z', type: 'float32' }],
    }), [fuseResidualAdd]);
    expectNoFusion(convModel([{ op: 'Add', inputs: ['c', 'r'], outputs: ['y'] }], {
      ...residualInput, outputs: [{ name: 'y', type: 'float32' }, { name: 'c', type: 'float32' }],
    }), [fuseResidualAdd]);
    // An activation already applied: act(conv) + r is not act(conv + r).
    const graph = importGraph(convModel([{ op: 'Relu', inputs: ['c'], outputs: ['a'] }, { op: 'Add', inputs: ['a', 'r'], outputs: ['y'] }], residualInput));
    runPasses(graph, [fuseActivation]);
    expect(fuseResidualAdd.run(graph)).toBe(false);
  });
});

describe('fuse-activation', () => {
  const clipBounds = { lo: new Tensor('float32', Float32Array.of(-0.5), []), hi: f32(0.75) };
  const cases: { name: string; nodes: NodeSpec[]; activation: string; params: number[]; initializers?: Record<string, Tensor> }[] = [
    { name: 'Relu', nodes: [{ op: 'Relu', inputs: ['c'], outputs: ['y'] }], activation: 'Relu', params: [] },
    { name: 'Clip', nodes: [{ op: 'Clip', inputs: ['c', 'lo', 'hi'], outputs: ['y'] }], activation: 'Clip', params: [-0.5, 0.75], initializers: clipBounds },
    { name: 'Clip without min', nodes: [{ op: 'Clip', inputs: ['c', '', 'hi'], outputs: ['y'] }], activation: 'Clip', params: [-Infinity, 0.75], initializers: clipBounds },
    { name: 'HardSwish', nodes: [{ op: 'HardSwish', inputs: ['c'], outputs: ['y'] }], activation: 'HardSwish', params: [] },
    {
      name: 'HardSigmoid', nodes: [{ op: 'HardSigmoid', inputs: ['c'], outputs: ['y'], attrs: { alpha: 0.25, beta: 0.375 } }],
      activation: 'HardSigmoid', params: [0.25, 0.375],
    },
    { name: 'Sigmoid', nodes: [{ op: 'Sigmoid', inputs: ['c'], outputs: ['y'] }], activation: 'Sigmoid', params: [] },
    { name: 'LeakyRelu', nodes: [{ op: 'LeakyRelu', inputs: ['c'], outputs: ['y'], attrs: { alpha: 0.125 } }], activation: 'LeakyRelu', params: [0.125] },
    { name: 'Tanh', nodes: [{ op: 'Tanh', inputs: ['c'], outputs: ['y'] }], activation: 'Tanh', params: [] },
    { name: 'Elu', nodes: [{ op: 'Elu', inputs: ['c'], outputs: ['y'], attrs: { alpha: 0.5 } }], activation: 'Elu', params: [0.5] },
    { name: 'Gelu', nodes: [{ op: 'Gelu', inputs: ['c'], outputs: ['y'] }], activation: 'Gelu', params: [] },
    { name: 'Gelu tanh', nodes: [{ op: 'Gelu', inputs: ['c'], outputs: ['y'], attrs: { approximate: 'tanh' } }], activation: 'Gelu', params: [1] },
    {
      name: 'SiLU', activation: 'Silu', params: [],
      nodes: [{ op: 'Sigmoid', inputs: ['c'], outputs: ['s'] }, { op: 'Mul', inputs: ['c', 's'], outputs: ['y'] }],
    },
    {
      name: 'SiLU, sigmoid first', activation: 'Silu', params: [],
      nodes: [{ op: 'Sigmoid', inputs: ['c'], outputs: ['s'] }, { op: 'Mul', inputs: ['s', 'c'], outputs: ['y'] }],
    },
    {
      name: 'HardSwish as Mul(t, HardSigmoid(t)) (opset < 14)', activation: 'HardSwish', params: [],
      nodes: [
        { op: 'HardSigmoid', inputs: ['c'], outputs: ['s'], attrs: { alpha: 0.16666667, beta: 0.5 } },
        { op: 'Mul', inputs: ['c', 's'], outputs: ['y'] },
      ],
    },
  ];

  for (const { name, nodes, activation, params, initializers } of cases) {
    it(`fuses Conv → ${name}`, async () => {
      const graph = await expectFusion(convModel(nodes, { initializers }), [fuseActivation], ['FusedConv'], feeds);
      expect(graph.nodes[0]!.attrs.activation).toBe(activation);
      expect(graph.nodes[0]!.attrs.activation_params).toEqual(params);
      expect(graph.nodes[0]!.outputs).toEqual(['y']);
    });
  }

  it('reads float16 Clip bounds as numbers', () => {
    const half = (t: Tensor) => new Tensor('float16', Uint16Array.from(t.data as Float32Array, float32ToFloat16), t.dims);
    const graph = importGraph({
      inputs: [{ name: 'x', type: 'float16', dims: [1, 3, 6, 5] }],
      outputs: [{ name: 'y', type: 'float16' }],
      initializers: { w: half(randomTensor([4, 3, 1, 1], 2)), lo: half(f32(0)), hi: half(f32(6)) },
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }, { op: 'Clip', inputs: ['c', 'lo', 'hi'], outputs: ['y'] }],
    });
    runPasses(graph, [fuseActivation]);
    expect(graph.nodes[0]!.attrs).toMatchObject({ activation: 'Clip', activation_params: [0, 6] });
  });

  it('fuses Gemm → Relu into FusedGemm and FusedMatMul → Tanh', async () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'a', type: 'float32', dims: [3, 5] }],
      outputs: [{ name: 'y', type: 'float32' }],
      initializers: { w: randomTensor([7, 5], 2), c: randomTensor([7], 3) },
      nodes: [
        { op: 'Gemm', name: 'fc', inputs: ['a', 'w', 'c'], outputs: ['g'], attrs: { transB: 1 } },
        { op: 'Relu', name: 'relu', inputs: ['g'], outputs: ['y'] },
      ],
    };
    const graph = await expectFusion(spec, [fuseActivation], ['FusedGemm'], { a: randomTensor([3, 5], 4) });
    expect(graph.nodes[0]).toMatchObject({ name: 'fc+relu', attrs: { transB: 1, activation: 'Relu' } });

    const matMul = importGraph({
      inputs: [{ name: 'a', type: 'float32', dims: [2, 3, 5] }],
      outputs: [{ name: 'y', type: 'float32' }],
      initializers: { w: randomTensor([5, 7], 2), bias: randomTensor([7], 3) },
      nodes: [{ op: 'MatMul', inputs: ['a', 'w'], outputs: ['m'] }, { op: 'Add', inputs: ['m', 'bias'], outputs: ['p'] }, { op: 'Tanh', inputs: ['p'], outputs: ['y'] }],
    });
    runPasses(matMul, FUSION_PASSES);
    expect(ops(matMul)).toEqual(['FusedMatMul']);
    expect(matMul.nodes[0]!.attrs.activation).toBe('Tanh');
  });

  it('fuses a whole ResNet block tail: Conv → BatchNorm → Add(residual) → Relu', async () => {
    const spec = convModel([
      { ...batchNorm, outputs: ['n'] },
      { op: 'Add', name: 'add', inputs: ['n', 'r'], outputs: ['s'] },
      { op: 'Relu', name: 'relu', inputs: ['s'], outputs: ['y'] },
    ], { initializers: batchNormParams, inputs: [{ name: 'r', type: 'float32', dims: [1, 4, 6, 5] }] });
    const graph = await expectFusion(spec, FUSION_PASSES, ['FusedConv'], { ...feeds, r: randomTensor([1, 4, 6, 5], 8) });
    expect(graph.nodes[0]).toMatchObject({ name: 'conv+bn+add+relu', inputs: ['x', expect.any(String), expect.any(String), 'r'], attrs: { activation: 'Relu' } });
  });

  it('leaves non-constant Clip bounds, shared outputs, integer products and activated products alone', () => {
    expectNoFusion(convModel([{ op: 'Clip', inputs: ['c', 'lo'], outputs: ['y'] }], { inputs: [{ name: 'lo', type: 'float32', dims: [] }] }), [fuseActivation]);
    expectNoFusion(convModel([{ op: 'Relu', inputs: ['c'], outputs: ['y'] }, { op: 'Neg', inputs: ['c'], outputs: ['z'] }], {
      outputs: [{ name: 'y', type: 'float32' }, { name: 'z', type: 'float32' }],
    }), [fuseActivation]);
    expectNoFusion(convModel([{ op: 'Relu', inputs: ['c'], outputs: ['y'] }], {
      outputs: [{ name: 'y', type: 'float32' }, { name: 'c', type: 'float32' }],
    }), [fuseActivation]);
    // SiLU whose input has a third reader, and whose Sigmoid is also an output.
    expectNoFusion(convModel([
      { op: 'Sigmoid', inputs: ['c'], outputs: ['s'] }, { op: 'Mul', inputs: ['c', 's'], outputs: ['y'] }, { op: 'Neg', inputs: ['c'], outputs: ['z'] },
    ], { outputs: [{ name: 'y', type: 'float32' }, { name: 'z', type: 'float32' }] }), [fuseActivation]);
    expectNoFusion(convModel([{ op: 'Sigmoid', inputs: ['c'], outputs: ['s'] }, { op: 'Mul', inputs: ['c', 's'], outputs: ['y'] }], {
      outputs: [{ name: 'y', type: 'float32' }, { name: 's', type: 'float32' }],
    }), [fuseActivation]);
    expectNoFusion({
      inputs: [{ name: 'a', type: 'int32', dims: [2, 2] }],
      outputs: [{ name: 'y', type: 'int32' }],
      initializers: { w: new Tensor('int32', Int32Array.of(1, -2, 3, -4), [2, 2]) },
      nodes: [{ op: 'Gemm', inputs: ['a', 'w'], outputs: ['g'] }, { op: 'Relu', inputs: ['g'], outputs: ['y'] }],
    }, [fuseActivation]);
    // A HardSigmoid gate that is not HardSwish's (α = 0.2): nothing fuses, t has two readers.
    const gate = importGraph(convModel([
      { op: 'HardSigmoid', inputs: ['c'], outputs: ['s'], attrs: { alpha: 0.2, beta: 0.5 } }, { op: 'Mul', inputs: ['c', 's'], outputs: ['y'] },
    ]));
    runPasses(gate, [fuseActivation]);
    expect(ops(gate)).toEqual(['Conv', 'HardSigmoid', 'Mul']);
    // A second activation does not stack onto the first.
    const graph = importGraph(convModel([{ op: 'Relu', inputs: ['c'], outputs: ['a'] }, { op: 'Sigmoid', inputs: ['a'], outputs: ['y'] }]));
    runPasses(graph, [fuseActivation]);
    expect(ops(graph)).toEqual(['FusedConv', 'Sigmoid']);
  });
});
