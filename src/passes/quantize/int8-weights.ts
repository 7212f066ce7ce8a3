/**
 * int8 weight storage: the weight operand of each matrix product (Conv, ConvTranspose, Gemm, MatMul and the fused
 * forms) is quantised symmetrically per output channel, q = round(w / scale) with scale = max|w| / 127 over the
 * channel, and stored as int8 beside a float32 scale shaped to broadcast over it ([O, 1, 1, 1] for a conv weight,
 * [1, N] for a [K, N] MatMul weight). Cast(to = float32) then Mul(scale) under the original name restores a float32
 * tensor, so consumers are untouched. Weights below MIN_INT8_ELEMENTS and large constants without a channel axis
 * are stored as float16, as in fp16 mode; small biases keep float32.
 */
import type { Graph } from '../../ir/graph.js';
import { roundHalfToEven } from '../../ir/reference/elementwise-cast.js';
import { Tensor } from '../../ir/tensor.js';
import type { Pass } from '../pass.js';
import { storeAsFloat16 } from './fp16.js';
import { type Candidate, DequantizeBuilder, LARGE_CONSTANT, findCandidates } from './weights.js';

const MIN_PER_CHANNEL = 4;

/**
 * Weights smaller than this stay float16. In a CNN they are the first layers, whose rounding error every later
 * layer amplifies, and they hold a few percent of the bytes at most: on torchvision's mobilenet_v2 keeping the 1.1%
 * of weights below 4096 elements in float16 takes the output cosine from 0.987 to 0.997 (TFLite's weight-only
 * quantisation skips small tensors for the same reason, at 1024 elements).
 */
export const MIN_INT8_ELEMENTS = 4096;

export interface ChannelQuantization {
  quantized: Tensor<'int8'>;
  /** One scale per channel, dims of ones except along the channel axis. */
  scales: Tensor<'float32'>;
}

/**
 * Symmetric per-channel int8 along `axis`; undefined when a value is not finite (the weight then stays float).
 * An all-zero channel gets scale 0, and its zeros come back exactly. `minimumScales` (per channel) raises a scale
 * where something else needs it larger (static int8 keeps an int32 bias in range that way).
 */
export function quantizePerChannel(value: Tensor<'float32'>, axis: number, minimumScales?: ArrayLike<number>): ChannelQuantization | undefined {
  const dims = value.dims;
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const data = value.data;
  const channelOf = (index: number) => Math.floor(index / inner) % channels;

  const largest = new Float32Array(channels);
  for (let i = 0; i < data.length; i++) {
    const magnitude = Math.abs(data[i]!);
    if (!Number.isFinite(magnitude)) return undefined;
    const channel = channelOf(i);
    if (magnitude > largest[channel]!) largest[channel] = magnitude;
  }
  // The scale is rounded to float32 first, so quantising divides by exactly the scale that dequantising multiplies by.
  const scales = largest.map((m, c) => Math.fround(Math.max(m / 127, minimumScales?.[c] ?? 0)));
  const quantized = new Int8Array(data.length);
  for (let o = 0, i = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const scale = scales[c]!;
      for (let k = 0; k < inner; k++, i++) {
        quantized[i] = scale === 0 ? 0 : Math.max(-127, Math.min(127, roundHalfToEven(data[i]! / scale)));
      }
    }
  }
  const scaleDims = dims.map((d, i) => (i === axis ? d : 1));
  return { quantized: new Tensor('int8', quantized, dims), scales: new Tensor('float32', scales, scaleDims) };
}

/** Rewrites one weight as int8 + scale + Cast + Mul; false when it cannot be quantised. */
function storeAsInt8(builder: DequantizeBuilder, candidate: Candidate, axis: number): boolean {
  if (candidate.value.size < MIN_INT8_ELEMENTS) return false;
  // With fewer than a handful of weights per channel the float32 scales would cost more than int8 saves.
  if (candidate.value.size < MIN_PER_CHANNEL * candidate.value.dims[axis]!) return false;
  const result = quantizePerChannel(candidate.value, axis);
  if (!result) return false;
  const { name, value } = candidate;
  const stored = builder.constant(`${name}_int8`, result.quantized);
  const scale = builder.constant(`${name}_scale`, result.scales);
  const widened = builder.intermediate(`${name}_int8_float32`, value.dims);
  builder.replaceConstant(name);
  builder.node('Cast', [stored], widened, { to: 'float32' });
  builder.node('Mul', [widened, scale], name);
  return true;
}

export const quantizeInt8Weights: Pass = {
  name: 'quantize-int8-weights',
  run(graph: Graph) {
    const builder = new DequantizeBuilder(graph);
    for (const candidate of findCandidates(graph)) {
      const axis = candidate.channelAxis;
      if (axis !== undefined && storeAsInt8(builder, candidate, axis)) continue;
      // Weights left out of int8 are stored as float16; small biases stay float32 (a few hundred bytes each).
      if (axis !== undefined || candidate.value.size >= LARGE_CONSTANT) storeAsFloat16(builder, candidate);
    }
    return builder.install();
  },
};
