/**
 * quantize/f32-quantize-linear.wgsl and f32-dequantize-linear.wgsl against the reference QuantizeLinear /
 * DequantizeLinear: per-tensor and per-axis, int8/uint8/int16/uint16, with and without zero points, saturation,
 * NaN/±inf, exact ties (power-of-two scales, so any GPU's division is exact there), and a QDQ chain staying on the
 * GPU. Exact (tolerance 0): SwiftShader's division is correctly rounded; other GPUs may differ by one step where
 * x / scale lies within 2.5 ulp of a rounding boundary (the kernel header says so), never on these inputs' ties.
 */
import { describe, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

type Skip = { skip: (note?: string) => void };

const typed = (type: DType, values: number[], dims: number[]) => new Tensor(type as 'int8', values as unknown as Int8Array, dims);

/** Values spread over ±range·scale, with ties (k + 0.5 steps), NaN and infinities mixed in. */
function inputs(dims: number[], range: number, seed: number): Tensor {
  const x = randomTensor(dims, seed);
  const special = [NaN, Infinity, -Infinity, 0.5, -0.5, 1.5, 2.5, -2.5, 1e30];
  return new Tensor('float32', x.data.map((v, i) => (i % 11 === 5 ? special[(i / 11) % special.length | 0]! : Math.round(v * range * 4) / 4)), dims);
}

interface QuantizeCase {
  dims: number[];
  type: DType;
  scales: number[];
  zeros?: number[];
  axis?: number;
}

const quantize = (c: QuantizeCase) => async (context: Skip) => {
  if (skipWithoutGpu(context)) return;
  const perAxis = c.scales.length > 1;
  const parameterDims = perAxis ? [c.scales.length] : [];
  const initializers: Record<string, Tensor> = { s: new Tensor('float32', c.scales, parameterDims) };
  if (c.zeros) initializers.z = typed(c.type, c.zeros, parameterDims);
  const model = await expectMatchesReference({
    inputs: [f32('x', c.dims)],
    outputs: [{ name: 'q', type: c.type }, f32('y')],
    initializers,
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 's', ...(c.zeros ? ['z'] : [])], outputs: ['q'], attrs: c.axis === undefined ? {} : { axis: c.axis } },
      { op: 'DequantizeLinear', inputs: ['q', 's', ...(c.zeros ? ['z'] : [])], outputs: ['y'], attrs: c.axis === undefined ? {} : { axis: c.axis } },
    ],
  }, { x: inputs(c.dims, 200, 41) }, { tolerance: 0 });
  model.release();
};

describe('webgpu QuantizeLinear → DequantizeLinear (QDQ) on the GPU', () => {
  it('uint8 per-tensor with zero point 128, scale 0.5 (exact ties)', quantize({ dims: [2, 3, 7, 5], type: 'uint8', scales: [0.5], zeros: [128] }));
  it('int8 per-tensor, no zero point, scale 0.25', quantize({ dims: [97], type: 'int8', scales: [0.25], zeros: [0] }));
  it('uint8 without a zero-point input (defaults to uint8, zero 0)', quantize({ dims: [5, 13], type: 'uint8', scales: [2] }));
  it('int8 per-axis (axis 1), odd scales and zero points', quantize({ dims: [2, 3, 4, 5], type: 'int8', scales: [0.37, 1.13, 0.051], zeros: [-3, 0, 7], axis: 1 }));
  it('uint8 per-axis along the last axis', quantize({ dims: [3, 6], type: 'uint8', scales: [1, 2, 4, 0.5, 0.125, 8], zeros: [0, 10, 128, 255, 3, 77], axis: -1 }));
  it('int16 per-tensor', quantize({ dims: [4, 9], type: 'int16', scales: [0.0078125], zeros: [-100] }));
  it('uint16 per-axis', quantize({ dims: [2, 5], type: 'uint16', scales: [0.01, 0.003, 0.5, 1, 2], zeros: [0, 30000, 65535, 1, 2], axis: 1 }));
});
