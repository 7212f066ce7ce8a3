/**
 * Issue #4's quantization table on the real float MobileNet (TFLite v1 0.25, 224), measured by
 * scripts/quant-table.ts (`npx tsx scripts/quant-table.ts` prints it): 4
 * calibration images, 4 other evaluation images, outputs (softmax) on the reference and wasm backends against float32 on the reference backend.
 *
 * Targets (size vs float32 / worst output cosine): fp16 0.55 / 0.999, int8-weights 0.30 / 0.99, int8 0.30 / 0.98,
 * and the same top-1 on every evaluation image. Measured (int8 with 'mse' ranges + bias correction):
 *   fp16          0.512 / 0.99950, top-1 4/4
 *   int8-weights  0.298 / 0.99512, top-1 4/4
 *   int8          0.285 / 0.960 (reference), 0.953 (wasm integer kernels), top-1 4/4   ← cosine short
 * Size: the .wlm writer shares repeated structures, omits default attributes and names of nodes named like their
 * output, packs small constants 8-byte aligned, and int8 stores biases as float32 on the int32 grid (was 0.319).
 * Why the cosines fall short: the evaluation images are low-confidence (top-1 probability 0.16–0.19), where a
 * logit cosine of 0.990 becomes a softmax cosine of 0.96; and this float MobileNet is very sensitive to weight
 * rounding (per-channel int8 on one 16-channel depthwise layer alone gives 0.585). int8-weights uses block-wise
 * scales (16 weights, 8-bit multipliers of a per-channel unit; per-channel scales alone: 0.972, 3/4 top-1) and
 * balanced rounding inside each block (roundBalanced: the block's rounding errors sum to at most half a step, so
 * they do not act as a bias on the layer's positive-mean inputs). Nearest rounding gave 0.98356 here; balanced
 * rounding 0.99512, and over all 8 images (calibration ones included) worst 0.9802 → 0.9926. The int8 target is
 * not met: its level is asserted so regressions show, the target stated, not asserted.
 *
 * What was tried for int8 (README's table has every range method, with and without adaptive rounding): 'kl' ranges
 * (0.156: they clip the ReLU6 outputs that the cancelling depthwise filters need whole; clipping any of the first
 * three activations by 20% already drops the cosine below 0.93), 'auto' per-tensor selection (0.957 / 0.957),
 * adaptive rounding scored on the QDQ inputs' covariance with MSE-chosen clipping (logits' worst cosine 0.990 → 0.993,
 * softmax 0.93–0.945: the evaluation images' top-2 logit margins are 0.06–0.38, so the softmax's worst case follows
 * whichever near-tie the remaining error lands on), a least-squares weight target on the QDQ inputs (fits the
 * calibration images to a logit cosine of 0.9999, worse on the others). The floor: int8 activations alone, weights
 * float, give 0.977.
 */
import { describe, expect, it } from 'vitest';
import { BACKENDS, TARGETS, formatTable, measure, modelPresent } from '../../scripts/quant-table.js';

/** What is asserted where a target is not reached yet: the measured level, with a little room. */
const FLOORS = {
  fp16: { size: TARGETS.fp16.size, cosine: TARGETS.fp16.cosine, top1: 4 },
  'int8-weights': { size: TARGETS['int8-weights'].size, cosine: TARGETS['int8-weights'].cosine, top1: 4 },
  int8: { size: TARGETS.int8.size, cosine: 0.95, top1: 4 },
} as const;

describe.skipIf(!modelPresent)('quantization table on mobilenet-v1-0.25-224-float.tflite', () => {
  it('fp16, int8-weights and int8: size, worst output cosine and top-1 on the reference and wasm backends', async () => {
    const result = await measure('mse');
    console.log(formatTable(result));
    for (const row of result.rows) {
      const floor = FLOORS[row.mode];
      expect(row.sizeRatio, `${row.mode} size`).toBeLessThanOrEqual(floor.size);
      for (const backend of BACKENDS) {
        const { worstCosine, top1 } = row.backends[backend];
        expect(worstCosine, `${row.mode} on ${backend}`).toBeGreaterThanOrEqual(floor.cosine);
        expect(top1.filter(Boolean).length, `${row.mode} top-1 on ${backend}`).toBeGreaterThanOrEqual(floor.top1);
      }
    }
  }, 300_000);
});

describe.skipIf(modelPresent)('quantization table (skipped)', () => {
  it.skip('needs ../shared/models/tflite/mobilenet-v1-0.25-224-float.tflite (see MODELS.md)', () => {});
});
