/**
 * TFLite tensor facts and constant data. Quantized and float16 constants become float32 here, at conversion time,
 * so the graph computes in float: q → (q − zero_point) · scale, per tensor or per channel along quantized_dimension.
 */
import { WebliteError } from '../../errors.js';
import { type DType, byteSize, float16ToFloat32, typedArrayConstructor } from '../../ir/dtype.js';
import { Tensor, limits, sizeOf } from '../../ir/tensor.js';
import type { TfliteModel, TfliteQuantization, TfliteTensor } from './model.js';
import { TENSOR_TYPES, TENSOR_TYPE_NAMES } from './schema.js';

/** Element types of quantized activations: these are float in the IR, quantized only at the graph's edges. */
const QUANTIZED_ACTIVATION_TYPES: readonly DType[] = ['uint8', 'int8', 'int16'];

export function tensorLabel(tensor: TfliteTensor): string {
  return `tensor ${tensor.index} '${tensor.name}'`;
}

/** The weblite dtype of a TFLite tensor as stored in the file; UNSUPPORTED_OP for complex, resource, int4, …. */
export function storedType(tensor: TfliteTensor, fileName: string): DType {
  const type = TENSOR_TYPES[tensor.type];
  if (!type || type === 'string') {
    throw new WebliteError('UNSUPPORTED_OP', `${fileName}: ${tensorLabel(tensor)} has type ${TENSOR_TYPE_NAMES[tensor.type]}, which weblite does not support`);
  }
  return type;
}

/** Quantization parameters when the tensor is a quantized 8/16-bit tensor (activation or weight). */
export function activationQuantization(tensor: TfliteTensor): TfliteQuantization | undefined {
  const type = TENSOR_TYPES[tensor.type];
  return type && QUANTIZED_ACTIVATION_TYPES.includes(type) ? tensor.quantization : undefined;
}

/**
 * Whether a constant is stored quantized (int8/uint8/int16 weights, int32 biases with a scale): the graph keeps such
 * constants as integers behind a DequantizeLinear (context.ts), so files stay small and integer kernels use them.
 */
export function isStoredQuantized(tensor: TfliteTensor): boolean {
  const type = TENSOR_TYPES[tensor.type];
  return tensor.quantization !== undefined && (type === 'int8' || type === 'uint8' || type === 'int16' || type === 'int32');
}

/**
 * Decoded constant data of `tensor` (float32 when quantized or float16, unless `raw`: then the stored integers), or
 * undefined when it has no buffer.
 */
export function decodeConstant(model: TfliteModel, tensor: TfliteTensor, fileName: string, raw = false): Tensor | undefined {
  const bytes = tensor.buffer === 0 ? undefined : model.buffers[tensor.buffer];
  if (!bytes) return undefined;
  const where = `${fileName}: ${tensorLabel(tensor)}`;
  if (tensor.sparse) throw new WebliteError('UNSUPPORTED_OP', `${where}: sparse constant tensors are not supported`);
  const type = storedType(tensor, fileName);
  const dims = tensor.shape;
  const count = sizeOf(dims);
  if (count > limits.maxElements) throw new WebliteError('OUT_OF_MEMORY', `${where}: ${count} elements exceed the limit ${limits.maxElements}`);
  const expected = type === 'bool' ? count : count * byteSize(type);
  if (bytes.length !== expected) {
    throw new WebliteError('BAD_MODEL', `${where}: buffer holds ${bytes.length} bytes, shape [${dims.join(', ')}] of ${type} needs ${expected}`);
  }
  // Copy into a fresh, aligned typed array (the file's bytes may sit at any offset).
  const Ctor = typedArrayConstructor(type as Exclude<DType, 'string'>);
  const data = new Ctor(count);
  new Uint8Array(data.buffer).set(bytes);
  const stored = new Tensor(type, data as Tensor['data'], dims);
  if (type === 'float16') return new Tensor('float32', Float32Array.from(data as Uint16Array, float16ToFloat32), dims);
  const quantization = tensor.quantization;
  if (!raw && quantization && (activationQuantization(tensor) || type === 'int32')) return dequantize(stored, quantization, where);
  return stored;
}

/** (q − zero_point) · scale, per tensor or along `quantization.axis`. */
export function dequantize(raw: Tensor, quantization: TfliteQuantization, where: string): Tensor {
  const { scale, zeroPoint, axis } = quantization;
  const dims = raw.dims;
  let inner = 1;
  if (scale.length > 1) {
    if (axis < 0 || axis >= dims.length || dims[axis] !== scale.length) {
      throw new WebliteError('BAD_MODEL', `${where}: ${scale.length} per-channel scales do not match dim ${axis} of [${dims.join(', ')}]`);
    }
    for (let i = axis + 1; i < dims.length; i++) inner *= dims[i]!;
  }
  const values = raw.data as Int8Array | Uint8Array | Int16Array | Int32Array;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const channel = scale.length > 1 ? Math.floor(i / inner) % scale.length : 0;
    out[i] = (values[i]! - zeroPoint[channel]!) * scale[channel]!;
  }
  return new Tensor('float32', out, dims);
}
