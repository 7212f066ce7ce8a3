/** NumPy .npy read/write (format versions 1–3, C order, little-endian), for CLI inputs and outputs. */
import { WebliteError } from '../errors.js';
import { type DType, byteSize, typedArrayConstructor } from '../ir/dtype.js';
import { Tensor, sizeOf } from '../ir/tensor.js';

const DESCR: Record<string, DType> = {
  '<f4': 'float32', '<f8': 'float64', '<f2': 'float16', '|i1': 'int8', '|u1': 'uint8', '<i2': 'int16', '<u2': 'uint16',
  '<i4': 'int32', '<u4': 'uint32', '<i8': 'int64', '<u8': 'uint64', '|b1': 'bool',
};

export function readNpy(bytes: Uint8Array, fileName: string): Tensor {
  const fail = (why: string): never => {
    throw new WebliteError('BAD_INPUT', `${fileName}: not a supported .npy file (${why})`);
  };
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') fail('bad magic');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) fail('truncated header');
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) fail('header lacks descr/shape');
  if (fortran) fail('Fortran order is not supported');
  const type = DESCR[descr!.replace('=', '<')] ?? fail(`dtype ${descr}`);
  const dims = shapeText!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const size = sizeOf(dims);
  const dataStart = start + headerLength;
  const length = size * byteSize(type);
  if (dataStart + length > bytes.length) fail(`expected ${length} data bytes, file has ${bytes.length - dataStart}`);
  const tensor = Tensor.zeros(type, dims);
  new Uint8Array((tensor.data as Uint8Array).buffer).set(bytes.subarray(dataStart, dataStart + length));
  return tensor;
}

export function writeNpy(tensor: Tensor): Uint8Array {
  const descr = Object.entries(DESCR).find(([, t]) => t === tensor.type)?.[0];
  if (!descr) throw new WebliteError('BAD_ARGUMENT', `cannot write a ${tensor.type} tensor as .npy`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const data = new Uint8Array((tensor.data as Uint8Array).buffer, (tensor.data as Uint8Array).byteOffset, tensor.size * byteSize(tensor.type));
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, ...'NUMPY'.split('').map((c) => c.charCodeAt(0)), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

/** Raw little-endian bytes of a known dtype and shape (.bin). */
export function readRaw(bytes: Uint8Array, type: DType, dims: readonly number[], fileName: string): Tensor {
  if (type === 'string') throw new WebliteError('BAD_INPUT', `${fileName}: string inputs cannot be read from .bin`);
  const expected = sizeOf(dims) * byteSize(type);
  if (bytes.length !== expected) {
    throw new WebliteError('BAD_INPUT', `${fileName}: ${bytes.length} bytes, but ${type}[${dims.join(', ')}] needs ${expected}`);
  }
  const data = new (typedArrayConstructor(type))(sizeOf(dims));
  new Uint8Array(data.buffer).set(bytes);
  return new Tensor(type, data as Tensor['data'], dims);
}
