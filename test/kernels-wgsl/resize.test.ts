/**
 * resize/f32-resize-2d-taps.wgsl through Resize, against the reference: nearest with each nearest_mode, linear with
 * each coordinate_transformation_mode, cubic, up- and down-sampling, sizes and scales, antialias; and
 * tf_crop_and_resize, which stays on the reference.
 */
import { describe, it } from 'vitest';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

const floats = (name: string, values: number[]) => ({ name, dims: [values.length], data_type: 1, float_data: values });
const ints = (name: string, values: number[]) => ({ name, dims: [values.length], data_type: 7, int64_data: values });

interface ResizeCase {
  name: string;
  x: number[];
  scales?: number[];
  sizes?: number[];
  attrs: Record<string, string | number>;
  gpuNodes?: number;
}

const CASES: ResizeCase[] = [
  { name: 'nearest ×2 (asymmetric, floor: Upsample)', x: [1, 2, 3, 4], scales: [1, 1, 2, 2], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } },
  { name: 'nearest round_prefer_ceil, half_pixel, ×1.7', x: [2, 3, 5, 4], scales: [1, 1, 1.7, 1.7], attrs: { mode: 'nearest', nearest_mode: 'round_prefer_ceil' } },
  { name: 'nearest ceil downsample to sizes', x: [1, 1, 9, 7], sizes: [1, 1, 4, 3], attrs: { mode: 'nearest', nearest_mode: 'ceil' } },
  { name: 'linear half_pixel ×2', x: [1, 3, 4, 5], scales: [1, 1, 2, 2], attrs: { mode: 'linear' } },
  { name: 'linear align_corners to sizes', x: [2, 2, 5, 6], sizes: [2, 2, 8, 3], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' } },
  { name: 'linear pytorch_half_pixel downsample', x: [1, 2, 9, 8], scales: [1, 1, 0.5, 0.4], attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' } },
  { name: 'linear antialias downsample', x: [1, 1, 12, 10], scales: [1, 1, 0.5, 0.3], attrs: { mode: 'linear', antialias: 1 } },
  { name: 'cubic ×1.5, exclude_outside', x: [1, 2, 6, 6], scales: [1, 1, 1.5, 1.5], attrs: { mode: 'cubic', exclude_outside: 1 } },
  { name: '3-D input, last two axes', x: [3, 4, 5], scales: [1, 2, 0.6], attrs: { mode: 'linear' } },
  { name: 'tf_crop_and_resize stays on the reference', x: [1, 1, 4, 4], scales: [1, 1, 2, 2], attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' }, gpuNodes: 0 },
];

describe('webgpu Resize', () => {
  for (const c of CASES) {
    it(c.name, async (context) => {
      if (skipWithoutGpu(context)) return;
      const roi = floats('roi', c.attrs.coordinate_transformation_mode === 'tf_crop_and_resize' ? [0, 0, 0.2, 0.1, 1, 1, 0.9, 0.8] : []);
      const constants = [roi, c.scales ? floats('scales', c.scales) : floats('scales', []), ...(c.sizes ? [ints('sizes', c.sizes)] : [])];
      const model = await expectMatchesReference(
        {
          opset: 18,
          inputs: [f32('x', c.x)],
          outputs: [f32('y')],
          rawInitializers: constants,
          nodes: [{ op: 'Resize', inputs: ['x', 'roi', 'scales', ...(c.sizes ? ['sizes'] : [])], outputs: ['y'], attrs: c.attrs }],
        },
        { x: randomTensor(c.x, 1) },
        { tolerance: 1e-5, gpuNodes: c.gpuNodes },
      );
      model.release();
    });
  }
});
