/**
 * The nn references against onnxruntime-node on single-node models, over attribute combinations that ONNX's own
 * node tests leave out (groups with dilations and asymmetric pads, ceil_mode with count_include_pad, SAME_LOWER,
 * MaxPool indices over several planes, Einsum forms, broadcasting MatMul/Gemm, LayerNormalization axes…).
 * Tolerance: float32 with float64 accumulation on our side, so |Δ| ≤ 1e-5 + 1e-4·|want|.
 */
import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../../src/ir/graph.js';
import type { OpSpec } from '../../../src/ir/op-spec.js';
import { nnOps } from '../../../src/ir/ops/nn.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { type AttrInput, buildModel, randomTensor } from '../../helpers/onnx-builder.js';
import { runOrt } from '../../helpers/ort.js';

interface Case {
  op: keyof typeof nnOps;
  inputs: Tensor[];
  attrs?: Record<string, AttrInput>;
  outputs?: number;
  opset?: number;
}

async function compare({ op, inputs, attrs = {}, outputs = 1, opset = 18 }: Case): Promise<void> {
  const inputNames = inputs.map((_, i) => `in${i}`);
  const outputNames = Array.from({ length: outputs }, (_, i) => `out${i}`);
  const spec = nnOps[op] as OpSpec;
  const resolved: Attrs = {};
  for (const [name, attr] of Object.entries(spec.attrs)) if (attr.default !== undefined) resolved[name] = attr.default;
  for (const [name, value] of Object.entries(attrs)) resolved[name] = (typeof value === 'object' && 'float' in value ? value.float : value) as Attrs[string];
  let unknown = 0;
  const facts = spec.infer({
    inputs: inputs.map((t) => ({ type: t.type, dims: [...t.dims] })),
    attrs: resolved,
    constant: () => undefined,
    outputCount: outputs,
    unknownDim: () => `unknown${unknown++}`,
    nodeName: 'n',
  });
  const model = buildModel({
    opset,
    inputs: inputs.map((t, i) => ({ name: inputNames[i]!, type: t.type, dims: [...t.dims] })),
    outputs: outputNames.map((name, i) => ({ name, type: facts[i]!.type })),
    nodes: [{ op, inputs: inputNames, outputs: outputNames, attrs }],
  });
  const want = await runOrt(model, Object.fromEntries(inputs.map((t, i) => [inputNames[i]!, t])));
  const got = spec.reference(inputs, resolved, { outputCount: outputs, nodeName: 'n' });
  outputNames.forEach((name, i) => {
    const expected = want[name]!;
    const actual = got[i]!;
    expect([...actual.dims]).toEqual([...expected.dims]);
    expect(facts[i]!.dims).toEqual([...expected.dims]);
    expect(actual.type).toBe(expected.type);
    const a = Array.from(actual.data as ArrayLike<number | bigint>, Number);
    const b = Array.from(expected.data as ArrayLike<number | bigint>, Number);
    for (let k = 0; k < b.length; k++) {
      if (Math.abs(a[k]! - b[k]!) > 1e-5 + 1e-4 * Math.abs(b[k]!)) {
        throw new Error(`${op} output ${i} differs at ${k}: got ${a[k]}, onnxruntime ${b[k]}`);
      }
    }
  });
}

const random = (dims: number[], seed: number) => randomTensor(dims, seed);

type AttrCase = { name: string; attrs: Record<string, AttrInput> };
type ConvCase = AttrCase & { x: number[]; w: number[] };

describe('Conv and ConvTranspose vs onnxruntime', () => {
  it.each<ConvCase>([
    { name: '2-D, groups, dilations, asymmetric pads, strides', x: [2, 4, 9, 11], w: [6, 2, 3, 2], attrs: { group: 2, dilations: [2, 1], pads: [1, 0, 2, 1], strides: [2, 3] } },
    { name: '2-D depthwise SAME_UPPER stride 2', x: [1, 6, 10, 7], w: [6, 1, 3, 3], attrs: { group: 6, auto_pad: 'SAME_UPPER', strides: [2, 2] } },
    { name: '2-D SAME_LOWER even kernel', x: [1, 3, 8, 8], w: [5, 3, 4, 4], attrs: { auto_pad: 'SAME_LOWER', strides: [3, 1] } },
    { name: '2-D VALID', x: [1, 2, 7, 6], w: [3, 2, 3, 3], attrs: { auto_pad: 'VALID', strides: [2, 2] } },
    { name: '2-D pointwise', x: [2, 8, 5, 5], w: [4, 8, 1, 1], attrs: {} },
    { name: '1-D', x: [2, 3, 17], w: [4, 3, 5], attrs: { pads: [2, 1], dilations: [2] } },
    { name: '3-D', x: [1, 2, 5, 6, 4], w: [3, 2, 3, 2, 3], attrs: { pads: [1, 0, 1, 1, 1, 0], strides: [1, 2, 1] } },
    { name: 'long rows (a tile is part of a row)', x: [1, 300, 1, 700], w: [2, 300, 1, 3], attrs: { pads: [0, 1, 0, 1] } },
    { name: 'pointwise with long rows', x: [1, 600, 1, 300], w: [3, 600, 1, 1], attrs: {} },
  ])('Conv $name', async ({ x, w, attrs }) => {
    await compare({ op: 'Conv', inputs: [random(x, 1), random(w, 2), random([w[0]!], 3)], attrs });
  });

  it.each<ConvCase>([
    { name: 'strides, pads, output_padding', x: [1, 2, 4, 5], w: [2, 3, 3, 3], attrs: { strides: [2, 3], pads: [1, 0, 0, 1], output_padding: [1, 2] } },
    { name: 'groups and dilations', x: [2, 4, 3, 3], w: [4, 2, 2, 3], attrs: { group: 2, dilations: [2, 1], strides: [2, 2] } },
    { name: 'output_shape', x: [1, 1, 3, 3], w: [1, 2, 3, 3], attrs: { strides: [3, 2], output_shape: [10, 8] } },
    { name: 'SAME_LOWER', x: [1, 2, 3, 4], w: [2, 2, 3, 3], attrs: { strides: [2, 2], auto_pad: 'SAME_LOWER' } },
    { name: '1-D', x: [1, 3, 6], w: [3, 2, 4], attrs: { strides: [2], pads: [1, 2] } },
    { name: '3-D', x: [1, 2, 3, 2, 3], w: [2, 2, 2, 3, 2], attrs: { strides: [2, 1, 2] } },
  ])('ConvTranspose $name', async ({ x, w, attrs }) => {
    const outChannels = w[1]! * ((attrs.group as number | undefined) ?? 1);
    await compare({ op: 'ConvTranspose', inputs: [random(x, 4), random(w, 5), random([outChannels], 6)], attrs });
  });
});

describe('pooling vs onnxruntime', () => {
  it.each<AttrCase>([
    { name: 'ceil_mode with count_include_pad', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 } },
    { name: 'ceil_mode without count_include_pad', attrs: { kernel_shape: [3, 2], strides: [2, 3], pads: [0, 1, 1, 0], ceil_mode: 1 } },
    { name: 'SAME_LOWER', attrs: { kernel_shape: [4, 3], strides: [3, 2], auto_pad: 'SAME_LOWER' } },
    { name: 'dilations', attrs: { kernel_shape: [2, 3], dilations: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 } },
  ])('AveragePool $name', async ({ attrs }) => {
    await compare({ op: 'AveragePool', inputs: [random([2, 3, 7, 8], 7)], attrs, opset: 19 });
  });

  it.each<AttrCase>([
    { name: 'indices over several planes', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
    { name: 'column-major indices, ceil_mode', attrs: { kernel_shape: [2, 3], strides: [2, 2], ceil_mode: 1, storage_order: 1 } },
    { name: 'dilations', attrs: { kernel_shape: [2, 3], dilations: [2, 3], pads: [1, 2, 0, 1] } },
    { name: 'SAME_LOWER', attrs: { kernel_shape: [3, 2], strides: [2, 3], auto_pad: 'SAME_LOWER' } },
  ])('MaxPool $name', async ({ attrs }) => {
    await compare({ op: 'MaxPool', inputs: [random([2, 3, 7, 8], 8)], attrs, outputs: 2 });
  });

  it('pools 1-D and 3-D', async () => {
    await compare({ op: 'MaxPool', inputs: [random([2, 2, 11], 9)], attrs: { kernel_shape: [3], strides: [2] }, outputs: 2 });
    await compare({ op: 'AveragePool', inputs: [random([1, 2, 5, 4, 6], 10)], attrs: { kernel_shape: [2, 2, 3], pads: [1, 0, 1, 0, 1, 1] } });
    await compare({ op: 'GlobalAveragePool', inputs: [random([2, 3, 4, 5, 2], 11)] });
    await compare({ op: 'GlobalMaxPool', inputs: [random([2, 3, 7], 12)] });
  });
});

describe('normalisation vs onnxruntime', () => {
  it('BatchNormalization, InstanceNormalization and LRN', async () => {
    const variance = new Tensor('float32', Float32Array.from([0.5, 1.5, 2.25]), [3]);
    await compare({ op: 'BatchNormalization', inputs: [random([2, 3, 4, 5], 13), random([3], 14), random([3], 15), random([3], 16), variance], attrs: { epsilon: 1e-3 } });
    await compare({ op: 'InstanceNormalization', inputs: [random([2, 3, 5, 3], 17), random([3], 18), random([3], 19)], attrs: { epsilon: 1e-4 } });
    await compare({ op: 'LRN', inputs: [random([2, 7, 3, 3], 20)], attrs: { size: 5, alpha: 0.01, beta: 0.6, bias: 1.5 } });
  });

  it.each([-1, 1, -3])('LayerNormalization axis %i with Mean and InvStdDev', async (axis) => {
    const x = random([2, 3, 4, 5], 21);
    const normalized = x.dims.slice(axis < 0 ? axis + 4 : axis);
    await compare({ op: 'LayerNormalization', inputs: [x, random(normalized, 22), random(normalized, 23)], attrs: { axis, epsilon: 1e-3 }, outputs: 3 });
  });
});

describe('matrix products vs onnxruntime', () => {
  it.each([
    { a: [3, 1, 4, 5], b: [2, 5, 6] },
    { a: [5], b: [2, 5, 3] },
    { a: [2, 3, 5], b: [5] },
    { a: [7], b: [7] },
    { a: [1, 3, 17], b: [4, 17, 9] },
  ])('MatMul $a × $b', async ({ a, b }) => {
    await compare({ op: 'MatMul', inputs: [random(a, 24), random(b, 25)] });
  });

  it.each(['float64', 'int32', 'int64', 'uint32', 'uint64'] as const)('MatMul in %s', async (type) => {
    // Small integers (−10…10) so products stay exact in every type; unsigned types take absolute values.
    const small = (v: number) => (type === 'float64' ? v : Math.round(v * 10) * (type.startsWith('u') ? Math.sign(v) : 1));
    const cast = (t: Tensor) => new Tensor(type, Array.from(t.data as Float32Array, small), t.dims);
    await compare({ op: 'MatMul', inputs: [cast(random([2, 3, 7], 50)), cast(random([7, 4], 51))] });
  });

  it.each<{ a: number[]; b: number[]; c: number[]; attrs: Record<string, AttrInput> }>([
    { a: [4, 3], b: [5, 4], c: [5], attrs: { transA: 1, transB: 1, alpha: 0.5, beta: { float: 2 } } },
    { a: [3, 4], b: [4, 5], c: [3, 1], attrs: { beta: { float: -1 } } },
    { a: [3, 4], b: [4, 5], c: [], attrs: {} },
  ])('Gemm C $c', async ({ a, b, c, attrs }) => {
    await compare({ op: 'Gemm', inputs: [random(a, 26), random(b, 27), random(c, 28)], attrs });
  });

  it.each([
    { equation: 'bhqd,bhkd->bhqk', dims: [[2, 3, 4, 5], [2, 3, 6, 5]] },
    { equation: '...ij,...jk', dims: [[2, 1, 3, 4], [1, 5, 4, 2]] },
    { equation: 'b...i->...b', dims: [[2, 3, 4, 5]] },
    { equation: 'ii->i', dims: [[4, 4]] },
    { equation: 'ii', dims: [[4, 4]] },
    { equation: 'i,j->ij', dims: [[3], [4]] },
    { equation: 'ij,jk,kl->il', dims: [[2, 3], [3, 4], [4, 2]] },
    { equation: 'Ba,aB->', dims: [[3, 2], [2, 3]] },
  ])('Einsum $equation', async ({ equation, dims }) => {
    await compare({ op: 'Einsum', inputs: dims.map((d, i) => random(d, 29 + i)), attrs: { equation } });
  });
});

describe('softmax family vs onnxruntime', () => {
  it.each(['Softmax', 'LogSoftmax', 'Hardmax'] as const)('%s on each axis', async (op) => {
    for (const axis of [0, 1, -1]) await compare({ op, inputs: [random([3, 4, 5], 40)], attrs: { axis } });
  });
});
