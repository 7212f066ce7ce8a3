/**
 * Conv → BatchNormalization with constant parameters becomes one conv with folded weights (TF.js's
 * fold_batch_norms): per output channel m, with s = scale[m] / √(var[m] + ε),
 *   W'[m, …] = W[m, …] · s        B'[m] = (B[m] − mean[m]) · s + bias[m]      (B = 0 when absent).
 * Folding is computed in float64 and stored in W's dtype. The conv may be a FusedConv without activation and
 * residual (either would sit between the product and the normalisation). W and B must be constants.
 */
import type { Graph, Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { type FloatArray, floatData } from '../ir/reference/matmul.js';
import { tensorFromNumbers } from '../ir/reference/util.js';
import { type GraphView, addConstant, fusedName, replacePattern, rewriteAll } from './match.js';
import type { Pass } from './pass.js';

export const fuseConvBatchNorm: Pass = {
  name: 'fuse-conv-batchnorm',
  run: (graph) => rewriteAll(graph, (node, view) => fold(graph, node, view)),
};

function fold(graph: Graph, norm: Node, view: GraphView): boolean {
  if (norm.op !== 'BatchNormalization') return false;
  const conv = view.producerOf(norm.inputs[0]!, ['Conv', 'FusedConv']);
  if (!conv || !view.readOnlyBy(conv.outputs[0]!, norm)) return false;
  if (conv.op === 'FusedConv' && ((conv.attrs.activation ?? '') !== '' || (conv.inputs[3] ?? '') !== '')) return false;
  const weights = graph.constant(conv.inputs[1]!);
  const bias = conv.inputs[2] ? graph.constant(conv.inputs[2]) : undefined;
  if (!weights || (conv.inputs[2] && !bias)) return false;
  const params = norm.inputs.slice(1).map((name) => graph.constant(name));
  if (!params.every((p): p is Tensor => p !== undefined)) return false;
  const channels = weights.dims[0]!;
  if (weights.dims.length < 3 || [bias, ...params].some((t) => t && t.size !== channels)) return false;
  if (![weights, bias, ...params].every((t) => !t || t.type === 'float32' || t.type === 'float64' || t.type === 'float16')) return false;

  const [scale, shift, mean, variance] = params.map((p) => floatData(p)) as [FloatArray, FloatArray, FloatArray, FloatArray];
  const epsilon = norm.attrs.epsilon as number;
  const oldWeights = floatData(weights);
  const oldBias = bias ? floatData(bias) : undefined;
  const perChannel = weights.size / channels;
  const newWeights = new Array<number>(weights.size);
  const newBias = new Array<number>(channels);
  for (let m = 0; m < channels; m++) {
    const factor = scale[m]! / Math.sqrt(variance[m]! + epsilon);
    for (let k = m * perChannel; k < (m + 1) * perChannel; k++) newWeights[k] = oldWeights[k]! * factor;
    newBias[m] = ((oldBias ? oldBias[m]! : 0) - mean[m]!) * factor + shift[m]!;
  }
  const weightName = addConstant(graph, `${conv.name}.folded_weight`, tensorFromNumbers(weights.type, newWeights, weights.dims));
  const biasName = addConstant(graph, `${conv.name}.folded_bias`, tensorFromNumbers(weights.type, newBias, [channels]));
  const fused: Node = {
    name: fusedName(conv, norm),
    op: conv.op,
    inputs: [conv.inputs[0]!, weightName, biasName],
    outputs: [norm.outputs[0]!],
    attrs: { ...conv.attrs },
  };
  replacePattern(graph, [conv, norm], fused);
  return true;
}
