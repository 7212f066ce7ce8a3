/**
 * Opset normalisation: the same computation written in old and new opsets must give onnxruntime's answer after
 * import (the front-end turns attributes into inputs, Upsample into Resize, legacy Softmax into its 2-D form…).
 * Tolerance 1e-5 absolute: these are single float32 ops with O(1) values.
 */
import { describe, expect, it } from 'vitest';
import { InferenceSession, Tensor } from '../../src/index.js';
import { type ModelSpec, buildModel, randomTensor } from '../helpers/onnx-builder.js';
import { maxAbsDiff, runOrt } from '../helpers/ort.js';

interface Case {
  name: string;
  spec: ModelSpec;
  feeds: Record<string, Tensor>;
}

const x234 = randomTensor([2, 3, 4], 7);
const f = (name: string, dims: (number | string)[]) => ({ name, type: 'float32' as const, dims });
const out = (name: string) => ({ name, type: 'float32' as const });

const cases: Case[] = [
  { name: 'Squeeze-11 axes attribute', spec: { opset: 11, inputs: [f('x', [2, 1, 4])], outputs: [out('y')], nodes: [{ op: 'Squeeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [1] } }] }, feeds: { x: randomTensor([2, 1, 4]) } },
  { name: 'Unsqueeze-11 axes attribute', spec: { opset: 11, inputs: [f('x', [2, 4])], outputs: [out('y')], nodes: [{ op: 'Unsqueeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [0, 3] } }] }, feeds: { x: randomTensor([2, 4]) } },
  { name: 'Split-11 split attribute', spec: { opset: 11, inputs: [f('x', [2, 3, 4])], outputs: [out('a'), out('b')], nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: 2, split: [1, 3] } }] }, feeds: { x: x234 } },
  { name: 'ReduceMean-13 axes attribute', spec: { opset: 13, inputs: [f('x', [2, 3, 4])], outputs: [out('y')], nodes: [{ op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: { axes: [-1], keepdims: 0 } }] }, feeds: { x: x234 } },
  { name: 'ReduceSum-11 axes attribute', spec: { opset: 11, inputs: [f('x', [2, 3, 4])], outputs: [out('y')], nodes: [{ op: 'ReduceSum', inputs: ['x'], outputs: ['y'], attrs: { axes: [0, 2] } }] }, feeds: { x: x234 } },
  { name: 'Pad-2 pads/value attributes', spec: { opset: 2, inputs: [f('x', [2, 3])], outputs: [out('y')], nodes: [{ op: 'Pad', inputs: ['x'], outputs: ['y'], attrs: { pads: [0, 1, 1, 2], value: { float: 1.5 } } }] }, feeds: { x: randomTensor([2, 3]) } },
  { name: 'Clip-6 min/max attributes', spec: { opset: 6, inputs: [f('x', [2, 3, 4])], outputs: [out('y')], nodes: [{ op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: { float: -0.25 }, max: { float: 0.5 } } }] }, feeds: { x: x234 } },
  { name: 'Slice-9 attributes', spec: { opset: 9, inputs: [f('x', [2, 3, 4])], outputs: [out('y')], nodes: [{ op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [1, -3], ends: [1000, -1], axes: [1, 2] } }] }, feeds: { x: x234 } },
  { name: 'TopK-9 k attribute', spec: { opset: 9, inputs: [f('x', [2, 3, 4])], outputs: [out('v'), { name: 'i', type: 'int64' }], nodes: [{ op: 'TopK', inputs: ['x'], outputs: ['v', 'i'], attrs: { k: 2 } }] }, feeds: { x: x234 } },
  { name: 'Upsample-9 nearest', spec: { opset: 9, inputs: [f('x', [1, 1, 2, 3])], outputs: [out('y')], initializers: { s: new Tensor('float32', [1, 1, 2, 3]) }, nodes: [{ op: 'Upsample', inputs: ['x', 's'], outputs: ['y'], attrs: { mode: 'nearest' } }] }, feeds: { x: randomTensor([1, 1, 2, 3]) } },
  { name: 'Upsample-7 linear scales attribute', spec: { opset: 7, inputs: [f('x', [1, 1, 2, 3])], outputs: [out('y')], nodes: [{ op: 'Upsample', inputs: ['x'], outputs: ['y'], attrs: { mode: 'linear', scales: { floats: [1, 1, 2, 2] } } }] }, feeds: { x: randomTensor([1, 1, 2, 3]) } },
  { name: 'Resize-10 nearest', spec: { opset: 10, inputs: [f('x', [1, 1, 2, 3])], outputs: [out('y')], initializers: { s: new Tensor('float32', [1, 1, 2, 2]) }, nodes: [{ op: 'Resize', inputs: ['x', 's'], outputs: ['y'], attrs: { mode: 'nearest' } }] }, feeds: { x: randomTensor([1, 1, 2, 3]) } },
  { name: 'Softmax-11 axis=1 on 3-D (coerced to 2-D)', spec: { opset: 11, inputs: [f('x', [2, 3, 4])], outputs: [out('y')], nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }] }, feeds: { x: x234 } },
  { name: 'LogSoftmax-11 default axis on 3-D', spec: { opset: 11, inputs: [f('x', [2, 3, 4])], outputs: [out('y')], nodes: [{ op: 'LogSoftmax', inputs: ['x'], outputs: ['y'] }] }, feeds: { x: x234 } },
  { name: 'Softmax-11 with a symbolic batch', spec: { opset: 11, inputs: [f('x', ['batch', 3, 4])], outputs: [out('y')], nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }] }, feeds: { x: x234 } },
  { name: 'Hardmax-11 axis=2 (last) on 3-D', spec: { opset: 11, inputs: [f('x', [2, 3, 4])], outputs: [out('y')], nodes: [{ op: 'Hardmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 2 } }] }, feeds: { x: x234 } },
  { name: 'Dropout-7 with ratio attribute', spec: { opset: 7, inputs: [f('x', [2, 3, 4])], outputs: [out('y')], nodes: [{ op: 'Dropout', inputs: ['x'], outputs: ['y'], attrs: { ratio: { float: 0.3 } } }] }, feeds: { x: x234 } },
  { name: 'BatchNormalization-7 with spatial attribute', spec: { opset: 7, inputs: [f('x', [1, 2, 2, 2])], outputs: [out('y')], initializers: { s: new Tensor('float32', [1, 2]), b: new Tensor('float32', [0, 1]), m: new Tensor('float32', [0.5, -0.5]), v: new Tensor('float32', [1, 4]) }, nodes: [{ op: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'], outputs: ['y'], attrs: { spatial: 1, epsilon: { float: 1e-5 } } }] }, feeds: { x: randomTensor([1, 2, 2, 2]) } },
  { name: 'Cast-9 to int32', spec: { opset: 9, inputs: [f('x', [2, 3, 4])], outputs: [{ name: 'y', type: 'int32' }], nodes: [{ op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 6 } }] }, feeds: { x: new Tensor('float32', Float32Array.from(x234.data, (v) => v * 10), [2, 3, 4]) } },
];

describe('ONNX opset normalisation matches onnxruntime', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const model = buildModel(c.spec);
      const want = await runOrt(model, c.feeds);
      const session = await InferenceSession.create(model, { backend: 'reference' });
      const got = await session.run(c.feeds);
      for (const [name, expected] of Object.entries(want)) {
        const actual = got[name]!;
        expect(actual.dims).toEqual(expected.dims);
        expect(actual.type).toBe(expected.type);
        if (expected.type === 'float32') expect(maxAbsDiff(actual, expected)).toBeLessThanOrEqual(1e-5);
        else expect(Array.from(actual.data as ArrayLike<unknown>)).toEqual(Array.from(expected.data as ArrayLike<unknown>));
      }
    });
  }
});

describe('attribute ints at the int64 limits', () => {
  it('Slice-9 with ends = INT64_MAX slices to the end (regression: 2^63 wrapped to INT64_MIN)', async () => {
    const spec: ModelSpec = {
      opset: 9,
      inputs: [f('x', [2, 3, 4])],
      outputs: [out('y')],
      nodes: [{ op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [1], ends: [9223372036854775807], axes: [2] } }],
    };
    const session = await InferenceSession.create(buildModel(spec), { backend: 'reference' });
    const { y } = await session.run({ x: x234 });
    expect(y!.dims).toEqual([2, 3, 3]);
  });
});
