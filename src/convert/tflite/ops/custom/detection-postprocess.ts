/**
 * TFLite_Detection_PostProcess (SSD models): anchor box decoding, then non-maximum suppression across classes, as
 * TFLite's kernel (kernels/detection_postprocess.cc) computes them. Options are a flexbuffers map.
 *
 * Built from IR ops rather than one dedicated op: decoding is elementwise, and TFLite's selection is ONNX's
 * NonMaxSuppression once three facts are matched:
 * - TFLite keeps scores ≥ nms_score_threshold, ONNX scores > score_threshold: the threshold passed on is the
 *   float32 just below TFLite's;
 * - equal scores: ONNX keeps the lower box first (a stable sort), as TFLite's stable sort does;
 * - regular NMS merges the per-class selections by score, and on equal scores the later class comes first
 *   (std::inplace_merge with `>=`): the classes are fed to NonMaxSuppression in reverse, so that TopK, which keeps
 *   the lower position first, reproduces that order.
 * NonMaxSuppression's row count depends on the data; only int64 index vectors carry that unknown size. They are
 * padded with a sentinel to a fixed length (Pad with a computed amount, then Reshape to the static length), and
 * every float result is a Gather from a table with one extra zero row for the sentinel, so outputs have TFLite's
 * fixed shapes: boxes [1, D·M, 4], classes [1, D·M], scores [1, D·M], count [1] (D = max_detections,
 * M = max_classes_per_detection for fast NMS, 1 for regular NMS). Slots past the count are zero.
 *
 * Not matched: in fast NMS with max_classes_per_detection > 1, classes with equal scores for one anchor come in
 * index order here, while TFLite's std::partial_sort leaves their order unspecified.
 */
import { Tensor } from '../../../../ir/tensor.js';
import { nativeForm } from '../../layout.js';
import type { OpContext } from '../../op-context.js';
import type { OpConverter } from '../registry.js';
import { FlexbufferMap } from './flexbuffers.js';

/** The largest float32 below `value`: `score > below(t)` ⇔ `score ≥ t` for float32 scores. */
export function float32Below(value: number): number {
  const bits = new DataView(new ArrayBuffer(4));
  bits.setFloat32(0, value, true);
  const raw = bits.getInt32(0, true);
  if (value === 0) return -1.401298464324817e-45;
  bits.setInt32(0, value > 0 ? raw - 1 : raw + 1, true);
  return bits.getFloat32(0, true);
}

interface Options {
  maxDetections: number;
  maxClassesPerDetection: number;
  detectionsPerClass: number;
  regular: boolean;
  scoreThreshold: number;
  iouThreshold: number;
  classes: number;
  scales: [number, number, number, number];
}

function readOptions(ctx: OpContext): Options {
  const map = new FlexbufferMap(ctx.op.customOptions, ctx.label);
  const int = (key: string, fallback = 0) => Math.trunc(map.number(key, fallback));
  const options: Options = {
    maxDetections: int('max_detections'),
    maxClassesPerDetection: int('max_classes_per_detection'),
    detectionsPerClass: int('detections_per_class', 100),
    regular: map.bool('use_regular_nms'),
    scoreThreshold: Math.fround(map.number('nms_score_threshold')),
    iouThreshold: Math.fround(map.number('nms_iou_threshold')),
    classes: int('num_classes'),
    scales: [map.number('y_scale'), map.number('x_scale'), map.number('h_scale'), map.number('w_scale')].map(Math.fround) as Options['scales'],
  };
  if (options.maxDetections < 0) ctx.fail(`max_detections must not be negative, got ${options.maxDetections}`);
  if (!(options.iouThreshold > 0 && options.iouThreshold <= 1)) ctx.fail(`nms_iou_threshold must be in (0, 1], got ${options.iouThreshold}`);
  if (options.classes < 1) ctx.fail(`num_classes must be positive, got ${options.classes}`);
  if (!options.regular && options.maxClassesPerDetection < 1) ctx.fail(`max_classes_per_detection must be positive, got ${options.maxClassesPerDetection}`);
  if (options.regular && Math.min(options.detectionsPerClass, options.maxDetections) < 1) ctx.fail('detections_per_class and max_detections must be positive for regular NMS');
  return options;
}

/** Decoded [N, 4] corner boxes (ymin, xmin, ymax, xmax) from [1, N, ≥4] encodings and [N, 4] (y, x, h, w) anchors. */
function decodeBoxes(ctx: OpContext, count: number, scales: Options['scales']): string {
  const encodings = ctx.node1('Reshape', [ctx.node1('Slice', [ctx.read(0, nativeForm(3)), ctx.int64s([0]), ctx.int64s([4]), ctx.int64s([2])], {}, 'encodings'), ctx.int64s([count, 4])], {}, 'encodings_2d');
  const anchors = ctx.read(2, nativeForm(2));
  const columns = (name: string, from: number, suffix: string) => ctx.node1('Slice', [name, ctx.int64s([from]), ctx.int64s([from + 2]), ctx.int64s([1])], {}, suffix);
  const floats = (values: number[]) => ctx.converter.sharedConstant('float32', values, [values.length]);
  const anchorCenter = columns(anchors, 0, 'anchor_center');
  const anchorSize = columns(anchors, 2, 'anchor_size');
  const offset = ctx.node1('Mul', [ctx.node1('Div', [columns(encodings, 0, 'center_code'), floats(scales.slice(0, 2))], {}, 'center_scaled'), anchorSize], {}, 'center_offset');
  const center = ctx.node1('Add', [offset, anchorCenter], {}, 'center');
  const growth = ctx.node1('Exp', [ctx.node1('Div', [columns(encodings, 2, 'size_code'), floats(scales.slice(2))], {}, 'size_scaled')], {}, 'size_growth');
  const half = ctx.node1('Mul', [ctx.node1('Mul', [growth, ctx.scalar(0.5)], {}, 'half_growth'), anchorSize], {}, 'half_size');
  return ctx.node1('Concat', [ctx.node1('Sub', [center, half], {}, 'box_min'), ctx.node1('Add', [center, half], {}, 'box_max')], { axis: 1 }, 'boxes');
}

/** A dynamic-length int64 vector padded with `sentinel` to `length` and reshaped to that static length. */
function padTo(ctx: OpContext, vector: string, length: number, sentinel: number, suffix: string): string {
  const size = ctx.node1('Shape', [vector], {}, `${suffix}_size`);
  const missing = ctx.node1('Sub', [ctx.int64s([length]), size], {}, `${suffix}_missing`);
  const pads = ctx.node1('Concat', [ctx.int64s([0]), missing], { axis: 0 }, `${suffix}_pads`);
  const sentinelValue = ctx.converter.sharedConstant('int64', [sentinel], []);
  const padded = ctx.node1('Pad', [vector, pads, sentinelValue], { mode: 'constant' }, `${suffix}_padded`);
  return ctx.node1('Reshape', [padded, ctx.int64s([length])], {}, suffix);
}

/** Column `column` of NonMaxSuppression's [K, 3] rows as a [K] int64 vector. */
function selectedColumn(ctx: OpContext, selected: string, column: number, suffix: string): string {
  return ctx.node1('Gather', [selected, ctx.converter.sharedConstant('int64', [column], [])], { axis: 1 }, suffix);
}

/** `table` (first dim = rows) with one zero row appended: the row a sentinel index reads. */
function withZeroRow(ctx: OpContext, table: string, rowDims: number[], type: 'float32' | 'int64', suffix: string): string {
  const zeros = ctx.converter.addConstant(`${ctx.nodeName}/${suffix}_zero`, Tensor.zeros(type, [1, ...rowDims]));
  return ctx.node1('Concat', [table, zeros], { axis: 0 }, suffix);
}

function nms(ctx: OpContext, boxes: string, scores: string, maxOutput: number, threshold: number, iou: number): string {
  const boxes3d = ctx.node1('Unsqueeze', [boxes, ctx.int64s([0])], {}, 'nms_boxes');
  const inputs = [boxes3d, scores, ctx.int64s([maxOutput]), ctx.converter.sharedConstant('float32', [iou], []), ctx.converter.sharedConstant('float32', [float32Below(threshold)], [])];
  return ctx.node1('NonMaxSuppression', inputs, { center_point_box: 0 }, 'nms');
}

function finishOutputs(ctx: OpContext, boxes: string, classes: string, scores: string, count: string, slots: number): void {
  ctx.finish(0, ctx.node1('Reshape', [boxes, ctx.int64s([1, slots, 4])], {}, 'detection_boxes'), nativeForm(3));
  ctx.finish(1, ctx.node1('Reshape', [ctx.node1('Cast', [classes], { to: 'float32' }, 'classes_float'), ctx.int64s([1, slots])], {}, 'detection_classes'), nativeForm(2));
  ctx.finish(2, ctx.node1('Reshape', [scores, ctx.int64s([1, slots])], {}, 'detection_scores'), nativeForm(2));
  ctx.finish(3, ctx.node1('Cast', [count], { to: 'float32' }, 'detection_count'), nativeForm(1));
}

const detectionPostProcess: OpConverter = (ctx) => {
  const options = readOptions(ctx);
  const [encodingDims, scoreDims, anchorDims] = [ctx.dims(0), ctx.dims(1), ctx.dims(2)];
  if (encodingDims.length !== 3 || encodingDims[0] !== 1 || encodingDims[2]! < 4) ctx.fail(`box encodings must be [1, boxes, ≥4], got [${encodingDims.join(', ')}]`);
  const count = encodingDims[1]!;
  if (scoreDims.length !== 3 || scoreDims[0] !== 1 || scoreDims[1] !== count) ctx.fail(`class predictions must be [1, ${count}, classes], got [${scoreDims.join(', ')}]`);
  if (anchorDims.length !== 2 || anchorDims[0] !== count || anchorDims[1] !== 4) ctx.fail(`anchors must be [${count}, 4], got [${anchorDims.join(', ')}]`);
  const labelOffset = scoreDims[2]! - options.classes;
  if (labelOffset < 0 || labelOffset > 1) ctx.fail(`class predictions have ${scoreDims[2]} columns for ${options.classes} classes (a background column at most)`);
  const classes = options.classes;
  const boxes = decodeBoxes(ctx, count, options.scales);
  // [N, classes] without the background column.
  const scores = ctx.node1('Reshape', [ctx.node1('Slice', [ctx.read(1, nativeForm(3)), ctx.int64s([labelOffset]), ctx.int64s([labelOffset + classes]), ctx.int64s([2])], {}, 'class_scores'), ctx.int64s([count, classes])], {}, 'class_scores_2d');
  const boxTable = withZeroRow(ctx, boxes, [4], 'float32', 'box_table');
  const maxDetections = options.maxDetections;

  if (!options.regular) {
    const perAnchor = Math.min(options.maxClassesPerDetection, classes);
    const [topScores, topClasses] = ctx.node('TopK', [scores, ctx.int64s([perAnchor])], { axis: 1, largest: 1, sorted: 1 }, 'top_classes', 2);
    const best = ctx.node1('Reshape', [ctx.node1('Slice', [topScores!, ctx.int64s([0]), ctx.int64s([1]), ctx.int64s([1])], {}, 'best_score'), ctx.int64s([1, 1, count])], {}, 'nms_scores');
    const selected = nms(ctx, boxes, best, maxDetections, options.scoreThreshold, options.iouThreshold);
    const anchors = selectedColumn(ctx, selected, 2, 'anchors');
    const padded = padTo(ctx, anchors, maxDetections, count, 'anchor_slots');
    const gather = (table: string, suffix: string) => ctx.node1('Gather', [table, padded], { axis: 0 }, suffix);
    // [D, perAnchor, …] → TFLite's slots: M = max_classes_per_detection per detection, the unused ones zero.
    const slots = (name: string, trailing: number[], suffix: string) => {
      const extra = options.maxClassesPerDetection - perAnchor;
      if (extra === 0) return name;
      const pads = [0, 0, ...trailing.map(() => 0), 0, extra, ...trailing.map(() => 0)];
      return ctx.node1('Pad', [name, ctx.int64s(pads)], { mode: 'constant' }, suffix);
    };
    const boxSlots = ctx.node1('Expand', [ctx.node1('Unsqueeze', [gather(boxTable, 'selected_boxes'), ctx.int64s([1])], {}, 'selected_boxes_3d'), ctx.int64s([maxDetections, perAnchor, 4])], {}, 'selected_boxes_per_class');
    const classSlots = gather(withZeroRow(ctx, topClasses!, [perAnchor], 'int64', 'class_table'), 'selected_classes');
    const scoreSlots = gather(withZeroRow(ctx, topScores!, [perAnchor], 'float32', 'score_table'), 'selected_scores');
    const total = maxDetections * options.maxClassesPerDetection;
    finishOutputs(ctx, slots(boxSlots, [4], 'box_slots'), slots(classSlots, [], 'class_slots'), slots(scoreSlots, [], 'score_slots'), ctx.node1('Shape', [anchors], {}, 'count'), total);
    return;
  }

  // Regular NMS: per class (classes reversed, see the header), at most min(detections_per_class, max_detections) each.
  const perClass = Math.min(options.detectionsPerClass, maxDetections);
  const reversed = ctx.node1('Slice', [scores, ctx.int64s([-1]), ctx.int64s([-(classes + 1)]), ctx.int64s([1]), ctx.int64s([-1])], {}, 'classes_reversed');
  const classScores = ctx.node1('Unsqueeze', [ctx.node1('Transpose', [reversed], { perm: [1, 0] }, 'scores_by_class'), ctx.int64s([0])], {}, 'nms_scores');
  const selected = nms(ctx, boxes, classScores, perClass, options.scoreThreshold, options.iouThreshold);
  const bound = classes * perClass; // the most rows NonMaxSuppression can return
  const anchors = padTo(ctx, selectedColumn(ctx, selected, 2, 'anchors'), bound, count, 'anchor_candidates');
  const reversedClass = padTo(ctx, selectedColumn(ctx, selected, 1, 'reversed_classes'), bound, 0, 'class_candidates');
  // Candidate scores for ordering: the sentinel reads -∞ so that it sorts after every real candidate.
  const flatScores = ctx.node1('Reshape', [ctx.node1('Transpose', [reversed], { perm: [1, 0] }, 'scores_by_class_2d'), ctx.int64s([classes * count])], {}, 'flat_scores');
  const flatIndex = ctx.node1('Add', [ctx.node1('Mul', [reversedClass, ctx.converter.sharedConstant('int64', [count], [])], {}, 'class_base'), anchors], {}, 'flat_index');
  const sortKeys = ctx.node1('Gather', [ctx.node1('Concat', [flatScores, ctx.converter.sharedConstant('float32', [-Infinity], [1])], { axis: 0 }, 'score_keys'), flatIndex], { axis: 0 }, 'candidate_scores');
  const kept = Math.min(maxDetections, bound);
  const [, order] = ctx.node('TopK', [sortKeys, ctx.int64s([kept])], { axis: 0, largest: 1, sorted: 1 }, 'merge', 2);
  const pick = (table: string, suffix: string) => ctx.node1('Gather', [table, order!], { axis: 0 }, suffix);
  const chosenAnchors = pick(anchors, 'chosen_anchors');
  const isReal = ctx.node1('Less', [chosenAnchors, ctx.converter.sharedConstant('int64', [count], [])], {}, 'chosen_real');
  const chosenBoxes = ctx.node1('Gather', [boxTable, chosenAnchors], { axis: 0 }, 'chosen_boxes');
  const classIndex = ctx.node1('Sub', [ctx.converter.sharedConstant('int64', [classes - 1], []), pick(reversedClass, 'chosen_reversed_classes')], {}, 'chosen_class_index');
  const chosenClasses = ctx.node1('Where', [isReal, classIndex, ctx.converter.sharedConstant('int64', [0], [])], {}, 'chosen_classes');
  const chosenScores = ctx.node1('Where', [isReal, pick(sortKeys, 'chosen_keys'), ctx.scalar(0)], {}, 'chosen_scores');
  const fill = (name: string, trailing: number[], suffix: string) => {
    if (kept === maxDetections) return name;
    return ctx.node1('Pad', [name, ctx.int64s([0, ...trailing.map(() => 0), maxDetections - kept, ...trailing.map(() => 0)])], { mode: 'constant' }, suffix);
  };
  const found = ctx.node1('Min', [ctx.node1('Shape', [selected], { end: 1 }, 'selected_count'), ctx.int64s([maxDetections])], {}, 'count');
  finishOutputs(ctx, fill(chosenBoxes, [4], 'box_slots'), fill(chosenClasses, [], 'class_slots'), fill(chosenScores, [], 'score_slots'), found, maxDetections);
};

export const detectionConverters: Record<string, OpConverter> = {
  TFLite_Detection_PostProcess: detectionPostProcess,
};
