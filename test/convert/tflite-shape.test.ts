// Shape, axis and data-movement operators of the TFLite front-end against the TFLite interpreter. Most cases put a
// 1×1 CONV_2D first so that the operator reads an activation held in NCHW form and must remap its axes.
import { describe, it } from 'vitest';
import { OPTIONS, type ModelSpec, type OperatorSpec, type TensorSpec } from '../helpers/tflite-builder.js';
import { checkModel, f32, i32, oneOp, weights } from '../helpers/tflite-check.js';

const conv1x1 = { type: OPTIONS.Conv2D, fields: [{ id: 0, int8: 0 }, { id: 1, int32: 1 }, { id: 2, int32: 1 }] };

/** input [1, H, W, 2] → 1×1 CONV_2D to C channels → `op`(conv output, …extra) → outputs. */
function afterConv(shape: [number, number, number], op: string, extra: TensorSpec[], outputs: TensorSpec[], options?: OperatorSpec['options']): ModelSpec {
  const [h, w, c] = shape;
  const tensors = [f32([1, h, w, 2]), weights([c, 1, 1, 2], 21), weights([c], 22), f32([1, h, w, c]), ...extra, ...outputs];
  const first = 4 + extra.length;
  const outputIndices = outputs.map((_, i) => first + i);
  return {
    tensors,
    inputs: [0, ...extra.flatMap((t, i) => (t.data ? [] : [4 + i]))],
    outputs: outputIndices,
    operators: [
      { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: conv1x1 },
      { op, inputs: [3, ...extra.map((_, i) => 4 + i)], outputs: outputIndices, options },
    ],
  };
}

const stridedSlice = (masks: { begin?: number; end?: number; ellipsis?: number; newAxis?: number; shrink?: number }) => ({
  type: OPTIONS.StridedSlice,
  fields: [
    { id: 0, int32: masks.begin ?? 0 }, { id: 1, int32: masks.end ?? 0 }, { id: 2, int32: masks.ellipsis ?? 0 },
    { id: 3, int32: masks.newAxis ?? 0 }, { id: 4, int32: masks.shrink ?? 0 },
  ],
});

describe('TFLite shape operators vs the TFLite interpreter', () => {
  it('RESHAPE, SQUEEZE and EXPAND_DIMS', async () => {
    await checkModel(afterConv([3, 4, 5], 'RESHAPE', [i32([3], [3, -1, 5])], [f32([3, 4, 5])]));
    await checkModel(afterConv([1, 1, 6], 'RESHAPE', [i32([2], [1, 6])], [f32([1, 6])]));
    await checkModel(afterConv([1, 4, 3], 'SQUEEZE', [], [f32([1, 4, 3])], { type: OPTIONS.Squeeze, fields: [{ id: 0, int32s: [1] }] }));
    await checkModel(afterConv([3, 1, 2], 'SQUEEZE', [], [f32([3, 2])], { type: OPTIONS.Squeeze, fields: [{ id: 0, int32s: [] }] }));
    await checkModel(oneOp('EXPAND_DIMS', [f32([3, 4]), i32([], [-1])], f32([3, 4, 1])));
  });

  it('TRANSPOSE (an NHWC→NCHW transpose of an NCHW activation needs no node)', async () => {
    await checkModel(afterConv([3, 4, 5], 'TRANSPOSE', [i32([4], [0, 3, 1, 2])], [f32([1, 5, 3, 4])]));
    await checkModel(afterConv([3, 4, 5], 'TRANSPOSE', [i32([4], [2, 0, 3, 1])], [f32([4, 1, 5, 3])]));
    await checkModel(oneOp('TRANSPOSE', [f32([2, 3, 4]), i32([3], [2, 0, 1])], f32([4, 2, 3])));
  });

  it('CONCATENATION on the channel axis, a spatial axis, and with a graph input', async () => {
    const concat = (axis: number) => ({ type: OPTIONS.Concatenation, fields: [{ id: 0, int32: axis }, { id: 1, int8: 0 }] });
    await checkModel(afterConv([3, 4, 5], 'CONCATENATION', [f32([1, 3, 4, 2])], [f32([1, 3, 4, 7])], concat(-1)));
    await checkModel(afterConv([3, 4, 5], 'CONCATENATION', [weights([1, 2, 4, 5])], [f32([1, 5, 4, 5])], concat(1)));
  });

  it('PACK, UNPACK, SPLIT and SPLIT_V', async () => {
    await checkModel(oneOp('PACK', [f32([3, 4]), f32([3, 4])], f32([3, 2, 4]), { type: OPTIONS.Pack, fields: [{ id: 0, int32: 2 }, { id: 1, int32: 1 }] }));
    await checkModel(afterConv([2, 3, 4], 'UNPACK', [], [f32([1, 3, 4]), f32([1, 3, 4])], { type: OPTIONS.Unpack, fields: [{ id: 0, int32: 2 }, { id: 1, int32: 1 }] }));
    const split = { type: OPTIONS.Split, fields: [{ id: 0, int32: 3 }] };
    const model = afterConv([2, 3, 6], 'SPLIT', [], [f32([1, 2, 3, 2]), f32([1, 2, 3, 2]), f32([1, 2, 3, 2])], split);
    // SPLIT takes (axis, input): put the axis constant first.
    model.tensors.push(i32([], [3]));
    model.operators[1]!.inputs = [model.tensors.length - 1, 3];
    await checkModel(model);
    await checkModel(afterConv([2, 3, 6], 'SPLIT_V', [i32([3], [1, -1, 2]), i32([], [-1])], [f32([1, 2, 3, 1]), f32([1, 2, 3, 3]), f32([1, 2, 3, 2])], { type: OPTIONS.SplitV, fields: [{ id: 0, int32: 3 }] }));
  });

  it('SLICE, TILE, GATHER and GATHER_ND', async () => {
    await checkModel(afterConv([4, 5, 6], 'SLICE', [i32([4], [0, 1, 2, 1]), i32([4], [1, 2, -1, 3])], [f32([1, 2, 3, 3])]));
    await checkModel(afterConv([2, 3, 4], 'TILE', [i32([4], [1, 2, 1, 3])], [f32([1, 4, 3, 12])]));
    const gather = (axis: number) => ({ type: OPTIONS.Gather, fields: [{ id: 0, int32: axis }] });
    await checkModel(afterConv([3, 4, 5], 'GATHER', [i32([3], [2, 0, 2])], [f32([1, 3, 4, 3])], gather(3)));
    await checkModel(oneOp('GATHER', [f32([4, 5]), i32([2, 2], [3, 0, 1, 1])], f32([2, 2, 5]), gather(0)));
    await checkModel(afterConv([3, 4, 5], 'GATHER_ND', [i32([2, 3], [0, 1, 2, 0, 2, 3])], [f32([2, 5])]));
  });

  it('STRIDED_SLICE with masks, negative strides, shrink, ellipsis and new axes', async () => {
    const input = [i32([4], [0, 1, 0, 1]), i32([4], [1, 3, 4, 5]), i32([4], [1, 1, 2, 2])];
    await checkModel(afterConv([3, 4, 5], 'STRIDED_SLICE', input, [f32([1, 2, 2, 2])], stridedSlice({})));
    await checkModel(afterConv([3, 4, 5], 'STRIDED_SLICE', [i32([4], [0, -1, 0, 4]), i32([4], [1, 0, 4, 0]), i32([4], [1, -1, 1, -2])], [f32([1, 2, 4, 2])], stridedSlice({ begin: 4, end: 4 })));
    await checkModel(afterConv([3, 4, 5], 'STRIDED_SLICE', [i32([4], [0, 1, 0, 2]), i32([4], [1, 2, 4, 3]), i32([4], [1, 1, 1, 1])], [f32([1, 4])], stridedSlice({ shrink: 0b1010 })));
    await checkModel(afterConv([3, 4, 5], 'STRIDED_SLICE', [i32([2], [0, 1]), i32([2], [0, 4]), i32([2], [1, 2])], [f32([1, 3, 4, 2])], stridedSlice({ ellipsis: 1 })));
    await checkModel(oneOp('STRIDED_SLICE', [f32([4, 6]), i32([3], [1, 0, -1]), i32([3], [3, 0, 0]), i32([3], [1, 1, -2])], f32([2, 1, 3]), stridedSlice({ newAxis: 2, end: 4 })));
  });

  it('PAD, PADV2 and MIRROR_PAD (REFLECT and SYMMETRIC)', async () => {
    const paddings = i32([4, 2], [0, 0, 1, 2, 2, 1, 0, 0]);
    await checkModel(afterConv([3, 4, 2], 'PAD', [paddings], [f32([1, 6, 7, 2])]));
    await checkModel(afterConv([3, 4, 2], 'PADV2', [paddings, f32([], [0.5])], [f32([1, 6, 7, 2])]));
    const mirror = (mode: number) => ({ type: OPTIONS.MirrorPad, fields: [{ id: 0, int8: mode }] });
    await checkModel(afterConv([3, 4, 2], 'MIRROR_PAD', [paddings], [f32([1, 6, 7, 2])], mirror(0)));
    await checkModel(afterConv([3, 4, 2], 'MIRROR_PAD', [i32([4, 2], [0, 0, 3, 2, 1, 4, 0, 0])], [f32([1, 8, 9, 2])], mirror(1)));
  });

  it('RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR in every coordinate mode', async () => {
    for (const [alignCorners, halfPixel] of [[false, false], [true, false], [false, true]] as const) {
      const bilinear = { type: OPTIONS.ResizeBilinear, fields: [{ id: 2, bool: alignCorners }, { id: 3, bool: halfPixel }] };
      await checkModel(afterConv([5, 7, 3], 'RESIZE_BILINEAR', [i32([2], [9, 12])], [f32([1, 9, 12, 3])], bilinear));
      const nearest = { type: OPTIONS.ResizeNearestNeighbor, fields: [{ id: 0, bool: alignCorners }, { id: 1, bool: halfPixel }] };
      await checkModel(afterConv([5, 7, 3], 'RESIZE_NEAREST_NEIGHBOR', [i32([2], [11, 6])], [f32([1, 11, 6, 3])], nearest));
    }
  });

  it('DEPTH_TO_SPACE and SPACE_TO_DEPTH', async () => {
    const block = (type: number) => ({ type, fields: [{ id: 0, int32: 2 }] });
    await checkModel(afterConv([3, 4, 8], 'DEPTH_TO_SPACE', [], [f32([1, 6, 8, 2])], block(OPTIONS.DepthToSpace)));
    await checkModel(afterConv([4, 6, 3], 'SPACE_TO_DEPTH', [], [f32([1, 2, 3, 12])], block(OPTIONS.SpaceToDepth)));
  });

  it('SHAPE folds to a constant and CAST truncates', async () => {
    await checkModel(oneOp('SHAPE', [f32([2, 3, 5])], i32([3]), { type: OPTIONS.Shape, fields: [{ id: 0, int8: 2 }] }));
    await checkModel(oneOp('CAST', [f32([2, 7])], i32([2, 7]), { type: OPTIONS.Cast, fields: [{ id: 0, int8: 0 }, { id: 1, int8: 2 }] }), { range: [-40, 40] });
  });
});
