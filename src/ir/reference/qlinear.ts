/**
 * References for the quantized-operator ops (ops/qlinear.ts): integer products with int32 accumulation and the
 * "fp32" requantization that weblite's integer kernels (kernels-wasm/qs8-*) and onnxruntime's QLinear kernels use:
 *
 *   y = saturate(roundHalfToEven(f32(f32(acc) · multiplier)) + y_zero_point)
 *
 * with `acc` the exact integer sum and `multiplier` a float32 evaluated in float32 in a fixed order (below, per
 * op). Every float32 rounding is spelled out with Math.fround, so a kernel that follows the same order gives the
 * same bits; the tests of kernels-wasm compare exactly.
 *
 * Products run through the float references (conv, matMul, gemm) on float64 copies of (q − zero_point): every
 * partial sum is an integer below 2^53, so float64 accumulation is exact.
 */
import { WebliteError } from '../../errors.js';
import type { DType } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { type ConvAttrs, conv, to3d, windowGeometry, type WindowAttrs } from './conv.js';
import { roundHalfToEven } from './elementwise-cast.js';
import { mapBroadcast } from './elementwise.js';
import { gemm, matMul } from './matmul.js';
import { concatReference } from './movement.js';
import { QUANTIZED_RANGES } from './quantize.js';
import { numberAt } from './util.js';

const f32 = Math.fround;

/** 8-bit types the QLinear ops read and write. */
export const QLINEAR_TYPES: readonly DType[] = ['int8', 'uint8'];

/** Quantization parameters of one tensor: scale(s) and zero point(s), per tensor (length 1) or per channel. */
export interface QParams {
  scale: Float32Array;
  zeroPoint: Int32Array;
}

export function qparams(scale: Tensor, zeroPoint: Tensor | undefined, where: string, name: string): QParams {
  if (scale.type !== 'float32') throw new WebliteError('RUNTIME_ERROR', `${where}: ${name} scale must be float32, got ${scale.type}`);
  if (scale.dims.length > 1) throw new WebliteError('RUNTIME_ERROR', `${where}: ${name} scale must be a scalar or 1-D`);
  const count = scale.size;
  if (zeroPoint && zeroPoint.size !== count && zeroPoint.size !== 1) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: ${name} zero point has ${zeroPoint.size} values, the scale ${count}`);
  }
  const zp = new Int32Array(count);
  if (zeroPoint) for (let i = 0; i < count; i++) zp[i] = numberAt(zeroPoint, zeroPoint.size === 1 ? 0 : i);
  return { scale: Float32Array.from(scale.data as Float32Array), zeroPoint: zp };
}

/** Per-tensor parameters only (activations). */
function scalarParams(scale: Tensor, zeroPoint: Tensor | undefined, where: string, name: string): { scale: number; zeroPoint: number } {
  const p = qparams(scale, zeroPoint, where, name);
  if (p.scale.length !== 1) throw new WebliteError('RUNTIME_ERROR', `${where}: ${name} must be quantized per tensor (one scale), got ${p.scale.length}`);
  return { scale: p.scale[0]!, zeroPoint: p.zeroPoint[0]! };
}

function range(type: DType, where: string): readonly [number, number] {
  if (!QLINEAR_TYPES.includes(type)) throw new WebliteError('RUNTIME_ERROR', `${where}: expected int8 or uint8, got ${type}`);
  return QUANTIZED_RANGES[type]!;
}

/** saturate(roundHalfToEven(f32(f32(acc) · multiplier)) + zeroPoint) into [lo, hi]. */
export function requantize(acc: number, multiplier: number, zeroPoint: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, roundHalfToEven(f32(f32(acc) * multiplier)) + zeroPoint));
}

/**
 * A float64 copy of integer tensor `t` minus its zero point; per-channel zero points run along `axis`
 * (dims[axis] must equal their count).
 */
function shifted(t: Tensor, zeroPoint: Int32Array, axis: number, where: string, name: string): Tensor {
  const out = new Float64Array(t.size);
  const data = t.data as ArrayLike<number>;
  if (zeroPoint.length === 1) {
    const zp = zeroPoint[0]!;
    for (let i = 0; i < out.length; i++) out[i] = data[i]! - zp;
  } else {
    if (t.dims[axis] !== zeroPoint.length) {
      throw new WebliteError('RUNTIME_ERROR', `${where}: ${name} has ${zeroPoint.length} per-channel parameters, but dim ${axis} of [${t.dims.join(', ')}] is ${t.dims[axis]}`);
    }
    let inner = 1;
    for (let i = axis + 1; i < t.dims.length; i++) inner *= t.dims[i]!;
    for (let i = 0; i < out.length; i++) out[i] = data[i]! - zeroPoint[Math.floor(i / inner) % zeroPoint.length]!;
  }
  return new Tensor('float64', out, t.dims);
}

function int32Bias(bias: Tensor | undefined, count: number, where: string): Tensor | undefined {
  if (!bias) return undefined;
  if (bias.type !== 'int32') throw new WebliteError('RUNTIME_ERROR', `${where}: the bias must be int32, got ${bias.type}`);
  if (bias.size !== count) throw new WebliteError('RUNTIME_ERROR', `${where}: the bias has ${bias.size} values, expected ${count}`);
  return new Tensor('float64', Float64Array.from(bias.data as Int32Array), [count]);
}

/** Requantizes float64 accumulators; `channelOf(i)` picks the multiplier of element i. */
function requantizeAll(acc: Tensor, multipliers: Float32Array, channelOf: (i: number) => number, zeroPoint: number, type: DType, where: string): Tensor {
  const [lo, hi] = range(type, where);
  const out = Tensor.zeros(type, acc.dims);
  const data = out.data as Int8Array | Uint8Array;
  const values = acc.data as Float64Array;
  for (let i = 0; i < values.length; i++) data[i] = requantize(values[i]!, multipliers[channelOf(i)]!, zeroPoint, lo, hi);
  return out;
}

/** f32(f32(a_scale · w_scale[c]) / y_scale) for each weight channel (the order the qs8 packers use). */
function productMultipliers(aScale: number, wScale: Float32Array, yScale: number): Float32Array {
  return wScale.map((s) => f32(f32(aScale * s) / yScale));
}

export interface QLinearConvInputs {
  x: Tensor; xScale: Tensor; xZeroPoint?: Tensor;
  w: Tensor; wScale: Tensor; wZeroPoint?: Tensor;
  yScale: Tensor; yZeroPoint?: Tensor;
  bias?: Tensor;
}

/** QLinearConv: int32 conv of (x − x_zp) and (w − w_zp[m]) plus bias, requantized per output channel m. */
export function qlinearConv(inputs: QLinearConvInputs, attrs: ConvAttrs, where: string): Tensor {
  const x = scalarParams(inputs.xScale, inputs.xZeroPoint, where, 'x');
  const w = qparams(inputs.wScale, inputs.wZeroPoint, where, 'w');
  const y = scalarParams(inputs.yScale, inputs.yZeroPoint, where, 'y');
  range(inputs.x.type, where);
  range(inputs.w.type, where);
  const outChannels = inputs.w.dims[0]!;
  if (w.scale.length !== 1 && w.scale.length !== outChannels) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: w has ${w.scale.length} scales for ${outChannels} output channels`);
  }
  const acc = conv(
    shifted(inputs.x, Int32Array.of(x.zeroPoint), 1, where, 'x'),
    shifted(inputs.w, w.zeroPoint, 0, where, 'w'),
    int32Bias(inputs.bias, outChannels, where),
    attrs,
    where,
  );
  const spatial = acc.size / (acc.dims[0]! * outChannels);
  const multipliers = productMultipliers(x.scale, w.scale, y.scale);
  const perChannel = multipliers.length > 1;
  const type = inputs.yZeroPoint?.type ?? 'uint8';
  return requantizeAll(acc, multipliers, (i) => (perChannel ? Math.floor(i / spatial) % outChannels : 0), y.zeroPoint, type, where);
}

export interface QLinearMatMulInputs {
  a: Tensor; aScale: Tensor; aZeroPoint?: Tensor;
  b: Tensor; bScale: Tensor; bZeroPoint?: Tensor;
  yScale: Tensor; yZeroPoint?: Tensor;
  /** QGemm only: int32 bias over N (scale a_scale · b_scale). */
  bias?: Tensor;
  /** QGemm only: B stored [N, K]. */
  transB?: boolean;
}

/**
 * QLinearMatMul (numpy matmul of (a − a_zp) and (b − b_zp)) and QGemm (2-D, optional transposed B and int32 bias).
 * b's parameters are per tensor or per column n (ONNX's per-axis form for the last axis of B, or axis 0 of a
 * transposed B).
 */
export function qlinearMatMul(inputs: QLinearMatMulInputs, gemmForm: boolean, where: string): Tensor {
  const a = scalarParams(inputs.aScale, inputs.aZeroPoint, where, 'a');
  const b = qparams(inputs.bScale, inputs.bZeroPoint, where, 'b');
  const y = scalarParams(inputs.yScale, inputs.yZeroPoint, where, 'y');
  range(inputs.a.type, where);
  range(inputs.b.type, where);
  const bDims = inputs.b.dims;
  const nAxis = inputs.transB ? bDims.length - 2 : bDims.length - 1;
  const N = bDims[nAxis]!;
  if (b.scale.length !== 1 && (b.scale.length !== N || bDims.length < 2)) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: b has ${b.scale.length} scales, expected 1 or one per output column (${N})`);
  }
  const aShifted = shifted(inputs.a, Int32Array.of(a.zeroPoint), 0, where, 'a');
  const bShifted = shifted(inputs.b, b.zeroPoint, nAxis, where, 'b');
  const acc = gemmForm
    ? gemm(aShifted, bShifted, int32Bias(inputs.bias, N, where), { alpha: 1, beta: 1, transA: 0, transB: inputs.transB ? 1 : 0 }, where)
    : matMul(aShifted, bShifted, where);
  const multipliers = productMultipliers(a.scale, b.scale, y.scale);
  const perColumn = multipliers.length > 1;
  const type = inputs.yZeroPoint?.type ?? 'uint8';
  return requantizeAll(acc, multipliers, (i) => (perColumn ? i % N : 0), y.zeroPoint, type, where);
}

export interface QLinearBinaryInputs {
  a: Tensor; aScale: Tensor; aZeroPoint?: Tensor;
  b: Tensor; bScale: Tensor; bZeroPoint?: Tensor;
  cScale: Tensor; cZeroPoint?: Tensor;
}

/**
 * QLinearAdd / QLinearMul with numpy broadcasting (kernels-wasm/qs8-elementwise):
 *   add: f32(f32((a − a_zp) · f32(a_scale / c_scale)) + f32((b − b_zp) · f32(b_scale / c_scale)))
 *   mul: f32((a − a_zp) · (b − b_zp)) · f32(f32(a_scale · b_scale) / c_scale)
 * then requantized to c.
 */
export function qlinearBinary(op: 'add' | 'mul', inputs: QLinearBinaryInputs, where: string): Tensor {
  const a = scalarParams(inputs.aScale, inputs.aZeroPoint, where, 'A');
  const b = scalarParams(inputs.bScale, inputs.bZeroPoint, where, 'B');
  const c = scalarParams(inputs.cScale, inputs.cZeroPoint, where, 'C');
  range(inputs.a.type, where);
  range(inputs.b.type, where);
  const type = inputs.cZeroPoint?.type ?? 'uint8';
  const [lo, hi] = range(type, where);
  const clamp = (v: number) => Math.min(hi, Math.max(lo, roundHalfToEven(v) + c.zeroPoint));
  if (op === 'add') {
    const am = f32(a.scale / c.scale);
    const bm = f32(b.scale / c.scale);
    return mapBroadcast([inputs.a, inputs.b], type, (v) => clamp(f32(f32((Number(v[0]) - a.zeroPoint) * am) + f32((Number(v[1]) - b.zeroPoint) * bm))), where);
  }
  const m = f32(f32(a.scale * b.scale) / c.scale);
  return mapBroadcast([inputs.a, inputs.b], type, (v) => clamp(f32((Number(v[0]) - a.zeroPoint) * (Number(v[1]) - b.zeroPoint) * m)), where);
}

export interface QLinearPoolInputs {
  x: Tensor; xScale: Tensor; xZeroPoint?: Tensor;
  yScale: Tensor; yZeroPoint?: Tensor;
}

/**
 * QLinearAveragePool (kernels-wasm/qs8-pool): per window, s = Σ over taps inside the input of (x − x_zp), and
 *   y = requantize(f32(s) · f32(f32(x_scale / y_scale) · f32(1 / divisor)))
 * where divisor counts the taps inside the padded input (count_include_pad; a ceil_mode window's part past the end
 * padding is not counted) or inside the input. `attrs === undefined`: QLinearGlobalAveragePool (one window over all
 * spatial positions, divisor = their count).
 */
export function qlinearAveragePool(inputs: QLinearPoolInputs, attrs: (WindowAttrs & { countIncludePad: boolean }) | undefined, where: string): Tensor {
  const x = scalarParams(inputs.xScale, inputs.xZeroPoint, where, 'x');
  const y = scalarParams(inputs.yScale, inputs.yZeroPoint, where, 'y');
  range(inputs.x.type, where);
  const type = inputs.yZeroPoint?.type ?? 'uint8';
  const [lo, hi] = range(type, where);
  const dims = inputs.x.dims;
  if (dims.length < 3 || dims.length > 5) throw new WebliteError('RUNTIME_ERROR', `${where}: expected an N×C×spatial tensor of rank 3 to 5, got [${dims.join(', ')}]`);
  const [batch, channels] = dims as [number, number];
  const spatialIn = dims.slice(2);
  const scale = f32(x.scale / y.scale);
  const data = inputs.x.data as ArrayLike<number>;
  const inSize = spatialIn.reduce((p, d) => p * d, 1);
  if (!attrs) {
    const out = Tensor.zeros(type, [batch, channels, ...spatialIn.map(() => 1)]);
    const m = f32(scale * f32(1 / inSize));
    const values = out.data as Int8Array | Uint8Array;
    for (let nc = 0; nc < batch * channels; nc++) {
      let sum = 0;
      for (let p = 0; p < inSize; p++) sum += data[nc * inSize + p]! - x.zeroPoint;
      values[nc] = requantize(sum, m, y.zeroPoint, lo, hi);
    }
    return out;
  }
  const g = windowGeometry(spatialIn, attrs, { where });
  const outSpatial = g.outSpatial as number[];
  const [inD, inH, inW] = to3d(spatialIn, 1);
  const [outD, outH, outW] = to3d(outSpatial, 1);
  const [kD, kH, kW] = to3d(g.kernel, 1);
  const [sD, sH, sW] = to3d(g.strides, 1);
  const [dD, dH, dW] = to3d(g.dilations, 1);
  const [pD, pH, pW] = to3d(g.padsBegin, 0);
  const [eD, eH, eW] = to3d(g.padsEnd, 0);
  const out = Tensor.zeros(type, [batch, channels, ...outSpatial]);
  const values = out.data as Int8Array | Uint8Array;
  const outSize = outD * outH * outW;
  const inside = (i: number, size: number, padBegin: number, padEnd: number, padded: boolean) =>
    padded ? i >= -padBegin && i < size + padEnd : i >= 0 && i < size;
  for (let nc = 0; nc < batch * channels; nc++) {
    const base = nc * inSize;
    for (let od = 0; od < outD; od++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          let sum = 0;
          let divisor = 0;
          for (let kd = 0; kd < kD; kd++) {
            const id = od * sD - pD + kd * dD;
            for (let kh = 0; kh < kH; kh++) {
              const ih = oh * sH - pH + kh * dH;
              for (let kw = 0; kw < kW; kw++) {
                const iw = ow * sW - pW + kw * dW;
                const real = inside(id, inD, pD, eD, false) && inside(ih, inH, pH, eH, false) && inside(iw, inW, pW, eW, false);
                if (real) sum += data[base + (id * inH + ih) * inW + iw]! - x.zeroPoint;
                const counted = attrs.countIncludePad
                  ? inside(id, inD, pD, eD, true) && inside(ih, inH, pH, eH, true) && inside(iw, inW, pW, eW, true)
                  : real;
                if (counted) divisor++;
              }
            }
          }
          const m = divisor === 0 ? 0 : f32(scale * f32(1 / divisor));
          values[nc * outSize + (od * outH + oh) * outW + ow] = requantize(sum, m, y.zeroPoint, lo, hi);
        }
      }
    }
  }
  return out;
}

/**
 * The 256-entry table that requantizes an 8-bit value from (x_scale, x_zp) to (y_scale, y_zp), indexed by the
 * value's byte (x & 255), as onnxruntime's QLinearConcat builds it: QuantizeLinear(DequantizeLinear(x)) in float32,
 *   y = saturate(roundHalfToEven(f32(f32((x − x_zp) · x_scale) / y_scale)) + y_zp)
 * `xType` and `yType` are int8 or uint8.
 */
export function requantizeTable(xType: DType, x: { scale: number; zeroPoint: number }, yType: DType, y: { scale: number; zeroPoint: number }, where: string): Int8Array | Uint8Array {
  range(xType, where);
  const [lo, hi] = range(yType, where);
  const table = yType === 'int8' ? new Int8Array(256) : new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const value = xType === 'int8' ? (byte << 24) >> 24 : byte;
    const quotient = f32(f32((value - x.zeroPoint) * x.scale) / y.scale);
    table[byte] = Math.min(hi, Math.max(lo, (Number.isNaN(quotient) ? 0 : roundHalfToEven(quotient)) + y.zeroPoint));
  }
  return table;
}

export interface QLinearConcatInput {
  x: Tensor; scale: Tensor; zeroPoint?: Tensor;
}

/**
 * QLinearConcat (com.microsoft): each input whose scale and zero point equal the output's is copied as is; the others
 * go through requantizeTable; then the 8-bit tensors are concatenated along `axis`.
 */
export function qlinearConcat(parts: QLinearConcatInput[], yScale: Tensor, yZeroPoint: Tensor | undefined, axis: number, nodeName: string): Tensor {
  const where = `node '${nodeName}' (QLinearConcat)`;
  const y = scalarParams(yScale, yZeroPoint, where, 'Y');
  const type = yZeroPoint?.type ?? 'uint8';
  range(type, where);
  const requantized = parts.map((part, i) => {
    const x = scalarParams(part.scale, part.zeroPoint, where, `input ${i}`);
    if (part.x.type !== type) throw new WebliteError('RUNTIME_ERROR', `${where}: input ${i} is ${part.x.type}, the output ${type}`);
    if (x.scale === y.scale && x.zeroPoint === y.zeroPoint) return part.x;
    const table = requantizeTable(part.x.type, x, type, y, where);
    const out = Tensor.zeros(type, part.x.dims);
    const src = part.x.data as Int8Array | Uint8Array;
    const dst = out.data as Int8Array | Uint8Array;
    for (let k = 0; k < src.length; k++) dst[k] = table[src[k]! & 255]!;
    return out;
  });
  // Shapes are checked (and errors worded) by Concat's reference.
  return concatReference(requantized, { axis }, { outputCount: 1, nodeName })[0]!;
}
