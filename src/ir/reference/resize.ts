/**
 * Reference for Resize(X, roi?, scales?, sizes?) with every opset-18 attribute, following ONNX's own reference
 * (onnx/reference/ops/op_resize.py), which generated the conformance tests.
 *
 * Resize is separable: every output value is a weighted sum over a product of per-axis neighbourhoods. So each axis
 * gets its taps (clamped source indices + weights) computed once, then:
 * - nearest mode gathers one source element per output element, in the input's own dtype;
 * - linear/cubic run one float64 pass per resized axis (shrinking axes first, to keep intermediates small), each
 *   pass a weighted sum of whole contiguous rows.
 * ONNX's reference interpolates axis by axis too, so extrapolated (tf_crop_and_resize) values mix the same way.
 */
import { WebliteError } from '../../errors.js';
import { type DType, float32ToFloat16, isBig, isFloat } from '../dtype.js';
import { stridesOf } from '../shape.js';
import { Tensor, limits, sizeOf } from '../tensor.js';
import { readFloats, writeFloats } from './reduce.js';
import { required, toNumbers } from './util.js';
import type { Attrs } from '../graph.js';
import type { ReferenceContext } from '../op-spec.js';
import { type AxisGeometry, type AxisTaps, axisTaps } from './resize-taps.js';

/** The axes Resize acts on: the `axes` attribute normalised, or every axis when it is empty. */
export function resizeAxes(rank: number, axes: readonly number[], where: string, code: 'BAD_MODEL' | 'RUNTIME_ERROR'): number[] {
  if (axes.length === 0) return Array.from({ length: rank }, (_, i) => i);
  const normalized = axes.map((axis) => (axis < 0 ? axis + rank : axis));
  normalized.forEach((axis, i) => {
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank || normalized.indexOf(axis) !== i) {
      throw new WebliteError(code, `${where}: axes [${axes.join(', ')}] must be distinct axes of a rank-${rank} input`);
    }
  });
  return normalized;
}

export interface ResizeTargets {
  outputDims: number[];
  /** The scale each axis resamples by (1 for axes Resize leaves alone). */
  scales: number[];
  /** The un-floored output length `scale · input`, which ONNX's align_corners and half_pixel_symmetric use. */
  resizedLengths: number[];
}

/**
 * Output dims and per-axis scales from exactly one of `scales` / `sizes` (each listing the resized axes only).
 * With scales the output is floor(input · scale) (ONNX's reference and onnxruntime; roi does not enter). With sizes
 * and keep_aspect_ratio_policy not_larger/not_smaller, one scale (min/max of the ratios) serves every resized axis
 * and the sizes are recomputed as round-half-up(input · scale).
 */
export function resizeTargets(
  inputDims: readonly number[], axes: readonly number[], scales: readonly number[] | undefined, sizes: readonly number[] | undefined,
  policy: string, where: string, code: 'BAD_MODEL' | 'RUNTIME_ERROR',
): ResizeTargets {
  if ((scales === undefined) === (sizes === undefined)) {
    throw new WebliteError(code, `${where}: exactly one of 'scales' and 'sizes' must be given`);
  }
  const given = (scales ?? sizes)!;
  if (given.length !== axes.length) {
    throw new WebliteError(code, `${where}: ${scales ? 'scales' : 'sizes'} has ${given.length} values, expected ${axes.length} (one per resized axis)`);
  }
  const outputDims = [...inputDims];
  const axisScales = inputDims.map(() => 1);
  const resizedLengths = [...inputDims];
  if (scales) {
    axes.forEach((axis, i) => {
      const scale = scales[i]!;
      if (!(scale > 0) || !Number.isFinite(scale)) throw new WebliteError(code, `${where}: scales must be positive, got ${scale}`);
      axisScales[axis] = scale;
      resizedLengths[axis] = scale * inputDims[axis]!;
      outputDims[axis] = Math.floor(resizedLengths[axis]!);
    });
    return { outputDims, scales: axisScales, resizedLengths };
  }
  sizes!.forEach((size) => {
    if (!Number.isInteger(size) || size < 0) throw new WebliteError(code, `${where}: sizes must be non-negative integers, got ${size}`);
  });
  if (policy === 'stretch') {
    axes.forEach((axis, i) => {
      outputDims[axis] = resizedLengths[axis] = sizes![i]!;
      axisScales[axis] = sizes![i]! / inputDims[axis]!;
    });
  } else {
    const ratios = axes.map((axis, i) => sizes![i]! / inputDims[axis]!);
    const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
    for (const axis of axes) {
      axisScales[axis] = scale;
      resizedLengths[axis] = scale * inputDims[axis]!;
      outputDims[axis] = Math.floor(resizedLengths[axis]! + 0.5);
    }
  }
  return { outputDims, scales: axisScales, resizedLengths };
}

/** An optional input's values, with an empty tensor meaning "not given" (opset 11–13 models pass empty scales). */
export function optionalValues(tensor: Tensor | undefined): number[] | undefined {
  return tensor && tensor.size > 0 ? toNumbers(tensor) : undefined;
}

export function resize(inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor[] {
  const where = `node '${ctx.nodeName}' (Resize)`;
  const x = required(inputs, 0, where);
  const rank = x.dims.length;
  const mode = attrs.mode as string;
  const coordinateMode = attrs.coordinate_transformation_mode as string;
  const axes = resizeAxes(rank, attrs.axes as number[], where, 'RUNTIME_ERROR');
  const targets = resizeTargets(
    x.dims, axes, optionalValues(inputs[2]), optionalValues(inputs[3]), attrs.keep_aspect_ratio_policy as string, where, 'RUNTIME_ERROR',
  );
  const { outputDims } = targets;
  if (sizeOf(outputDims) > limits.maxElements) {
    throw new WebliteError('OUT_OF_MEMORY', `${where}: output [${outputDims.join(', ')}] has more than ${limits.maxElements} elements`);
  }
  if (sizeOf(outputDims) === 0) return [Tensor.zeros(x.type, outputDims)];
  x.dims.forEach((d, axis) => {
    if (d === 0) throw new WebliteError('RUNTIME_ERROR', `${where}: cannot resize axis ${axis} of length 0 to ${outputDims[axis]}`);
  });

  const roi = roiPerAxis(rank, axes, coordinateMode === 'tf_crop_and_resize' ? inputs[1] : undefined, coordinateMode, where);
  const taps = x.dims.map((inputLength, axis) => {
    const geometry: AxisGeometry = {
      inputLength,
      outputLength: outputDims[axis]!,
      scale: targets.scales[axis]!,
      resizedLength: targets.resizedLengths[axis]!,
      roiStart: roi[axis]!,
      roiEnd: roi[rank + axis]!,
    };
    return axisTaps(geometry, attrs);
  });

  if (mode === 'nearest') return [gatherNearest(x, outputDims, taps, attrs.extrapolation_value as number)];
  if (x.type === 'string' || x.type === 'bool') {
    throw new WebliteError('RUNTIME_ERROR', `${where}: ${mode} interpolation needs numbers, got a ${x.type} tensor`);
  }
  return [interpolate(x, outputDims, taps, attrs.extrapolation_value as number, where)];
}

/** [starts…, ends…] for every axis; axes not listed (or modes other than tf_crop_and_resize) use the whole axis. */
function roiPerAxis(rank: number, axes: readonly number[], roiTensor: Tensor | undefined, coordinateMode: string, where: string): number[] {
  const roi = [...new Array<number>(rank).fill(0), ...new Array<number>(rank).fill(1)];
  if (coordinateMode !== 'tf_crop_and_resize') return roi;
  const given = optionalValues(roiTensor);
  if (!given || given.length !== 2 * axes.length) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: tf_crop_and_resize needs roi with ${2 * axes.length} values, got ${given?.length ?? 0}`);
  }
  axes.forEach((axis, i) => {
    roi[axis] = given[i]!;
    roi[rank + axis] = given[axes.length + i]!;
  });
  return roi;
}

/** Nearest mode: one source element per output element, copied in the input's dtype (float16 bits, BigInt…). */
function gatherNearest(x: Tensor, outputDims: readonly number[], taps: readonly AxisTaps[], extrapolationValue: number): Tensor {
  const out = Tensor.zeros(x.type, outputDims);
  const rank = outputDims.length;
  const strides = stridesOf(x.dims);
  // Per axis and output position: the source offset contribution, or -1 outside the crop box.
  const offsets = taps.map(({ outside, sources }, axis) => {
    const table = new Float64Array(outputDims[axis]!);
    for (let p = 0; p < table.length; p++) table[p] = outside[p] ? -1 : sources[p]! * strides[axis]!;
    return table;
  });
  const fill = elementOf(x.type, extrapolationValue);
  const source = x.data as unknown as ArrayLike<unknown>;
  const target = out.data as unknown as { [i: number]: unknown };
  const index = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < out.size; flat++) {
    let offset = 0;
    for (let d = 0; d < rank && offset >= 0; d++) {
      const part = offsets[d]![index[d]!]!;
      offset = part < 0 ? -1 : offset + part;
    }
    target[flat] = offset < 0 ? fill : source[offset];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < outputDims[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

/** A float attribute value as an element of `type` (the nearest-mode extrapolation value). */
function elementOf(type: DType, value: number): unknown {
  if (type === 'float16') return float32ToFloat16(value);
  if (isFloat(type)) return value;
  if (type === 'string') return '';
  if (type === 'bool') return value !== 0 ? 1 : 0;
  const integer = Number.isFinite(value) ? Math.trunc(value) : 0;
  return isBig(type) ? BigInt(integer) : integer;
}

/** Linear/cubic: one weighted-sum pass per axis that actually changes, in float64. */
function interpolate(x: Tensor, outputDims: readonly number[], taps: readonly AxisTaps[], extrapolationValue: number, where: string): Tensor {
  let values = readFloats(x);
  const dims = [...x.dims];
  const order = taps
    .map((_, axis) => axis)
    .filter((axis) => !taps[axis]!.identity)
    .sort((a, b) => outputDims[a]! / dims[a]! - outputDims[b]! / dims[b]!);
  for (const axis of order) {
    const inputLength = dims[axis]!;
    const outputLength = outputDims[axis]!;
    let outer = 1;
    let inner = 1;
    for (let d = 0; d < axis; d++) outer *= dims[d]!;
    for (let d = axis + 1; d < dims.length; d++) inner *= dims[d]!;
    const size = outer * outputLength * inner;
    if (size > limits.maxElements) {
      throw new WebliteError('OUT_OF_MEMORY', `${where}: an intermediate of ${size} elements is above the limit ${limits.maxElements}`);
    }
    const result = new Float64Array(size);
    const { count, sources, weights, outside } = taps[axis]!;
    for (let o = 0; o < outer; o++) {
      for (let p = 0; p < outputLength; p++) {
        const destination = (o * outputLength + p) * inner;
        if (outside[p]) {
          result.fill(extrapolationValue, destination, destination + inner);
          continue;
        }
        // Zero weights are skipped so that an infinite neighbour the filter does not reach cannot turn into NaN.
        if (inner === 1) {
          // The last axis: single elements, summed in a local rather than through the result array.
          let sum = 0;
          for (let t = p * count; t < (p + 1) * count; t++) {
            if (weights[t] !== 0) sum += weights[t]! * values[o * inputLength + sources[t]!]!;
          }
          result[destination] = sum;
          continue;
        }
        for (let t = p * count; t < (p + 1) * count; t++) {
          const weight = weights[t]!;
          if (weight === 0) continue;
          const from = (o * inputLength + sources[t]!) * inner;
          for (let i = 0; i < inner; i++) result[destination + i]! += weight * values[from + i]!;
        }
      }
    }
    values = result;
    dims[axis] = outputLength;
  }
  // Integers truncate like ONNX's reference and onnxruntime; clamping keeps cubic overshoot from wrapping around.
  return writeFloats(x.type, values, outputDims, 'clamp');
}
