/**
 * Resize's per-axis arithmetic: where each output position samples the input (coordinate_transformation_mode),
 * which input positions it reads and with what weights (mode, nearest_mode, cubic_coeff_a, exclude_outside,
 * antialias). Computed once per axis; resize.ts then applies them to the data.
 *
 * Neighbour selection follows ONNX's reference: the input is conceptually edge-padded by half the filter width,
 * the filter's taps are the n padded positions nearest the source coordinate (ties to the lower index), and the
 * fractional position `ratio` lies in (0, 1] — an integer coordinate counts as ratio 1 from its left neighbour.
 */
import { WebliteError } from '../../errors.js';
import type { Attrs } from '../graph.js';

export interface AxisGeometry {
  inputLength: number;
  outputLength: number;
  scale: number;
  /** scale · inputLength before flooring (or the exact size when sizes were given). */
  resizedLength: number;
  roiStart: number;
  roiEnd: number;
}

export interface AxisTaps {
  /** Taps per output position; position p owns entries [p·count, (p+1)·count). */
  count: number;
  /** Input indices, already clamped into [0, inputLength) (edge padding). */
  sources: Int32Array;
  weights: Float64Array;
  /** 1 where tf_crop_and_resize samples outside the input: the output is extrapolation_value. */
  outside: Uint8Array;
  /** True when every output position copies the input at the same position (nothing to do on this axis). */
  identity: boolean;
}

export const COORDINATE_MODES = [
  'half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize',
  // Removed in opset 13, kept so Resize-11 models convert unchanged.
  'tf_half_pixel_for_nn',
];
export const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
export const RESIZE_MODES = ['nearest', 'linear', 'cubic'];
export const ASPECT_RATIO_POLICIES = ['stretch', 'not_larger', 'not_smaller'];

/** The input coordinate output position x samples (ONNX's coordinate_transformation_mode formulas). */
export function sourceCoordinate(x: number, g: AxisGeometry, mode: string): number {
  switch (mode) {
    case 'half_pixel':
      return (x + 0.5) / g.scale - 0.5;
    case 'half_pixel_symmetric': {
      // Centres the sampled region when flooring made the output shorter than scale · input.
      const adjustment = g.outputLength / g.resizedLength;
      const offset = (g.inputLength / 2) * (1 - adjustment);
      return offset + (x + 0.5) / g.scale - 0.5;
    }
    case 'pytorch_half_pixel':
      // A single output samples 0, as the spec and onnxruntime say (ONNX's numpy reference uses −0.5 instead).
      return g.outputLength > 1 ? (x + 0.5) / g.scale - 0.5 : 0;
    case 'align_corners':
      // The unfloored length, as ONNX's reference (test_resize_downsample_scales_linear_align_corners) requires.
      return g.resizedLength === 1 ? 0 : (x * (g.inputLength - 1)) / (g.resizedLength - 1);
    case 'asymmetric':
      return x / g.scale;
    case 'tf_half_pixel_for_nn':
      return (x + 0.5) / g.scale;
    case 'tf_crop_and_resize': {
      const span = (g.roiEnd - g.roiStart) * (g.inputLength - 1);
      const start = g.roiStart * (g.inputLength - 1);
      return g.resizedLength === 1 ? start + span / 2 : start + (x * span) / (g.resizedLength - 1);
    }
    default:
      throw new WebliteError('RUNTIME_ERROR', `Resize: unknown coordinate_transformation_mode '${mode}'`);
  }
}

/** Keys cubic convolution kernel with parameter a, at distance d. */
function cubicKernel(d: number, a: number): number {
  const x = Math.abs(d);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

/**
 * Filter weights for the taps at offsets (first + j − ratio) from the source coordinate, j = 0…n−1.
 * Without antialias: linear has 2 taps, cubic 4. With antialias and scale < 1 the kernel is stretched by 1/scale
 * (more taps) and normalised to sum 1, so downsampling averages instead of skipping input.
 */
function filterWeights(mode: string, ratio: number, scale: number, antialias: boolean, a: number): number[] {
  if (!antialias) {
    if (mode === 'linear') return [1 - ratio, ratio];
    return [cubicKernel(1 + ratio, a), cubicKernel(ratio, a), cubicKernel(1 - ratio, a), cubicKernel(2 - ratio, a)];
  }
  const stretch = Math.min(scale, 1);
  const support = mode === 'linear' ? 1 : 2;
  const first = Math.floor(-support / stretch) + 1;
  const count = 2 - 2 * first;
  const weights = new Array<number>(count);
  let total = 0;
  for (let j = 0; j < count; j++) {
    const distance = (first + j - ratio) * stretch;
    const weight = mode === 'linear' ? Math.max(0, 1 - Math.abs(distance)) : cubicKernel(distance, a);
    weights[j] = weight;
    total += weight;
  }
  return weights.map((w) => w / total);
}

/** For nearest mode: which of the two neighbours (left = 0, right = 1) the rounding rule picks. */
function nearestPick(ratio: number, nearestMode: string): 0 | 1 {
  if (ratio === 1) return 1; // an integer coordinate is its own right neighbour
  switch (nearestMode) {
    case 'round_prefer_floor': return ratio <= 0.5 ? 0 : 1;
    case 'round_prefer_ceil': return ratio < 0.5 ? 0 : 1;
    case 'floor': return 0;
    case 'ceil': return 1;
    default: throw new WebliteError('RUNTIME_ERROR', `Resize: unknown nearest_mode '${nearestMode}'`);
  }
}

export function axisTaps(g: AxisGeometry, attrs: Attrs): AxisTaps {
  const mode = attrs.mode as string;
  const coordinateMode = attrs.coordinate_transformation_mode as string;
  const antialias = attrs.antialias === 1 && mode !== 'nearest'; // antialias only concerns linear and cubic
  const excludeOutside = attrs.exclude_outside === 1;
  const a = attrs.cubic_coeff_a as number;
  const last = g.inputLength - 1;

  const outside = new Uint8Array(g.outputLength);
  let count = 0;
  let sources = new Int32Array(0);
  let weights = new Float64Array(0);
  let identity = g.outputLength === g.inputLength;

  for (let p = 0; p < g.outputLength; p++) {
    const coordinate = sourceCoordinate(p, g, coordinateMode);
    if (coordinateMode === 'tf_crop_and_resize' && !(coordinate >= 0 && coordinate <= last)) {
      outside[p] = 1; // TF's CropAndResize: no interpolation at all outside the input
      identity = false;
      continue;
    }
    // Left neighbour and ratio in (0, 1]: an integer coordinate is ratio 1 from the index below it.
    const left = Math.ceil(coordinate) - 1;
    const ratio = coordinate - left;
    const filter = mode === 'nearest' ? nearestFilter(ratio, attrs.nearest_mode as string) : filterWeights(mode, ratio, g.scale, antialias, a);
    if (count === 0) {
      count = mode === 'nearest' ? 1 : filter.length;
      sources = new Int32Array(g.outputLength * count);
      weights = new Float64Array(g.outputLength * count);
    }
    const half = filter.length / 2;
    // The n nearest positions of the padded axis [−half, last + half]; far outside it the window slides in.
    const first = Math.min(Math.max(left - half + 1, -half), last + half - (filter.length - 1));

    if (mode === 'nearest') {
      const picked = first + (filter[0] === 1 ? 0 : 1);
      sources[p] = Math.min(Math.max(picked, 0), last);
      weights[p] = 1;
      identity &&= sources[p] === p;
      continue;
    }
    if (excludeOutside) {
      let total = 0;
      for (let j = 0; j < filter.length; j++) {
        if (first + j < 0 || first + j > last) filter[j] = 0;
        total += filter[j]!;
      }
      for (let j = 0; j < filter.length; j++) filter[j]! /= total;
    }
    for (let j = 0; j < count; j++) {
      sources[p * count + j] = Math.min(Math.max(first + j, 0), last);
      weights[p * count + j] = filter[j]!;
      identity &&= filter[j] === 0 || (filter[j] === 1 && first + j === p);
    }
  }
  return { count: Math.max(count, 1), sources, weights, outside, identity };
}

/** Nearest as a 2-tap filter over (left, right), the way ONNX's reference selects it. */
function nearestFilter(ratio: number, nearestMode: string): number[] {
  return nearestPick(ratio, nearestMode) === 0 ? [1, 0] : [0, 1];
}
