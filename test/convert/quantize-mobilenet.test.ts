/**
 * Issue #4's quantization table on the real float MobileNet (TFLite v1 0.25, 224), measured by
 * scripts/quant-table.ts (`npx tsx scripts/quant-table.ts` prints it): 4
 * calibration images, 4 other evaluation images, outputs (softmax) on the reference and wasm backends against float32 on the reference backend.
 *
 * Targets (size vs float32 / worst output cosine): fp16 0.55 / 0.999, int8-weights 0.30 / 0.99, int8 0.30 / 0.98,
 * and the same top-1 on every evaluation image. Measured (int8 with the default 'minmax' ranges, bias correction and
 * 'auto' int16 activations):
 *   fp16          0.512 / 0.99950, top-1 4/4
 *   int8-weights  0.298 / 0.99512, top-1 4/4
 *   int8          0.285 / 0.98541 (reference), 0.98629 (wasm: integer kernels, the three int16 layers in float), top-1 4/4
 * This float MobileNet is very sensitive to rounding: its early depthwise layers have zero-sum 3×3 filters with
 * gains up to 9 (edge detectors), so a bias in the weights' rounding or noise in their inputs is amplified while
 * their signal cancels.
 * - Weights: nearest rounding of one 16-channel depthwise layer alone gave 0.585. Balanced rounding (roundBalanced:
 *   each group of 16 weights of a channel has rounding errors summing to at most half a step, so a filter's DC gain
 *   survives) gives 0.9989 for that layer; int8-weights (block scales + balanced rounding) went 0.98356 → 0.99512,
 *   over all 8 images 0.9802 → 0.9926.
 * - Activations: int8 rounding of the first three ReLU6 outputs (112×112, every channel using the full [0, 6], so
 *   no tighter range or equalisation exists) carries 97% of the output error measured group by group; 'auto'
 *   stores those three as int16 (sensitivity.ts). All int8: worst 0.954–0.960; with them int16: 0.985.
 * Range methods with int16 'auto' (reference / wasm, top-1): minmax 0.985 / 0.986 4/4, auto 0.991 / 0.992 4/4, mse
 * 0.988 / 0.988 but 3/4 on wasm (grace hopper's top-2 logits are 0.06 apart), percentile 0.989 / 0.985 3/4.
 * Over all 8 images (calibration ones included) minmax keeps 8/8 top-1 and a worst cosine of 0.985.
 */
import { describe, expect, it } from 'vitest';
import { BACKENDS, TARGETS, formatTable, measure, modelPresent } from '../../scripts/quant-table.js';

/** What is asserted: the targets. */
const FLOORS = {
  fp16: { size: TARGETS.fp16.size, cosine: TARGETS.fp16.cosine, top1: 4 },
  'int8-weights': { size: TARGETS['int8-weights'].size, cosine: TARGETS['int8-weights'].cosine, top1: 4 },
  int8: { size: TARGETS.int8.size, cosine: TARGETS.int8.cosine, top1: 4 },
} as const;

describe.skipIf(!modelPresent)('quantization table on mobilenet-v1-0.25-224-float.tflite', () => {
  it('fp16, int8-weights and int8: size, worst output cosine and top-1 on the reference and wasm backends', async () => {
    const result = await measure();
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
