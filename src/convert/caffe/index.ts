/**
 * Caffe front-end: deploy.prototxt (protobuf text) + .caffemodel (binary weights) → IR Graph in ONNX semantics,
 * NCHW. Both layer forms are read (`layer { type: "Convolution" }` and V1 `layers { type: CONVOLUTION }`); weights
 * are matched to layers by name. All unsupported layer types are reported at once. Runs in browsers (no Node APIs).
 */
import { WebliteError } from '../../errors.js';
import { Graph } from '../../ir/graph.js';
import { inferShapes } from '../../ir/infer.js';
import { CaffeGraphBuilder } from './builder.js';
import { LAYERS } from './layers/index.js';
import { mergeScaleIntoBatchNorm } from './layers/normalization.js';
import type { BlobProto } from './messages.js';
import { type CaffeLayer, readNet } from './net.js';
import { decodeWeights, parseNetText } from './proto.js';

export interface CaffeImportOptions {
  /** The .caffemodel bytes. Layers with weights need them, unless the prototxt carries the blobs inline. */
  weights?: Uint8Array;
  /** The prototxt's name, for error messages. */
  fileName?: string;
  /** The .caffemodel's name, for error messages. */
  weightsFileName?: string;
}

export function importCaffe(prototxt: string | Uint8Array, options: CaffeImportOptions = {}): Graph {
  const fileName = options.fileName ?? '<memory>.prototxt';
  const text = typeof prototxt === 'string' ? prototxt : prototxtText(prototxt, fileName);
  const net = readNet(parseNetText(text, fileName), fileName);
  const weights: Map<string, BlobProto[]> = options.weights
    ? decodeWeights(options.weights, options.weightsFileName ?? '<memory>.caffemodel')
    : new Map();
  reportUnknownTypes(net.layers, fileName);

  const graph = new Graph();
  graph.metadata = {
    producer: '',
    producerVersion: '',
    sourceFormat: 'caffe',
    sourceOpset: 0,
    properties: net.name ? { name: net.name } : {},
  };
  const builder = new CaffeGraphBuilder(graph, net, weights, fileName);
  const unsupported = new Map<string, string[]>();
  for (const layer of net.layers) {
    const spec = LAYERS[layer.type]!;
    checkCount(layer, 'bottom', layer.bottoms.length, spec.bottoms);
    checkCount(layer, 'top', layer.tops.length, spec.tops);
    if (builder.readsPoisoned(layer)) {
      builder.poison(layer); // downstream of an unsupported layer: already reported there
      continue;
    }
    try {
      builder.convert(layer, spec.convert);
    } catch (error) {
      if (!(error instanceof WebliteError) || error.code !== 'UNSUPPORTED_OP') throw error;
      const reason = error.message.replace(/^\[\w+\] /, '').replace(`${layer.where}: `, '');
      addTo(unsupported, layer.type, `${layer.name}: ${reason}`);
      builder.poison(layer);
    }
  }
  if (unsupported.size > 0) throw unsupportedError(unsupported, fileName);
  builder.finish();
  mergeScaleIntoBatchNorm(graph);
  inferShapes(graph);
  return graph;
}

/** The prototxt as text. A binary .caffemodel passed here by mistake gets its own message. */
function prototxtText(bytes: Uint8Array, fileName: string): string {
  const head = bytes.subarray(0, 1024);
  if (head.some((byte) => byte < 9)) {
    throw new WebliteError('BAD_ARGUMENT', `${fileName}: expected the deploy.prototxt text, got binary data (a .caffemodel goes in options.weights)`);
  }
  return new TextDecoder().decode(bytes);
}

function reportUnknownTypes(layers: CaffeLayer[], fileName: string): void {
  const unknown = new Map<string, string[]>();
  for (const layer of layers) if (!Object.prototype.hasOwnProperty.call(LAYERS, layer.type)) addTo(unknown, layer.type, layer.name);
  if (unknown.size > 0) throw unsupportedError(unknown, fileName);
}

function unsupportedError(byType: Map<string, string[]>, fileName: string): WebliteError {
  const list = [...byType].map(([type, layers]) => `${type} (${layers.slice(0, 5).join(', ')}${layers.length > 5 ? `, … ${layers.length} layers` : ''})`);
  return new WebliteError('UNSUPPORTED_OP', `${fileName}: ${byType.size} unsupported Caffe layer type(s): ${list.join('; ')}`);
}

function checkCount(layer: CaffeLayer, what: string, count: number, [min, max]: [number, number]): void {
  if (count >= min && count <= max) return;
  const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  throw new WebliteError('BAD_MODEL', `${layer.where}: needs ${expected} ${what}(s), has ${count}`);
}

function addTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}
