/**
 * NonMaxSuppression (ONNX opset 10/11): per batch and class, greedy selection of boxes in decreasing score order,
 * dropping a box whose IoU with an already selected box of the same class exceeds `iouThreshold`.
 *
 * Facts this reference fixes (as onnxruntime and ONNX's reference implement them):
 * - boxes are [batch, boxes, 4]: corners [y1, x1, y2, x2] of either diagonal (center_point_box = 0) or
 *   [x_center, y_center, width, height] (center_point_box = 1); scores are [batch, classes, boxes];
 * - a box takes part only when its score is strictly greater than `score_threshold` (when given);
 * - equal scores keep the lower box index first (a stable sort);
 * - IoU is computed in float32; boxes with no intersection or a non-positive area never suppress each other;
 *   a box is dropped when IoU > iou_threshold (strictly);
 * - at most `max_output_boxes_per_class` boxes per (batch, class); 0 or absent selects none;
 * - output rows [batch, class, box] in batch, then class, then selection order.
 */
import { WebliteError } from '../../errors.js';
import type { Attrs } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';
import { Tensor } from '../tensor.js';
import { required, toNumbers } from './util.js';

const f = Math.fround;

/** Box i of `data` (4 values from `offset`) as [yMin, xMin, yMax, xMax]. */
function corners(data: ArrayLike<number>, offset: number, centerPoint: boolean): [number, number, number, number] {
  const [a, b, c, d] = [data[offset]!, data[offset + 1]!, data[offset + 2]!, data[offset + 3]!];
  if (centerPoint) {
    // [x_center, y_center, width, height]
    const halfWidth = f(c / 2);
    const halfHeight = f(d / 2);
    return [f(b - halfHeight), f(a - halfWidth), f(b + halfHeight), f(a + halfWidth)];
  }
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

/** Whether IoU(p, q) > threshold, in float32 as onnxruntime computes it. */
export function suppresses(p: readonly number[], q: readonly number[], threshold: number): boolean {
  const height = Math.max(0, f(Math.min(p[2]!, q[2]!) - Math.max(p[0]!, q[0]!)));
  const width = Math.max(0, f(Math.min(p[3]!, q[3]!) - Math.max(p[1]!, q[1]!)));
  const intersection = f(height * width);
  if (intersection <= 0) return false;
  const areaP = f(f(p[2]! - p[0]!) * f(p[3]! - p[1]!));
  const areaQ = f(f(q[2]! - q[0]!) * f(q[3]! - q[1]!));
  const union = f(f(areaP + areaQ) - intersection);
  if (areaP <= 0 || areaQ <= 0 || union <= 0) return false;
  return f(intersection / union) > threshold;
}

/** Indices of boxes in decreasing score order, ties by lower index; only scores above `threshold` when given. */
export function sortedCandidates(scores: ArrayLike<number>, offset: number, count: number, threshold: number | undefined): number[] {
  const candidates: number[] = [];
  for (let i = 0; i < count; i++) {
    const score = scores[offset + i]!;
    if (Number.isNaN(score)) continue;
    if (threshold === undefined || score > threshold) candidates.push(i);
  }
  return candidates.sort((i, j) => scores[offset + j]! - scores[offset + i]! || i - j);
}

/** Greedy NMS of one class: selected box indices in selection order. */
export function selectBoxes(boxes: readonly (readonly number[])[], candidates: readonly number[], maxOutput: number, iouThreshold: number): number[] {
  const selected: number[] = [];
  for (const candidate of candidates) {
    if (selected.length >= maxOutput) break;
    if (selected.every((s) => !suppresses(boxes[s]!, boxes[candidate]!, iouThreshold))) selected.push(candidate);
  }
  return selected;
}

function scalarInput(inputs: (Tensor | undefined)[], i: number, what: string, where: string): number | undefined {
  const t = inputs[i];
  if (!t) return undefined;
  if (t.size !== 1) throw new WebliteError('RUNTIME_ERROR', `${where}: ${what} must hold one value, got ${t.size}`);
  return toNumbers(t)[0]!;
}

export function nonMaxSuppression(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = `node '${ctx.nodeName}' (NonMaxSuppression)`;
  const boxes = required(inputs, 0, where);
  const scores = required(inputs, 1, where);
  if (boxes.dims.length !== 3 || boxes.dims[2] !== 4) throw new WebliteError('RUNTIME_ERROR', `${where}: boxes must be [batch, boxes, 4], got [${boxes.dims.join(', ')}]`);
  const [batches, count] = [boxes.dims[0]!, boxes.dims[1]!];
  if (scores.dims.length !== 3 || scores.dims[0] !== batches || scores.dims[2] !== count) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: scores [${scores.dims.join(', ')}] do not match boxes [${boxes.dims.join(', ')}] (expected [${batches}, classes, ${count}])`);
  }
  const classes = scores.dims[1]!;
  const maxOutput = Math.max(0, scalarInput(inputs, 2, 'max_output_boxes_per_class', where) ?? 0);
  const iouThreshold = scalarInput(inputs, 3, 'iou_threshold', where) ?? 0;
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new WebliteError('RUNTIME_ERROR', `${where}: iou_threshold must be in [0, 1], got ${iouThreshold}`);
  const scoreThreshold = scalarInput(inputs, 4, 'score_threshold', where);
  const centerPoint = attrs.center_point_box === 1;
  const boxData = boxes.data as ArrayLike<number>;
  const scoreData = scores.data as ArrayLike<number>;
  const rows: number[] = [];
  for (let b = 0; b < batches; b++) {
    const batchBoxes = Array.from({ length: count }, (_, i) => corners(boxData, (b * count + i) * 4, centerPoint));
    for (let c = 0; c < classes; c++) {
      const candidates = sortedCandidates(scoreData, (b * classes + c) * count, count, scoreThreshold);
      for (const box of selectBoxes(batchBoxes, candidates, maxOutput, iouThreshold)) rows.push(b, c, box);
    }
  }
  return [new Tensor('int64', BigInt64Array.from(rows, (v) => BigInt(v)), [rows.length / 3, 3])];
}
