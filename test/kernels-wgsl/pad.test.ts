/**
 * movement/x32-pad.wgsl through Pad against the reference (src/ir/reference/pad.ts): every mode, negative pads
 * (crop), axes, odd sizes, a reflect wider than the data, int32 data. Copies are exact (tolerance 0).
 */
import { describe, it } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

const ints = (name: string, values: number[]) => ({ name, dims: [values.length], data_type: 7, int64_data: values });

interface PadCase {
  dims: number[];
  pads: number[];
  mode?: string;
  value?: number;
  axes?: number[];
  type?: 'float32' | 'int32';
}

const pad = (c: PadCase) => async (context: { skip: (note?: string) => void }) => {
  if (skipWithoutGpu(context)) return;
  const type = c.type ?? 'float32';
  const raw: Record<string, unknown>[] = [ints('pads', c.pads)];
  const inputs = ['x', 'pads'];
  const initializers: Record<string, Tensor> = {};
  if (c.value !== undefined || c.axes) {
    inputs.push(c.value === undefined ? '' : 'value');
    if (c.value !== undefined) initializers.value = type === 'int32' ? new Tensor('int32', [c.value], []) : new Tensor('float32', [c.value], []);
  }
  if (c.axes) {
    raw.push(ints('axes', c.axes));
    inputs.push('axes');
  }
  const x = randomTensor(c.dims, 3);
  const feed = type === 'int32' ? new Tensor('int32', Int32Array.from(x.data, (v) => Math.round(v * 1000)), c.dims) : x;
  const model = await expectMatchesReference({
    opset: c.axes ? 18 : 13,
    inputs: [{ name: 'x', type, dims: c.dims }],
    outputs: [{ name: 'y', type }],
    initializers,
    rawInitializers: raw,
    nodes: [{ op: 'Pad', inputs, outputs: ['y'], attrs: { mode: c.mode ?? 'constant' } }],
  }, { x: feed }, { tolerance: 0 });
  model.release();
};

describe('webgpu Pad', () => {
  it('constant 0, 4-D NCHW spatial pads', pad({ dims: [1, 3, 5, 7], pads: [0, 0, 1, 2, 0, 0, 3, 1] }));
  it('constant −2.5 on every axis of a 3-D tensor', pad({ dims: [2, 3, 5], pads: [1, 0, 2, 1, 3, 0], value: -2.5 }));
  it('reflect', pad({ dims: [1, 2, 5, 6], pads: [0, 0, 2, 3, 0, 0, 4, 5], mode: 'reflect' }));
  it('reflect wider than the data (folds back more than once)', pad({ dims: [3, 3], pads: [0, 7, 0, 5], mode: 'reflect' }));
  it('reflect of a size-1 axis', pad({ dims: [2, 1, 4], pads: [0, 2, 1, 0, 3, 1], mode: 'reflect' }));
  it('edge', pad({ dims: [1, 3, 4, 5], pads: [0, 0, 2, 1, 0, 0, 3, 4], mode: 'edge' }));
  it('wrap (opset 19 mode)', pad({ dims: [3, 4], pads: [2, 5, 1, 6], mode: 'wrap' }));
  it('negative pads crop, then pad the rest', pad({ dims: [4, 7, 6], pads: [-1, 2, -2, 1, -3, 3], mode: 'edge' }));
  it('negative pads only (a crop)', pad({ dims: [5, 9], pads: [-1, -2, -2, -3] }));
  it('axes (opset 18) with negative axis', pad({ dims: [2, 3, 4], pads: [1, 2, 3, 1], axes: [0, -1], value: 7 }));
  it('one element padded to a large tensor (grid over x/y)', pad({ dims: [1, 1], pads: [150, 300, 149, 299], value: 1.5 }));
  it('int32 data with an int32 constant', pad({ dims: [3, 5], pads: [1, 2, 2, 1], value: -9, type: 'int32' }));
  it('int32 data, reflect', pad({ dims: [2, 7], pads: [0, 3, 1, 4], mode: 'reflect', type: 'int32' }));
});
