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
  // Each channel's weights in memory order, rounded balanced in groups of BLOCK_SIZE (see roundBalanced).
  const scaled = Float64Array.from(data, (w, i) => (scales[channelOf(i)]! === 0 ? 0 : w / scales[channelOf(i)]!));
  const members: number[][] = Array.from({ length: channels }, () => []);
  for (let i = 0; i < data.length; i++) members[channelOf(i)]!.push(i);
  for (const list of members) {
    for (let start = 0; start < list.length; start += BLOCK_SIZE) roundBalanced(scaled, quantized, list.slice(start, start + BLOCK_SIZE));
  }
  const scaleDims = dims.map((d, i) => (i === axis ? d : 1));
  return { quantized: new Tensor('int8', quantized, dims), scales: new Tensor('float32', scales, scaleDims) };
}

/**
 * Rounds `values` (weights already divided by their scale) at `indices` to integers in [−127, 127]: to nearest,
 * then the fewest roundings that cost least move to their other neighbour until the group's rounding errors sum to
 * at most one half. Nearest rounding leaves a random sum of errors (about √(n/12) steps) that acts on the layer's
 * mean input like a bias; post-ReLU activations share a large positive mean, so on MobileNet these biases add up
 * from layer to layer. Moving an element with rounding error e to its other neighbour costs 1 − 2|e| in squared
 * error, so the elements closest to a half move first.
 */
export function roundBalanced(values: ArrayLike<number>, out: Int8Array, indices: readonly number[]): void {
  let sum = 0;
  for (const i of indices) {
    const q = Math.max(-127, Math.min(127, roundHalfToEven(values[i]!)));
    out[i] = q;
    sum += q - values[i]!;
  }
  // Moves that leave the sum smaller: an exact half stays (moving it would only flip its sign).
  const moves = Math.max(0, Math.ceil(Math.abs(sum) - 0.5 - 1e-6));
  if (moves === 0) return;
  const direction = sum > 0 ? -1 : 1;
  // Elements rounded the way the sum leans, largest error first.
  const order = indices
    .filter((i) => (out[i]! - values[i]!) * direction < 0 && Math.abs(out[i]! + direction) <= 127)
    .sort((a, b) => (out[a]! - values[a]!) * direction - (out[b]! - values[b]!) * direction);
  for (let n = 0; n < Math.min(moves, order.length); n++) out[order[n]!] = out[order[n]!]! + direction;
}

/** Weights per block of the block-wise scales (along the reduction axis). */
export const BLOCK_SIZE = 16;

/**
 * The axis a product sums over (the reduction axis K) for a weight whose output-channel axis is `channelAxis`:
 * the other axis of a matrix, axis 1 / 0 of a convolution's [O, I, k…] / [I, O, k…] weight.
 */
function reductionAxis(dims: readonly number[], channelAxis: number): number | undefined {
  const last = dims.length - 1;
  if (dims.length === 2) return 1 - channelAxis;
  if (channelAxis === last) return last - 1; // MatMul B [… K, N]
  if (channelAxis === last - 1 && dims.length > 3) return last; // a constant MatMul A [… M, K]
  if (channelAxis === 0 || channelAxis === 1) return 1 - channelAxis; // Conv [O, I, k…], ConvTranspose [I, O, k…]
  return undefined;
}

/**
 * Symmetric int8 with one scale per block of BLOCK_SIZE weights along `kAxis` (per every other index), stored in
 * two levels so it costs one byte per block: scale[block] = multiplier[block] · unit[channel], an 8-bit multiplier
 * (1–255) of a float32 unit per output channel (its largest magnitude / (127 · 255)). Each block picks the
 * multiplier with the least squared rounding error among those from its own largest magnitude down to 60% of it
 * (clipping a rare large weight no longer coarsens the whole block), its weights rounded with `roundBalanced` (on the
 * float MobileNet v1 0.25 of issue #4's table that takes the worst output cosine over 8 images from 0.980 to 0.993).
 * undefined when a value is not finite.
 */
export function quantizeBlocks(value: Tensor<'float32'>, channelAxis: number, kAxis: number): { quantized: Tensor<'int8'>; multipliers: Tensor<'uint8'>; units: Tensor<'float32'> } | undefined {
  const dims = value.dims;
  const data = value.data;
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const channels = dims[channelAxis]!;
  const channelOf = (index: number) => Math.floor(index / strides[channelAxis]!) % channels;
  const largest = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const magnitude = Math.abs(data[i]!);
    if (!Number.isFinite(magnitude)) return undefined;
    const c = channelOf(i);
    if (magnitude > largest[c]!) largest[c] = magnitude;
  }
  const units = Float32Array.from(largest, (m) => m / (127 * 255));
  const length = dims[kAxis]!;
  const blocks = Math.ceil(length / BLOCK_SIZE);
  const blockDims = dims.map((d, i) => (i === kAxis ? blocks : d));
  const blockStrides = blockDims.map((_, i) => blockDims.slice(i + 1).reduce((a, b) => a * b, 1));
  const multipliers = new Uint8Array(blockDims.reduce((a, b) => a * b, 1));
  const quantized = new Int8Array(value.size);
  const scaled = new Float64Array(value.size);
  const members: number[] = [];
  // Walk blocks: for each block index, the element indices whose coordinate along kAxis falls in the block.
  for (let blockIndex = 0; blockIndex < multipliers.length; blockIndex++) {
    let base = 0;
    let rest = blockIndex;
    let firstK = 0;
    for (let axis = 0; axis < dims.length; axis++) {
      const coordinate = Math.floor(rest / blockStrides[axis]!);
      rest -= coordinate * blockStrides[axis]!;
      if (axis === kAxis) firstK = coordinate * BLOCK_SIZE;
      else base += coordinate * strides[axis]!;
    }
    members.length = 0;
    for (let k = firstK; k < Math.min(length, firstK + BLOCK_SIZE); k++) members.push(base + k * strides[kAxis]!);
    const unit = units[channelOf(base)]!;
    let blockLargest = 0;
    for (const i of members) blockLargest = Math.max(blockLargest, Math.abs(data[i]!));
    let best = 0;
    if (unit > 0 && blockLargest > 0) {
      const top = Math.min(255, Math.max(1, Math.ceil(blockLargest / (127 * unit))));
      let bestError = Infinity;
      for (let m = top; m >= Math.max(1, Math.floor(top * 0.6)); m--) {
        const scale = Math.fround(m * unit);
        for (const i of members) scaled[i] = data[i]! / scale;
        roundBalanced(scaled, quantized, members);
        let error = 0;
        for (const i of members) error += (data[i]! - quantized[i]! * scale) ** 2;
        if (error < bestError) [bestError, best] = [error, m];
      }
    }
    multipliers[blockIndex] = best;
    const scale = Math.fround(best * unit);
    if (scale > 0) {
      for (const i of members) scaled[i] = data[i]! / scale;
      roundBalanced(scaled, quantized, members);
    } else {
      for (const i of members) quantized[i] = 0;
    }
  }
  return {
    quantized: new Tensor('int8', quantized, dims),
    multipliers: new Tensor('uint8', multipliers, blockDims),
    units: new Tensor('float32', units, [channels]),
  };
}

/**
 * Rewrites one weight as int8 + two-level block scales: DequantizeLinear(multipliers, units, axis = channel axis)
 * gives the float32 block scales, a blocked DequantizeLinear (ONNX opset 21) the weight. false when it does not
 * apply (a reduction axis shorter than two blocks: the per-channel form then).
 */
function storeAsInt8Blocks(builder: DequantizeBuilder, candidate: Candidate, axis: number): boolean {
  const kAxis = reductionAxis(candidate.value.dims, axis);
  if (kAxis === undefined || candidate.value.dims[kAxis]! < 2 * BLOCK_SIZE) return false;
  const result = quantizeBlocks(candidate.value, axis, kAxis);
  if (!result) return false;
  const { name } = candidate;
  const stored = builder.constant(`${name}_int8`, result.quantized);
  const multipliers = builder.constant(`${name}_block_multipliers`, result.multipliers);
  const units = builder.constant(`${name}_channel_units`, result.units);
  const scales = builder.intermediate(`${name}_block_scales`, result.multipliers.dims);
  builder.replaceConstant(name);
  builder.node('DequantizeLinear', [multipliers, units], scales, { axis, block_size: 0, output_dtype: '' });
  builder.node('DequantizeLinear', [stored, scales], name, { axis: kAxis, block_size: BLOCK_SIZE, output_dtype: '' });
  return true;
}

/** Rewrites one weight as int8 + scale + Cast + Mul; false when it cannot be quantised. */
function storeAsInt8(builder: DequantizeBuilder, candidate: Candidate, axis: number): boolean {
  if (candidate.value.size < MIN_INT8_ELEMENTS) return false;
  if (storeAsInt8Blocks(builder, candidate, axis)) return true;
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
