/**
 * Detection post-processing: NonMaxSuppression (ONNX opset 10/11 semantics; reference/non-max-suppression.ts).
 * Its output row count depends on the data, so shape inference gives it a fresh unknown dim.
 */
import { WebliteError } from '../../errors.js';
import type { InferContext, OpSpec, TensorFacts } from '../op-spec.js';
import { nonMaxSuppression } from '../reference/non-max-suppression.js';

function checkInput(ctx: InferContext, i: number, name: string, type: string, rank?: number): TensorFacts | undefined {
  const facts = ctx.inputs[i];
  if (!facts) return undefined;
  const where = `node '${ctx.nodeName}' (NonMaxSuppression)`;
  if (facts.type !== type) throw new WebliteError('BAD_MODEL', `${where}: ${name} must be ${type}, got ${facts.type}`);
  if (rank !== undefined && facts.dims && facts.dims.length !== rank) {
    throw new WebliteError('BAD_MODEL', `${where}: ${name} must have rank ${rank}, got [${facts.dims.join(', ')}]`);
  }
  return facts;
}

const nonMaxSuppressionSpec: OpSpec = {
  inputs: [2, 5],
  outputs: [1, 1],
  attrs: { center_point_box: { type: 'int', default: 0 } },
  infer(ctx) {
    const where = `node '${ctx.nodeName}' (NonMaxSuppression)`;
    const boxes = checkInput(ctx, 0, 'boxes', 'float32', 3);
    const scores = checkInput(ctx, 1, 'scores', 'float32', 3);
    if (!boxes || !scores) throw new WebliteError('BAD_MODEL', `${where}: boxes and scores are required`);
    checkInput(ctx, 2, 'max_output_boxes_per_class', 'int64');
    checkInput(ctx, 3, 'iou_threshold', 'float32');
    checkInput(ctx, 4, 'score_threshold', 'float32');
    const center = ctx.attrs.center_point_box as number;
    if (center !== 0 && center !== 1) throw new WebliteError('BAD_MODEL', `${where}: center_point_box must be 0 or 1, got ${center}`);
    const [b, s] = [boxes.dims, scores.dims];
    if (b && typeof b[2] === 'number' && b[2] !== 4) throw new WebliteError('BAD_MODEL', `${where}: boxes must be [batch, boxes, 4], got [${b.join(', ')}]`);
    for (const [x, y, what] of [[b?.[0], s?.[0], 'batch'], [b?.[1], s?.[2], 'box count']] as const) {
      if (typeof x === 'number' && typeof y === 'number' && x !== y) throw new WebliteError('BAD_MODEL', `${where}: boxes and scores disagree on the ${what} (${x} vs ${y})`);
    }
    return [{ type: 'int64', dims: [ctx.unknownDim(), 3] }];
  },
  reference: nonMaxSuppression,
};

export const detectionOps = {
  NonMaxSuppression: nonMaxSuppressionSpec,
} satisfies Record<string, OpSpec>;
