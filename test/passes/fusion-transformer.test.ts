/** Before/after tests of the transformer-side fusions: MatMul + bias, GELU, LayerNorm, transpose/reshape chains. */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { cancelTransposes } from '../../src/passes/cancel-transposes.js';
import { fuseGelu } from '../../src/passes/fuse-gelu.js';
import { fuseLayerNorm } from '../../src/passes/fuse-layernorm.js';
import { fuseMatMulAdd } from '../../src/passes/fuse-matmul-add.js';
import { FUSION_PASSES } from '../../src/passes/fusion.js';
import { type ModelSpec, type NodeSpec, randomTensor } from '../helpers/onnx-builder.js';
import { expectFusion, expectNoFusion, importGraph, ops, runPasses } from './fusion-harness.js';

const scalar = (v: number) => new Tensor('float32', Float32Array.of(v), []);
const one = (v: number) => new Tensor('float32', Float32Array.of(v), [1]);
const i64 = (...v: number[]) => new Tensor('int64', BigInt64Array.from(v, BigInt), [v.length]);

/** x[2, 5, 7] → nodes → y (float32), with the given constants. */
function model(nodes: NodeSpec[], initializers: Record<string, Tensor> = {}, extra: Partial<ModelSpec> = {}): ModelSpec {
  return {
    inputs: [{ name: 'x', type: 'float32', dims: [2, 5, 7] }, ...(extra.inputs ?? [])],
    outputs: extra.outputs ?? [{ name: 'y', type: 'float32' }],
    initializers,
    nodes,
  };
}
const feeds = { x: randomTensor([2, 5, 7], 1) };
const scaledFeeds = { x: new Tensor('float32', (randomTensor([2, 5, 7], 1).data as Float32Array).map((v) => 3 * v), [2, 5, 7]) };

describe('fuse-matmul-add', () => {
  const weights = { w: randomTensor([7, 9], 2), bias: randomTensor([9], 3) };
  for (const order of [['m', 'bias'], ['bias', 'm']]) {
    it(`fuses MatMul → Add(${order}) into FusedMatMul`, async () => {
      const spec = model([{ op: 'MatMul', name: 'mm', inputs: ['x', 'w'], outputs: ['m'] }, { op: 'Add', name: 'add', inputs: order, outputs: ['y'] }], weights);
      const graph = await expectFusion(spec, [fuseMatMulAdd], ['FusedMatMul'], feeds);
      expect(graph.nodes[0]).toMatchObject({ name: 'mm+add', inputs: ['x', 'w', 'bias'], outputs: ['y'], attrs: { activation: '' } });
    });
  }

  it('stores a [1, 1, N] bias again as 1-D', async () => {
    const spec = model([{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] }, { op: 'Add', inputs: ['m', 'bias'], outputs: ['y'] }],
      { w: weights.w, bias: weights.bias.reshape([1, 1, 9]) });
    const graph = await expectFusion(spec, [fuseMatMulAdd], ['FusedMatMul'], feeds);
    expect(graph.tensor(graph.nodes[0]!.inputs[2]!).dims).toEqual([9]);
  });

  it('leaves other biases, non-constant weights and shared products alone', () => {
    const add = (bias: string): NodeSpec[] => [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] }, { op: 'Add', inputs: ['m', bias], outputs: ['y'] }];
    expectNoFusion(model(add('bias'), { w: weights.w, bias: randomTensor([5, 9], 4) }), [fuseMatMulAdd]);
    expectNoFusion(model(add('bias'), { w: weights.w, bias: randomTensor([1, 1, 1, 9], 4) }), [fuseMatMulAdd]);
    expectNoFusion(model(add('bias'), { w: weights.w, bias: scalar(1) }), [fuseMatMulAdd]);
    expectNoFusion(model(add('bias'), { w: weights.w }, { inputs: [{ name: 'bias', type: 'float32', dims: [9] }] }), [fuseMatMulAdd]);
    expectNoFusion(model(add('bias'), { bias: weights.bias }, { inputs: [{ name: 'w', type: 'float32', dims: [7, 9] }] }), [fuseMatMulAdd]);
    expectNoFusion(model(add('bias'), weights, { outputs: [{ name: 'y', type: 'float32' }, { name: 'm', type: 'float32' }] }), [fuseMatMulAdd]);
  });
});

/** torch.onnx's export of nn.GELU(): x → Div(√2) → Erf → Add(1) → Mul(x, ·) → Mul(·, 0.5). */
const geluErf: NodeSpec[] = [
  { op: 'Div', name: 'div', inputs: ['x', 'sqrt2'], outputs: ['d'] },
  { op: 'Erf', inputs: ['d'], outputs: ['e'] },
  { op: 'Add', inputs: ['e', 'one'], outputs: ['u'] },
  { op: 'Mul', inputs: ['x', 'u'], outputs: ['xu'] },
  { op: 'Mul', name: 'half', inputs: ['xu', 'half'], outputs: ['y'] },
];
const geluConstants = { sqrt2: scalar(1.4142135), one: scalar(1), half: scalar(0.5) };

/** GELU(approximate='tanh') as torch.onnx exports it. */
const geluTanh: NodeSpec[] = [
  { op: 'Mul', name: 'square', inputs: ['x', 'x'], outputs: ['x2'] },
  { op: 'Mul', inputs: ['x', 'x2'], outputs: ['x3'] },
  { op: 'Mul', inputs: ['kappa', 'x3'], outputs: ['k'] },
  { op: 'Add', inputs: ['x', 'k'], outputs: ['s'] },
  { op: 'Mul', inputs: ['beta', 's'], outputs: ['i'] },
  { op: 'Tanh', inputs: ['i'], outputs: ['t'] },
  { op: 'Add', inputs: ['one', 't'], outputs: ['u'] },
  { op: 'Mul', inputs: ['x', 'u'], outputs: ['xu'] },
  { op: 'Mul', name: 'end', inputs: ['half', 'xu'], outputs: ['y'] },
];
const tanhConstants = { kappa: scalar(0.044715), beta: scalar(0.7978845608), one: scalar(1), half: scalar(0.5) };

describe('fuse-gelu', () => {
  it('fuses the erf form torch.onnx exports', async () => {
    const graph = await expectFusion(model(geluErf, geluConstants), [fuseGelu], ['Gelu'], scaledFeeds);
    expect(graph.nodes[0]).toMatchObject({ name: 'div+half', inputs: ['x'], outputs: ['y'], attrs: { approximate: 'none' } });
    expect(graph.tensors.has('sqrt2')).toBe(false);
  });

  it('fuses the variants: Mul by 1/√2, ½ applied first or to x, one-element constants', async () => {
    const variants: NodeSpec[][] = [
      [
        { op: 'Mul', inputs: ['rsqrt2', 'x'], outputs: ['d'] }, { op: 'Erf', inputs: ['d'], outputs: ['e'] },
        { op: 'Add', inputs: ['one', 'e'], outputs: ['u'] }, { op: 'Mul', inputs: ['u', 'half'], outputs: ['hu'] },
        { op: 'Mul', inputs: ['x', 'hu'], outputs: ['y'] },
      ],
      [
        { op: 'Mul', inputs: ['x', 'half'], outputs: ['hx'] }, { op: 'Div', inputs: ['x', 'sqrt2'], outputs: ['d'] },
        { op: 'Erf', inputs: ['d'], outputs: ['e'] }, { op: 'Add', inputs: ['e', 'one'], outputs: ['u'] },
        { op: 'Mul', inputs: ['hx', 'u'], outputs: ['y'] },
      ],
    ];
    const constants = { rsqrt2: one(0.70710677), sqrt2: one(1.4142135), one: one(1), half: one(0.5) };
    for (const nodes of variants) await expectFusion(model(nodes, constants), [fuseGelu], ['Gelu'], scaledFeeds);
  });

  it('fuses the tanh form, with the cube as Mul(x, Mul(x, x)) or Pow(x, 3)', async () => {
    const graph = await expectFusion(model(geluTanh, tanhConstants), [fuseGelu], ['Gelu'], scaledFeeds);
    expect(graph.nodes[0]).toMatchObject({ name: 'square+end', attrs: { approximate: 'tanh' } });
    const withPow = [{ op: 'Pow', inputs: ['x', 'three'], outputs: ['x3'] }, ...geluTanh.slice(2)];
    await expectFusion(model(withPow, { ...tanhConstants, three: scalar(3) }), [fuseGelu], ['Gelu'], scaledFeeds);
  });

  it('leaves wrong constants, shared and visible intermediates alone', () => {
    expectNoFusion(model(geluErf, { ...geluConstants, sqrt2: scalar(1.5) }), [fuseGelu]);
    expectNoFusion(model(geluErf, { ...geluConstants, half: scalar(0.4) }), [fuseGelu]);
    expectNoFusion(model(geluTanh, { ...tanhConstants, kappa: scalar(0.05) }), [fuseGelu]);
    expectNoFusion(model([...geluErf, { op: 'Neg', inputs: ['e'], outputs: ['z'] }], geluConstants,
      { outputs: [{ name: 'y', type: 'float32' }, { name: 'z', type: 'float32' }] }), [fuseGelu]);
    expectNoFusion(model(geluErf, geluConstants, { outputs: [{ name: 'y', type: 'float32' }, { name: 'u', type: 'float32' }] }), [fuseGelu]);
    expectNoFusion(model(geluErf, { one: scalar(1), half: scalar(0.5) }, { inputs: [{ name: 'sqrt2', type: 'float32', dims: [] }] }), [fuseGelu]);
  });

  it('lets the Gelu of a Linear layer join its FusedMatMul', async () => {
    const nodes: NodeSpec[] = [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] }, { op: 'Add', inputs: ['bias', 'm'], outputs: ['p'] },
      ...geluErf.map((node) => ({ ...node, inputs: node.inputs.map((name) => (name === 'x' ? 'p' : name)) })),
    ];
    const graph = await expectFusion(model(nodes, { ...geluConstants, w: randomTensor([7, 9], 2), bias: randomTensor([9], 3) }), FUSION_PASSES,
      ['FusedMatMul'], scaledFeeds);
    expect(graph.nodes[0]!.attrs).toMatchObject({ activation: 'Gelu', activation_params: [] });
  });
});

/** torch.onnx's LayerNorm before opset 17 (ReduceMean with an axes attribute in opset 13). */
function layerNorm(options: { axes?: number[]; square?: 'Pow' | 'Mul'; affine?: boolean } = {}): NodeSpec[] {
  const { axes = [-1], square = 'Pow', affine = true } = options;
  return [
    { op: 'ReduceMean', name: 'mean', inputs: ['x'], outputs: ['m'], attrs: { axes } },
    { op: 'Sub', inputs: ['x', 'm'], outputs: ['d'] },
    square === 'Pow' ? { op: 'Pow', inputs: ['d', 'two'], outputs: ['d2'] } : { op: 'Mul', inputs: ['d', 'd'], outputs: ['d2'] },
    { op: 'ReduceMean', inputs: ['d2'], outputs: ['v'], attrs: { axes } },
    { op: 'Add', inputs: ['v', 'eps'], outputs: ['ve'] },
    { op: 'Sqrt', inputs: ['ve'], outputs: ['sd'] },
    { op: 'Div', name: 'normalize', inputs: ['d', 'sd'], outputs: [affine ? 'n' : 'y'] },
    ...(affine ? [{ op: 'Mul', inputs: ['n', 'gamma'], outputs: ['g'] }, { op: 'Add', name: 'shift', inputs: ['g', 'beta'], outputs: ['y'] }] : []),
  ];
}
const normConstants = { two: scalar(2), eps: scalar(1e-5), gamma: randomTensor([7], 2), beta: randomTensor([7], 3) };

describe('fuse-layernorm', () => {
  it('fuses the exported pattern into LayerNormalization', async () => {
    const graph = await expectFusion(model(layerNorm(), normConstants), [fuseLayerNorm], ['LayerNormalization'], feeds);
    expect(graph.nodes[0]).toMatchObject({ name: 'mean+shift', inputs: ['x', 'gamma', 'beta'], outputs: ['y'] });
    expect(graph.nodes[0]!.attrs.axis).toBe(-1);
    expect(graph.nodes[0]!.attrs.epsilon).toBeCloseTo(1e-5, 10);
  });

  it('fuses Mul(d, d), a positive axis, and no affine part (gamma of ones)', async () => {
    await expectFusion(model(layerNorm({ square: 'Mul', axes: [2] }), normConstants), [fuseLayerNorm], ['LayerNormalization'], feeds);
    const graph = await expectFusion(model(layerNorm({ affine: false }), normConstants), [fuseLayerNorm], ['LayerNormalization'], feeds);
    expect(Array.from(graph.constant(graph.nodes[0]!.inputs[1]!)!.data as Float32Array)).toEqual(new Array(7).fill(1));
  });

  it('keeps a non-constant gamma outside the fused node', async () => {
    const { gamma: _gamma, ...rest } = normConstants;
    const spec = model(layerNorm(), rest, { inputs: [{ name: 'gamma', type: 'float32', dims: [7] }] });
    await expectFusion(spec, [fuseLayerNorm], ['LayerNormalization', 'Mul', 'Add'], { ...feeds, gamma: randomTensor([7], 4) });
  });

  it('leaves other axes, non-constant epsilon and shared intermediates alone', () => {
    expectNoFusion(model(layerNorm({ axes: [1] }), normConstants), [fuseLayerNorm]);
    const { eps: _eps, ...rest } = normConstants;
    expectNoFusion(model(layerNorm(), rest, { inputs: [{ name: 'eps', type: 'float32', dims: [] }] }), [fuseLayerNorm]);
    expectNoFusion(model([...layerNorm(), { op: 'Neg', inputs: ['d'], outputs: ['z'] }], normConstants,
      { outputs: [{ name: 'y', type: 'float32' }, { name: 'z', type: 'float32' }] }), [fuseLayerNorm]);
    expectNoFusion(model(layerNorm(), normConstants, { outputs: [{ name: 'y', type: 'float32' }, { name: 'v', type: 'float32' }] }), [fuseLayerNorm]);
  });
});

describe('cancel-transposes', () => {
  it('removes a Transpose pair that composes to the identity', async () => {
    const nodes: NodeSpec[] = [
      { op: 'Transpose', inputs: ['x'], outputs: ['t1'], attrs: { perm: [1, 2, 0] } },
      { op: 'Transpose', inputs: ['t1'], outputs: ['t2'], attrs: { perm: [2, 0, 1] } },
      { op: 'Relu', inputs: ['t2'], outputs: ['y'] },
    ];
    const graph = await expectFusion(model(nodes), [cancelTransposes], ['Relu'], feeds);
    expect(graph.nodes[0]!.inputs).toEqual(['x']);
  });

  it('composes two Transposes into one, and keeps an Identity for a graph output', async () => {
    const nodes: NodeSpec[] = [
      { op: 'Transpose', name: 'a', inputs: ['x'], outputs: ['t1'], attrs: { perm: [1, 0, 2] } },
      { op: 'Transpose', name: 'b', inputs: ['t1'], outputs: ['y'], attrs: { perm: [0, 2, 1] } },
    ];
    const graph = await expectFusion(model(nodes), [cancelTransposes], ['Transpose'], feeds);
    expect(graph.nodes[0]).toMatchObject({ name: 'a+b', inputs: ['x'], attrs: { perm: [1, 2, 0] } });
    const identity = [{ ...nodes[0]! }, { ...nodes[1]!, attrs: { perm: [1, 0, 2] } }];
    await expectFusion(model(identity), [cancelTransposes], ['Identity'], feeds);
    await expectFusion(model([{ op: 'Transpose', inputs: ['x'], outputs: ['t1'] }, { op: 'Transpose', inputs: ['t1'], outputs: ['y'] }]),
      [cancelTransposes], ['Identity'], feeds);
  });

  it('collapses a Reshape pair into the last Reshape', async () => {
    const nodes: NodeSpec[] = [
      { op: 'Reshape', inputs: ['x', 's1'], outputs: ['r1'] },
      { op: 'Reshape', inputs: ['r1', 's2'], outputs: ['y'] },
    ];
    const graph = await expectFusion(model(nodes, { s1: i64(10, 7), s2: i64(7, -1) }), [cancelTransposes], ['Reshape'], feeds);
    expect(graph.nodes[0]!.inputs).toEqual(['x', 's2']);
    expect(graph.tensor('y').dims).toEqual([7, 10]);
  });

  it('leaves shared intermediates and a 0 that copies an intermediate dim alone', () => {
    const nodes: NodeSpec[] = [
      { op: 'Reshape', inputs: ['x', 's1'], outputs: ['r1'] },
      { op: 'Reshape', inputs: ['r1', 's2'], outputs: ['y'] },
    ];
    expectNoFusion(model(nodes, { s1: i64(10, 7), s2: i64(0, 7) }), [cancelTransposes]);
    expectNoFusion(model(nodes, { s1: i64(10, 7), s2: i64(7, 10) }, { outputs: [{ name: 'y', type: 'float32' }, { name: 'r1', type: 'float32' }] }),
      [cancelTransposes]);
    expectNoFusion(model([
      { op: 'Transpose', inputs: ['x'], outputs: ['t1'], attrs: { perm: [1, 0, 2] } },
      { op: 'Transpose', inputs: ['t1'], outputs: ['y'], attrs: { perm: [1, 0, 2] } },
      { op: 'Neg', inputs: ['t1'], outputs: ['z'] },
    ], {}, { outputs: [{ name: 'y', type: 'float32' }, { name: 'z', type: 'float32' }] }), [cancelTransposes]);
  });

  it('runs the whole stage on a graph with nothing to fuse without changing it', () => {
    const graph = importGraph(model([{ op: 'Relu', inputs: ['x'], outputs: ['y'] }]));
    expect(runPasses(graph, FUSION_PASSES)).toBe(false);
    expect(ops(graph)).toEqual(['Relu']);
  });
});
