/**
 * SSD's PriorBox: anchor boxes that depend only on the shapes of its bottoms (feature map, image), so they are
 * computed here as a constant [1, 2, H·W·priors·4]: boxes (xmin, ymin, xmax, ymax normalised to the image) in
 * channel 0, variances in channel 1. Order per cell, as in the SSD fork: for each min_size the square box, the
 * √(min·max) box when max sizes are given, then one box per extra aspect ratio.
 */
import { Tensor } from '../../../ir/tensor.js';
import type { LayerContext } from '../builder.js';
import type { PriorBoxParameter } from '../messages.js';

export function priorBox(ctx: LayerContext): void {
  const p = ctx.param<PriorBoxParameter>('prior_box');
  const feature = ctx.knownDims(0);
  const image = ctx.knownDims(1);
  if (feature.length !== 4 || image.length !== 4) throw ctx.fail(`needs 4-D bottoms, got [${feature}] and [${image}]`);
  const minSizes = p.min_size ?? [];
  const maxSizes = p.max_size ?? [];
  if (minSizes.length === 0 || minSizes.some((s) => !(s > 0))) throw ctx.fail('min_size must be given and positive');
  if (maxSizes.length > 0 && (maxSizes.length !== minSizes.length || maxSizes.some((s, i) => !(s > minSizes[i]!)))) {
    throw ctx.fail('max_size needs one value per min_size, each larger than it');
  }
  const ratios = [1];
  for (const ratio of p.aspect_ratio ?? []) {
    if (ratios.some((r) => Math.abs(ratio - r) < 1e-6)) continue;
    ratios.push(ratio);
    if (p.flip ?? true) ratios.push(1 / ratio);
  }
  const variance = p.variance ?? [];
  if (variance.length > 1 && variance.length !== 4) throw ctx.fail(`variance needs 1 or 4 values, got ${variance.length}`);
  const variances = variance.length === 0 ? [0.1, 0.1, 0.1, 0.1] : variance.length === 1 ? new Array<number>(4).fill(variance[0]!) : variance;

  const [layerHeight, layerWidth] = [feature[2]!, feature[3]!];
  const imageHeight = p.img_h || p.img_size || image[2]!;
  const imageWidth = p.img_w || p.img_size || image[3]!;
  const stepHeight = p.step_h || p.step || imageHeight / layerHeight;
  const stepWidth = p.step_w || p.step || imageWidth / layerWidth;
  const offset = p.offset ?? 0.5;
  const priors = ratios.length * minSizes.length + maxSizes.length;
  const count = layerHeight * layerWidth * priors * 4;
  const data = new Float32Array(2 * count);
  let index = 0;
  const push = (centerX: number, centerY: number, width: number, height: number) => {
    data[index++] = (centerX - width / 2) / imageWidth;
    data[index++] = (centerY - height / 2) / imageHeight;
    data[index++] = (centerX + width / 2) / imageWidth;
    data[index++] = (centerY + height / 2) / imageHeight;
  };
  for (let h = 0; h < layerHeight; h++) {
    for (let w = 0; w < layerWidth; w++) {
      const centerX = (w + offset) * stepWidth;
      const centerY = (h + offset) * stepHeight;
      minSizes.forEach((minSize, s) => {
        push(centerX, centerY, minSize, minSize);
        if (maxSizes.length > 0) {
          const size = Math.sqrt(minSize * maxSizes[s]!);
          push(centerX, centerY, size, size);
        }
        for (const ratio of ratios.slice(1)) push(centerX, centerY, minSize * Math.sqrt(ratio), minSize / Math.sqrt(ratio));
      });
    }
  }
  if (p.clip) for (let i = 0; i < count; i++) data[i] = Math.min(Math.max(data[i]!, 0), 1);
  for (let i = 0; i < count; i++) data[count + i] = variances[i % 4]!;
  const boxes = ctx.constant('boxes', new Tensor('float32', data, [1, 2, count]));
  ctx.node('Identity', [boxes], [ctx.outputs[0]!]);
}
