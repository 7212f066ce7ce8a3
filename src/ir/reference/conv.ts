/**
 * References for Conv and ConvTranspose, and the sliding-window geometry (pads, output sizes) that the pools share.
 *
 * Layout is NC + spatial (1-D, 2-D or 3-D). Internally every spatial shape is lifted to 3-D by prepending dims of
 * size 1 (kernel 1, stride 1, no padding), so one set of D/H/W loops serves all ranks.
 * Accumulation is float64 for every float dtype.
 */
import { WebliteError } from '../../errors.js';
import type { Dim } from '../graph.js';
import { type FloatArray, finishFloatOutput, floatData, floatOutput } from './matmul.js';
import type { Tensor } from '../tensor.js';

/**
 * Window attributes as given, with empty lists meaning "the default" (stride 1, dilation 1, no pads).
 * autoPad is ONNX's auto_pad: NOTSET, SAME_UPPER, SAME_LOWER or VALID.
 */
export interface WindowAttrs {
  autoPad: string;
  kernel: readonly number[];
  strides: readonly number[];
  dilations: readonly number[];
  pads: readonly number[];
  ceilMode?: boolean;
}

/** Resolved geometry per spatial axis. Output dims may be symbolic when an input dim is. */
export interface WindowGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  outSpatial: Dim[];
}

/**
 * Where geometry is computed: shape inference passes `unknownDim` (symbolic dims allowed, errors are BAD_MODEL);
 * a reference passes only `where` (dims are concrete, errors are RUNTIME_ERROR).
 */
export interface GeometryContext {
  where: string;
  unknownDim?: () => string;
}

function fail(context: GeometryContext, message: string): WebliteError {
  return new WebliteError(context.unknownDim ? 'BAD_MODEL' : 'RUNTIME_ERROR', `${context.where}: ${message}`);
}

function unknown(context: GeometryContext): string {
  if (!context.unknownDim) throw fail(context, 'window geometry needs concrete input dims');
  return context.unknownDim();
}

function listOr(values: readonly number[], count: number, fill: number, name: string, context: GeometryContext): number[] {
  if (values.length === 0) return new Array<number>(count).fill(fill);
  if (values.length !== count) throw fail(context, `${name} has ${values.length} values, expected ${count} (one per spatial axis)`);
  return [...values];
}

/**
 * Pads and output size of a window sliding over `inSpatial`. Symbolic input dims give symbolic outputs only when
 * the window provably keeps the size (stride 1 and SAME, or an effective kernel of 1 without pads); else `unknownDim`.
 */
export function windowGeometry(inSpatial: readonly Dim[], attrs: WindowAttrs, context: GeometryContext): WindowGeometry {
  const rank = inSpatial.length;
  const kernel = listOr(attrs.kernel, rank, 1, 'kernel_shape', context);
  const strides = listOr(attrs.strides, rank, 1, 'strides', context);
  const dilations = listOr(attrs.dilations, rank, 1, 'dilations', context);
  const pads = listOr(attrs.pads, 2 * rank, 0, 'pads', context);
  const values = [...kernel, ...strides, ...dilations];
  if (values.some((v) => !Number.isInteger(v) || v < 1) || pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw fail(context,
      `kernel_shape [${kernel}], strides [${strides}], dilations [${dilations}] must be ≥ 1 and pads [${pads}] ≥ 0`);
  }
  const padsBegin = pads.slice(0, rank);
  const padsEnd = pads.slice(rank);
  const outSpatial: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const size = inSpatial[i]!;
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    const stride = strides[i]!;
    if (attrs.autoPad === 'SAME_UPPER' || attrs.autoPad === 'SAME_LOWER') {
      if (typeof size !== 'number') {
        outSpatial.push(stride === 1 ? size : unknown(context));
        continue;
      }
      const out = Math.ceil(size / stride);
      const total = Math.max(0, (out - 1) * stride + span - size);
      const small = Math.floor(total / 2);
      padsBegin[i] = attrs.autoPad === 'SAME_UPPER' ? small : total - small;
      padsEnd[i] = total - padsBegin[i]!;
      outSpatial.push(out);
      continue;
    }
    if (attrs.autoPad === 'VALID') {
      padsBegin[i] = 0;
      padsEnd[i] = 0;
    } else if (attrs.autoPad !== 'NOTSET') {
      throw fail(context, `unknown auto_pad '${attrs.autoPad}'`);
    }
    if (typeof size !== 'number') {
      const keepsSize = span === 1 && stride === 1 && padsBegin[i] === 0 && padsEnd[i] === 0;
      outSpatial.push(keepsSize ? size : unknown(context));
      continue;
    }
    const padded = size + padsBegin[i]! + padsEnd[i]!;
    if (padded < span) {
      throw fail(context, `the window spans ${span} on spatial axis ${i}, but the padded input is only ${padded}`);
    }
    let out = (attrs.ceilMode ? Math.ceil((padded - span) / stride) : Math.floor((padded - span) / stride)) + 1;
    // With ceil_mode, a last window starting inside the end padding is dropped (as PyTorch and onnxruntime do).
    if (attrs.ceilMode && (out - 1) * stride >= size + padsBegin[i]!) out--;
    outSpatial.push(out);
  }
  return { kernel, strides, dilations, padsBegin, padsEnd, outSpatial };
}

/** Lifts per-axis values to exactly 3 axes by prepending `fill`. */
export function to3d(values: readonly number[], fill: number): [number, number, number] {
  const lifted = [...new Array<number>(3 - values.length).fill(fill), ...values];
  return lifted as [number, number, number];
}

export interface ConvAttrs extends WindowAttrs {
  group: number;
}

/** Positions per im2col tile: the [K × tile] buffer stays about cache-sized, with a floor for long inner loops. */
const TILE_ELEMENTS = 1 << 16;
const MIN_TILE_POSITIONS = 256;

/**
 * Conv: Y[n, m] = B[m] + Σ_{c in m's group, kernel offsets} W[m, c, k] · X[n, c, position · stride + k · dilation − pad].
 * Per (batch, group), the input is unfolded (im2col) tile by tile into a [K × tile] buffer, K = C/group · kernel
 * size, and each output channel is a row-vector × matrix product over it. 1×1 convs without stride or pads read
 * the input in place. A tile is several whole output rows, or a piece of one row when rows are long, so its
 * positions are contiguous in the output.
 */
export function conv(x: Tensor, w: Tensor, bias: Tensor | undefined, attrs: ConvAttrs, where: string): Tensor {
  const rank = x.dims.length - 2;
  if (rank < 1 || rank > 3 || w.dims.length !== x.dims.length) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: Conv needs X and W of equal rank 3 to 5, got [${x.dims}] and [${w.dims}]`);
  }
  const [batch, channels] = x.dims as [number, number];
  const outChannels = w.dims[0]!;
  const group = attrs.group;
  const groupChannels = channels / group;
  const groupOutChannels = outChannels / group;
  if (!Number.isInteger(groupChannels) || w.dims[1] !== groupChannels || !Number.isInteger(groupOutChannels)) {
    throw new WebliteError('RUNTIME_ERROR',
      `${where}: Conv W [${w.dims}] does not fit X [${x.dims}] with group ${group} (W dim 1 must be C/group and M divisible by group)`);
  }
  if (bias && bias.size !== outChannels) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: Conv B has ${bias.size} values, expected ${outChannels}`);
  }
  const geometry = windowGeometry(x.dims.slice(2), { ...attrs, kernel: w.dims.slice(2) }, { where });
  const outSpatial = geometry.outSpatial as number[];
  const output = floatOutput(x.type, [batch, outChannels, ...outSpatial]);

  const [inD, inH, inW] = to3d(x.dims.slice(2), 1);
  const [outD, outH, outW] = to3d(outSpatial, 1);
  const [kD, kH, kW] = to3d(geometry.kernel, 1);
  const [sD, sH, sW] = to3d(geometry.strides, 1);
  const [dD, dH, dW] = to3d(geometry.dilations, 1);
  const [pD, pH, pW] = to3d(geometry.padsBegin, 0);
  const inSize = inD * inH * inW;
  const outSize = outD * outH * outW;
  const outRows = outD * outH;
  const kernelSize = kD * kH * kW;
  const K = groupChannels * kernelSize;
  const input = floatData(x);
  const weights = floatData(w);
  const biases = bias ? floatData(bias) : undefined;
  const values = output.values;

  const noPads = geometry.padsBegin.every((p) => p === 0) && geometry.padsEnd.every((p) => p === 0);
  const pointwise = kernelSize === 1 && sD === 1 && sH === 1 && sW === 1 && noPads;
  const tilePositions = Math.max(MIN_TILE_POSITIONS, Math.floor(TILE_ELEMENTS / Math.max(K, 1)));
  const tileRows = outW <= tilePositions ? Math.floor(tilePositions / Math.max(outW, 1)) : 1;
  const tileWidth = Math.min(outW, tilePositions);
  const tileCapacity = Math.min(tileRows, outRows) * tileWidth;
  const columns = new (x.type === 'float64' ? Float64Array : Float32Array)(pointwise ? 0 : K * tileCapacity);
  const accumulator = new Float64Array(tileCapacity);

  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < group; g++) {
      const inBase = (n * channels + g * groupChannels) * inSize;
      for (let firstRow = 0; firstRow < outRows; firstRow += tileRows) {
        const rows = Math.min(tileRows, outRows - firstRow);
        for (let firstColumn = 0; firstColumn < outW; firstColumn += tileWidth) {
          const width = Math.min(tileWidth, outW - firstColumn);
          const tile = rows * width;
          const tileStart = firstRow * outW + firstColumn;
          if (!pointwise) {
            unfold(input, inBase, columns, tile, { firstRow, rows, firstColumn, width },
              { groupChannels, inSize, inD, inH, inW, outH, kD, kH, kW, sD, sH, sW, dD, dH, dW, pD, pH, pW });
          }
          const source: FloatArray = pointwise ? input : columns;
          const sourceOffset = pointwise ? inBase + tileStart : 0;
          const sourceStride = pointwise ? inSize : tile;
          for (let mInGroup = 0; mInGroup < groupOutChannels; mInGroup++) {
            const m = g * groupOutChannels + mInGroup;
            accumulator.fill(biases ? biases[m]! : 0, 0, tile);
            const weightBase = m * K;
            // Four kernel rows per pass: a quarter of the accumulator traffic, same float64 accuracy.
            let k = 0;
            for (; k + 4 <= K; k += 4) {
              const w0 = weights[weightBase + k]!;
              const w1 = weights[weightBase + k + 1]!;
              const w2 = weights[weightBase + k + 2]!;
              const w3 = weights[weightBase + k + 3]!;
              const row0 = sourceOffset + k * sourceStride;
              const row1 = row0 + sourceStride;
              const row2 = row1 + sourceStride;
              const row3 = row2 + sourceStride;
              for (let p = 0; p < tile; p++) {
                accumulator[p]! += w0 * source[row0 + p]! + w1 * source[row1 + p]! + w2 * source[row2 + p]! + w3 * source[row3 + p]!;
              }
            }
            for (; k < K; k++) {
              const weight = weights[weightBase + k]!;
              const row = sourceOffset + k * sourceStride;
              for (let p = 0; p < tile; p++) accumulator[p]! += weight * source[row + p]!;
            }
            const outBase = (n * outChannels + m) * outSize + tileStart;
            for (let p = 0; p < tile; p++) values[outBase + p] = accumulator[p]!;
          }
        }
      }
    }
  }
  return finishFloatOutput(output);
}

interface UnfoldGeometry {
  groupChannels: number; inSize: number; inD: number; inH: number; inW: number; outH: number;
  kD: number; kH: number; kW: number; sD: number; sH: number; sW: number;
  dD: number; dH: number; dW: number; pD: number; pH: number; pW: number;
}

/**
 * im2col for one tile: row k = (c, kd, kh, kw) of `columns` holds, for each output position of the tile, the
 * input value that kernel offset reads (0 in the padding).
 */
function unfold(
  input: FloatArray, inBase: number, columns: FloatArray, tile: number,
  area: { firstRow: number; rows: number; firstColumn: number; width: number }, geometry: UnfoldGeometry,
): void {
  const { groupChannels, inSize, inD, inH, inW, outH, kD, kH, kW, sD, sH, sW, dD, dH, dW, pD, pH, pW } = geometry;
  const { firstRow, rows, firstColumn, width } = area;
  for (let c = 0; c < groupChannels; c++) {
    for (let kd = 0; kd < kD; kd++) {
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++) {
          const k = ((c * kD + kd) * kH + kh) * kW + kw;
          // Tile columns j whose input column (firstColumn + j)·sW + shift lies inside [0, inW).
          const shift = kw * dW - pW;
          const first = Math.min(width, Math.max(0, Math.ceil((-shift / sW) - firstColumn)));
          const last = Math.max(first, Math.min(width, Math.floor((inW - 1 - shift) / sW) + 1 - firstColumn));
          for (let r = 0; r < rows; r++) {
            const od = Math.floor((firstRow + r) / outH);
            const oh = (firstRow + r) % outH;
            const id = od * sD - pD + kd * dD;
            const ih = oh * sH - pH + kh * dH;
            const target = k * tile + r * width;
            if (id < 0 || id >= inD || ih < 0 || ih >= inH) {
              columns.fill(0, target, target + width);
              continue;
            }
            const rowBase = inBase + c * inSize + (id * inH + ih) * inW + firstColumn * sW + shift;
            columns.fill(0, target, target + first);
            for (let j = first; j < last; j++) columns[target + j] = input[rowBase + j * sW]!;
            columns.fill(0, target + last, target + width);
          }
        }
      }
    }
  }
}

export interface ConvTransposeAttrs extends ConvAttrs {
  outputPadding: readonly number[];
  outputShape: readonly number[];
}

/** Output spatial size and begin pads of ConvTranspose, following the ONNX spec's formulas. */
export function convTransposeGeometry(
  inSpatial: readonly Dim[], kernel: readonly number[], attrs: ConvTransposeAttrs, context: GeometryContext,
): { outSpatial: Dim[]; padsBegin: number[]; strides: number[]; dilations: number[] } {
  const rank = inSpatial.length;
  const strides = listOr(attrs.strides, rank, 1, 'strides', context);
  const dilations = listOr(attrs.dilations, rank, 1, 'dilations', context);
  const outputPadding = listOr(attrs.outputPadding, rank, 0, 'output_padding', context);
  const pads = listOr(attrs.pads, 2 * rank, 0, 'pads', context);
  // Some exporters give output_shape with the N and C dims in front.
  const outputShape = attrs.outputShape.length === rank + 2 ? attrs.outputShape.slice(2) : attrs.outputShape;
  if (outputShape.length !== 0 && outputShape.length !== rank) {
    throw fail(context, `output_shape [${outputShape}] does not match ${rank} spatial axes`);
  }
  const padsBegin: number[] = [];
  const outSpatial: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const size = inSpatial[i]!;
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    const same = attrs.autoPad === 'SAME_UPPER' || attrs.autoPad === 'SAME_LOWER';
    if (outputShape.length > 0 || same) {
      if (typeof size !== 'number') {
        padsBegin.push(0);
        outSpatial.push(outputShape.length > 0 ? outputShape[i]! : strides[i] === 1 ? size : unknown(context));
        continue;
      }
      const out = outputShape.length > 0 ? outputShape[i]! : size * strides[i]!;
      const total = strides[i]! * (size - 1) + outputPadding[i]! + span - out;
      // SAME_UPPER puts the odd pad at the end; NOTSET and SAME_LOWER at the beginning.
      padsBegin.push(attrs.autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2));
      outSpatial.push(out);
      continue;
    }
    const [begin, end] = attrs.autoPad === 'VALID' ? [0, 0] : [pads[i]!, pads[rank + i]!];
    padsBegin.push(begin);
    outSpatial.push(typeof size === 'number' ? strides[i]! * (size - 1) + outputPadding[i]! + span - begin - end : unknown(context));
  }
  const bad = outSpatial.find((d) => typeof d === 'number' && d < 0);
  if (bad !== undefined) throw fail(context, `ConvTranspose output size ${bad} is negative`);
  return { outSpatial, padsBegin, strides, dilations };
}

/**
 * ConvTranspose (the gradient of Conv): every input value scatters W[c, m, k] · x into output position
 * position · stride + k · dilation − pad. W is [C, M/group, kernel...].
 */
export function convTranspose(x: Tensor, w: Tensor, bias: Tensor | undefined, attrs: ConvTransposeAttrs, where: string): Tensor {
  const rank = x.dims.length - 2;
  if (rank < 1 || rank > 3 || w.dims.length !== x.dims.length) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: ConvTranspose needs X and W of equal rank 3 to 5, got [${x.dims}] and [${w.dims}]`);
  }
  const [batch, channels] = x.dims as [number, number];
  const group = attrs.group;
  const groupChannels = channels / group;
  const groupOutChannels = w.dims[1]!;
  const outChannels = groupOutChannels * group;
  if (w.dims[0] !== channels || !Number.isInteger(groupChannels)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: ConvTranspose W [${w.dims}] does not fit X [${x.dims}] with group ${group}`);
  }
  if (bias && bias.size !== outChannels) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: ConvTranspose B has ${bias.size} values, expected ${outChannels}`);
  }
  const kernel = w.dims.slice(2);
  const geometry = convTransposeGeometry(x.dims.slice(2), kernel, attrs, { where });
  const outSpatial = geometry.outSpatial as number[];
  const output = floatOutput(x.type, [batch, outChannels, ...outSpatial]);

  const [inD, inH, inW] = to3d(x.dims.slice(2), 1);
  const [outD, outH, outW] = to3d(outSpatial, 1);
  const [kD, kH, kW] = to3d(kernel, 1);
  const [sD, sH, sW] = to3d(geometry.strides, 1);
  const [dD, dH, dW] = to3d(geometry.dilations, 1);
  const [pD, pH, pW] = to3d(geometry.padsBegin, 0);
  const inSize = inD * inH * inW;
  const outSize = outD * outH * outW;
  const kernelSize = kD * kH * kW;
  const input = floatData(x);
  const weights = floatData(w);
  const biases = bias ? floatData(bias) : undefined;
  const sums = new Float64Array(outSize);

  for (let n = 0; n < batch; n++) {
    for (let m = 0; m < outChannels; m++) {
      const g = Math.floor(m / groupOutChannels);
      const mInGroup = m % groupOutChannels;
      sums.fill(biases ? biases[m]! : 0);
      for (let cInGroup = 0; cInGroup < groupChannels; cInGroup++) {
        const c = g * groupChannels + cInGroup;
        const inBase = (n * channels + c) * inSize;
        const weightBase = (c * groupOutChannels + mInGroup) * kernelSize;
        for (let kd = 0; kd < kD; kd++) {
          for (let kh = 0; kh < kH; kh++) {
            for (let kw = 0; kw < kW; kw++) {
              const weight = weights[weightBase + (kd * kH + kh) * kW + kw]!;
              // Input columns whose output column iw·sW − pW + kw·dW lies inside [0, outW).
              const shift = kw * dW - pW;
              const first = Math.min(inW, Math.max(0, Math.ceil(-shift / sW)));
              const last = Math.max(first, Math.min(inW, Math.floor((outW - 1 - shift) / sW) + 1));
              for (let id = 0; id < inD; id++) {
                const od = id * sD - pD + kd * dD;
                if (od < 0 || od >= outD) continue;
                for (let ih = 0; ih < inH; ih++) {
                  const oh = ih * sH - pH + kh * dH;
                  if (oh < 0 || oh >= outH) continue;
                  const inRow = inBase + (id * inH + ih) * inW;
                  const outRow = (od * outH + oh) * outW + shift;
                  for (let iw = first; iw < last; iw++) sums[outRow + iw * sW]! += weight * input[inRow + iw]!;
                }
              }
            }
          }
        }
      }
      output.values.set(sums, (n * outChannels + m) * outSize);
    }
  }
  return finishFloatOutput(output);
}
