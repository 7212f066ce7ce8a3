/**
 * Convolution, Deconvolution, Pooling and InnerProduct. Caffe's weights already have ONNX's layouts
 * (Conv [M, C/group, k…], ConvTranspose [C, M/group, k…], InnerProduct [N, K]); blobs are only reshaped, because
 * old .caffemodels store every blob as 4-D.
 */
import type { Attrs } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { LayerContext } from '../builder.js';
import type { ConvolutionParameter, InnerProductParameter, PoolingParameter } from '../messages.js';

const product = (values: readonly number[]) => values.reduce((a, b) => a * b, 1);

interface AxisFields {
  list?: number[];
  single?: number;
  height?: number;
  width?: number;
}

/**
 * One window parameter per spatial axis, as Caffe reads it: `name_h`/`name_w` (2-D only, both or neither), else the
 * repeated/singular `name` (one value for every axis, or one per axis), else the default.
 */
function perAxis(ctx: LayerContext, name: string, fields: AxisFields, rank: number, fallback: number | undefined): number[] {
  const { height, width } = fields;
  const list = fields.list ?? (fields.single === undefined ? [] : [fields.single]);
  if (height !== undefined || width !== undefined) {
    if (height === undefined || width === undefined) throw ctx.fail(`give both ${name}_h and ${name}_w`);
    if (rank !== 2) throw ctx.fail(`${name}_h/${name}_w need 2 spatial axes, the input has ${rank}`);
    if (list.length > 0) throw ctx.fail(`give either ${name} or ${name}_h/${name}_w, not both`);
    return [height, width];
  }
  if (list.length === 0) {
    if (fallback === undefined) throw ctx.fail(`${name} is required`);
    return new Array<number>(rank).fill(fallback);
  }
  if (list.length === 1) return new Array<number>(rank).fill(list[0]!);
  if (list.length === rank) return [...list];
  throw ctx.fail(`${name} has ${list.length} values for ${rank} spatial axes`);
}

function spatialRank(ctx: LayerContext, minimum: number): number {
  const rank = ctx.dims(0).length - 2;
  if (rank < minimum) throw ctx.fail(`needs an input of rank ≥ ${minimum + 2} (N, C, spatial…), got [${ctx.dims(0)}]`);
  return rank;
}

function channels(ctx: LayerContext): number {
  const c = ctx.dims(0)[1]!;
  if (typeof c !== 'number') throw ctx.unsupported(`needs a known channel count, bottom '${ctx.layer.bottoms[0]}' has [${ctx.dims(0)}]`);
  return c;
}

/**
 * Convolution and Deconvolution; `depthwise` for the forks' ConvolutionDepthwise / DepthwiseConvolution layers, whose
 * group defaults to the input channel count.
 */
export function convolution(ctx: LayerContext, transposed: boolean, depthwise = false): void {
  const p = ctx.param<ConvolutionParameter>('convolution');
  if ((p.axis ?? 1) !== 1) throw ctx.unsupported(`convolution over axis ${p.axis} (only the channel axis 1)`);
  const rank = spatialRank(ctx, 1);
  const kernel = perAxis(ctx, 'kernel', { list: p.kernel_size, height: p.kernel_h, width: p.kernel_w }, rank, undefined);
  const pads = perAxis(ctx, 'pad', { list: p.pad, height: p.pad_h, width: p.pad_w }, rank, 0);
  const strides = perAxis(ctx, 'stride', { list: p.stride, height: p.stride_h, width: p.stride_w }, rank, 1);
  const dilations = perAxis(ctx, 'dilation', { list: p.dilation }, rank, 1);
  const outputs = p.num_output ?? 0;
  const inputs = channels(ctx);
  const group = p.group ?? (depthwise ? inputs : 1);
  if (outputs < 1) throw ctx.fail('num_output must be given and positive');
  if (group < 1 || inputs % group !== 0 || outputs % group !== 0) {
    throw ctx.fail(`group ${group} must divide the input channels (${inputs}) and num_output (${outputs})`);
  }
  const weightDims = transposed ? [inputs, outputs / group, ...kernel] : [outputs, inputs / group, ...kernel];
  const weights = ctx.constant('weights', ctx.blob(0, weightDims, 'weights'));
  const operands = [ctx.inputs[0]!, weights];
  if (p.bias_term ?? true) operands.push(ctx.constant('bias', ctx.blob(1, [outputs], 'bias')));
  const attrs: Attrs = { kernel_shape: kernel, pads: [...pads, ...pads], strides, dilations, group };
  ctx.node(transposed ? 'ConvTranspose' : 'Conv', operands, [ctx.outputs[0]!], attrs);
}

/**
 * Caffe rounds pooled sizes up by default (round_mode CEIL): out = ceil((in + 2p − k) / s) + 1, then drops a last
 * window that would start inside the end padding — but only when p > 0. The IR's ceil_mode drops it always, so
 * the two differ only without padding and with kernel < stride; there explicit end padding (floor mode) recreates
 * Caffe's extra window. AVE divides by the window clipped to the padded input, which is count_include_pad.
 */
export function pooling(ctx: LayerContext): void {
  const p = ctx.param<PoolingParameter>('pooling');
  const method = p.pool ?? 'MAX';
  if (method === 'STOCHASTIC') throw ctx.unsupported('STOCHASTIC pooling');
  const dims = ctx.dims(0);
  if (dims.length !== 4) throw ctx.fail(`pooling needs a 4-D input (N, C, H, W), got [${dims}]`);
  if (p.global_pooling) {
    if (p.kernel_size !== undefined || p.kernel_h !== undefined || p.kernel_w !== undefined) {
      throw ctx.fail('global_pooling takes no kernel size');
    }
    ctx.node(method === 'MAX' ? 'GlobalMaxPool' : 'GlobalAveragePool', [ctx.inputs[0]!], [ctx.outputs[0]!]);
    return;
  }
  const kernel = perAxis(ctx, 'kernel', { single: p.kernel_size, height: p.kernel_h, width: p.kernel_w }, 2, undefined);
  const pads = perAxis(ctx, 'pad', { single: p.pad, height: p.pad_h, width: p.pad_w }, 2, 0);
  const strides = perAxis(ctx, 'stride', { single: p.stride, height: p.stride_h, width: p.stride_w }, 2, 1);
  if (kernel.some((k, i) => pads[i]! >= k || k < 1 || strides[i]! < 1)) {
    throw ctx.fail(`kernel [${kernel}] and stride [${strides}] must be ≥ 1 and pad [${pads}] smaller than the kernel`);
  }
  const ceil = p.round_mode !== 'FLOOR' && p.ceil_mode !== false;
  let attrs: Attrs = { kernel_shape: kernel, strides, pads: [...pads, ...pads], ceil_mode: ceil ? 1 : 0, count_include_pad: 1 };
  const spatial = dims.slice(2);
  if (ceil && spatial.every((d): d is number => typeof d === 'number')) {
    const caffe = spatial.map((size, i) => caffePooledSize(size, kernel[i]!, pads[i]!, strides[i]!));
    const ir = spatial.map((size, i) => irPooledSize(size, kernel[i]!, pads[i]!, strides[i]!));
    if (caffe.some((size, i) => size !== ir[i])) {
      if (method === 'AVE' && pads.some((pad) => pad > 0)) {
        throw ctx.unsupported('AVE pooling whose last window starts past the input on one axis while another axis is padded');
      }
      const ends = caffe.map((size, i) => (size - 1) * strides[i]! + kernel[i]! - spatial[i]! - pads[i]!);
      attrs = { ...attrs, pads: [...pads, ...ends], ceil_mode: 0, count_include_pad: method === 'AVE' ? 0 : 1 };
    }
  }
  if (method === 'MAX') delete attrs.count_include_pad;
  ctx.node(method === 'MAX' ? 'MaxPool' : 'AveragePool', [ctx.inputs[0]!], [ctx.outputs[0]!], attrs);
}

function caffePooledSize(size: number, kernel: number, pad: number, stride: number): number {
  let out = Math.ceil((size + 2 * pad - kernel) / stride) + 1;
  if (pad > 0 && (out - 1) * stride >= size + pad) out--;
  return out;
}

function irPooledSize(size: number, kernel: number, pad: number, stride: number): number {
  let out = Math.ceil((size + 2 * pad - kernel) / stride) + 1;
  if ((out - 1) * stride >= size + pad) out--;
  return out;
}

/**
 * InnerProduct over the axes from `axis` on. axis 1 is Flatten + Gemm (what fusion and the backends know best);
 * another axis keeps the leading dims: Reshape to [lead…, K], MatMul by Wᵀ, add the bias.
 */
export function innerProduct(ctx: LayerContext): void {
  const p = ctx.param<InnerProductParameter>('inner_product');
  const outputs = p.num_output ?? 0;
  if (outputs < 1) throw ctx.fail('num_output must be given and positive');
  const dims = ctx.dims(0);
  const axis = (p.axis ?? 1) < 0 ? (p.axis ?? 1) + dims.length : p.axis ?? 1;
  if (axis < 0 || axis >= dims.length) throw ctx.fail(`axis ${p.axis} is out of range for an input of rank ${dims.length}`);
  const reduced = dims.slice(axis);
  if (reduced.some((d) => typeof d !== 'number')) throw ctx.unsupported(`needs known dims from axis ${axis} on, got [${dims}]`);
  const depth = product(reduced as number[]);
  const transpose = p.transpose ?? false;
  const weights = ctx.blob(0, transpose ? [depth, outputs] : [outputs, depth], 'weights');
  const bias = (p.bias_term ?? true) ? ctx.constant('bias', ctx.blob(1, [outputs], 'bias')) : undefined;
  const output = ctx.outputs[0]!;
  if (axis === 1) {
    const flat = dims.length === 2 ? ctx.inputs[0]! : ctx.node('Flatten', [ctx.inputs[0]!], [ctx.temp('flat')], { axis: 1 }, 'flatten')[0]!;
    const operands = [flat, ctx.constant('weights', weights), ...(bias ? [bias] : [])];
    ctx.node('Gemm', operands, [output], { transB: transpose ? 0 : 1 });
    return;
  }
  const shape = ctx.int64s('shape', [...new Array<number>(axis).fill(0), -1]);
  const rows = ctx.node('Reshape', [ctx.inputs[0]!, shape], [ctx.temp('rows')], {}, 'reshape')[0]!;
  const matrix = ctx.constant('weights', transpose ? weights : transposed(weights));
  const multiplied = ctx.node('MatMul', [rows, matrix], [bias ? ctx.temp('product') : output])[0]!;
  if (bias) ctx.node('Add', [multiplied, bias], [output], {}, 'bias');
}

function transposed(matrix: Tensor<'float32'>): Tensor<'float32'> {
  const [rows, columns] = matrix.dims as [number, number];
  const out = new Float32Array(matrix.size);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = matrix.data[r * columns + c]!;
  return new Tensor('float32', out, [columns, rows]);
}
