/**
 * References for MatMul (numpy semantics) and Gemm, plus the float in/out helpers every nn reference shares.
 *
 * Float inputs are computed in float64 (float16 is widened first) so the reference is the truth that float32
 * kernels are tested against. Integer products wrap the way fixed-width hardware does: 32-bit and narrower types
 * through Math.imul, 64-bit types through BigInt.
 */
import { WebliteError } from '../../errors.js';
import { type DType, float16ToFloat32, float32ToFloat16, isBig, isFloat } from '../dtype.js';
import { broadcastIndexMap, broadcastShapes } from '../shape.js';
import { Tensor, sizeOf } from '../tensor.js';

export type FloatArray = Float32Array | Float64Array;

/** The values of a float tensor ready for arithmetic: float32/float64 data as is, float16 widened to float32. */
export function floatData(t: Tensor): FloatArray {
  if (t.type === 'float32' || t.type === 'float64') return t.data as FloatArray;
  if (t.type === 'float16') {
    const bits = t.data as Uint16Array;
    const out = new Float32Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = float16ToFloat32(bits[i]!);
    return out;
  }
  throw new WebliteError('RUNTIME_ERROR', `expected a float tensor, got ${t.type}`);
}

/** An output tensor plus the float array to write its values into (a float32 scratch for float16). */
export interface FloatOutput {
  tensor: Tensor;
  values: FloatArray;
}

export function floatOutput(type: DType, dims: readonly number[]): FloatOutput {
  const tensor = Tensor.zeros(type, dims);
  if (type === 'float16') return { tensor, values: new Float32Array(tensor.size) };
  return { tensor, values: tensor.data as FloatArray };
}

/** Rounds the scratch values of a float16 output into its half bits; returns the tensor. */
export function finishFloatOutput(output: FloatOutput): Tensor {
  if (output.tensor.type === 'float16') {
    const bits = output.tensor.data as Uint16Array;
    for (let i = 0; i < bits.length; i++) bits[i] = float32ToFloat16(output.values[i]!);
  }
  return output.tensor;
}

// ---- the matrix kernels: out[M×N] = a[M×K] · b[K×N], row-major, starting at the given offsets ----

/**
 * Float64 accumulation into `row`, an N-long scratch. The loops stream rows of b (cache friendly), four at a time
 * to cut the accumulator traffic.
 */
export function multiplyFloat(
  a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, out: FloatArray, outOffset: number,
  M: number, K: number, N: number, row: Float64Array,
): void {
  for (let i = 0; i < M; i++) {
    row.fill(0, 0, N);
    const aRow = aOffset + i * K;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const a0 = a[aRow + k]!;
      const a1 = a[aRow + k + 1]!;
      const a2 = a[aRow + k + 2]!;
      const a3 = a[aRow + k + 3]!;
      const b0 = bOffset + k * N;
      const b1 = b0 + N;
      const b2 = b1 + N;
      const b3 = b2 + N;
      for (let j = 0; j < N; j++) row[j]! += a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
    }
    for (; k < K; k++) {
      const av = a[aRow + k]!;
      const bRow = bOffset + k * N;
      for (let j = 0; j < N; j++) row[j]! += av * b[bRow + j]!;
    }
    const outRow = outOffset + i * N;
    for (let j = 0; j < N; j++) out[outRow + j] = row[j]!;
  }
}

type SmallIntArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** Integers of 32 bits or fewer: products and sums wrap modulo 2^32, then the store wraps to the type's width. */
function multiplyInt(
  a: SmallIntArray, aOffset: number, b: SmallIntArray, bOffset: number, out: SmallIntArray, outOffset: number,
  M: number, K: number, N: number, row: Int32Array,
): void {
  for (let i = 0; i < M; i++) {
    row.fill(0, 0, N);
    for (let k = 0; k < K; k++) {
      const av = a[aOffset + i * K + k]!;
      const bRow = bOffset + k * N;
      for (let j = 0; j < N; j++) row[j] = (row[j]! + Math.imul(av, b[bRow + j]!)) | 0;
    }
    for (let j = 0; j < N; j++) out[outOffset + i * N + j] = row[j]!;
  }
}

type BigArray = BigInt64Array | BigUint64Array;

/** 64-bit integers: exact BigInt products; the typed-array store wraps modulo 2^64. */
function multiplyBig(
  a: BigArray, aOffset: number, b: BigArray, bOffset: number, out: BigArray, outOffset: number,
  M: number, K: number, N: number,
): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0n;
      for (let k = 0; k < K; k++) sum += a[aOffset + i * K + k]! * b[bOffset + k * N + j]!;
      out[outOffset + i * N + j] = sum;
    }
  }
}

/** Data of both operands and the output in the form the dtype's kernel wants; see `multiplyAll`. */
interface Operands {
  type: DType;
  a: FloatArray | SmallIntArray | BigArray;
  b: FloatArray | SmallIntArray | BigArray;
  out: FloatArray | SmallIntArray | BigArray;
  M: number;
  K: number;
  N: number;
}

/** Runs out[i] = a[i] · b[i] for each batch matrix i, given the matrix offsets (in matrices) of a and b. */
function multiplyAll(operands: Operands, aMatrix: ArrayLike<number>, bMatrix: ArrayLike<number>, count: number): void {
  const { type, M, K, N } = operands;
  const row = isFloat(type) ? new Float64Array(N) : new Int32Array(N);
  for (let i = 0; i < count; i++) {
    const aOffset = aMatrix[i]! * M * K;
    const bOffset = bMatrix[i]! * K * N;
    const outOffset = i * M * N;
    if (isFloat(type)) {
      multiplyFloat(operands.a as FloatArray, aOffset, operands.b as FloatArray, bOffset, operands.out as FloatArray,
        outOffset, M, K, N, row as Float64Array);
    } else if (isBig(type)) {
      multiplyBig(operands.a as BigArray, aOffset, operands.b as BigArray, bOffset, operands.out as BigArray, outOffset, M, K, N);
    } else {
      multiplyInt(operands.a as SmallIntArray, aOffset, operands.b as SmallIntArray, bOffset, operands.out as SmallIntArray,
        outOffset, M, K, N, row as Int32Array);
    }
  }
}

function checkOperands(a: Tensor, b: Tensor, where: string): void {
  if (a.type === 'string' || a.type === 'bool') throw new WebliteError('RUNTIME_ERROR', `${where}: ${a.type} is not supported`);
  if (a.type !== b.type) throw new WebliteError('RUNTIME_ERROR', `${where}: operand types differ (${a.type} vs ${b.type})`);
}

/** Kernel-ready data of a tensor: widened floats, raw integers. */
function kernelData(t: Tensor): FloatArray | SmallIntArray | BigArray {
  return isFloat(t.type) ? floatData(t) : (t.data as SmallIntArray | BigArray);
}

/** numpy.matmul: 1-D operands get a dim added then removed; leading (batch) dims broadcast. */
export function matMul(a: Tensor, b: Tensor, where: string): Tensor {
  checkOperands(a, b, where);
  if (a.dims.length === 0 || b.dims.length === 0) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: MatMul operands must have rank ≥ 1`);
  }
  const aDims = a.dims.length === 1 ? [1, a.dims[0]!] : [...a.dims];
  const bDims = b.dims.length === 1 ? [b.dims[0]!, 1] : [...b.dims];
  const M = aDims[aDims.length - 2]!;
  const K = aDims[aDims.length - 1]!;
  const N = bDims[bDims.length - 1]!;
  if (bDims[bDims.length - 2] !== K) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: MatMul inner dims differ: [${a.dims.join(', ')}] × [${b.dims.join(', ')}]`);
  }
  const aBatch = aDims.slice(0, -2);
  const bBatch = bDims.slice(0, -2);
  const batch = broadcastShapes([aBatch, bBatch], where);
  const outDims = [...batch, M, N];
  if (a.dims.length === 1) outDims.splice(outDims.length - 2, 1);
  if (b.dims.length === 1) outDims.splice(outDims.length - 1, 1);

  const float = isFloat(a.type) ? floatOutput(a.type, outDims) : undefined;
  const tensor = float ? float.tensor : Tensor.zeros(a.type, outDims);
  const out = float ? float.values : (tensor.data as SmallIntArray | BigArray);
  const operands: Operands = { type: a.type, a: kernelData(a), b: kernelData(b), out, M, K, N };
  multiplyAll(operands, broadcastIndexMap(aBatch, batch), broadcastIndexMap(bBatch, batch), sizeOf(batch));
  return float ? finishFloatOutput(float) : tensor;
}

/** A copy of a 2-D tensor's data, transposed. */
function transposed(t: Tensor): Tensor {
  const [rows, cols] = t.dims as [number, number];
  const out = Tensor.zeros(t.type, [cols, rows]);
  const from = t.data as ArrayLike<unknown>;
  const to = out.data as unknown as unknown[];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) to[c * rows + r] = from[r * cols + c];
  return out;
}

export interface GemmAttrs {
  alpha: number;
  beta: number;
  transA: number;
  transB: number;
}

/** Y = alpha · A' · B' + beta · C, where A' and B' are optionally transposed and C broadcasts to [M, N]. */
export function gemm(aInput: Tensor, bInput: Tensor, c: Tensor | undefined, attrs: GemmAttrs, where: string): Tensor {
  checkOperands(aInput, bInput, where);
  if (aInput.dims.length !== 2 || bInput.dims.length !== 2) {
    throw new WebliteError('RUNTIME_ERROR',
      `${where}: Gemm needs 2-D A and B, got [${aInput.dims.join(', ')}] and [${bInput.dims.join(', ')}]`);
  }
  const a = attrs.transA ? transposed(aInput) : aInput;
  const b = attrs.transB ? transposed(bInput) : bInput;
  const [M, K] = a.dims as [number, number];
  const N = b.dims[1]!;
  if (b.dims[0] !== K) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: Gemm inner dims differ: A' is [${M}, ${K}], B' is [${b.dims.join(', ')}]`);
  }
  if (c && (c.type !== a.type || broadcastShapes([c.dims, [M, N]], where).some((d, i) => d !== [M, N][i]))) {
    throw new WebliteError('RUNTIME_ERROR', `${where}: Gemm C ${c.type}[${c.dims.join(', ')}] does not broadcast to ${a.type}[${M}, ${N}]`);
  }
  const cMap = c ? broadcastIndexMap(c.dims, [M, N]) : undefined;
  const { alpha, beta } = attrs;

  if (isFloat(a.type)) {
    // The product stays in float64 until alpha and beta are applied, so the result is rounded once.
    const product = new Float64Array(M * N);
    multiplyAll({ type: a.type, a: floatData(a), b: floatData(b), out: product, M, K, N }, [0], [0], 1);
    const cValues = c ? floatData(c) : undefined;
    const out = floatOutput(a.type, [M, N]);
    for (let i = 0; i < M * N; i++) out.values[i] = alpha * product[i]! + (cValues ? beta * cValues[cMap![i]!]! : 0);
    return finishFloatOutput(out);
  }
  // Integer Gemm is exact when alpha and beta are whole numbers, the only case integer models use.
  const out = Tensor.zeros(a.type, [M, N]);
  multiplyAll({ type: a.type, a: kernelData(a), b: kernelData(b), out: out.data as SmallIntArray | BigArray, M, K, N }, [0], [0], 1);
  if (isBig(a.type)) {
    const values = out.data as BigArray;
    const cValues = c?.data as BigArray | undefined;
    const alphaBig = BigInt(Math.trunc(alpha));
    const betaBig = BigInt(Math.trunc(beta));
    for (let i = 0; i < M * N; i++) values[i] = alphaBig * values[i]! + (cValues ? betaBig * cValues[cMap![i]!]! : 0n);
  } else {
    const values = out.data as SmallIntArray;
    const cValues = c?.data as SmallIntArray | undefined;
    for (let i = 0; i < M * N; i++) values[i] = Math.trunc(alpha * values[i]! + (cValues ? beta * cValues[cMap![i]!]! : 0));
  }
  return out;
}
