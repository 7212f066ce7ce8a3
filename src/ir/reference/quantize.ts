/**
 * References for QuantizeLinear and DequantizeLinear (ONNX semantics, per-tensor and per-axis):
 *   QuantizeLinear:   y = saturate(roundHalfToEven(x / scale) + zero_point)
 *   DequantizeLinear: y = (x − zero_point) · scale
 * Arithmetic follows ONNX's reference implementation, which computes in float32: x / scale and the product are
 * rounded to float32 (a float64 quotient of two float32 values rounded once to float32 is the correctly rounded
 * float32 quotient), so ties land where float32 puts them.
 */
import { WebliteError } from '../../errors.js';
import { type DType, float16ToFloat32, float32ToFloat16 } from '../dtype.js';
import { normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import { roundHalfToEven } from './elementwise-cast.js';
import { numberAt } from './util.js';

/** Integer types a QuantizeLinear output (and a DequantizeLinear input) may have, with their ranges. */
export const QUANTIZED_RANGES: Partial<Record<DType, readonly [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

/** int32 is accepted by DequantizeLinear only (ONNX's quantized biases); QuantizeLinear produces 8/16-bit integers. */
export const QUANTIZE_OUTPUT_TYPES: readonly DType[] = ['uint8', 'int8', 'uint16', 'int16'];
export const DEQUANTIZE_INPUT_TYPES: readonly DType[] = ['uint8', 'int8', 'uint16', 'int16', 'int32'];
export const SCALE_TYPES: readonly DType[] = ['float32', 'float16'];

/** Element i of a float tensor (float16 bits widened). */
function floatAt(t: Tensor, i: number): number {
  return t.type === 'float16' ? float16ToFloat32((t.data as Uint16Array)[i]!) : numberAt(t, i);
}

/**
 * For each flat element index, which entry of scale/zero_point applies: all 0 for per-tensor parameters (one
 * element), the index along `axis` for per-axis ones (a 1-D parameter of length dims[axis]).
 */
function parameterIndex(dims: readonly number[], scale: Tensor, zeroPoint: Tensor | undefined, axisAttr: number, where: string): (flat: number) => number {
  if (scale.dims.length > 1) throw new WebliteError('RUNTIME_ERROR', `${where}: scale must be a scalar or 1-D, got dims [${scale.dims.join(', ')}]`);
  if (zeroPoint && zeroPoint.size !== scale.size) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: zero_point has ${zeroPoint.size} elements, scale has ${scale.size}`);
  }
  if (scale.size === 1) return () => 0;
  const axis = normalizeAxis(axisAttr, dims.length, where);
  if (scale.size !== dims[axis]) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: per-axis scale has ${scale.size} elements, but axis ${axis} has size ${dims[axis]}`);
  }
  let inner = 1;
  for (let i = axis + 1; i < dims.length; i++) inner *= dims[i]!;
  const size = scale.size;
  return (flat) => Math.floor(flat / inner) % size;
}

export function quantizeLinear(x: Tensor, scale: Tensor, zeroPoint: Tensor | undefined, axis: number, outputType: DType, where: string): Tensor {
  const range = QUANTIZED_RANGES[outputType];
  if (!range || !QUANTIZE_OUTPUT_TYPES.includes(outputType)) throw new WebliteError('RUNTIME_ERROR', `${where}: cannot quantize to ${outputType}`);
  if (zeroPoint && zeroPoint.type !== outputType) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: zero_point is ${zeroPoint.type}, the output is ${outputType}`);
  }
  const [low, high] = range;
  const index = parameterIndex(x.dims, scale, zeroPoint, axis, where);
  const out = Tensor.zeros(outputType, x.dims);
  const data = out.data as Int32Array;
  for (let i = 0; i < x.size; i++) {
    const p = index(i);
    const quotient = Math.fround(floatAt(x, i) / floatAt(scale, p));
    // ±∞ saturate to the range ends; NaN has no integer value and becomes the zero point (real 0).
    const value = (Number.isNaN(quotient) ? 0 : roundHalfToEven(quotient)) + (zeroPoint ? numberAt(zeroPoint, p) : 0);
    data[i] = Math.min(high, Math.max(low, value));
  }
  return out;
}

/**
 * Blocked parameters (ONNX opset 21 `block_size`): scale has x's rank and dims, except along `axis` where it has
 * ceil(dims[axis] / blockSize) entries; element i uses the entry of its block.
 */
function blockedIndex(dims: readonly number[], scale: Tensor, zeroPoint: Tensor | undefined, axisAttr: number, blockSize: number, where: string): (flat: number) => number {
  const axis = normalizeAxis(axisAttr, dims.length, where);
  const expected = dims.map((d, i) => (i === axis ? Math.ceil(d / blockSize) : d));
  if (scale.dims.length !== dims.length || scale.dims.some((d, i) => d !== expected[i])) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: blocked scale dims [${scale.dims.join(', ')}] should be [${expected.join(', ')}] (block_size ${blockSize} on axis ${axis})`);
  }
  if (zeroPoint && (zeroPoint.dims.length !== scale.dims.length || zeroPoint.dims.some((d, i) => d !== scale.dims[i]))) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: zero_point dims [${zeroPoint.dims.join(', ')}] differ from the scale's`);
  }
  let inner = 1;
  for (let i = axis + 1; i < dims.length; i++) inner *= dims[i]!;
  const length = dims[axis]!;
  const blocks = expected[axis]!;
  return (flat) => {
    const outer = Math.floor(flat / (inner * length));
    const along = Math.floor(flat / inner) % length;
    return (outer * blocks + Math.floor(along / blockSize)) * inner + (flat % inner);
  };
}

/**
 * y = f32((x − zero_point) · scale), per tensor, per axis or per block (`blockSize` > 0); the result has the scale's
 * type unless `outputType` says otherwise (ONNX opset 23 `output_dtype`: float16 scales, float32 values).
 */
export function dequantizeLinear(x: Tensor, scale: Tensor, zeroPoint: Tensor | undefined, axis: number, where: string, blockSize = 0, outputType?: DType): Tensor {
  if (!DEQUANTIZE_INPUT_TYPES.includes(x.type)) throw new WebliteError('RUNTIME_ERROR', `${where}: cannot dequantize ${x.type}`);
  if (zeroPoint && zeroPoint.type !== x.type) throw new WebliteError('RUNTIME_ERROR', `${where}: zero_point is ${zeroPoint.type}, x is ${x.type}`);
  const index = blockSize > 0 ? blockedIndex(x.dims, scale, zeroPoint, axis, blockSize, where) : parameterIndex(x.dims, scale, zeroPoint, axis, where);
  const half = (outputType ?? scale.type) === 'float16';
  const out = Tensor.zeros(half ? 'float16' : 'float32', x.dims);
  for (let i = 0; i < x.size; i++) {
    const p = index(i);
    const value = Math.fround((numberAt(x, i) - (zeroPoint ? numberAt(zeroPoint, p) : 0)) * floatAt(scale, p));
    if (half) (out.data as Uint16Array)[i] = float32ToFloat16(value);
    else (out.data as Float32Array)[i] = value;
  }
  return out;
}
