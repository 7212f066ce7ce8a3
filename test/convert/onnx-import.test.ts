/** ONNX front-end: storage forms, external data, unsupported ops, malformed graphs. */
import { describe, expect, it } from 'vitest';
import { importModel } from '../../src/convert/index.js';
import { WebliteError } from '../../src/errors.js';
import { InferenceSession, Tensor } from '../../src/index.js';
import { buildModel } from '../helpers/onnx-builder.js';

const addModel = (initializer: Record<string, unknown>, type: 'float32' | 'int64' | 'int32' | 'float64' = 'float32') =>
  buildModel({
    inputs: [{ name: 'x', type, dims: [3] }],
    outputs: [{ name: 'y', type }],
    nodes: [{ op: 'Add', inputs: ['x', 'c'], outputs: ['y'] }],
    rawInitializers: [{ name: 'c', dims: [3], ...initializer }],
  });

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string, pattern?: RegExp): Promise<WebliteError> {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(WebliteError);
  expect((error as WebliteError).code).toBe(code);
  if (pattern) expect((error as WebliteError).message).toMatch(pattern);
  return error as WebliteError;
}

describe('initializer storage forms', () => {
  const cases: [string, Record<string, unknown>, 'float32' | 'int64' | 'int32' | 'float64', number[]][] = [
    ['float_data', { data_type: 1, float_data: [1, 2, 3] }, 'float32', [1, 2, 3]],
    ['raw_data float32', { data_type: 1, raw_data: new Uint8Array(Float32Array.of(1, 2, 3).buffer) }, 'float32', [1, 2, 3]],
    ['int64_data', { data_type: 7, int64_data: [1, -2, 3] }, 'int64', [1, -2, 3]],
    ['int32_data', { data_type: 6, int32_data: [1, -2, 3] }, 'int32', [1, -2, 3]],
    ['double_data', { data_type: 11, double_data: [0.5, 2, 3] }, 'float64', [0.5, 2, 3]],
  ];
  for (const [name, initializer, type, expected] of cases) {
    it(name, async () => {
      const session = await InferenceSession.create(addModel(initializer, type), { backend: 'reference' });
      const zeros = Tensor.zeros(type, [3]);
      const { y } = await session.run({ x: zeros });
      expect(Array.from(y!.data as ArrayLike<number | bigint>, Number)).toEqual(expected);
    });
  }

  it('rejects a raw_data length that does not match dims', async () => {
    await expectCode(() => importModel(addModel({ data_type: 1, raw_data: new Uint8Array(8) })), 'BAD_MODEL', /initializer 'c'.*raw_data/);
  });
});

describe('external data', () => {
  const model = addModel({
    data_type: 1,
    data_location: 1,
    external_data: [
      { key: 'location', value: 'weights.bin' },
      { key: 'offset', value: '4' },
      { key: 'length', value: '12' },
    ],
  });
  it('loads weights from the given side file', async () => {
    const weights = new Uint8Array(16);
    weights.set(new Uint8Array(Float32Array.of(5, 6, 7).buffer), 4);
    const session = await InferenceSession.create(model, { backend: 'reference', files: { 'weights.bin': weights } });
    const { y } = await session.run({ x: new Tensor('float32', [1, 1, 1]) });
    expect(Array.from(y!.data as Float32Array)).toEqual([6, 7, 8]);
  });
  it('names the missing file', async () => {
    await expectCode(() => importModel(model), 'BAD_MODEL', /weights\.bin/);
  });
  it('rejects a range outside the side file', async () => {
    await expectCode(() => importModel(model, { files: { 'weights.bin': new Uint8Array(8) } }), 'BAD_MODEL', /outside 'weights\.bin'/);
  });
});

describe('unsupported ops', () => {
  it('lists every unsupported op type with its nodes in one error', async () => {
    const model = buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [1, 2, 3] }],
      outputs: [{ name: 'z', type: 'float32' }],
      nodes: [
        { op: 'LSTM', inputs: ['x'], outputs: ['a'], name: 'lstm_1' },
        { op: 'RoiAlign', inputs: ['a'], outputs: ['b'], name: 'roi' },
        { op: 'LSTM', inputs: ['b'], outputs: ['c'], name: 'lstm_2' },
        { op: 'FusedConv', inputs: ['c'], outputs: ['z'], name: 'ms', domain: 'com.microsoft' },
      ],
    });
    const error = await expectCode(() => importModel(model), 'UNSUPPORTED_OP');
    expect(error.message).toMatch(/3 unsupported op type/);
    expect(error.message).toMatch(/LSTM \(lstm_1, lstm_2\)/);
    expect(error.message).toMatch(/RoiAlign \(roi\)/);
    expect(error.message).toMatch(/com\.microsoft\.FusedConv \(ms\)/);
  });
  it('rejects opsets newer than 18', async () => {
    const model = buildModel({ opset: 19, inputs: [{ name: 'x', type: 'float32', dims: [1] }], outputs: [{ name: 'x', type: 'float32' }], nodes: [] });
    await expectCode(() => importModel(model), 'UNSUPPORTED_OP', /opset 19/);
  });
});

describe('malformed graphs', () => {
  it('names a node that reads an undefined tensor', async () => {
    const model = buildModel({ inputs: [{ name: 'x', type: 'float32', dims: [1] }], outputs: [{ name: 'y', type: 'float32' }], nodes: [{ op: 'Add', inputs: ['x', 'ghost'], outputs: ['y'], name: 'add' }] });
    await expectCode(() => importModel(model), 'BAD_MODEL', /'add'.*'ghost'/);
  });
  it('detects cycles', async () => {
    const model = buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [1] }],
      outputs: [{ name: 'b', type: 'float32' }],
      nodes: [
        { op: 'Add', inputs: ['x', 'b'], outputs: ['a'] },
        { op: 'Relu', inputs: ['a'], outputs: ['b'] },
      ],
    });
    await expectCode(() => importModel(model), 'BAD_MODEL', /cycle/);
  });
  it('sorts nodes that are out of order', async () => {
    const model = buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [2] }],
      outputs: [{ name: 'b', type: 'float32' }],
      nodes: [
        { op: 'Neg', inputs: ['a'], outputs: ['b'] },
        { op: 'Relu', inputs: ['x'], outputs: ['a'] },
      ],
    });
    const session = await InferenceSession.create(model, { backend: 'reference' });
    const { b } = await session.run({ x: new Tensor('float32', [-1, 2]) });
    expect(Array.from(b!.data as Float32Array)).toEqual([-0, -2]);
  });
  it('reports a wrong attribute kind', async () => {
    const model = buildModel({ inputs: [{ name: 'x', type: 'float32', dims: [2, 2] }], outputs: [{ name: 'y', type: 'float32' }], nodes: [{ op: 'Transpose', inputs: ['x'], outputs: ['y'], attrs: { perm: 'abc' } }] });
    await expectCode(() => importModel(model), 'BAD_MODEL', /perm/);
  });
  it('rejects bytes that are not a model', async () => {
    await expectCode(() => importModel(new TextEncoder().encode('definitely not protobuf \u0000\u00ff')), 'BAD_MODEL');
  });
});

describe('Constant nodes', () => {
  it('become constants and fold away', () => {
    const model = buildModel({
      inputs: [{ name: 'x', type: 'float32', dims: [2] }],
      outputs: [{ name: 'y', type: 'float32' }],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['c'], attrs: { value_floats: { floats: [1, 2] } } },
        { op: 'Constant', inputs: [], outputs: ['d'], attrs: { value_float: { float: 3 } } },
        { op: 'Mul', inputs: ['c', 'd'], outputs: ['e'] },
        { op: 'Add', inputs: ['x', 'e'], outputs: ['y'] },
      ],
    });
    const graph = importModel(model);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Add']);
    expect(Array.from(graph.constant(graph.nodes[0]!.inputs[1]!)!.data as Float32Array)).toEqual([3, 6]);
  });
});
