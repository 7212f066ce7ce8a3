// The same network for TF.js: the ONNX model read by weblite's front-end with optimisation off (the graph exactly as
// torch exported it: Conv, Relu/Clip, Add, MaxPool, GlobalAveragePool, Flatten, Gemm), rebuilt from its weights as
// TF.js ops in TF.js's own layout (NHWC activations, HWIO / HW-C-1 filters, Gemm weights as K×N), with the fusion
// TF.js's converter would give a converted model: Conv + bias + Relu/Relu6 as one `tf.fused.conv2d` /
// `tf.fused.depthwiseConv2d`, Gemm + bias as `tf.fused.matMul`. Residual Adds stay separate ops (TF.js cannot fuse
// them). Weights are laid out once, on the CPU, before any timing. Ops outside this list are refused by name.
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Graph, Node } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';

type Tf = typeof TfCore;
type Values = Map<string, TfCore.Tensor>;
type Step = (values: Values) => void;

export interface TfjsModel {
  /** Runs on an NHWC input; call inside tf.tidy or dispose the result. */
  run(input: TfCore.Tensor4D): TfCore.Tensor;
  /** TF.js ops per run (after the conv + activation fusion). */
  readonly ops: number;
  dispose(): void;
}

const floats = (tensor: Tensor) => tensor.data as Float32Array;

/** ONNX Conv weight [O, I/g, kh, kw] → TF.js filter: [kh, kw, I, O] (group 1) or [kh, kw, C, 1] (depthwise). */
function convFilter(tf: Tf, weight: Tensor, depthwise: boolean): TfCore.Tensor4D {
  const [outChannels, inPerGroup, kh, kw] = weight.dims as [number, number, number, number];
  const w = floats(weight);
  const inChannels = depthwise ? outChannels : inPerGroup;
  const out = new Float32Array(w.length);
  for (let o = 0; o < outChannels; o++) {
    for (let i = 0; i < inPerGroup; i++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const from = ((o * inPerGroup + i) * kh + y) * kw + x;
          out[depthwise ? (y * kw + x) * inChannels + o : ((y * kw + x) * inChannels + i) * outChannels + o] = w[from]!;
        }
      }
    }
  }
  return tf.tensor4d(out, depthwise ? [kh, kw, inChannels, 1] : [kh, kw, inChannels, outChannels]);
}

/** ONNX pads [top, left, bottom, right] → TF.js: a number when symmetric, else explicit NHWC padding. */
function padding(pads: readonly number[] | undefined): number | [[number, number], [number, number], [number, number], [number, number]] {
  const [t = 0, l = 0, b = 0, r = 0] = pads ?? [];
  if (t === b && l === r && t === l) return t;
  return [[0, 0], [t, b], [l, r], [0, 0]];
}

function attr<T>(node: Node, name: string, fallback: T): T {
  return (node.attrs[name] as T | undefined) ?? fallback;
}

/** The activation a Conv's only reader applies, if it is one TF.js fuses (Relu, or Clip to [0, 6]). */
function fusedActivation(graph: Graph, node: Node, readers: Map<string, Node[]>): { activation: 'relu' | 'relu6'; node: Node } | undefined {
  const next = readers.get(node.outputs[0]!) ?? [];
  if (next.length !== 1 || graph.outputs.includes(node.outputs[0]!)) return undefined;
  const reader = next[0]!;
  if (reader.op === 'Relu') return { activation: 'relu', node: reader };
  if (reader.op === 'Clip') {
    const min = reader.inputs[1] ? graph.constant(reader.inputs[1])?.data[0] : attr(reader, 'min', undefined);
    const max = reader.inputs[2] ? graph.constant(reader.inputs[2])?.data[0] : attr(reader, 'max', undefined);
    if (Number(min) === 0 && Number(max) === 6) return { activation: 'relu6', node: reader };
  }
  return undefined;
}

export function buildTfjsModel(tf: Tf, graph: Graph): TfjsModel {
  const readers = new Map<string, Node[]>();
  for (const node of graph.nodes) for (const input of node.inputs) readers.set(input, [...(readers.get(input) ?? []), node]);
  const weights: TfCore.Tensor[] = [];
  const keep = <T extends TfCore.Tensor>(t: T): T => (weights.push(t), t);
  const constant = (name: string) => {
    const value = graph.constant(name);
    if (!value) throw new Error(`tfjs-graph: '${name}' must be a constant`);
    return value;
  };
  const skipped = new Set<Node>();
  const steps: Step[] = [];

  for (const node of graph.nodes) {
    if (skipped.has(node)) continue;
    const [x, ...rest] = node.inputs;
    const out = node.outputs[0]!;
    switch (node.op) {
      case 'Conv': {
        const weight = constant(rest[0]!);
        const group = attr(node, 'group', 1);
        const depthwise = group > 1 && group === weight.dims[0] && weight.dims[1] === 1;
        if (group !== 1 && !depthwise) throw new Error(`tfjs-graph: grouped Conv (group ${group}) is not built`);
        const filter = keep(convFilter(tf, weight, depthwise));
        const bias = rest[1] ? keep(tf.tensor1d(floats(constant(rest[1])))) : undefined;
        const fused = fusedActivation(graph, node, readers);
        if (fused) skipped.add(fused.node);
        const result = fused ? fused.node.outputs[0]! : out;
        const strides = attr(node, 'strides', [1, 1]) as [number, number];
        const dilations = attr(node, 'dilations', [1, 1]) as [number, number];
        const pad = padding(attr(node, 'pads', undefined));
        const activation = fused?.activation ?? 'linear';
        steps.push((v) => {
          const input = v.get(x!) as TfCore.Tensor4D;
          v.set(result, depthwise
            ? tf.fused.depthwiseConv2d({ x: input, filter, strides, pad: pad as number, dilations, bias, activation })
            : tf.fused.conv2d({ x: input, filter, strides, pad, dilations, bias, activation }));
        });
        break;
      }
      case 'Relu':
        steps.push((v) => v.set(out, tf.relu(v.get(x!)!)));
        break;
      case 'Clip': {
        const min = Number(rest[0] ? constant(rest[0]).data[0] : -Infinity);
        const max = Number(rest[1] ? constant(rest[1]).data[0] : Infinity);
        steps.push((v) => v.set(out, min === 0 && max === 6 ? tf.relu6(v.get(x!)!) : tf.clipByValue(v.get(x!)!, min, max)));
        break;
      }
      case 'Add':
        steps.push((v) => v.set(out, tf.add(v.get(x!)!, v.get(rest[0]!)!)));
        break;
      case 'MaxPool': {
        if (attr<number>(node, 'ceil_mode', 0) !== 0) throw new Error('tfjs-graph: MaxPool ceil_mode 1 is not built');
        const size = attr(node, 'kernel_shape', [1, 1]) as [number, number];
        const strides = attr(node, 'strides', [1, 1]) as [number, number];
        const pad = padding(attr(node, 'pads', undefined));
        if (typeof pad !== 'number') throw new Error('tfjs-graph: asymmetric MaxPool padding is not built');
        steps.push((v) => v.set(out, tf.maxPool(v.get(x!) as TfCore.Tensor4D, size, strides, pad)));
        break;
      }
      case 'GlobalAveragePool':
        steps.push((v) => v.set(out, tf.mean(v.get(x!)!, [1, 2], true)));
        break;
      case 'Flatten': {
        if (attr<number>(node, 'axis', 1) !== 1) throw new Error('tfjs-graph: Flatten axis ≠ 1 is not built');
        // NHWC with H = W = 1 flattens to NCHW's order as it is; otherwise go back to NCHW first.
        steps.push((v) => {
          const input = v.get(x!)!;
          const [n, h, w, c] = input.shape as [number, number, number, number];
          v.set(out, h * w === 1 ? tf.reshape(input, [n, c]) : tf.reshape(tf.transpose(input, [0, 3, 1, 2]), [n, c * h * w]));
        });
        break;
      }
      case 'Gemm': {
        if (attr<number>(node, 'alpha', 1) !== 1 || attr<number>(node, 'beta', 1) !== 1 || attr<number>(node, 'transA', 0) !== 0) throw new Error('tfjs-graph: only Gemm with alpha = beta = 1, transA = 0 is built');
        const weight = constant(rest[0]!);
        const transB = attr<number>(node, 'transB', 0) === 1;
        // Stored K×N, as a TF model's dense kernel is.
        const b = keep(transB ? tf.tidy(() => tf.transpose(tf.tensor2d(floats(weight), weight.dims as [number, number]))) : tf.tensor2d(floats(weight), weight.dims as [number, number]));
        const bias = rest[1] ? keep(tf.tensor1d(floats(constant(rest[1])))) : undefined;
        steps.push((v) => v.set(out, tf.fused.matMul({ a: v.get(x!) as TfCore.Tensor2D, b, bias })));
        break;
      }
      default:
        throw new Error(`tfjs-graph: ${node.op} (node '${node.name}') is not built for the TF.js side of the benchmark`);
    }
  }
  const [input] = graph.inputs;
  const [output] = graph.outputs;
  return {
    ops: steps.length,
    run(x) {
      return tf.tidy(() => {
        const values: Values = new Map([[input!, x]]);
        for (const step of steps) step(values);
        return values.get(output!)!;
      });
    },
    dispose() {
      for (const t of weights) t.dispose();
    },
  };
}
