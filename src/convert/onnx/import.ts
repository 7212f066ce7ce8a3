/**
 * ONNX model → IR Graph. Decodes the protobuf, converts initializers and Constant nodes to constant tensors,
 * normalises every node into the canonical IR form, sorts topologically and reports all unsupported ops at once.
 */
import { WebliteError } from '../../errors.js';
import type { Dim, Graph as GraphType, Node, TensorInfo } from '../../ir/graph.js';
import { Graph } from '../../ir/graph.js';
import { resolveAttrs } from '../../ir/attrs.js';
import { inferShapes } from '../../ir/infer.js';
import { isOpType, opTable } from '../../ir/ops.js';
import { Tensor } from '../../ir/tensor.js';
import { convertAttribute } from './attributes.js';
import { type NormalizeContext, type PendingNode, normalizeNode } from './normalize.js';
import { type ModelProto, type NodeProto, type ValueInfoProto, decodeModel, int64ToNumber } from './proto.js';
import { type ExternalFiles, onnxDType, tensorFromProto } from './tensor.js';

export interface OnnxImportOptions {
  /** Name used in error messages. */
  fileName?: string;
  /** External-data side files by their relative `location`. */
  files?: ExternalFiles;
}

export const MIN_OPSET = 7;

/** weblite's own fused ops: never read from an ONNX file (onnxruntime's com.microsoft ops of the same name differ). Gelu is
 * accepted: it is ONNX's own op (opset 20) with the same meaning. */
const IR_ONLY_OPS = new Set(['FusedConv', 'FusedGemm', 'FusedMatMul']);
/**
 * onnxruntime's com.microsoft quantized operators that weblite implements (src/ir/ops/qlinear.ts, same semantics):
 * what onnxruntime's quantizer writes in its QOperator format. Accepted from that domain only.
 */
const MICROSOFT_OPS = new Set(['QGemm', 'QLinearAdd', 'QLinearMul', 'QLinearAveragePool', 'QLinearGlobalAveragePool', 'QLinearConcat']);
export const MAX_OPSET = 18;

export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): GraphType {
  const fileName = options.fileName ?? '<memory>.onnx';
  const files = options.files ?? {};
  const model: ModelProto = decodeModel(bytes, fileName);
  const proto = model.graph;
  if (!proto) throw new WebliteError('BAD_MODEL', `${fileName}: the model has no graph`);
  const opset = defaultOpset(model, fileName);

  const graph = new Graph();
  graph.metadata = {
    producer: model.producer_name ?? '',
    producerVersion: model.producer_version ?? '',
    sourceFormat: 'onnx',
    sourceOpset: opset,
    properties: Object.fromEntries((model.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
  };

  for (const [index, initializer] of (proto.initializer ?? []).entries()) {
    const name = initializer.name || `initializer_${index}`;
    const value = tensorFromProto(initializer, `${fileName}: initializer '${name}'`, files);
    graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
  }
  if ((proto.sparse_initializer ?? []).length > 0) {
    throw new WebliteError('UNSUPPORTED_OP', `${fileName}: sparse initializers are not supported`);
  }

  for (const input of proto.input ?? []) {
    const name = input.name ?? '';
    if (graph.tensors.has(name)) continue; // IR < 4 lists initializers among the inputs
    graph.tensors.set(name, valueInfo(input, fileName));
    graph.inputs.push(name);
  }

  const pending: PendingNode[] = [];
  const legacySoftmax: PendingNode[] = [];
  const unsupported = new Map<string, string[]>();
  const ctx: NormalizeContext = {
    opset,
    constant: (hint, value) => {
      const name = graph.uniqueName(hint);
      graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
      return name;
    },
    legacySoftmax: (node) => legacySoftmax.push(node),
  };

  const names = new Set<string>();
  for (const [index, nodeProto] of (proto.node ?? []).entries()) {
    const node = pendingNode(nodeProto, index, names, fileName, files);
    const domain = nodeProto.domain ?? '';
    if (domain === 'com.microsoft' && MICROSOFT_OPS.has(node.op)) {
      const problem = microsoftProblem(node);
      if (problem) {
        addUnsupported(unsupported, `${domain}.${node.op}`, `${node.name}: ${problem}`);
        continue;
      }
    } else if (domain !== '' && domain !== 'ai.onnx') {
      addUnsupported(unsupported, `${domain}.${node.op}`, node.name);
      continue;
    } else if (MICROSOFT_OPS.has(node.op)) {
      addUnsupported(unsupported, node.op, `${node.name}: not an ONNX operator (onnxruntime defines it in the com.microsoft domain)`);
      continue;
    }
    if (node.op === 'Constant') {
      constantNode(node, graph);
      continue;
    }
    try {
      normalizeNode(node, ctx);
    } catch (error) {
      if (error instanceof WebliteError && error.code === 'UNSUPPORTED_OP') {
        addUnsupported(unsupported, node.op, `${node.name}: ${error.message.replace(/^\[\w+\] /, '')}`);
        continue;
      }
      throw error;
    }
    if (!isOpType(node.op) || IR_ONLY_OPS.has(node.op)) {
      addUnsupported(unsupported, node.op, node.name);
      continue;
    }
    pending.push(node);
  }
  if (unsupported.size > 0) {
    const list = [...unsupported].map(([op, nodes]) => `${op} (${nodes.slice(0, 5).join(', ')}${nodes.length > 5 ? `, … ${nodes.length} nodes` : ''})`);
    throw new WebliteError('UNSUPPORTED_OP', `${fileName}: ${unsupported.size} unsupported op type(s): ${list.join('; ')}`);
  }

  graph.nodes = sortTopologically(pending, graph, fileName).map((node) => {
    const op = node.op as Node['op'];
    const attrs = resolveAttrs(opTable[op].attrs, node.attrs, `${fileName}: node '${node.name}' (${op})`);
    return { name: node.name, op, inputs: node.inputs, outputs: node.outputs, attrs };
  });

  for (const output of proto.output ?? []) {
    const name = output.name ?? '';
    if (!graph.tensors.has(name) && !graph.nodes.some((n) => n.outputs.includes(name))) {
      throw new WebliteError('BAD_MODEL', `${fileName}: graph output '${name}' is not produced by any node`);
    }
    graph.outputs.push(name);
  }

  inferShapes(graph);
  if (legacySoftmax.length > 0) resolveLegacySoftmax(graph, new Set(legacySoftmax.map((n) => n.name)));
  return graph;
}

function defaultOpset(model: ModelProto, fileName: string): number {
  const entry = (model.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) throw new WebliteError('BAD_MODEL', `${fileName}: no opset_import for the default ONNX domain`);
  const opset = int64ToNumber(entry.version);
  if (opset > MAX_OPSET) {
    throw new WebliteError('UNSUPPORTED_OP', `${fileName}: opset ${opset} is newer than the supported ${MIN_OPSET}–${MAX_OPSET}`);
  }
  return opset;
}

function valueInfo(input: ValueInfoProto, fileName: string): TensorInfo {
  const name = input.name ?? '';
  const tensorType = input.type?.tensor_type;
  if (!tensorType) throw new WebliteError('UNSUPPORTED_OP', `${fileName}: input '${name}' is not a tensor (sequences, maps and optionals are not supported)`);
  const type = onnxDType(tensorType.elem_type, `${fileName}: input '${name}'`);
  const shape = tensorType.shape;
  if (!shape) return { name, type };
  const dims: Dim[] = (shape.dim ?? []).map((dim, i) => {
    if (Object.prototype.hasOwnProperty.call(dim, 'dim_value')) return int64ToNumber(dim.dim_value);
    if (dim.dim_param) return dim.dim_param;
    return `${name}_dim${i}`;
  });
  return { name, type, dims };
}

/** Why a com.microsoft quantized node cannot be imported (channels-last pooling, QGemm with a float output). */
function microsoftProblem(node: PendingNode): string | undefined {
  if (node.attrs.channels_last !== undefined) {
    if (node.attrs.channels_last !== 0) return 'channels_last=1 is not supported';
    delete node.attrs.channels_last;
  }
  if (node.op === 'QGemm' && (node.inputs[7] ?? '') === '') return 'QGemm with a float output (no y_scale) is not supported';
  return undefined;
}

function pendingNode(proto: NodeProto, index: number, names: Set<string>, fileName: string, files: ExternalFiles): PendingNode {
  const op = proto.op_type ?? '';
  let name = proto.name || `${op}_${index}`;
  while (names.has(name)) name = `${name}_${index}`;
  names.add(name);
  const where = `${fileName}: node '${name}' (${op})`;
  const attrs: PendingNode['attrs'] = {};
  for (const attr of proto.attribute ?? []) {
    if (attr.ref_attr_name) throw new WebliteError('BAD_MODEL', `${where}: attribute references are only valid inside functions`);
    try {
      attrs[attr.name ?? ''] = convertAttribute(attr, where, files);
    } catch (error) {
      // An attribute weblite cannot represent only matters if the op is otherwise supported.
      if (error instanceof WebliteError && error.code === 'UNSUPPORTED_OP' && !isOpType(op)) continue;
      throw error;
    }
  }
  return { name, op, inputs: [...(proto.input ?? [])], outputs: [...(proto.output ?? [])], attrs };
}

function constantNode(node: PendingNode, graph: Graph): void {
  const where = `node '${node.name}' (Constant)`;
  const a = node.attrs;
  let value: Tensor;
  if (a.value instanceof Tensor) value = a.value;
  else if (typeof a.value_float === 'number') value = new Tensor('float32', Float32Array.of(a.value_float), []);
  else if (Array.isArray(a.value_floats)) value = new Tensor('float32', Float32Array.from(a.value_floats as number[]));
  else if (typeof a.value_int === 'number') value = new Tensor('int64', BigInt64Array.of(BigInt(a.value_int)), []);
  else if (Array.isArray(a.value_ints)) value = new Tensor('int64', BigInt64Array.from(a.value_ints as number[], (v) => BigInt(v)));
  else if (typeof a.value_string === 'string') value = new Tensor('string', [a.value_string], []);
  else if (Array.isArray(a.value_strings)) value = new Tensor('string', a.value_strings as string[]);
  else throw new WebliteError('UNSUPPORTED_OP', `${where}: no supported value attribute (sparse constants are not supported)`);
  const name = node.outputs[0] ?? '';
  graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
}

function addUnsupported(map: Map<string, string[]>, op: string, node: string): void {
  const list = map.get(op) ?? [];
  list.push(node);
  map.set(op, list);
}

/** Kahn's algorithm; exporters usually emit sorted nodes, so this keeps their order when it is valid. */
function sortTopologically(nodes: PendingNode[], graph: Graph, fileName: string): PendingNode[] {
  const available = new Set<string>(graph.tensors.keys());
  const producedBy = new Map<string, PendingNode>();
  for (const node of nodes) for (const out of node.outputs) if (out) producedBy.set(out, node);
  for (const node of nodes) {
    for (const input of node.inputs) {
      if (input !== '' && !available.has(input) && !producedBy.has(input)) {
        throw new WebliteError('BAD_MODEL', `${fileName}: node '${node.name}' (${node.op}) reads '${input}', which no node, input or initializer provides`);
      }
    }
  }
  const sorted: PendingNode[] = [];
  let remaining = nodes;
  while (remaining.length > 0) {
    const next: PendingNode[] = [];
    for (const node of remaining) {
      if (node.inputs.every((i) => i === '' || available.has(i))) {
        sorted.push(node);
        for (const out of node.outputs) if (out) available.add(out);
      } else next.push(node);
    }
    if (next.length === remaining.length) {
      throw new WebliteError('BAD_MODEL', `${fileName}: the graph has a cycle through node '${next[0]!.name}' (${next[0]!.op})`);
    }
    remaining = next;
  }
  return sorted;
}

/**
 * Opset < 13 Softmax/LogSoftmax/Hardmax coerce the input to 2-D at `axis` (default 1). When the axis is the last
 * one that equals the opset-13 form; otherwise rewrite as Shape + Flatten → op(axis=-1) → Reshape.
 */
function resolveLegacySoftmax(graph: Graph, legacy: Set<string>): void {
  const rewritten: Node[] = [];
  for (const node of graph.nodes) {
    if (!legacy.has(node.name)) {
      rewritten.push(node);
      continue;
    }
    const input = graph.tensor(node.inputs[0]!);
    const rank = input.dims?.length;
    const axis = node.attrs.axis as number;
    if (rank !== undefined && (axis < 0 ? axis + rank : axis) === rank - 1) {
      node.attrs.axis = -1;
      rewritten.push(node);
      continue;
    }
    const shape = graph.uniqueName(`${node.name}_shape`);
    const flat = graph.uniqueName(`${node.name}_flat`);
    const result = graph.uniqueName(`${node.name}_2d`);
    rewritten.push(
      { name: `${node.name}_shape`, op: 'Shape', inputs: [node.inputs[0]!], outputs: [shape], attrs: resolveAttrs(opTable.Shape.attrs, {}, node.name) },
      { name: `${node.name}_flatten`, op: 'Flatten', inputs: [node.inputs[0]!], outputs: [flat], attrs: resolveAttrs(opTable.Flatten.attrs, { axis }, node.name) },
      { ...node, inputs: [flat], outputs: [result], attrs: { ...node.attrs, axis: -1 } },
      { name: `${node.name}_reshape`, op: 'Reshape', inputs: [result, shape], outputs: [node.outputs[0]!], attrs: resolveAttrs(opTable.Reshape.attrs, {}, node.name) },
    );
    for (const name of [shape, flat, result]) graph.tensors.set(name, { name, type: 'float32' });
  }
  graph.nodes = rewritten;
  inferShapes(graph);
}
