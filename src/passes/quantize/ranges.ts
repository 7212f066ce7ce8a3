/**
 * Range estimation for activations, and the asymmetric int8 parameters a range gives.
 *
 *   'minmax'      the smallest and largest value seen over all calibration samples;
 *   'percentile'  the values at the (100 − p) % and p % points of a histogram over that min–max range (default
 *                 p = 99.999): a handful of outliers no longer stretch the step for every other value;
 *   'mse'         the range, shrunk towards 0, with the least squared error (rounding inside, clipping outside);
 *   'kl'          the range, shrunk towards 0, whose 255-level quantized histogram has the least KL divergence
 *                 from the observed one (TensorRT's entropy calibration, for asymmetric ranges);
 *   'auto'        per parameter group, whichever of those four costs least at the outputs of the ops reading it
 *                 (select-ranges.ts).
 *
 * Parameters follow ONNX/TFLite asymmetric int8: the range is widened to contain 0 (zero padding and ReLU's zeros
 * must be exact), scale = (high − low) / 255, zero point = round(−128 − low / scale) in [−128, 127].
 */
import { roundHalfToEven } from '../../ir/reference/elementwise-cast.js';
import { Tensor } from '../../ir/tensor.js';

export type CalibrationMethod = 'minmax' | 'percentile' | 'mse' | 'kl' | 'auto';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'mse', 'kl', 'auto'];

export const DEFAULT_PERCENTILE = 99.999;

/** Histogram bins for the percentile estimator: fine enough that one bin is well under one int8 step. */
const BINS = 2048;

export interface Range {
  min: number;
  max: number;
}

export interface ActivationParams {
  scale: number;
  zeroPoint: number;
}

/** Running min and max over every finite value seen. */
export class MinMax {
  min = Infinity;
  max = -Infinity;

  add(value: Tensor): void {
    const data = value.data as Float32Array;
    let { min, max } = this;
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    this.min = min;
    this.max = max;
  }

  get range(): Range {
    return this.min <= this.max ? { min: this.min, max: this.max } : { min: 0, max: 0 };
  }
}

/** Counts over [min, max] (the min–max pass's range), for percentile ranges. */
export class Histogram {
  private readonly counts = new Float64Array(BINS);
  private readonly width: number;

  constructor(private readonly span: Range) {
    this.width = (span.max - span.min) / BINS;
  }

  add(value: Tensor): void {
    const data = value.data as Float32Array;
    const { min } = this.span;
    const inverse = this.width > 0 ? 1 / this.width : 0;
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      if (!Number.isFinite(x)) continue;
      this.counts[Math.min(BINS - 1, Math.max(0, Math.floor((x - min) * inverse)))]! += 1;
    }
  }

  /**
   * The range, shrunk towards 0 by a common factor, whose int8 grid gives the least squared error over the
   * histogram: rounding error (step² / 12) inside, clipping error outside.
   */
  mse(): Range {
    const low = Math.min(this.span.min, 0);
    const high = Math.max(this.span.max, 0);
    if (this.width === 0 || high === low) return { ...this.span };
    let best = { error: Infinity, range: { min: low, max: high } };
    for (let factor = 1; factor >= 0.2; factor -= 0.01) {
      const range = { min: low * factor, max: high * factor };
      const step = (range.max - range.min) / 255;
      let error = 0;
      for (let bin = 0; bin < BINS; bin++) {
        const count = this.counts[bin]!;
        if (count === 0) continue;
        const x = this.span.min + (bin + 0.5) * this.width;
        const clipped = Math.min(range.max, Math.max(range.min, x));
        error += count * ((x - clipped) ** 2 + (step * step) / 12);
      }
      if (error < best.error) best = { error, range };
    }
    return best.range;
  }

  /**
   * TensorRT's entropy calibration (Migacz 2017) over candidate ranges [low·f, high·f], f = 1, 0.99, …, 0.2 (the
   * int8 grid keeps 0 where min–max put it): P is the histogram inside the candidate, with the clipped tails added
   * to its end bins; Q spreads each int8 step's total of the histogram inside (without the tails, as TensorRT does:
   * that is what makes clipping cost) evenly over the step's non-empty bins. The candidate with the
   * least KL(P‖Q) wins; ties keep the wider range.
   */
  kl(): Range {
    const low = Math.min(this.span.min, 0);
    const high = Math.max(this.span.max, 0);
    if (this.width === 0 || high === low) return { ...this.span };
    const binOf = (x: number) => Math.min(BINS - 1, Math.max(0, Math.floor((x - this.span.min) / this.width)));
    let best = { divergence: Infinity, range: { min: low, max: high } };
    for (let factor = 1; factor >= 0.2 - 1e-9; factor -= 0.01) {
      const range = { min: low * factor, max: high * factor };
      const first = binOf(range.min);
      const last = Math.max(first, binOf(range.max - this.width / 2));
      const inside = this.counts.slice(first, last + 1);
      const p = Float64Array.from(inside);
      for (let bin = 0; bin < first; bin++) p[0]! += this.counts[bin]!;
      for (let bin = last + 1; bin < BINS; bin++) p[p.length - 1]! += this.counts[bin]!;
      const divergence = klToQuantized(p, inside, (range.max - range.min) / 255 / this.width);
      if (divergence < best.divergence - 1e-12) best = { divergence, range };
    }
    return best.range;
  }

  /** The range from the (100 − p) % point to the p % point; the bin edges outward, so the kept values fit. */
  percentile(p: number): Range {
    if (this.width === 0) return { ...this.span };
    const total = this.counts.reduce((a, b) => a + b, 0);
    const tail = (total * (100 - p)) / 100;
    let low = 0;
    for (let seen = 0; low < BINS - 1 && seen + this.counts[low]! <= tail; low++) seen += this.counts[low]!;
    let high = BINS - 1;
    for (let seen = 0; high > low && seen + this.counts[high]! <= tail; high--) seen += this.counts[high]!;
    return { min: this.span.min + low * this.width, max: this.span.min + (high + 1) * this.width };
  }
}

/**
 * KL(P‖Q) of histogram `p` against `inside` quantized to steps of `stepBins` bins (each step's mass spread evenly
 * over its non-empty bins), both normalised.
 */
function klToQuantized(p: Float64Array, inside: Float64Array, stepBins: number): number {
  const total = p.reduce((a, b) => a + b, 0);
  const insideTotal = inside.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  if (insideTotal === 0) return Infinity;
  const q = new Float64Array(p.length);
  const steps = Math.max(1, Math.round(p.length / Math.max(stepBins, 1e-9)));
  for (let step = 0; step < steps; step++) {
    const start = Math.floor((step * p.length) / steps);
    const end = Math.floor(((step + 1) * p.length) / steps);
    let mass = 0;
    let used = 0;
    for (let bin = start; bin < end; bin++) if (inside[bin]! > 0) [mass, used] = [mass + inside[bin]!, used + 1];
    for (let bin = start; bin < end; bin++) if (inside[bin]! > 0) q[bin] = mass / used;
  }
  let divergence = 0;
  for (let bin = 0; bin < p.length; bin++) {
    const pb = p[bin]! / total;
    // A clipped tail landing on an empty bin: Q gives it no mass, a divergence TensorRT smooths with ε.
    if (pb > 0) divergence += pb * Math.log(pb / Math.max(q[bin]! / insideTotal, 1e-12));
  }
  return divergence;
}

export function union(a: Range, b: Range): Range {
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/**
 * Asymmetric int8 (or, with `bits` 16, int16) parameters for a range; an all-zero tensor gets scale 1 (any scale
 * represents it exactly).
 */
export function activationParams(range: Range, bits: 8 | 16 = 8): ActivationParams {
  const low = Math.min(range.min, 0);
  const high = Math.max(range.max, 0);
  if (!(high > low) || !Number.isFinite(high - low)) return { scale: 1, zeroPoint: 0 };
  const [lowest, highest] = bits === 16 ? [-32768, 32767] : [-128, 127];
  const scale = Math.fround((high - low) / (highest - lowest));
  const zeroPoint = Math.max(lowest, Math.min(highest, Math.round(lowest - low / scale)));
  return { scale, zeroPoint };
}

/** QuantizeLinear → DequantizeLinear to asymmetric int8 in float, as the QDQ graph computes it. */
export function fakeQuantize(value: Tensor, { scale, zeroPoint }: ActivationParams): Tensor {
  const data = value.data as Float32Array;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const q = Math.min(127, Math.max(-128, roundHalfToEven(data[i]! / scale) + zeroPoint));
    out[i] = (q - zeroPoint) * scale;
  }
  return new Tensor('float32', out, value.dims);
}

/** Σ (a − b)² over two float32 tensors of one size. */
export function squaredError(a: Tensor, b: Tensor): number {
  const [x, y] = [a.data as Float32Array, b.data as Float32Array];
  let total = 0;
  for (let i = 0; i < x.length; i++) total += (x[i]! - y[i]!) ** 2;
  return total;
}
