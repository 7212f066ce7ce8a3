/**
 * Load-time folding: a compressed model (src/passes/quantize) stores weights as float16 or int8 behind
 * Cast / Mul-by-scale chains, and a quantized model (TFLite, ONNX QDQ, calibrated int8) as integers behind
 * DequantizeLinear. Run once when a session is created, this turns those chains back into plain float32
 * constants, so kernels see ordinary weights (and pack them) and no run ever pays for dequantising.
 *
 * Two things differ from conversion-time folding, so the chains are folded here before handing the rest of the
 * graph to foldConstants: foldConstants leaves outputs above its size cap as nodes (at conversion a folded value is
 * written to the file; here it only lives in memory and is the size the original weight had), and the generic
 * per-element references take seconds on a ResNet's worth of weights, where these typed loops take milliseconds.
 * The loops compute exactly what the Cast and Mul references compute (float16 → float32 is exact, and the product
 * is rounded to float32 once), so a folded model gives the same bits as the unfolded one.
 */
import { float16ToFloat32 } from '../ir/dtype.js';
import type { Graph, Node } from '../ir/graph.js';
import { inferShapes } from '../ir/infer.js';
import { Tensor } from '../ir/tensor.js';
import { eliminateDeadNodes } from '../passes/eliminate-dead-nodes.js';
import { foldConstants } from '../passes/fold-constants.js';

/** Folds dequantisation chains whatever their size, then other constant subgraphs; mutates and returns `graph`. */
export function foldConstantChains(graph: Graph): Graph {
  let changed = foldDequantization(graph);
  for (let round = 0; round < 4 && foldConstants.run(graph); round++) changed = true;
  if (!changed) return graph;
  // The float16 / int8 originals are now read by nobody; dropping them frees their memory.
  eliminateDeadNodes.run(graph);
  inferShapes(graph);
  return graph;
}

/**
 * Cast-to-float32 and per-channel Mul nodes over constants, folded in graph order (a Mul reads the Cast before it).
 * Other Mul broadcasts are left to foldConstants and its size cap.
 */
function foldDequantization(graph: Graph): boolean {
  const kept: Node[] = [];
  for (const node of graph.nodes) {
    const value = dequantize(graph, node);
    if (!value) {
      kept.push(node);
      continue;
    }
    const name = node.outputs[0]!;
    graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
  }
  const changed = kept.length !== graph.nodes.length;
  graph.nodes = kept;
  return changed;
}

function dequantize(graph: Graph, node: Node): Tensor | undefined {
  if (node.outputs.length !== 1) return undefined;
  const inputs = node.inputs.map((name) => graph.constant(name));
  if (node.op === 'Cast' && node.attrs.to === 'float32' && inputs[0]) return widen(inputs[0]);
  if (node.op === 'Mul' && inputs[0]?.type === 'float32' && inputs[1]?.type === 'float32') {
    return scaleChannels(inputs[0] as Tensor<'float32'>, inputs[1] as Tensor<'float32'>);
  }
  if (node.op === 'DequantizeLinear' && inputs[0] && inputs[1] && (node.inputs[2] === undefined || node.inputs[2] === '' || inputs[2])) {
    const blockSize = (node.attrs.block_size as number | undefined) ?? 0;
    const output = (node.attrs.output_dtype as string | undefined) || inputs[1].type;
    if (output !== 'float32') return undefined;
    if (blockSize > 0) return dequantizeBlocks(inputs[0], inputs[1], inputs[2], (node.attrs.axis as number | undefined) ?? 1, blockSize);
    if (inputs[1].type === 'float32') return dequantizeWeights(inputs[0], inputs[1] as Tensor<'float32'>, inputs[2], (node.attrs.axis as number | undefined) ?? 1);
  }
  return undefined;
}

/**
 * Blocked DequantizeLinear (ONNX opset 21; int8-weights stores weights so, with float16 block scales and float32
 * output): f32((q − zero_point) · scale[block]), scale holding x's dims with ceil(dims[axis] / blockSize) along axis.
 */
function dequantizeBlocks(values: Tensor, scale: Tensor, zeroPoint: Tensor | undefined, axisAttr: number, blockSize: number): Tensor<'float32'> | undefined {
  const integer = values.type === 'int8' || values.type === 'uint8' || values.type === 'int16' || values.type === 'uint16' || values.type === 'int32';
  if (!integer || (scale.type !== 'float32' && scale.type !== 'float16')) return undefined;
  const dims = values.dims;
  const axis = axisAttr < 0 ? axisAttr + dims.length : axisAttr;
  if (axis < 0 || axis >= dims.length || scale.dims.length !== dims.length) return undefined;
  const blocks = Math.ceil(dims[axis]! / blockSize);
  if (scale.dims.some((d, i) => d !== (i === axis ? blocks : dims[i])) || (zeroPoint && zeroPoint.size !== scale.size)) return undefined;
  float16Table ??= Float32Array.from({ length: 1 << 16 }, (_, bits) => float16ToFloat32(bits));
  const table = float16Table;
  const scales = scale.type === 'float16' ? Float32Array.from(scale.data as Uint16Array, (bits) => table[bits]!) : (scale.data as Float32Array);
  const zeros = zeroPoint?.data as ArrayLike<number> | undefined;
  const source = values.data as ArrayLike<number>;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const length = dims[axis]!;
  const outer = values.size / (inner * length);
  const output = new Float32Array(values.size);
  for (let o = 0, i = 0; o < outer; o++) {
    for (let a = 0; a < length; a++) {
      const row = (o * blocks + Math.floor(a / blockSize)) * inner;
      for (let k = 0; k < inner; k++, i++) output[i] = (source[i]! - (zeros ? zeros[row + k]! : 0)) * scales[row + k]!;
    }
  }
  return new Tensor('float32', output, dims);
}

/**
 * DequantizeLinear of stored integer weights (quantized models keep them so: src/passes/fold-constants.ts):
 * f32((q − zero_point) · scale), per tensor or along `axis`, as the reference computes it.
 */
function dequantizeWeights(values: Tensor, scale: Tensor<'float32'>, zeroPoint: Tensor | undefined, axisAttr: number): Tensor<'float32'> | undefined {
  const integer = values.type === 'int8' || values.type === 'uint8' || values.type === 'int16' || values.type === 'uint16' || values.type === 'int32';
  if (!integer || scale.dims.length > 1 || (zeroPoint && zeroPoint.size !== scale.size)) return undefined;
  const dims = values.dims;
  const channels = scale.size;
  const axis = axisAttr < 0 ? axisAttr + dims.length : axisAttr;
  if (channels > 1 && dims[axis] !== channels) return undefined;
  const inner = channels === 1 ? values.size : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const source = values.data as ArrayLike<number>;
  const zeros = zeroPoint?.data as ArrayLike<number> | undefined;
  const scales = scale.data;
  const output = new Float32Array(values.size);
  for (let start = 0, channel = 0; start < source.length; start += inner, channel = (channel + 1) % channels) {
    const factor = scales[channel]!;
    const zero = zeros ? zeros[channel]! : 0;
    for (let i = start; i < start + inner; i++) output[i] = (source[i]! - zero) * factor;
  }
  return new Tensor('float32', output, dims);
}

let float16Table: Float32Array | undefined;

/** float16 or int8 → float32; undefined for other source dtypes (left to foldConstants). */
function widen(value: Tensor): Tensor<'float32'> | undefined {
  const output = new Float32Array(value.size);
  if (value.type === 'float16') {
    // Every binary16 bit pattern, decoded once: a table lookup per weight instead of a decode.
    float16Table ??= Float32Array.from({ length: 1 << 16 }, (_, bits) => float16ToFloat32(bits));
    const bits = value.data as Uint16Array;
    for (let i = 0; i < bits.length; i++) output[i] = float16Table[bits[i]!]!;
  } else if (value.type === 'int8') {
    output.set(value.data as Int8Array);
  } else {
    return undefined;
  }
  return new Tensor('float32', output, value.dims);
}

/**
 * values × scale where scale has the values' rank and is 1 on every axis but one, where it matches (the
 * per-channel scales the int8 pass writes); undefined for any other broadcast.
 */
function scaleChannels(values: Tensor<'float32'>, scale: Tensor<'float32'>): Tensor<'float32'> | undefined {
  const dims = values.dims;
  if (scale.dims.length !== dims.length) return undefined;
  const axes = scale.dims.flatMap((d, i) => (d === 1 ? [] : [i]));
  if (axes.length > 1) return undefined;
  const axis = axes[0] ?? 0;
  if (scale.dims[axis] !== dims[axis] && scale.size !== 1) return undefined;
  const channels = scale.size;
  const inner = channels === 1 ? values.size : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const output = new Float32Array(values.size);
  const source = values.data;
  const scales = scale.data;
  for (let start = 0, channel = 0; start < source.length; start += inner, channel = (channel + 1) % channels) {
    const factor = scales[channel]!;
    for (let i = start; i < start + inner; i++) output[i] = source[i]! * factor;
  }
  return new Tensor('float32', output, dims);
}
