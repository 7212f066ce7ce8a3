/** Small hand-made graphs for the .wlm round-trip, corruption and fuzz tests. */
import { Graph, type Attrs, type Dim, type Node, type TensorInfo } from '../../src/ir/graph.js';
import type { OpType } from '../../src/ir/ops.js';
import { Tensor } from '../../src/ir/tensor.js';

export function addTensor(graph: Graph, name: string, type: TensorInfo['type'], dims?: Dim[], value?: Tensor): TensorInfo {
  const info: TensorInfo = { name, type };
  if (dims !== undefined) info.dims = dims;
  if (value !== undefined) info.value = value;
  graph.tensors.set(name, info);
  return info;
}

export function addNode(graph: Graph, op: OpType, inputs: string[], outputs: string[], attrs: Attrs = {}): Node {
  const node: Node = { name: `${op.toLowerCase()}_${graph.nodes.length}`, op, inputs, outputs, attrs };
  graph.nodes.push(node);
  return node;
}

function constant(graph: Graph, name: string, value: Tensor): void {
  addTensor(graph, name, value.type, [...value.dims], value);
}

/** One constant of every dtype, including odd values (NaN, -0, extremes, empty, scalar, non-ASCII strings). */
export function everyDtypeConstants(graph: Graph): string[] {
  const values: Record<string, Tensor> = {
    c_float32: new Tensor('float32', new Float32Array([1.5, NaN, -0, Infinity, -3.25, 1e-40]), [2, 3]),
    c_float16: new Tensor('float16', new Uint16Array([0x3c00, 0x7e00, 0x8000]), [3]),
    c_float64: new Tensor('float64', new Float64Array([Math.PI, -Number.MAX_VALUE]), [2, 1]),
    c_int8: new Tensor('int8', new Int8Array([-128, 127, 0]), [3]),
    c_uint8: new Tensor('uint8', new Uint8Array([0, 255]), [1, 2]),
    c_int16: new Tensor('int16', new Int16Array([-32768, 32767]), [2]),
    c_uint16: new Tensor('uint16', new Uint16Array([65535]), []),
    c_int32: new Tensor('int32', new Int32Array([-(2 ** 31), 2 ** 31 - 1, 7]), [3]),
    c_uint32: new Tensor('uint32', new Uint32Array([2 ** 32 - 1, 0]), [2]),
    c_int64: new Tensor('int64', new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, -1n]), [3]),
    c_uint64: new Tensor('uint64', new BigUint64Array([2n ** 64n - 1n]), [1]),
    c_bool: new Tensor('bool', new Uint8Array([1, 0, 1, 1]), [2, 2]),
    c_string: new Tensor('string', ['a', 'ünïcode ✓', ''], [3]),
    c_empty: new Tensor('float32', new Float32Array(0), [0, 3]),
  };
  for (const [name, value] of Object.entries(values)) constant(graph, name, value);
  return Object.keys(values);
}

/** Every feature the format carries: all dtypes, symbolic and unknown shapes, all attribute kinds, … */
export function everyFeatureGraph(): Graph {
  const graph = new Graph();
  everyDtypeConstants(graph);
  addTensor(graph, 'x', 'float32', ['batch', 3, 'height', 'width']);
  addTensor(graph, 'w', 'float32', [4, 3, 1, 1], new Tensor('float32', new Float32Array(12).map((_, i) => i / 3), [4, 3, 1, 1]));
  addTensor(graph, 'conv', 'float32', ['batch', 4, 'height', 'width']);
  addTensor(graph, 'relu', 'float32');
  addTensor(graph, 'indices', 'int64', [2], new Tensor('int64', new BigInt64Array([0n, 3n]), [2]));
  addTensor(graph, 'gathered', 'float32', ['batch', 2, 'height', 'width']);
  const q = addTensor(graph, 'q', 'int8', [1, 4]);
  q.quantization = { scale: [0.5, 0.25, 1 / 3, 1e-7], zeroPoint: [0, -3, 127, -128], axis: 1 };
  addTensor(graph, 'shape', 'int64', [1], new Tensor('int64', new BigInt64Array([4n]), [1]));
  addTensor(graph, 'filled', 'float32', [4]);
  addTensor(graph, 'out', 'float32', ['batch', 2, 'height', 'width']);

  addNode(graph, 'Conv', ['x', 'w', ''], ['conv'], {
    pads: [0, 0, 0, 0], strides: [1, 1], dilations: [1, 1], group: 1, auto_pad: 'NOTSET', kernel_shape: [1, 1],
  });
  addNode(graph, 'LeakyRelu', ['conv'], ['relu'], { alpha: 0.125 });
  addNode(graph, 'Gather', ['relu', 'indices'], ['gathered'], { axis: 1 });
  addNode(graph, 'ConstantOfShape', ['shape'], ['filled'], { value: new Tensor('float32', new Float32Array([2.5]), [1]) });
  // Attribute names no spec declares, so their kinds are inferred: FLOATS, STRINGS, negative INT, big INT.
  addNode(graph, 'Identity', ['gathered'], ['out'], {
    scales_hint: [0.5, 1.5, -2.25],
    labels: ['cat', 'dog', ''],
    offset_hint: -7,
    big_hint: 2 ** 53 - 1,
    empty_hint: [],
  });
  graph.inputs = ['x'];
  graph.outputs = ['out', 'filled'];
  graph.metadata = {
    producer: 'weblite-test',
    producerVersion: '0.1.0',
    sourceFormat: 'onnx',
    sourceOpset: 17,
    properties: { labels: 'cat,dog', mean: '0.485,0.456,0.406', layout: 'NCHW' },
  };
  return graph;
}

/** A few small graphs using common ops, as seeds for fuzzing. */
export function smallGraphs(): Record<string, Graph> {
  const addRelu = new Graph();
  addTensor(addRelu, 'a', 'float32', ['n', 4]);
  addTensor(addRelu, 'b', 'float32', [4], new Tensor('float32', new Float32Array([1, -2, 3, -4]), [4]));
  addTensor(addRelu, 'sum', 'float32', ['n', 4]);
  addTensor(addRelu, 'y', 'float32', ['n', 4]);
  addNode(addRelu, 'Add', ['a', 'b'], ['sum']);
  addNode(addRelu, 'Relu', ['sum'], ['y']);
  addRelu.inputs = ['a'];
  addRelu.outputs = ['y'];

  const conv = new Graph();
  addTensor(conv, 'x', 'float32', [1, 2, 5, 5]);
  addTensor(conv, 'w', 'float32', [3, 2, 3, 3], new Tensor('float32', new Float32Array(54).fill(0.5), [3, 2, 3, 3]));
  addTensor(conv, 'bias', 'float32', [3], new Tensor('float32', new Float32Array([0.1, 0.2, 0.3]), [3]));
  addTensor(conv, 'y', 'float32', [1, 3, 5, 5]);
  addNode(conv, 'Conv', ['x', 'w', 'bias'], ['y'], { pads: [1, 1, 1, 1], strides: [1, 1], group: 1, auto_pad: 'NOTSET' });
  conv.inputs = ['x'];
  conv.outputs = ['y'];

  const reshapeGather = new Graph();
  addTensor(reshapeGather, 'x', 'float32', [2, 6]);
  addTensor(reshapeGather, 'shape', 'int64', [2], new Tensor('int64', new BigInt64Array([3n, 4n]), [2]));
  addTensor(reshapeGather, 'reshaped', 'float32', [3, 4]);
  addTensor(reshapeGather, 'indices', 'int32', [2], new Tensor('int32', new Int32Array([2, 0]), [2]));
  addTensor(reshapeGather, 'y', 'float32', [2, 4]);
  addNode(reshapeGather, 'Reshape', ['x', 'shape'], ['reshaped'], { allowzero: 0 });
  addNode(reshapeGather, 'Gather', ['reshaped', 'indices'], ['y'], { axis: 0 });
  reshapeGather.inputs = ['x'];
  reshapeGather.outputs = ['y'];
  reshapeGather.metadata = { producer: 'fuzz', producerVersion: '1', sourceFormat: 'onnx', sourceOpset: 13, properties: { k: 'v' } };

  return { addRelu, conv, reshapeGather, everyFeature: everyFeatureGraph() };
}
