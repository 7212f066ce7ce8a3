/**
 * The one closed op table. `OP_TYPES` is the list of ops the IR knows; `opTable` maps each to its spec.
 * TypeScript rejects `opTable` if any op lacks a spec, so adding an op name forces a spec + reference.
 *
 * ONNX's Constant and Upsample are not IR ops: the ONNX front-end turns Constant into a constant tensor and
 * Upsample into Resize, so nothing downstream sees them.
 */
import type { OpSpec } from './op-spec.js';
import { elementwiseOps } from './ops/elementwise.js';
import { nnOps } from './ops/nn.js';
import { movementOps } from './ops/movement.js';
import { reduceOps } from './ops/reduce.js';
import { fusedOps } from './ops/fused.js';
import { quantizeOps } from './ops/quantize.js';
import { qlinearOps } from './ops/qlinear.js';
import { detectionOps } from './ops/detection.js';

export const OP_TYPES = [
  // elementwise (ops/elementwise.ts)
  'Abs', 'Acos', 'Acosh', 'Asin', 'Asinh', 'Atan', 'Atanh', 'Ceil', 'Cos', 'Cosh', 'Erf', 'Exp', 'Floor', 'IsInf',
  'IsNaN', 'Log', 'Neg', 'Not', 'Reciprocal', 'Round', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Sqrt', 'Tan', 'Tanh',
  'Softplus', 'Softsign', 'Relu', 'Celu', 'Elu', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Selu', 'Clip', 'PRelu',
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'GreaterOrEqual', 'Less',
  'LessOrEqual', 'Max', 'Min', 'Mean', 'Sum', 'Where', 'Cast', 'CastLike', 'Identity', 'Dropout',
  // neural-network ops (ops/nn.ts)
  'Conv', 'ConvTranspose', 'AveragePool', 'MaxPool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization',
  'InstanceNormalization', 'LayerNormalization', 'LRN', 'Gemm', 'MatMul', 'Einsum', 'Softmax', 'LogSoftmax', 'Hardmax',
  // shape and data movement (ops/movement.ts)
  'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Concat', 'Split', 'Slice', 'Gather', 'GatherElements',
  'GatherND', 'ScatterElements', 'ScatterND', 'Pad', 'Tile', 'Expand', 'DepthToSpace', 'SpaceToDepth', 'Shape', 'Size',
  'ConstantOfShape', 'Range', 'OneHot', 'Trilu',
  // reductions, search, resampling (ops/reduce.ts)
  'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd',
  'ReduceSum', 'ReduceSumSquare', 'ArgMax', 'ArgMin', 'CumSum', 'TopK', 'Resize',
  // weblite's own fused ops, produced only by fusion passes in src/passes/ (ops/fused.ts)
  'FusedConv', 'FusedGemm', 'FusedMatMul', 'Gelu',
  // quantization (ops/quantize.ts): TFLite's quantized tensors, ONNX QDQ models
  'QuantizeLinear', 'DequantizeLinear',
  // quantized operators (ops/qlinear.ts): made from QDQ graphs for integer kernels (src/passes/quantize/qdq-fuse.ts)
  'QLinearConv', 'QLinearMatMul', 'QGemm', 'QLinearAdd', 'QLinearMul', 'QLinearAveragePool', 'QLinearGlobalAveragePool',
  'QLinearConcat',
  // detection post-processing (ops/detection.ts)
  'NonMaxSuppression',
] as const;

export type OpType = (typeof OP_TYPES)[number];

export const opTable: Record<OpType, OpSpec> = {
  ...elementwiseOps,
  ...nnOps,
  ...movementOps,
  ...reduceOps,
  ...fusedOps,
  ...quantizeOps,
  ...qlinearOps,
  ...detectionOps,
};

export function isOpType(name: string): name is OpType {
  return Object.prototype.hasOwnProperty.call(opTable, name);
}
