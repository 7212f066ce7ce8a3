/**
 * importCaffe without a reference runtime: net forms (V1, inputs, phases), SSA renaming of in-place layers,
 * weights matching, error reporting, and hand-checked numbers for semantics where OpenCV's dnn departs from Caffe
 * (InnerProduct transpose, LRN k, two-bottom Scale with bias, Bias, concat_dim, PriorBox clip default).
 */
import { describe, expect, it } from 'vitest';
import { importCaffe } from '../../src/convert/caffe/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { InferenceSession } from '../../src/runtime/session.js';
import { encodeCaffeModel } from './caffe-helpers.js';

async function run(graph: Graph, feeds: Record<string, Tensor>): Promise<Record<string, number[]>> {
  const session = await InferenceSession.create(writeWlm(graph), { backend: 'reference' });
  const out = await session.run(feeds);
  return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, Array.from(t.data as Float32Array)]));
}

const f32 = (values: number[], dims: number[]) => new Tensor('float32', Float32Array.from(values), dims);
const blob = (dims: number[], values: number[]) => `blobs { shape { ${dims.map((d) => `dim: ${d}`).join(' ')} } ${values.map((v) => `data: ${v}`).join(' ')} }`;

function importError(prototxt: string, weights?: Uint8Array): { code: string; message: string } {
  try {
    importCaffe(prototxt, { weights, fileName: 'net.prototxt' });
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected importCaffe to fail');
}

describe('importCaffe: net forms', () => {
  it('converts the V1 form (enum types, input + input_dim) and sets the metadata', () => {
    const graph = importCaffe(`
      name: "old"
      input: "data" input_dim: 1 input_dim: 2 input_dim: 3 input_dim: 3
      layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv"
        convolution_param { num_output: 1 kernel_size: 3 bias_term: false }
        ${blob([1, 2, 3, 3], new Array(18).fill(1))} }
      layers { name: "act" type: SIGMOID bottom: "conv" top: "conv" }`);
    expect(graph.metadata).toMatchObject({ sourceFormat: 'caffe', properties: { name: 'old' } });
    expect(graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Sigmoid']);
    expect(graph.inputs).toEqual(['data']);
    expect(graph.outputs).toEqual(['conv']);
    expect(graph.tensor('conv').dims).toEqual([1, 1, 1, 1]);
  });

  it('reads input_shape, Input layers with a shared shape, and several inputs', () => {
    const graph = importCaffe(`
      input: "a" input_shape { dim: 2 dim: 3 }
      layer { name: "in" type: "Input" top: "b" top: "c" input_param { shape { dim: 2 dim: 3 } } }
      layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" bottom: "c" top: "sum" }`);
    expect(graph.inputs).toEqual(['a', 'b', 'c']);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Sum']);
    expect(graph.tensor('sum').dims).toEqual([2, 3]);
  });

  it('drops layers outside the TEST phase', () => {
    const graph = importCaffe(`
      input: "x" input_shape { dim: 1 dim: 4 }
      layer { name: "train_only" type: "Dropout" bottom: "x" top: "t" include { phase: TRAIN } }
      layer { name: "not_test" type: "ReLU" bottom: "x" top: "n" exclude { phase: TEST } }
      layer { name: "test_only" type: "TanH" bottom: "x" top: "y" include { phase: TEST } }
      layer { name: "staged" type: "Sigmoid" bottom: "x" top: "s" include { stage: "deploy" } }`);
    expect(graph.nodes.map((n) => n.name)).toEqual(['test_only']);
    expect(graph.outputs).toEqual(['y']);
  });

  it('outputs are the blobs no later layer reads; Split tops are aliases', async () => {
    const graph = importCaffe(`
      input: "x" input_shape { dim: 1 dim: 2 }
      layer { name: "split" type: "Split" bottom: "x" top: "x1" top: "x2" }
      layer { name: "neg" type: "Power" bottom: "x1" top: "y" power_param { scale: -1 } }
      layer { name: "silence" type: "Silence" bottom: "x2" bottom: "y" }
      layer { name: "split2" type: "Split" bottom: "x" top: "z" }`);
    expect(graph.outputs).toEqual(['z']);
    expect(graph.nodes.map((n) => `${n.op}(${n.inputs[0]})`)).toEqual(['Mul(x)', 'Identity(x)']);
    expect(await run(graph, { x: f32([1, 2], [1, 2]) })).toEqual({ z: [1, 2] });
  });
});

describe('importCaffe: in-place layers get SSA names', () => {
  const prototxt = `
    input: "data" input_shape { dim: 1 dim: 2 }
    layer { name: "pre" type: "Power" bottom: "data" top: "data" power_param { shift: 1 } }
    layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc" inner_product_param { num_output: 2 bias_term: false }
      ${blob([2, 2], [1, 0, 0, 1])} }
    layer { name: "relu" type: "ReLU" bottom: "fc" top: "fc" }
    layer { name: "scale" type: "Power" bottom: "fc" top: "fc" power_param { scale: 2 } }
    layer { name: "probe" type: "AbsVal" bottom: "fc" top: "probe" }
    layer { name: "again" type: "TanH" bottom: "fc" top: "fc" }`;

  it('keeps inputs and final writes under the blob name, earlier writes as blob/layer', () => {
    const graph = importCaffe(prototxt);
    const edges = graph.nodes.map((n) => `${n.name}: ${n.inputs[0]} → ${n.outputs[0]}`);
    expect(edges).toEqual([
      'pre: data → data/pre',
      'fc: data/pre → fc/fc',
      'relu: fc/fc → fc/relu',
      'scale: fc/relu → fc/scale',
      'probe: fc/scale → probe',
      'again: fc/scale → fc',
    ]);
    expect(graph.inputs).toEqual(['data']);
    expect(graph.outputs).toEqual(['probe', 'fc']);
  });

  it('computes through the renamed chain', async () => {
    const out = await run(importCaffe(prototxt), { data: f32([-3, 0.5], [1, 2]) });
    expect(out.probe).toEqual([0, 3]);
    expect(out.fc![1]).toBeCloseTo(Math.tanh(3), 6);
  });
});

describe('importCaffe: weights', () => {
  const prototxt = `
    input: "x" input_shape { dim: 1 dim: 3 }
    layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 2 } }`;
  const weights = [{ name: 'fc', type: 'InnerProduct', blobs: [{ dims: [2, 3], data: [1, 2, 3, 4, 5, 6] }, { dims: [2], data: [10, 20] }] }];

  it('matches blobs by layer name in V2 and V1 .caffemodels (legacy 4-D shapes too)', async () => {
    const legacy = weights.map((w) => ({ ...w, type: 'INNER_PRODUCT', blobs: w.blobs.map((b) => ({ ...b, legacy: true })) }));
    for (const bytes of [encodeCaffeModel(weights), encodeCaffeModel(legacy, 'v1')]) {
      const graph = importCaffe(prototxt, { weights: bytes });
      expect(await run(graph, { x: f32([1, 1, 1], [1, 3]) })).toEqual({ y: [16, 35] });
    }
  });

  it('reports a missing or mis-sized blob with the layer and its position', () => {
    expect(importError(prototxt)).toMatchObject({ code: 'BAD_MODEL', message: expect.stringMatching(/net\.prototxt:3:5: layer 'fc' \(InnerProduct\): needs weights \(blob 0\).*no \.caffemodel/) });
    const wrong = encodeCaffeModel([{ ...weights[0]!, blobs: [{ dims: [2, 4], data: new Array(8).fill(0) }] }]);
    expect(importError(prototxt, wrong).message).toMatch(/weights should be \[2,3\] \(6 values\), the blob is \[2,4\]/);
  });

  it('rejects a corrupted .caffemodel and a binary file given as the prototxt', () => {
    expect(importError(prototxt, Uint8Array.of(0x0a, 0xff, 0xff))).toMatchObject({ code: 'BAD_MODEL' });
    expect(() => importCaffe(encodeCaffeModel(weights))).toThrow(/expected the deploy\.prototxt text, got binary data/);
  });
});

describe('importCaffe: errors', () => {
  it('lists every unsupported layer type with its layers in one error', () => {
    const error = importError(`
      input: "x" input_shape { dim: 1 dim: 3 dim: 4 dim: 4 }
      layer { name: "up1" type: "Python" bottom: "x" top: "u1" python_param { module: "m" layer: "L" } }
      layer { name: "detect" type: "DetectionOutput" bottom: "u1" bottom: "x" top: "c" }
      layer { name: "up2" type: "Python" bottom: "c" top: "u2" }`);
    expect(error.code).toBe('UNSUPPORTED_OP');
    expect(error.message).toMatch(/net\.prototxt: 2 unsupported Caffe layer type\(s\): Python \(up1, up2\); DetectionOutput \(detect\)/);
  });

  it('reports unsupported variants of known layers and skips what depends on them', () => {
    const error = importError(`
      input: "x" input_shape { dim: 1 dim: 3 dim: 4 dim: 4 }
      layer { name: "p" type: "Pooling" bottom: "x" top: "p" pooling_param { pool: STOCHASTIC kernel_size: 2 } }
      layer { name: "bn" type: "BatchNorm" bottom: "x" top: "b" batch_norm_param { use_global_stats: false } }
      layer { name: "after" type: "ReLU" bottom: "p" top: "r" }`);
    expect(error.code).toBe('UNSUPPORTED_OP');
    expect(error.message).toMatch(/Pooling \(p: STOCHASTIC pooling\); BatchNorm \(bn: use_global_stats: false/);
    expect(error.message).not.toMatch(/after/);
  });

  it('names the position of structural mistakes', () => {
    expect(importError('input: "x" input_shape { dim: 1 }\nlayer { name: "r" type: "ReLU" bottom: "y" top: "z" }').message).toMatch(
      /net\.prototxt:2:1: layer 'r' \(ReLU\): reads blob 'y', which no earlier layer or input produces/,
    );
    expect(importError('input: "x" input_shape { dim: 1 }\nlayer { name: "e" type: "Eltwise" bottom: "x" top: "z" }').message).toMatch(
      /layer 'e' \(Eltwise\): needs at least 2 bottom\(s\), has 1/,
    );
    expect(importError('input: "x" input_dim: 1 input_dim: 2').message).toMatch(/1 input\(s\) need 4 input_dim values/);
    expect(importError('layer { name: "a" type: "ReLU" }\nlayers { name: "b" type: RELU }').message).toMatch(/mixes 'layer' and V1 'layers'/);
    expect(importError('input: "x" input_shape { dim: 1 dim: 4 }\nlayer { name: "c" type: "Concat" bottom: "x" top: "y" concat_param { axis: 1 concat_dim: 1 } }').message).toMatch(
      /give axis or the legacy concat_dim, not both/,
    );
  });

  it('wraps shape-inference failures with the layer', () => {
    const error = importError(`
      input: "x" input_shape { dim: 1 dim: 3 dim: 4 dim: 5 }
      layer { name: "s" type: "Slice" bottom: "x" top: "a" top: "b" slice_param { axis: 2 slice_point: 9 } }`);
    expect(error.message).toMatch(/layer 's' \(Slice\): slice_point \[9\] must increase within \(0, 4\)/);
  });
});

describe('importCaffe: Caffe semantics checked by hand', () => {
  it('InnerProduct with transpose: the blob is [K, N]', async () => {
    const graph = importCaffe(`
      input: "x" input_shape { dim: 1 dim: 2 }
      layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 3 transpose: true bias_term: false }
        ${blob([2, 3], [1, 2, 3, 4, 5, 6])} }`);
    expect(await run(graph, { x: f32([1, 10], [1, 2]) })).toEqual({ y: [41, 52, 63] });
  });

  it('LRN across channels uses k', async () => {
    const graph = importCaffe(`
      input: "x" input_shape { dim: 1 dim: 3 dim: 1 dim: 1 }
      layer { name: "lrn" type: "LRN" bottom: "x" top: "y" lrn_param { local_size: 3 alpha: 3 beta: 1 k: 2 } }`);
    const out = (await run(graph, { x: f32([1, 2, 3], [1, 3, 1, 1]) })).y!;
    // y_c = x_c / (k + α/n · Σ_window x²)
    [1 / (2 + 5), 2 / (2 + 14), 3 / (2 + 13)].forEach((want, i) => expect(out[i]).toBeCloseTo(want, 6));
  });

  it('Scale with a second bottom and a bias blob; Bias with a blob', async () => {
    const graph = importCaffe(`
      layer { name: "in" type: "Input" top: "x" top: "g" input_param { shape { dim: 1 dim: 2 dim: 2 } shape { dim: 2 } } }
      layer { name: "scale" type: "Scale" bottom: "x" bottom: "g" top: "s" scale_param { bias_term: true } ${blob([2], [100, 200])} }
      layer { name: "bias" type: "Bias" bottom: "s" top: "b" bias_param { axis: 2 } ${blob([2], [0.5, 0.25])} }`);
    const out = await run(graph, { x: f32([1, 2, 3, 4], [1, 2, 2]), g: f32([10, -1], [2]) });
    expect(out.b).toEqual([110.5, 120.25, 197.5, 196.25]);
  });

  it('Bias with a second bottom; concat_dim; Clip; Exp with the default base', async () => {
    const graph = importCaffe(`
      input: "x" input_shape { dim: 1 dim: 2 }
      layer { name: "bias" type: "Bias" bottom: "x" bottom: "x" top: "twice" bias_param { axis: 0 } }
      layer { name: "cat" type: "Concat" bottom: "twice" bottom: "x" top: "cat" concat_param { concat_dim: 0 } }
      layer { name: "clip" type: "Clip" bottom: "cat" top: "clip" clip_param { min: -1 max: 1.5 } }
      layer { name: "exp" type: "Exp" bottom: "clip" top: "exp" }`);
    const out = await run(graph, { x: f32([-3, 1], [1, 2]) });
    expect(graph.tensor('exp').dims).toEqual([2, 2]);
    out.exp!.forEach((v, i) => expect(v).toBeCloseTo(Math.exp([-1, 1.5, -1, 1][i]!), 5));
  });

  it('PriorBox leaves boxes unclipped by default (SSD; OpenCV clips by default)', async () => {
    const graph = importCaffe(`
      input: "img" input_shape { dim: 1 dim: 1 dim: 10 dim: 10 }
      layer { name: "feat" type: "Pooling" bottom: "img" top: "feat" pooling_param { pool: MAX kernel_size: 10 stride: 10 } }
      layer { name: "pb" type: "PriorBox" bottom: "feat" bottom: "img" top: "priors" prior_box_param { min_size: 20 } }`);
    const out = await run(graph, { img: Tensor.zeros('float32', [1, 1, 10, 10]) });
    expect(out.priors).toEqual([-0.5, -0.5, 1.5, 1.5, 0.1, 0.1, 0.1, 0.1].map((v) => Math.fround(v)));
  });

  it('MAX pooling keeps Caffe\'s window past the input (kernel < stride, no pad)', () => {
    const graph = importCaffe(`
      input: "x" input_shape { dim: 1 dim: 1 dim: 11 dim: 13 }
      layer { name: "p" type: "Pooling" bottom: "x" top: "p" pooling_param { pool: MAX kernel_size: 1 stride: 3 } }`);
    expect(graph.tensor('p').dims).toEqual([1, 1, 5, 5]);
  });

  it('BatchNorm followed by Scale becomes one BatchNormalization', async () => {
    const graph = importCaffe(`
      input: "x" input_shape { dim: 1 dim: 2 dim: 1 dim: 1 }
      layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x_bn" batch_norm_param { eps: 0 }
        ${blob([2], [2, 4])} ${blob([2], [8, 32])} ${blob([1], [2])} }
      layer { name: "sc" type: "Scale" bottom: "x_bn" top: "y" scale_param { bias_term: true } ${blob([2], [3, 5])} ${blob([2], [1, -1])} }`);
    expect(graph.nodes.map((n) => n.op)).toEqual(['BatchNormalization']);
    // mean = [1, 2], variance = [4, 16] after dividing by the factor 2.
    expect(await run(graph, { x: f32([5, 10], [1, 2, 1, 1]) })).toEqual({ y: [3 * (4 / 2) + 1, 5 * (8 / 4) - 1] });
  });
});
