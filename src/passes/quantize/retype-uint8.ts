/**
 * uint8 → int8 for the integer kernels (step 1 of fuse-qdq): the kernels are int8, and a uint8 value q on the grid
 * (scale, zp) is the int8 value q − 128 on the grid (scale, zp − 128) — the same real number, so the change is exact.
 *
 * A uint8 activation is retyped when every node around it states its zero point as a constant (or omits it):
 *   - quantized ops (QLinearConv, QLinearMatMul, QGemm, QLinearAdd/Mul, QLinear(Global)AveragePool, QLinearConcat,
 *     as onnxruntime's QOperator format writes them) and QuantizeLinear / DequantizeLinear (the QDQ form);
 *   - ops that only select or move bytes (MaxPool, Concat, Reshape, Transpose, Slice…), which commute with the
 *     shift (it preserves order); their inputs and outputs are retyped together, as one group (so are
 *     QLinearConcat's, which must share one type).
 * A group with a tensor read or written by any other op stays uint8. Graph inputs and outputs keep their types:
 * a uint8 graph input read by quantized ops is shifted once on entry, QuantizeLinear(DequantizeLinear(x, 1, 0), 1,
 * −128), and a retyped graph output shifted back on exit — integer shifts on the wasm backend (lower/qs8.ts).
 * uint8 constants in quantized ops' data inputs (weights, constant operands) become int8 the same way.
 */
import type { Graph, Node } from '../../ir/graph.js';
import type { OpType } from '../../ir/ops.js';
import { Tensor } from '../../ir/tensor.js';
import { GraphView, addConstant } from '../match.js';

/** [data input, zero point input] pairs of a node's 8-bit inputs, and the input holding its output's zero point. */
interface Slots {
  inputs: [number, number][];
  output?: number;
}

const QUANTIZED_OPS: Partial<Record<OpType, Slots>> = {
  QLinearConv: { inputs: [[0, 2], [3, 5]], output: 7 },
  QLinearMatMul: { inputs: [[0, 2], [3, 5]], output: 7 },
  QGemm: { inputs: [[0, 2], [3, 5]], output: 8 },
  QLinearAdd: { inputs: [[0, 2], [3, 5]], output: 7 },
  QLinearMul: { inputs: [[0, 2], [3, 5]], output: 7 },
  QLinearAveragePool: { inputs: [[0, 2]], output: 4 },
  QLinearGlobalAveragePool: { inputs: [[0, 2]], output: 4 },
  QuantizeLinear: { inputs: [], output: 2 },
  DequantizeLinear: { inputs: [[0, 2]] },
};

function slotsOf(node: Node): Slots | undefined {
  if (node.op !== 'QLinearConcat') return QUANTIZED_OPS[node.op];
  const inputs: [number, number][] = [];
  for (let i = 2; i < node.inputs.length; i += 3) inputs.push([i, i + 2]);
  return { inputs, output: 1 };
}

/** Ops whose outputs are bytes of their data inputs (order-preserving, so they commute with the −128 shift). */
const MOVING: ReadonlySet<OpType> = new Set<OpType>([
  'MaxPool', 'GlobalMaxPool', 'Concat', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Identity', 'Slice',
  'Split', 'Gather', 'DepthToSpace', 'SpaceToDepth', 'Tile', 'Expand',
]);

const movingInputs = (node: Node) => (node.op === 'Concat' ? node.inputs.map((_, i) => i) : [0]);
const movingOutputs = (node: Node) => (node.op === 'MaxPool' ? [0] : node.outputs.map((_, i) => i));

/** A constant zero point (absent = uint8 0), or undefined when it is computed at run time. */
function zeroPointOf(graph: Graph, node: Node, index: number): Tensor | undefined | null {
  const name = node.inputs[index] ?? '';
  if (name === '') return null;
  const value = graph.constant(name);
  return value && value.type === 'uint8' ? value : undefined;
}

export function retypeUint8(graph: Graph): boolean {
  const view = new GraphView(graph);
  const isCandidate = (name: string) => name !== '' && graph.tensors.get(name)?.type === 'uint8' && !graph.constant(name);

  // Group tensors joined by byte-moving ops (union-find on names).
  const parent = new Map<string, string>();
  const find = (name: string): string => {
    let root = name;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(name, root);
    return root;
  };
  // QLinearConcat's inputs and output share one type (as onnxruntime requires), so they form one group too.
  const joined = (node: Node): string[] => {
    if (node.op === 'QLinearConcat') return [...slotsOf(node)!.inputs.map(([data]) => node.inputs[data]!), node.outputs[0]!];
    if (!MOVING.has(node.op)) return [];
    return [...movingInputs(node).map((i) => node.inputs[i]!), ...movingOutputs(node).map((i) => node.outputs[i]!)];
  };
  for (const node of graph.nodes) {
    const ends = joined(node).filter(isCandidate);
    for (const name of ends.slice(1)) parent.set(find(name), find(ends[0]!));
  }

  const usable = (name: string): boolean => {
    if (graph.inputs.includes(name) && view.isGraphOutput(name)) return false;
    const producer = view.producer(name);
    if (producer) {
      const slots = slotsOf(producer);
      const index = producer.outputs.indexOf(name);
      const ok = slots?.output !== undefined ? index === 0 && zeroPointOf(graph, producer, slots.output) !== undefined : MOVING.has(producer.op) && movingOutputs(producer).includes(index);
      if (!ok) return false;
    }
    return view.consumers(name).every((node) => node.inputs.every((input, i) => {
      if (input !== name) return true;
      if (MOVING.has(node.op)) return movingInputs(node).includes(i);
      const slot = slotsOf(node)?.inputs.find(([data]) => data === i);
      return slot !== undefined && zeroPointOf(graph, node, slot[1]) !== undefined;
    }));
  };

  const groups = new Map<string, string[]>();
  for (const info of graph.tensors.values()) {
    if (!isCandidate(info.name) || (!view.producer(info.name) && !view.consumers(info.name).length && !graph.inputs.includes(info.name))) continue;
    const root = find(info.name);
    groups.set(root, [...(groups.get(root) ?? []), info.name]);
  }
  const touchesQuantizedOp = (name: string) =>
    [view.producer(name), ...view.consumers(name)].some((n) => n && (n.op.startsWith('QLinear') || n.op === 'QGemm'));
  let changed = false;
  for (const names of groups.values()) {
    if (!names.every(usable)) continue;
    // A graph input read only by DequantizeLinear, or a graph output written by QuantizeLinear, gains nothing.
    const boundary = (name: string) => graph.inputs.includes(name) || view.isGraphOutput(name);
    if (names.every(boundary) && !names.some(touchesQuantizedOp)) continue;
    for (const name of names) retype(graph, view, name);
    changed = true;
  }
  changed = retypeConstants(graph) || changed;
  return changed;
}

function int8Constant(graph: Graph, values: ArrayLike<number>, dims: readonly number[]): string {
  return addConstant(graph, 'uint8_as_int8', new Tensor('int8', Int8Array.from(values, (v) => v - 128), dims));
}

/** Every slot layout here is (data, scale, zero point): the scale sits right before its zero point. */
const scaleAt = (graph: Graph, node: Node, index: number) => graph.constant(node.inputs[index] ?? '');

/**
 * The zero point at `node.inputs[index]` (uint8, or absent = 0) as int8 (zp − 128), written into the node; an absent
 * one gets the shape of its scale `like` (per-axis parameters).
 */
function shiftZeroPoint(graph: Graph, node: Node, index: number, like?: Tensor): void {
  const zp = zeroPointOf(graph, node, index);
  const values = zp ? (zp.data as Uint8Array) : new Uint8Array(like?.size ?? 1);
  while (node.inputs.length <= index) node.inputs.push('');
  node.inputs[index] = int8Constant(graph, values, zp ? zp.dims : like && like.size > 1 ? like.dims : []);
}

function retype(graph: Graph, view: GraphView, name: string): void {
  const producer = view.producer(name);
  const consumers = view.consumers(name);
  let current = name;
  if (graph.inputs.includes(name) || view.isGraphOutput(name)) {
    // The boundary keeps its uint8 tensor; the graph computes on an int8 twin joined by a shift.
    current = graph.uniqueName(`${name}_int8`);
    graph.tensors.set(current, { ...graph.tensor(name), name: current });
    const one = addConstant(graph, 'unit_scale', new Tensor('float32', Float32Array.of(1), []));
    const u8 = addConstant(graph, 'uint8_zero', new Tensor('uint8', Uint8Array.of(0), []));
    const s8 = int8Constant(graph, [0], []);
    const float = graph.uniqueName(`${name}_real`);
    graph.tensors.set(float, { name: float, type: 'float32', dims: graph.tensor(name).dims });
    const [from, to, zpFrom, zpTo] = producer ? [current, name, s8, u8] : [name, current, u8, s8];
    const shift: Node[] = [
      { name: `${name}/dequantize_${producer ? 'int8' : 'uint8'}`, op: 'DequantizeLinear', inputs: [from, one, zpFrom], outputs: [float], attrs: { axis: 1 } },
      { name: `${name}/quantize_${producer ? 'uint8' : 'int8'}`, op: 'QuantizeLinear', inputs: [float, one, zpTo], outputs: [to], attrs: { axis: 1, output_dtype: '' } },
    ];
    graph.nodes.splice(producer ? graph.nodes.indexOf(producer) + 1 : 0, 0, ...shift);
    if (producer) producer.outputs[producer.outputs.indexOf(name)] = current;
    for (const node of consumers) node.inputs = node.inputs.map((input) => (input === name ? current : input));
  }
  graph.tensor(current).type = 'int8';
  const slots = producer && slotsOf(producer);
  if (producer && slots?.output !== undefined) {
    shiftZeroPoint(graph, producer, slots.output, scaleAt(graph, producer, slots.output - 1));
    if (producer.op === 'QuantizeLinear') producer.attrs = { ...producer.attrs, output_dtype: '' };
  }
  for (const node of consumers) {
    for (const [data, zp] of slotsOf(node)?.inputs ?? []) {
      if (node.inputs[data] === current) shiftZeroPoint(graph, node, zp, scaleAt(graph, node, data + 1));
    }
  }
}

/** uint8 constants in quantized ops' data inputs (weights, constant operands): value − 128, zero point − 128. */
function retypeConstants(graph: Graph): boolean {
  let changed = false;
  for (const node of graph.nodes) {
    if (!node.op.startsWith('QLinear') && node.op !== 'QGemm') continue;
    if (node.op === 'QLinearConcat' && graph.tensors.get(node.outputs[0]!)?.type !== 'int8') continue; // one type for all
    for (const [data, zp] of slotsOf(node)?.inputs ?? []) {
      const value = graph.constant(node.inputs[data] ?? '');
      if (!value || value.type !== 'uint8' || zeroPointOf(graph, node, zp) === undefined) continue;
      node.inputs[data] = int8Constant(graph, value.data as Uint8Array, value.dims);
      shiftZeroPoint(graph, node, zp, scaleAt(graph, node, data + 1));
      changed = true;
    }
  }
  return changed;
}
