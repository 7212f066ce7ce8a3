/**
 * conv/f32-conv-transpose-minmax-direct.wgsl through ConvTranspose against the reference: 1-D, 2-D and 3-D; groups
 * (incl. depthwise); strides, dilations, asymmetric pads, output_padding, output_shape, auto_pad SAME_UPPER/LOWER;
 * bias; odd sizes. Tolerance 1e-5 relative (f32 accumulation over at most a few hundred products; the reference
 * accumulates in float64).
 */
import { describe, it } from 'vitest';
import type { AttrInput } from '../helpers/onnx-builder.js';
import { randomTensor } from '../helpers/onnx-builder.js';
import { expectMatchesReference, f32, skipWithoutGpu } from './harness.js';

interface Case {
  name: string;
  x: number[];
  w: number[];
  bias?: boolean;
  attrs?: Record<string, AttrInput>;
}

const CASES: Case[] = [
  { name: '2-D, stride 1, no pads', x: [1, 3, 5, 4], w: [3, 2, 3, 3] },
  { name: '2-D, stride 2, pads 1, output_padding 1, bias (the usual upsampler)', x: [2, 4, 7, 5], w: [4, 3, 3, 3], bias: true, attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } },
  { name: '2-D, stride 3×2, dilation 2×1, asymmetric pads', x: [1, 2, 4, 6], w: [2, 5, 3, 2], attrs: { strides: [3, 2], dilations: [2, 1], pads: [2, 0, 1, 1] } },
  { name: '2-D, group 2', x: [1, 4, 5, 5], w: [4, 3, 2, 2], bias: true, attrs: { group: 2, strides: [2, 2] } },
  { name: '2-D depthwise (group = channels), 4×4 kernel stride 2 pads 1', x: [1, 6, 8, 8], w: [6, 1, 4, 4], bias: true, attrs: { group: 6, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: '2-D, output_shape', x: [1, 3, 3, 3], w: [3, 2, 3, 3], attrs: { strides: [3, 2], output_shape: [10, 8] } },
  { name: '2-D, auto_pad SAME_UPPER', x: [1, 2, 5, 6], w: [2, 3, 3, 3], attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { name: '2-D, auto_pad SAME_LOWER', x: [1, 2, 5, 6], w: [2, 3, 4, 4], attrs: { strides: [2, 2], auto_pad: 'SAME_LOWER' } },
  { name: '1-D, stride 2, bias', x: [2, 3, 11], w: [3, 4, 5], bias: true, attrs: { strides: [2], pads: [2, 1] } },
  { name: '3-D, stride 2, pads, group 2', x: [1, 4, 3, 4, 3], w: [4, 2, 3, 2, 3], bias: true, attrs: { strides: [2, 1, 2], pads: [1, 0, 1, 1, 0, 0], group: 2 } },
  { name: 'many channels (long inner loop), 1×1 kernel stride 2', x: [1, 67, 3, 5], w: [67, 9, 1, 1], attrs: { strides: [2, 2] } },
];

describe('webgpu ConvTranspose', () => {
  for (const c of CASES) {
    it(c.name, async (context) => {
      if (skipWithoutGpu(context)) return;
      const group = (c.attrs?.group as number | undefined) ?? 1;
      const initializers = { w: randomTensor(c.w, 11), ...(c.bias ? { b: randomTensor([c.w[1]! * group], 12) } : {}) };
      const model = await expectMatchesReference({
        inputs: [f32('x', c.x)],
        outputs: [f32('y')],
        initializers,
        nodes: [{ op: 'ConvTranspose', inputs: ['x', 'w', ...(c.bias ? ['b'] : [])], outputs: ['y'], attrs: c.attrs ?? {} }],
      }, { x: randomTensor(c.x, 13) }, { tolerance: 1e-5 });
      model.release();
    });
  }
});
