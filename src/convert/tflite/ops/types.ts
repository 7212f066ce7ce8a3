/**
 * Operators about element types: CAST, QUANTIZE, DEQUANTIZE, and SHAPE (folded to a constant: shapes are static).
 *
 * In the float graph a quantized tensor already holds its dequantized value, so DEQUANTIZE is an alias and
 * QUANTIZE is just the requantization `finish` applies to every quantized output. Constant inputs (float16 or
 * int8 weights that MediaPipe-style models dequantize at run time) fold into float32 constants.
 */
import type { DType } from '../../../ir/dtype.js';
import { dequantizeLinear, quantizeLinear } from '../../../ir/reference/quantize.js';
import { Tensor } from '../../../ir/tensor.js';
import type { TfliteQuantization } from '../model.js';
import { storedType } from '../tensors.js';

/** Scale and zero point as tensors for the quantization references (scalars, or 1-D per channel). */
function quantizationTensors(quantization: TfliteQuantization, type: DType): { scale: Tensor; zeroPoint: Tensor } {
  const dims = quantization.scale.length === 1 ? [] : [quantization.scale.length];
  return { scale: new Tensor('float32', quantization.scale, dims), zeroPoint: new Tensor(type, quantization.zeroPoint, dims) };
}
import type { OpConverter } from './registry.js';

const quantize: OpConverter = (ctx) => {
  const value = ctx.constant(0);
  const quantization = ctx.converter.tensor(ctx.output(0)).quantization;
  if (value && quantization) {
    // The constant as the stored integers would hold it: rounded onto the output's grid.
    const type = storedType(ctx.converter.tensor(ctx.output(0)), ctx.converter.fileName);
    const parameters = quantizationTensors(quantization, type);
    const stored = quantizeLinear(value, parameters.scale, parameters.zeroPoint, quantization.axis, type, ctx.label);
    return ctx.converter.setConstant(ctx.output(0), dequantizeLinear(stored, parameters.scale, parameters.zeroPoint, quantization.axis, ctx.label));
  }
  if (value) return ctx.converter.setConstant(ctx.output(0), value);
  const { name, form } = ctx.readPreferred(0);
  ctx.finish(0, name, form, { exactInput: 0 });
};

const dequantize: OpConverter = (ctx) => {
  const value = ctx.constant(0);
  if (value) return ctx.converter.setConstant(ctx.output(0), value);
  const { name, form } = ctx.readPreferred(0);
  const type = ctx.converter.graph.tensor(name).type;
  ctx.finish(0, type === 'float32' ? name : ctx.node1('Cast', [name], { to: 'float32' }), form);
};

/**
 * TFLite's CAST converts stored values and ignores quantization: a quantized input is re-quantized to its stored
 * integers first, and a quantized output is dequantized from the cast integers.
 */
const cast: OpConverter = (ctx) => {
  const { name, form } = ctx.readPreferred(0);
  const inputIndex = ctx.input(0);
  const outputIndex = ctx.output(0);
  const inputQuantization = ctx.converter.quantization(inputIndex);
  const outputQuantization = ctx.converter.quantization(outputIndex);
  const fileName = ctx.converter.fileName;
  let result = name;
  if (inputQuantization) {
    const type = storedType(ctx.converter.tensor(inputIndex), fileName);
    result = ctx.converter.quantizeLinear(result, inputQuantization, type, `${ctx.nodeName}/stored`);
  }
  const target = storedType(ctx.converter.tensor(outputIndex), fileName);
  if (ctx.converter.graph.tensor(result).type !== target) result = ctx.node1('Cast', [result], { to: target });
  if (outputQuantization) result = ctx.converter.dequantizeLinear(result, outputQuantization, target, `${ctx.nodeName}/dequantize`);
  ctx.finish(0, result, form, { onGrid: outputQuantization !== undefined });
};

const shape: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const type = storedType(ctx.converter.tensor(ctx.output(0)), ctx.converter.fileName);
  if (type !== 'int32' && type !== 'int64') ctx.fail(`output type must be int32 or int64, got ${type}`);
  const data = type === 'int64' ? BigInt64Array.from(dims, (d) => BigInt(d)) : Int32Array.from(dims);
  ctx.converter.setConstant(ctx.output(0), new Tensor(type, data, [dims.length]));
};

export const typeConverters: Record<string, OpConverter> = {
  QUANTIZE: quantize,
  DEQUANTIZE: dequantize,
  CAST: cast,
  SHAPE: shape,
};
