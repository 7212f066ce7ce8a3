/**
 * References for AveragePool, MaxPool, GlobalAveragePool and GlobalMaxPool over NC + spatial (1-D to 3-D) tensors.
 * Windows follow `windowGeometry` (shared with Conv); spatial shapes are lifted to 3-D as there.
 */
import { WebliteError } from '../../errors.js';
import { isFloat } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { type WindowAttrs, type WindowGeometry, to3d, windowGeometry } from './conv.js';
import { finishFloatOutput, floatData, floatOutput } from './matmul.js';

type NumberArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** Sizes and window parameters, all lifted to three spatial axes. */
interface Lifted {
  planes: number;
  inDims: [number, number, number];
  outDims: [number, number, number];
  kernel: [number, number, number];
  strides: [number, number, number];
  dilations: [number, number, number];
  padsBegin: [number, number, number];
  padsEnd: [number, number, number];
}

function lift(x: Tensor, geometry: WindowGeometry): Lifted {
  return {
    planes: x.dims[0]! * x.dims[1]!,
    inDims: to3d(x.dims.slice(2), 1),
    outDims: to3d(geometry.outSpatial as number[], 1),
    kernel: to3d(geometry.kernel, 1),
    strides: to3d(geometry.strides, 1),
    dilations: to3d(geometry.dilations, 1),
    padsBegin: to3d(geometry.padsBegin, 0),
    padsEnd: to3d(geometry.padsEnd, 0),
  };
}

function poolGeometry(x: Tensor, attrs: WindowAttrs, op: string, where: string): WindowGeometry {
  const rank = x.dims.length - 2;
  if (rank < 1 || rank > 3) throw new WebliteError('RUNTIME_ERROR', `${where}: ${op} needs rank 3 to 5 input, got [${x.dims}]`);
  if (attrs.kernel.length !== rank) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: ${op} kernel_shape [${attrs.kernel}] does not match ${rank} spatial axes`);
  }
  return windowGeometry(x.dims.slice(2), attrs, { where });
}

/**
 * For each output index along one axis: how many kernel taps land inside the input, and how many inside the
 * padded input [−padBegin, size + padEnd) (the count_include_pad divisor; taps past the end padding, which
 * ceil_mode can create, never count).
 */
function tapCounts(axis: number, lifted: Lifted): { inside: Int32Array; insidePadded: Int32Array } {
  const size = lifted.inDims[axis]!;
  const out = lifted.outDims[axis]!;
  const inside = new Int32Array(out);
  const insidePadded = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const start = o * lifted.strides[axis]! - lifted.padsBegin[axis]!;
    for (let k = 0; k < lifted.kernel[axis]!; k++) {
      const i = start + k * lifted.dilations[axis]!;
      if (i >= 0 && i < size) inside[o]!++;
      if (i >= -lifted.padsBegin[axis]! && i < size + lifted.padsEnd[axis]!) insidePadded[o]!++;
    }
  }
  return { inside, insidePadded };
}

export interface AveragePoolAttrs extends WindowAttrs {
  countIncludePad: boolean;
}

export function averagePool(x: Tensor, attrs: AveragePoolAttrs, where: string): Tensor {
  if (!isFloat(x.type)) throw new WebliteError('RUNTIME_ERROR', `${where}: AveragePool needs a float input, got ${x.type}`);
  const geometry = poolGeometry(x, attrs, 'AveragePool', where);
  const l = lift(x, geometry);
  const output = floatOutput(x.type, [x.dims[0]!, x.dims[1]!, ...(geometry.outSpatial as number[])]);
  const input = floatData(x);
  const [inD, inH, inW] = l.inDims;
  const [outD, outH, outW] = l.outDims;
  const counts = [0, 1, 2].map((axis) => tapCounts(axis, l));
  const divisors = counts.map((c) => (attrs.countIncludePad ? c.insidePadded : c.inside)) as [Int32Array, Int32Array, Int32Array];
  let o = 0;
  for (let plane = 0; plane < l.planes; plane++) {
    const base = plane * inD * inH * inW;
    for (let od = 0; od < outD; od++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++, o++) {
          let sum = 0;
          forEachTap(l, od, oh, ow, (offset) => (sum += input[base + offset]!));
          const divisor = divisors[0][od]! * divisors[1][oh]! * divisors[2][ow]!;
          output.values[o] = divisor > 0 ? sum / divisor : NaN;
        }
      }
    }
  }
  return finishFloatOutput(output);
}

/** Calls `visit` with the in-plane offset of every kernel tap of output (od, oh, ow) that lies inside the input. */
function forEachTap(l: Lifted, od: number, oh: number, ow: number, visit: (offset: number, d: number, h: number, w: number) => void): void {
  const [inD, inH, inW] = l.inDims;
  const [kD, kH, kW] = l.kernel;
  const [dD, dH, dW] = l.dilations;
  const startD = od * l.strides[0] - l.padsBegin[0];
  const startH = oh * l.strides[1] - l.padsBegin[1];
  const startW = ow * l.strides[2] - l.padsBegin[2];
  for (let kd = 0; kd < kD; kd++) {
    const d = startD + kd * dD;
    if (d < 0 || d >= inD) continue;
    for (let kh = 0; kh < kH; kh++) {
      const h = startH + kh * dH;
      if (h < 0 || h >= inH) continue;
      const rowOffset = (d * inH + h) * inW;
      for (let kw = 0; kw < kW; kw++) {
        const w = startW + kw * dW;
        if (w >= 0 && w < inW) visit(rowOffset + w, d, h, w);
      }
    }
  }
}

export interface MaxPoolAttrs extends WindowAttrs {
  storageOrder: number;
}

/**
 * MaxPool; the first maximum of a window wins. Indices (int64) are flat offsets into the whole input tensor,
 * plane offset included, with the in-plane offset row-major (storage_order 0) or column-major (1).
 */
export function maxPool(x: Tensor, attrs: MaxPoolAttrs, wantIndices: boolean, where: string): Tensor[] {
  if (x.type === 'string' || x.type === 'bool' || x.type === 'int64' || x.type === 'uint64') {
    throw new WebliteError('RUNTIME_ERROR', `${where}: MaxPool does not support ${x.type}`);
  }
  const geometry = poolGeometry(x, attrs, 'MaxPool', where);
  const l = lift(x, geometry);
  const outDims = [x.dims[0]!, x.dims[1]!, ...(geometry.outSpatial as number[])];
  const float = isFloat(x.type) ? floatOutput(x.type, outDims) : undefined;
  const tensor = float ? float.tensor : Tensor.zeros(x.type, outDims);
  const values = float ? float.values : (tensor.data as NumberArray);
  const input = isFloat(x.type) ? floatData(x) : (x.data as NumberArray);
  const indices = wantIndices ? Tensor.zeros('int64', outDims) : undefined;
  const indexData = indices?.data as BigInt64Array | undefined;
  const [inD, inH, inW] = l.inDims;
  const [outD, outH, outW] = l.outDims;
  const planeSize = inD * inH * inW;
  let o = 0;
  for (let plane = 0; plane < l.planes; plane++) {
    const base = plane * planeSize;
    for (let od = 0; od < outD; od++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++, o++) {
          let best = -Infinity;
          let bestIndex = -1;
          forEachTap(l, od, oh, ow, (offset, d, h, w) => {
            const value = input[base + offset]!;
            if (value > best || bestIndex < 0) {
              best = value;
              bestIndex = attrs.storageOrder === 1 ? d + h * inD + w * inD * inH : offset;
            }
          });
          values[o] = best;
          if (indexData) indexData[o] = BigInt(bestIndex < 0 ? -1 : base + bestIndex);
        }
      }
    }
  }
  const pooled = float ? finishFloatOutput(float) : tensor;
  return indices ? [pooled, indices] : [pooled];
}

/** GlobalAveragePool / GlobalMaxPool: one value per (n, c) plane; output dims [N, C, 1, …]. */
export function globalPool(x: Tensor, kind: 'average' | 'max', where: string): Tensor {
  if (!isFloat(x.type)) throw new WebliteError('RUNTIME_ERROR', `${where}: global pooling needs a float input, got ${x.type}`);
  if (x.dims.length < 2) throw new WebliteError('RUNTIME_ERROR', `${where}: global pooling needs rank ≥ 2, got [${x.dims}]`);
  const planes = x.dims[0]! * x.dims[1]!;
  const planeSize = x.size / Math.max(planes, 1);
  const output = floatOutput(x.type, [x.dims[0]!, x.dims[1]!, ...x.dims.slice(2).map(() => 1)]);
  const input = floatData(x);
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * planeSize;
    let result = kind === 'max' ? -Infinity : 0;
    for (let i = 0; i < planeSize; i++) {
      const value = input[base + i]!;
      result = kind === 'max' ? (value > result || Number.isNaN(value) ? value : result) : result + value;
    }
    output.values[plane] = kind === 'max' ? result : result / planeSize;
  }
  return finishFloatOutput(output);
}
