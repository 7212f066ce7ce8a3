/**
 * QDQ → quantized operators, for backends with integer kernels (the wasm backend runs it at session creation,
 * before weights are folded to float).
 *
 * Quantized models arrive as float graphs with QuantizeLinear/DequantizeLinear around each op (the QDQ form:
 * TFLite's quantized models as the TFLite front-end imports them, ONNX QDQ models, weblite's own calibrated int8):
 *
 *   DQ(x_q) ─┐
 *   DQ(w_q) ─┼─ Conv (+Relu/Clip) ── Q ── y_q          ⇒   QLinearConv(x_q, …, w_q, …, y_scale, y_zp, bias_i32)
 *   DQ(b_i32)┘
 *
 * This pass rewrites such islands into the quantized ops of ops/qlinear.ts, which compute the same thing with
 * int32 accumulation and one requantization (results may differ from the float composition by one unit where
 * float rounding does; that is the point of integer kernels and how TFLite computes).
 *
 * Steps:
 *   1. uint8 activations (QDQ islands and onnxruntime's uint8 QOperator graphs alike) become int8 with zero point
 *      − 128, an exact change of representation: the integer kernels are int8 (retype-uint8.ts). Graph inputs and
 *      outputs keep their types.
 *   2. Each Conv / FusedConv / Gemm / FusedGemm / MatMul / FusedMatMul / Add / Mul / AveragePool /
 *      GlobalAveragePool whose output is read only by one per-tensor int8 QuantizeLinear, whose activation inputs
 *      come from per-tensor int8 DequantizeLinear nodes and whose weights are DequantizeLinear over integer
 *      constants, becomes one quantized op. A fused activation is kept only when saturation to the output's range
 *      already applies it (Relu with the zero point at the range's low end, Clip whose bounds quantize beyond the
 *      range — what TFLite's converter and min/max calibration produce); otherwise the island stays float.
 *      MaxPool, Concat and pure data movement (Reshape, Flatten, Squeeze, Unsqueeze, Transpose) with identical
 *      input and output parameters run on the int8 values directly; a Concat whose inputs have other parameters
 *      becomes QLinearConcat (those inputs requantized to the output's grid).
 *   3. An activation input that is a float tensor moved (Transpose, Reshape…) from a DequantizeLinear (e.g. a
 *      uint8 graph input) is requantized to int8 with the same scale right after the DequantizeLinear (exact) and
 *      the movement replayed on int8, so the first convolution fuses too.
 *   4. Q → int8 data movement → DQ read only by float ops becomes Q → DQ → float data movement (roundBeforeMoving).
 * Dead DequantizeLinear nodes and constants are then dropped; shapes are re-inferred.
 */
import type { Graph, Node } from '../../ir/graph.js';
import { inferShapes } from '../../ir/infer.js';
import type { OpType } from '../../ir/ops.js';
import { roundHalfToEven } from '../../ir/reference/elementwise-cast.js';
import { Tensor } from '../../ir/tensor.js';
import { eliminateDeadNodes } from '../eliminate-dead-nodes.js';
import { GraphView, addConstant, replacePattern, rewriteAll } from '../match.js';
import type { Pass } from '../pass.js';
import { retypeUint8 } from './retype-uint8.js';

const f32 = Math.fround;
const MOVEMENT: readonly OpType[] = ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose'];

/** Per-tensor parameters of an int8 activation: its integer tensor and the constant names of scale/zero point. */
interface QTensor {
  q: string;
  scale: string;
  zeroPoint: string;
  scaleValue: number;
  zeroPointValue: number;
}

export const fuseQdq: Pass = {
  name: 'fuse-qdq',
  run(graph) {
    let changed = retypeUint8(graph);
    changed = rewriteAll(graph, (node, view) => fuseNode(graph, node, view)) || changed;
    // Reader counts matter to step 4: drop what the fusion left dead first.
    if (changed) eliminateDeadNodes.run(graph);
    changed = roundBeforeMoving(graph) || changed;
    if (changed) {
      eliminateDeadNodes.run(graph);
      inferShapes(graph);
    }
    return changed;
  },
};

// ---- step 4: rounding pairs around data movement read by float ops ----

/**
 * Q(x) → movement on int8 (Transpose, Reshape…) → DQ with the same parameters, read by float ops only (what is left
 * when the op after it is not quantized, e.g. the first convolution of static int8 with an int16 output): the
 * movement commutes with the elementwise rounding, so it becomes Q(x) → DQ → movement on float32. Backends then
 * round in one pass (a QuantizeLinear → DequantizeLinear pair) and move floats with their own kernels — for a
 * TFLite model's NHWC input, one transpose instead of three passes. Returns whether anything changed.
 */
function roundBeforeMoving(graph: Graph): boolean {
  let changed = false;
  let view = new GraphView(graph);
  for (const dq of [...graph.nodes]) {
    if (dq.op !== 'DequantizeLinear' || graph.tensors.get(dq.inputs[0]!)?.type !== 'int8' || perTensorZero(graph, dq) === undefined) continue;
    const readers = (name: string) => view.consumers(name);
    if (readers(dq.outputs[0]!).some((node) => node.op === 'QuantizeLinear')) continue;
    const chain: Node[] = [];
    let current = dq.inputs[0]!;
    let quantize: Node | undefined;
    for (let depth = 0; depth < 8 && !quantize; depth++) {
      const producer = view.producer(current);
      if (!producer || readers(current).length !== 1 || graph.outputs.includes(current)) break;
      if (producer.op === 'QuantizeLinear') quantize = producer;
      else if (MOVEMENT.includes(producer.op) && producer.outputs.length === 1) chain.unshift(producer);
      else break;
      current = producer.inputs[0]!;
    }
    if (!quantize || chain.length === 0 || graph.tensors.get(quantize.inputs[0]!)?.type !== 'float32') continue;
    if (perTensorZero(graph, quantize) !== perTensorZero(graph, dq) || scalarOf(graph, quantize.inputs[1]!) !== scalarOf(graph, dq.inputs[1]!)) continue;
    // Rebuild: Q → DQ on the source's shape, then the movement replayed on float32 into the DQ's old output.
    const float = (hint: string, like: string) => {
      const name = graph.uniqueName(`${hint}_float`);
      graph.tensors.set(name, { name, type: 'float32', dims: graph.tensors.get(like)?.dims });
      return name;
    };
    const source = quantize.inputs[0]!;
    const rounded = float(source, source);
    const nodes: Node[] = [{ ...dq, inputs: [quantize.outputs[0]!, ...dq.inputs.slice(1)], outputs: [rounded] }];
    let input = rounded;
    chain.forEach((node, i) => {
      const output = i === chain.length - 1 ? dq.outputs[0]! : float(node.outputs[0]!, node.outputs[0]!);
      nodes.push({ ...node, inputs: [input, ...node.inputs.slice(1)], outputs: [output] });
      input = output;
    });
    const removed = new Set([...chain, dq]);
    const at = graph.nodes.indexOf(dq);
    graph.nodes = [...graph.nodes.slice(0, at).filter((node) => !removed.has(node)), ...nodes, ...graph.nodes.slice(at + 1)];
    view = new GraphView(graph);
    changed = true;
  }
  return changed;
}

// ---- step 2 / 3: islands → quantized ops ----

/** The zero point of a per-tensor Q/DQ node with constant parameters (0 when omitted), else undefined. */
function perTensorZero(graph: Graph, node: Node): number | undefined {
  const scale = graph.constant(node.inputs[1]!);
  if (!scale || scale.size !== 1 || scale.type !== 'float32') return undefined;
  const zp = node.inputs[2] ? graph.constant(node.inputs[2]) : undefined;
  if (node.inputs[2] && (!zp || zp.size !== 1)) return undefined;
  return zp ? Number((zp.data as ArrayLike<number>)[0]) : 0;
}

function int8Constant(graph: Graph, value: number): string {
  return addConstant(graph, 'qdq_zero_point', new Tensor('int8', Int8Array.of(value), []));
}

/** The int8 activation behind float tensor `name`: a per-tensor int8 DequantizeLinear's input. */
function dequantized(graph: Graph, view: GraphView, name: string): QTensor | undefined {
  const dq = view.producerOf(name, ['DequantizeLinear']);
  if (!dq || graph.tensors.get(dq.inputs[0]!)?.type !== 'int8' || graph.constant(dq.inputs[0]!)) return undefined;
  const zp = perTensorZero(graph, dq);
  if (zp === undefined || !dq.inputs[2]) return undefined;
  return { q: dq.inputs[0]!, scale: dq.inputs[1]!, zeroPoint: dq.inputs[2], scaleValue: scalarOf(graph, dq.inputs[1]!), zeroPointValue: zp };
}

/**
 * A float activation that is exactly representable on a DequantizeLinear's grid because only data movement lies
 * between (e.g. DQ(input) → Transpose): the DQ node and the movement nodes from it to `name`, else undefined.
 */
function movedFromDequantize(graph: Graph, view: GraphView, name: string): { dq: Node; chain: Node[] } | undefined {
  const chain: Node[] = [];
  let current = name;
  for (let depth = 0; depth < 8; depth++) {
    const producer = view.producer(current);
    if (!producer) return undefined;
    if (producer.op === 'DequantizeLinear') {
      const type = graph.tensors.get(producer.inputs[0]!)?.type;
      const ok = (type === 'int8' || type === 'uint8') && !graph.constant(producer.inputs[0]!) && perTensorZero(graph, producer) !== undefined && depth > 0;
      return ok ? { dq: producer, chain: chain.reverse() } : undefined;
    }
    if (!MOVEMENT.includes(producer.op) || producer.outputs[0] !== current) return undefined;
    chain.push(producer);
    current = producer.inputs[0]!;
  }
  return undefined;
}

/**
 * The int8 form of activation `name`. A value moved from a DequantizeLinear is requantized right after the
 * DequantizeLinear (exact: same scale; uint8 sources shift by 128, which backends do without float math) and the
 * movement is replayed on the int8 tensor — one byte per element moves instead of four.
 */
function activation(graph: Graph, view: GraphView, name: string, before: Node, inserted: Node[]): QTensor | undefined {
  const direct = dequantized(graph, view, name);
  if (direct) return direct;
  const moved = movedFromDequantize(graph, view, name);
  if (!moved) return undefined;
  const { dq, chain } = moved;
  const source = graph.tensor(dq.inputs[0]!).type;
  const zp = perTensorZero(graph, dq)! - (source === 'uint8' ? 128 : 0);
  const zeroPoint = int8Constant(graph, zp);
  const int8 = (hint: string, from: string) => {
    const q = graph.uniqueName(`${hint}_int8`);
    graph.tensors.set(q, { name: q, type: 'int8', dims: graph.tensors.get(from)?.dims });
    return q;
  };
  let current = int8(dq.outputs[0]!, dq.outputs[0]!);
  inserted.push({ name: `${before.name}/quantize_input`, op: 'QuantizeLinear', inputs: [dq.outputs[0]!, dq.inputs[1]!, zeroPoint], outputs: [current], attrs: { axis: 1, output_dtype: '' } });
  for (const node of chain) {
    const output = int8(node.outputs[0]!, node.outputs[0]!);
    inserted.push({ ...node, name: `${node.name}/int8`, inputs: [current, ...node.inputs.slice(1)], outputs: [output], attrs: { ...node.attrs } });
    current = output;
  }
  return { q: current, scale: dq.inputs[1]!, zeroPoint, scaleValue: scalarOf(graph, dq.inputs[1]!), zeroPointValue: zp };
}

function scalarOf(graph: Graph, name: string): number {
  return (graph.constant(name)!.data as Float32Array)[0]!;
}

/** Integer weights behind `name`: DequantizeLinear over an int8/uint8 constant, per tensor or per `axis`. */
interface QWeight {
  q: string;
  scale: string;
  zeroPoint: string;
  scales: Float32Array;
}

function weight(graph: Graph, view: GraphView, name: string, axis: number): QWeight | undefined {
  const dq = view.producerOf(name, ['DequantizeLinear']);
  if (!dq) return undefined;
  const value = graph.constant(dq.inputs[0]!);
  const scale = graph.constant(dq.inputs[1]!);
  if (!value || !scale || scale.type !== 'float32' || (value.type !== 'int8' && value.type !== 'uint8')) return undefined;
  const zp = dq.inputs[2] ? graph.constant(dq.inputs[2]) : undefined;
  if (dq.inputs[2] && !zp) return undefined;
  if (scale.size > 1) {
    const dqAxis = (dq.attrs.axis as number | undefined) ?? 1;
    const normalized = dqAxis < 0 ? dqAxis + value.dims.length : dqAxis;
    if (normalized !== axis || value.dims[axis] !== scale.size) return undefined;
    // The kernels take one weight zero point: per-channel zero points must all be equal.
    if (zp && zp.size > 1 && (zp.data as ArrayLike<number>).length > 0) {
      const values = zp.data as ArrayLike<number>;
      for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return undefined;
    }
  }
  const zeroPoint = zp ? dq.inputs[2]! : addConstant(graph, 'qdq_weight_zero_point', new Tensor(value.type, value.type === 'int8' ? Int8Array.of(0) : Uint8Array.of(0), []));
  return { q: dq.inputs[0]!, scale: dq.inputs[1]!, zeroPoint, scales: scale.data as Float32Array };
}

/**
 * The int32 bias on the accumulator's scale (x_scale · w_scale[c]): a DequantizeLinear over an int32 constant
 * with that scale is used as is; a float constant (or another scale) is rounded onto it. '' for no bias.
 */
function bias(graph: Graph, view: GraphView, name: string | undefined, xScale: number, wScales: Float32Array, channels: number): string | undefined {
  if (!name) return '';
  const scaleOf = (c: number) => f32(xScale * wScales[wScales.length === 1 ? 0 : c]!);
  const dq = view.producerOf(name, ['DequantizeLinear']);
  if (dq) {
    const value = graph.constant(dq.inputs[0]!);
    const scale = graph.constant(dq.inputs[1]!);
    const zp = dq.inputs[2] ? graph.constant(dq.inputs[2]) : undefined;
    if (value?.type === 'int32' && value.size === channels && scale?.type === 'float32' && (!zp || (zp.data as Int32Array).every((z) => z === 0))) {
      const scales = scale.data as Float32Array;
      const matches = Array.from({ length: channels }, (_, c) => scales[scales.length === 1 ? 0 : c]!).every((s, c) => Math.abs(s - scaleOf(c)) <= 1e-6 * Math.abs(scaleOf(c)));
      if (matches) return dq.inputs[0]!;
    }
  }
  // Float bias (or an int32 bias on another scale): its float value, rounded onto the accumulator's scale.
  const float = dq ? undefined : graph.constant(name);
  let values: ArrayLike<number> | undefined;
  if (float?.type === 'float32') values = float.data as Float32Array;
  else if (dq) {
    const value = graph.constant(dq.inputs[0]!);
    const scale = graph.constant(dq.inputs[1]!);
    if (!value || !scale || scale.type !== 'float32' || (value.type !== 'int32' && value.type !== 'int8' && value.type !== 'uint8')) return undefined;
    const zp = dq.inputs[2] ? graph.constant(dq.inputs[2]) : undefined;
    const s = scale.data as Float32Array;
    const v = value.data as ArrayLike<number>;
    const z = zp?.data as ArrayLike<number> | undefined;
    if (value.size !== channels) return undefined;
    values = Array.from({ length: channels }, (_, c) => (v[c]! - (z ? z[z.length === 1 ? 0 : c]! : 0)) * s[s.length === 1 ? 0 : c]!);
  }
  if (!values || values.length !== channels) return undefined;
  const data = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const q = roundHalfToEven(values[c]! / scaleOf(c));
    if (!(Math.abs(q) < 2 ** 31)) return undefined;
    data[c] = q;
  }
  return addConstant(graph, `${name}_int32`, new Tensor('int32', data, [channels]));
}

/** The single per-tensor int8 QuantizeLinear reading `name`, with its parameters. */
function requantizedOutput(graph: Graph, view: GraphView, name: string): { node: Node; out: QTensor } | undefined {
  const q = view.onlyConsumer(name);
  if (!q || q.op !== 'QuantizeLinear' || q.inputs[0] !== name || !q.inputs[2]) return undefined;
  if (graph.tensors.get(q.outputs[0]!)?.type !== 'int8') return undefined;
  const zp = perTensorZero(graph, q);
  if (zp === undefined) return undefined;
  return { node: q, out: { q: q.outputs[0]!, scale: q.inputs[1]!, zeroPoint: q.inputs[2], scaleValue: scalarOf(graph, q.inputs[1]!), zeroPointValue: zp } };
}

/** Whether saturation to int8 with the output's parameters already applies the activation. */
function activationImplied(node: Node, out: QTensor): boolean {
  const activation = (node.attrs.activation as string | undefined) ?? '';
  const params = (node.attrs.activation_params as number[] | undefined) ?? [];
  const quantize = (v: number) => roundHalfToEven(f32(v / out.scaleValue)) + out.zeroPointValue;
  if (activation === '') return true;
  if (activation === 'Relu') return quantize(0) <= -128;
  if (activation === 'Clip') {
    const [lo = -Infinity, hi = Infinity] = params;
    return (lo === -Infinity || quantize(lo) <= -128) && (hi === Infinity || quantize(hi) >= 127);
  }
  return false;
}

function fuseNode(graph: Graph, node: Node, view: GraphView): boolean {
  switch (node.op) {
    case 'Conv':
    case 'FusedConv':
      return fuseConv(graph, node, view);
    case 'Gemm':
    case 'FusedGemm':
    case 'MatMul':
    case 'FusedMatMul':
      return fuseMatMul(graph, node, view);
    case 'Add':
    case 'Mul':
      return fuseBinary(graph, node, view);
    case 'AveragePool':
    case 'GlobalAveragePool':
      return fusePool(graph, node, view);
    case 'MaxPool':
    case 'Concat':
    case 'Reshape':
    case 'Flatten':
    case 'Squeeze':
    case 'Unsqueeze':
    case 'Transpose':
      return fusePassThrough(graph, node, view);
    default:
      return false;
  }
}

/** Replaces node + its output QuantizeLinear by `fused` (reading `inserted` QuantizeLinear nodes placed before it). */
function commit(graph: Graph, node: Node, q: Node, fused: Node, inserted: Node[]): true {
  replacePattern(graph, [node, q], fused);
  if (inserted.length > 0) graph.nodes.splice(graph.nodes.indexOf(fused), 0, ...inserted);
  return true;
}

function fuseConv(graph: Graph, node: Node, view: GraphView): boolean {
  if (node.op === 'FusedConv' && node.inputs[3]) return false; // residual input: float epilogue
  const output = requantizedOutput(graph, view, node.outputs[0]!);
  if (!output || !activationImplied(node, output.out)) return false;
  const w = weight(graph, view, node.inputs[1]!, 0);
  if (!w) return false;
  const inserted: Node[] = [];
  const x = activation(graph, view, node.inputs[0]!, node, inserted);
  if (!x) return false;
  const channels = graph.constant(w.q)!.dims[0]!;
  const b = bias(graph, view, node.inputs[2], x.scaleValue, w.scales, channels);
  if (b === undefined) return false;
  const { activation: _a, activation_params: _p, ...attrs } = node.attrs;
  const inputs = [x.q, x.scale, x.zeroPoint, w.q, w.scale, w.zeroPoint, output.out.scale, output.out.zeroPoint];
  if (b) inputs.push(b);
  return commit(graph, node, output.node, { name: node.name, op: 'QLinearConv', inputs, outputs: [output.out.q], attrs }, inserted);
}

function fuseMatMul(graph: Graph, node: Node, view: GraphView): boolean {
  const gemmLike = node.op === 'Gemm' || node.op === 'FusedGemm';
  const transB = gemmLike ? ((node.attrs.transB as number | undefined) ?? 0) : 0;
  if (gemmLike && ((node.attrs.transA as number | undefined) ?? 0) !== 0) return false;
  if (gemmLike && ((node.attrs.alpha as number | undefined) ?? 1) !== 1) return false;
  if (gemmLike && node.inputs[2] && ((node.attrs.beta as number | undefined) ?? 1) !== 1) return false;
  const output = requantizedOutput(graph, view, node.outputs[0]!);
  if (!output || !activationImplied(node, output.out)) return false;
  const bDims = graph.tensors.get(node.inputs[1]!)?.dims;
  const aDims = graph.tensors.get(node.inputs[0]!)?.dims;
  if (!bDims || bDims.length !== 2 || !aDims) return false;
  const nAxis = transB ? 0 : 1;
  const w = weight(graph, view, node.inputs[1]!, nAxis);
  if (!w) return false;
  const inserted: Node[] = [];
  const a = activation(graph, view, node.inputs[0]!, node, inserted);
  if (!a) return false;
  const N = graph.constant(w.q)!.dims[nAxis]!;
  const biasName = node.inputs[2];
  if (biasName) {
    // Gemm's C and FusedMatMul's bias must be one value per output column to become QGemm's int32 C.
    const dims = graph.tensors.get(biasName)?.dims;
    if (!dims || dims.reduce<number>((p, d) => p * (typeof d === 'number' ? d : NaN), 1) !== N || dims[dims.length - 1] !== N) return false;
  }
  if (!biasName && node.op !== 'Gemm' && node.op !== 'FusedGemm') {
    const inputs = [a.q, a.scale, a.zeroPoint, w.q, w.scale, w.zeroPoint, output.out.scale, output.out.zeroPoint];
    return commit(graph, node, output.node, { name: node.name, op: 'QLinearMatMul', inputs, outputs: [output.out.q], attrs: {} }, inserted);
  }
  if (aDims.length !== 2) return false;
  const b = bias(graph, view, biasName, a.scaleValue, w.scales, N);
  if (b === undefined) return false;
  const inputs = [a.q, a.scale, a.zeroPoint, w.q, w.scale, w.zeroPoint, b, output.out.scale, output.out.zeroPoint];
  return commit(graph, node, output.node, { name: node.name, op: 'QGemm', inputs, outputs: [output.out.q], attrs: { alpha: 1, transA: 0, transB } }, inserted);
}

/** A per-tensor quantized operand: an activation, or a DequantizeLinear over an integer constant. */
function operand(graph: Graph, view: GraphView, name: string, before: Node, inserted: Node[]): QTensor | undefined {
  const act = activation(graph, view, name, before, inserted);
  if (act) return act;
  const dq = view.producerOf(name, ['DequantizeLinear']);
  const value = dq && graph.constant(dq.inputs[0]!);
  if (!dq || !value || value.type !== 'int8' || !dq.inputs[2]) return undefined;
  const zp = perTensorZero(graph, dq);
  if (zp === undefined) return undefined;
  return { q: dq.inputs[0]!, scale: dq.inputs[1]!, zeroPoint: dq.inputs[2], scaleValue: scalarOf(graph, dq.inputs[1]!), zeroPointValue: zp };
}

function fuseBinary(graph: Graph, node: Node, view: GraphView): boolean {
  const output = requantizedOutput(graph, view, node.outputs[0]!);
  if (!output) return false;
  const inserted: Node[] = [];
  const a = operand(graph, view, node.inputs[0]!, node, inserted);
  const b = a && operand(graph, view, node.inputs[1]!, node, inserted);
  if (!a || !b) return false;
  const op: OpType = node.op === 'Add' ? 'QLinearAdd' : 'QLinearMul';
  const inputs = [a.q, a.scale, a.zeroPoint, b.q, b.scale, b.zeroPoint, output.out.scale, output.out.zeroPoint];
  return commit(graph, node, output.node, { name: node.name, op, inputs, outputs: [output.out.q], attrs: {} }, inserted);
}

function fusePool(graph: Graph, node: Node, view: GraphView): boolean {
  const output = requantizedOutput(graph, view, node.outputs[0]!);
  if (!output) return false;
  const inserted: Node[] = [];
  const x = activation(graph, view, node.inputs[0]!, node, inserted);
  if (!x) return false;
  const op: OpType = node.op === 'AveragePool' ? 'QLinearAveragePool' : 'QLinearGlobalAveragePool';
  const inputs = [x.q, x.scale, x.zeroPoint, output.out.scale, output.out.zeroPoint];
  return commit(graph, node, output.node, { name: node.name, op, inputs, outputs: [output.out.q], attrs: { ...node.attrs } }, inserted);
}

/**
 * Ops that only select or move values: on int8 directly when every quantized input has exactly the output's
 * parameters (so no requantization is needed).
 */
function fusePassThrough(graph: Graph, node: Node, view: GraphView): boolean {
  if (node.outputs.length > 1 && node.outputs.slice(1).some((o) => o !== '')) return false; // MaxPool's Indices
  const output = requantizedOutput(graph, view, node.outputs[0]!);
  if (!output) return false;
  const dataInputs = node.op === 'Concat' ? node.inputs.map((_, i) => i) : [0];
  const inputs = [...node.inputs];
  const sameParameters = (x: QTensor) => x.scaleValue === output.out.scaleValue && x.zeroPointValue === output.out.zeroPointValue;
  for (const i of dataInputs) {
    const x = dequantized(graph, view, node.inputs[i]!);
    if (!x || !sameParameters(x)) return node.op === 'Concat' && fuseConcat(graph, node, view, output);
    inputs[i] = x.q;
  }
  return commit(graph, node, output.node, { name: node.name, op: node.op, inputs, outputs: [output.out.q, ...node.outputs.slice(1)], attrs: { ...node.attrs } }, []);
}

/**
 * A Concat of int8 activations on other grids than its output's: QLinearConcat, which requantizes those inputs
 * (Q(DQ(x)) per element, what the float QDQ graph computes) and copies the others.
 */
function fuseConcat(graph: Graph, node: Node, view: GraphView, output: { node: Node; out: QTensor }): boolean {
  const inserted: Node[] = [];
  const inputs = [output.out.scale, output.out.zeroPoint];
  for (const name of node.inputs) {
    const x = activation(graph, view, name, node, inserted);
    if (!x) return false;
    inputs.push(x.q, x.scale, x.zeroPoint);
  }
  return commit(graph, node, output.node, { name: node.name, op: 'QLinearConcat', inputs, outputs: [output.out.q], attrs: { axis: node.attrs.axis as number } }, inserted);
}

/** Number of quantized ops in a graph (for reports and tests). */
export function countQuantizedOps(graph: Graph): number {
  return graph.nodes.filter((n) => n.op.startsWith('QLinear') || n.op === 'QGemm').length;
}
