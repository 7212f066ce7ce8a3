/**
 * BatchNorm, Scale, Bias, LRN and Normalize. Caffe splits batch normalisation into BatchNorm (mean/variance) and
 * Scale (γ, β); both become BatchNormalization nodes and `mergeScaleIntoBatchNorm` joins each pair, so the fusion
 * pass can fold the result into the convolution before it.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { LayerContext } from '../builder.js';
import type { LRNParameter, ScaleParameter, ScalarParameters } from '../messages.js';
import { scalar, scalarSteps } from './activation.js';

const filled = (length: number, value: number) => new Tensor('float32', new Float32Array(length).fill(value), [length]);

function channelCount(ctx: LayerContext): number {
  const dims = ctx.dims(0);
  const channels = dims[1];
  if (dims.length < 2) throw ctx.fail(`needs an input of rank ≥ 2 (N, C, …), got [${dims}]`);
  if (typeof channels !== 'number') throw ctx.unsupported(`needs a known channel count, got [${dims}]`);
  return channels;
}

/** Stored statistics are sums scaled by blobs[2][0] (the moving-average normaliser): divide it out. */
export function batchNorm(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('batch_norm');
  if (p.use_global_stats === false) throw ctx.unsupported('use_global_stats: false (statistics of the batch itself)');
  const channels = channelCount(ctx);
  const mean = ctx.blob(0, [channels], 'mean');
  const variance = ctx.blob(1, [channels], 'variance');
  const factor = ctx.blob(2, [1], 'moving-average factor').data[0]!;
  const scale = factor === 0 ? 0 : 1 / factor;
  const scaled = (t: Tensor<'float32'>) => new Tensor('float32', t.data.map((v) => v * scale), [channels]);
  const operands = [
    ctx.inputs[0]!,
    ctx.constant('scale', filled(channels, 1)),
    ctx.constant('bias', filled(channels, 0)),
    ctx.constant('mean', scaled(mean)),
    ctx.constant('variance', scaled(variance)),
  ];
  ctx.node('BatchNormalization', operands, [ctx.outputs[0]!], { epsilon: (p.eps as number | undefined) ?? 1e-5 });
}

/**
 * Scale (γ, optional β) and Bias (β) over `num_axes` axes from `axis`. The factor comes from a blob, or from a
 * second bottom (then its shape sets the axes). A per-channel blob becomes BatchNormalization(γ, β, 0, 1, ε = 0);
 * anything else Mul/Add with the factor shaped to broadcast.
 */
export function scaleOrBias(ctx: LayerContext, kind: 'scale' | 'bias'): void {
  const p = ctx.param<ScaleParameter>(kind);
  const dims = ctx.dims(0);
  const axis = (p.axis ?? 1) < 0 ? (p.axis ?? 1) + dims.length : p.axis ?? 1;
  const output = ctx.outputs[0]!;
  if (ctx.inputs.length === 2) {
    const factorRank = ctx.dims(1).length;
    const trailing = dims.length - axis - factorRank;
    if (axis < 0 || trailing < 0) throw ctx.fail(`bottom '${ctx.layer.bottoms[1]}' of rank ${factorRank} does not fit input [${dims}] from axis ${axis}`);
    const axes = Array.from({ length: trailing }, (_, i) => factorRank + i);
    const factor = trailing === 0 ? ctx.inputs[1]! : ctx.node('Unsqueeze', [ctx.inputs[1]!, ctx.int64s('axes', axes)], [ctx.temp('factor')], {}, 'unsqueeze')[0]!;
    const withBias = kind === 'scale' && (p.bias_term ?? false);
    const product = ctx.node(kind === 'scale' ? 'Mul' : 'Add', [ctx.inputs[0]!, factor], [withBias ? ctx.temp('scaled') : output])[0]!;
    if (withBias) {
      const shape = ctx.dims(1);
      if (shape.some((d) => typeof d !== 'number')) throw ctx.unsupported(`needs the static shape of bottom '${ctx.layer.bottoms[1]}'`);
      const bias = ctx.blob(0, shape as number[], 'bias');
      ctx.node('Add', [product, ctx.constant('bias', bias.reshape([...bias.dims, ...new Array<number>(trailing).fill(1)]))], [output], {}, 'bias');
    }
    return;
  }
  const numAxes = p.num_axes ?? 1;
  const end = numAxes === -1 ? dims.length : axis + numAxes;
  if (axis < 0 || numAxes < -1 || end > dims.length) throw ctx.fail(`axis ${p.axis ?? 1} and num_axes ${numAxes} do not fit input [${dims}]`);
  const shape = dims.slice(axis, end);
  if (shape.some((d) => typeof d !== 'number')) throw ctx.unsupported(`needs known dims ${axis}..${end - 1}, got [${dims}]`);
  const factorDims = shape as number[];
  const broadcast = [...factorDims, ...new Array<number>(dims.length - end).fill(1)];
  if (kind === 'bias') {
    ctx.node('Add', [ctx.inputs[0]!, ctx.constant('bias', ctx.blob(0, broadcast, 'bias'))], [output]);
    return;
  }
  const gamma = ctx.blob(0, broadcast, 'scale');
  const beta = p.bias_term ? ctx.blob(1, broadcast, 'bias') : undefined;
  if (axis === 1 && end === 2) {
    const channels = factorDims[0]!;
    const operands = [
      ctx.inputs[0]!,
      ctx.constant('scale', gamma.reshape([channels])),
      ctx.constant('bias', beta ? beta.reshape([channels]) : filled(channels, 0)),
      ctx.constant('mean', filled(channels, 0)),
      ctx.constant('variance', filled(channels, 1)),
    ];
    ctx.node('BatchNormalization', operands, [output], { epsilon: 0 });
    return;
  }
  const product = ctx.node('Mul', [ctx.inputs[0]!, ctx.constant('scale', gamma)], [beta ? ctx.temp('scaled') : output])[0]!;
  if (beta) ctx.node('Add', [product, ctx.constant('bias', beta)], [output], {}, 'bias');
}

/**
 * LRN. ACROSS_CHANNELS is ONNX's LRN (same window and formula: x / (k + α/n·Σx²)^β). WITHIN_CHANNEL is Caffe's
 * composition: x · (1 + α·avgpool_n×n(x²))^(−β), the pool padded by (n − 1)/2 and dividing by n² (k unused).
 */
export function lrn(ctx: LayerContext): void {
  const p = ctx.param<LRNParameter>('lrn');
  const size = p.local_size ?? 5;
  const alpha = p.alpha ?? 1;
  const beta = p.beta ?? 0.75;
  if (size % 2 === 0) throw ctx.fail(`local_size must be odd, got ${size}`);
  if ((p.norm_region ?? 'ACROSS_CHANNELS') === 'ACROSS_CHANNELS') {
    ctx.node('LRN', [ctx.inputs[0]!], [ctx.outputs[0]!], { size, alpha, beta, bias: p.k ?? 1 });
    return;
  }
  if (ctx.dims(0).length !== 4) throw ctx.fail(`WITHIN_CHANNEL needs a 4-D input, got [${ctx.dims(0)}]`);
  const x = ctx.inputs[0]!;
  const squared = ctx.node('Mul', [x, x], [ctx.temp('squared')])[0]!;
  const pad = (size - 1) / 2;
  const attrs = { kernel_shape: [size, size], pads: [pad, pad, pad, pad], count_include_pad: 1 };
  const averaged = ctx.node('AveragePool', [squared], [ctx.temp('averaged')], attrs, 'pool')[0]!;
  const denominator = scalarSteps(ctx, averaged, [['Mul', alpha], ['Add', 1], ['Pow', -beta]], ctx.temp('factor'));
  ctx.node('Mul', [x, denominator], [ctx.outputs[0]!], {}, 'normalize');
}

/** SSD's Normalize: x / √(Σx² + ε) over channels (or over C, H, W with across_spatial), times a learned scale. */
export function normalize(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('norm');
  const dims = ctx.dims(0);
  if (dims.length !== 4) throw ctx.fail(`Normalize needs a 4-D input, got [${dims}]`);
  const acrossSpatial = (p.across_spatial as boolean | undefined) ?? true;
  const shared = (p.channel_shared as boolean | undefined) ?? true;
  const x = ctx.inputs[0]!;
  const axes = ctx.int64s('axes', acrossSpatial ? [1, 2, 3] : [1]);
  const sum = ctx.node('ReduceSumSquare', [x, axes], [ctx.temp('sum')], { keepdims: 1 }, 'sum')[0]!;
  const norm = scalarSteps(ctx, sum, [['Add', (p.eps as number | undefined) ?? 1e-10]], ctx.temp('norm_squared'));
  const root = ctx.node('Sqrt', [norm], [ctx.temp('norm')], {}, 'sqrt')[0]!;
  const unit = ctx.node('Div', [x, root], [ctx.temp('unit')], {}, 'divide')[0]!;
  const scaleDims = shared ? [1] : [channelCount(ctx), 1, 1];
  ctx.node('Mul', [unit, ctx.constant('scale', ctx.blob(0, scaleDims, 'scale'))], [ctx.outputs[0]!], {}, 'scale');
}

/**
 * BatchNormalization (constant parameters) followed only by an affine BatchNormalization (mean 0, variance 1,
 * ε 0: a Scale layer) becomes one node with scale·γ and bias·γ + β.
 */
export function mergeScaleIntoBatchNorm(graph: Graph): void {
  const consumers = graph.consumers();
  const producers = graph.producers();
  const removed = new Set<Node>();
  for (const affine of graph.nodes) {
    if (affine.op !== 'BatchNormalization' || affine.attrs.epsilon !== 0) continue;
    const [, gammaName, betaName, meanName, varianceName] = affine.inputs;
    const [gamma, beta, mean, variance] = [gammaName, betaName, meanName, varianceName].map((n) => graph.constant(n ?? ''));
    if (!gamma || !beta || !mean?.data.every((v) => v === 0) || !variance?.data.every((v) => v === 1)) continue;
    const norm = producers.get(affine.inputs[0]!);
    if (!norm || norm.op !== 'BatchNormalization' || removed.has(norm)) continue;
    if ((consumers.get(norm.outputs[0]!) ?? []).length !== 1 || graph.outputs.includes(norm.outputs[0]!)) continue;
    const scale = graph.constant(norm.inputs[1]!);
    const bias = graph.constant(norm.inputs[2]!);
    if (!scale || !bias || scale.size !== gamma.size) continue;
    const g = gamma.data as Float32Array;
    const b = beta.data as Float32Array;
    const newScale = (scale.data as Float32Array).map((s, c) => s * g[c]!);
    const newBias = (bias.data as Float32Array).map((s, c) => s * g[c]! + b[c]!);
    graph.tensors.set(norm.inputs[1]!, { ...graph.tensor(norm.inputs[1]!), value: new Tensor('float32', newScale, scale.dims) });
    graph.tensors.set(norm.inputs[2]!, { ...graph.tensor(norm.inputs[2]!), value: new Tensor('float32', newBias, bias.dims) });
    graph.tensors.delete(norm.outputs[0]!);
    norm.outputs = [...affine.outputs];
    removed.add(affine);
    for (const name of [gammaName, betaName, meanName, varianceName]) graph.tensors.delete(name!);
  }
  graph.nodes = graph.nodes.filter((node) => !removed.has(node));
}

/**
 * MVN: x − mean, divided by (std + ε) with normalize_variance (Caffe adds ε to the standard deviation, not to the
 * variance). Statistics per sample over C, H, W with across_channels, else per channel over H, W.
 */
export function mvn(ctx: LayerContext): void {
  const p = ctx.param<ScalarParameters>('mvn');
  const rank = ctx.dims(0).length;
  const acrossChannels = (p.across_channels as boolean | undefined) ?? false;
  if (rank < (acrossChannels ? 2 : 3)) throw ctx.fail(`MVN needs an input of rank ≥ ${acrossChannels ? 2 : 3}, got [${ctx.dims(0)}]`);
  const axes = ctx.int64s('axes', Array.from({ length: rank - (acrossChannels ? 1 : 2) }, (_, i) => i + (acrossChannels ? 1 : 2)));
  const x = ctx.inputs[0]!;
  const mean = ctx.node('ReduceMean', [x, axes], [ctx.temp('mean')], { keepdims: 1 }, 'mean')[0]!;
  if (!((p.normalize_variance as boolean | undefined) ?? true)) {
    ctx.node('Sub', [x, mean], [ctx.outputs[0]!]);
    return;
  }
  const centered = ctx.node('Sub', [x, mean], [ctx.temp('centered')], {}, 'center')[0]!;
  const squared = ctx.node('Mul', [centered, centered], [ctx.temp('squared')], {}, 'square')[0]!;
  const variance = ctx.node('ReduceMean', [squared, axes], [ctx.temp('variance')], { keepdims: 1 }, 'variance')[0]!;
  const deviation = ctx.node('Sqrt', [variance], [ctx.temp('deviation')], {}, 'sqrt')[0]!;
  const denominator = scalarSteps(ctx, deviation, [['Add', (p.eps as number | undefined) ?? 1e-9]], ctx.temp('denominator'));
  ctx.node('Div', [centered, denominator], [ctx.outputs[0]!], {}, 'normalize');
}
