/**
 * The deploy net as a flat list: both layer forms (`layer` and V1 `layers`) become one shape with V2 type names,
 * layers excluded from the TEST phase are dropped (Caffe's include/exclude rules), and the net inputs are
 * collected from `input` + `input_dim`/`input_shape` and from `Input` layers.
 */
import { WebliteError } from '../../errors.js';
import type { BlobShape, LayerParameter, NetParameter, NetState, NetStateRule } from './messages.js';
import { type Position, positionOf } from './text-format.js';

export interface CaffeLayer {
  name: string;
  /** V2 type name ("Convolution"); V1 enum names are mapped (CONVOLUTION → Convolution). */
  type: string;
  bottoms: string[];
  tops: string[];
  /** The layer message, for its `*_param` fields and inline blobs. */
  message: LayerParameter;
  /** "file:line:column: layer 'name' (Type)", for errors. */
  where: string;
}

export interface CaffeInput {
  name: string;
  dims: number[];
}

export interface CaffeNet {
  name: string;
  inputs: CaffeInput[];
  layers: CaffeLayer[];
}

const V1_TYPES: Record<string, string> = {
  ABSVAL: 'AbsVal', ACCURACY: 'Accuracy', ARGMAX: 'ArgMax', BNLL: 'BNLL', CONCAT: 'Concat',
  CONTRASTIVE_LOSS: 'ContrastiveLoss', CONVOLUTION: 'Convolution', DATA: 'Data', DECONVOLUTION: 'Deconvolution',
  DROPOUT: 'Dropout', DUMMY_DATA: 'DummyData', EUCLIDEAN_LOSS: 'EuclideanLoss', ELTWISE: 'Eltwise', EXP: 'Exp',
  FLATTEN: 'Flatten', HDF5_DATA: 'HDF5Data', HDF5_OUTPUT: 'HDF5Output', HINGE_LOSS: 'HingeLoss', IM2COL: 'Im2col',
  IMAGE_DATA: 'ImageData', INFOGAIN_LOSS: 'InfogainLoss', INNER_PRODUCT: 'InnerProduct', LRN: 'LRN',
  MEMORY_DATA: 'MemoryData', MULTINOMIAL_LOGISTIC_LOSS: 'MultinomialLogisticLoss', MVN: 'MVN', POOLING: 'Pooling',
  POWER: 'Power', RELU: 'ReLU', SIGMOID: 'Sigmoid', SIGMOID_CROSS_ENTROPY_LOSS: 'SigmoidCrossEntropyLoss',
  SILENCE: 'Silence', SOFTMAX: 'Softmax', SOFTMAX_LOSS: 'SoftmaxWithLoss', SPLIT: 'Split', SLICE: 'Slice',
  TANH: 'TanH', WINDOW_DATA: 'WindowData', THRESHOLD: 'Threshold',
};

export function describePosition(fileName: string, position: Position | undefined): string {
  return position ? `${fileName}:${position.line}:${position.column}` : fileName;
}

export function readNet(net: NetParameter, fileName: string): CaffeNet {
  if ((net.layer?.length ?? 0) > 0 && (net.layers?.length ?? 0) > 0) {
    throw new WebliteError('BAD_MODEL', `${fileName}: the net mixes 'layer' and V1 'layers' entries; use one form`);
  }
  const v1 = (net.layers?.length ?? 0) > 0;
  // Inference always runs the TEST phase; the net's own state still sets the level and stages.
  const state: NetState = { ...net.state, phase: 'TEST' };
  const inputs = netInputs(net, fileName);
  const layers: CaffeLayer[] = [];
  for (const [index, message] of (v1 ? net.layers! : net.layer ?? []).entries()) {
    const type = v1 ? V1_TYPES[message.type ?? ''] ?? message.type ?? '' : message.type ?? '';
    const name = message.name ?? `${type || 'layer'}_${index}`;
    const where = `${describePosition(fileName, positionOf(message))}: layer '${name}' (${type || 'no type'})`;
    if (!included(message, state, where)) continue;
    if (!type) throw new WebliteError('BAD_MODEL', `${where}: the layer has no type`);
    const layer: CaffeLayer = { name, type, bottoms: message.bottom ?? [], tops: message.top ?? [], message, where };
    if (type === 'Input') inputs.push(...inputLayer(layer));
    else layers.push(layer);
  }
  const names = new Set<string>();
  for (const input of inputs) {
    if (names.has(input.name)) throw new WebliteError('BAD_MODEL', `${fileName}: input '${input.name}' is declared twice`);
    names.add(input.name);
  }
  return { name: net.name ?? '', inputs, layers };
}

function netInputs(net: NetParameter, fileName: string): CaffeInput[] {
  const names = net.input ?? [];
  const shapes = net.input_shape ?? [];
  const dims = net.input_dim ?? [];
  const where = describePosition(fileName, positionOf(net as object, 'input'));
  if (shapes.length > 0 && dims.length > 0) throw new WebliteError('BAD_MODEL', `${where}: give either input_shape or input_dim, not both`);
  if (shapes.length > 0) {
    if (shapes.length !== names.length) {
      throw new WebliteError('BAD_MODEL', `${where}: ${names.length} input(s) but ${shapes.length} input_shape entries`);
    }
    return names.map((name, i) => ({ name, dims: shapeDims(shapes[i]!, `${where}: input '${name}'`) }));
  }
  if (dims.length !== 4 * names.length) {
    throw new WebliteError('BAD_MODEL', `${where}: ${names.length} input(s) need ${4 * names.length} input_dim values (4 each), got ${dims.length}`);
  }
  return names.map((name, i) => ({ name, dims: checkDims(dims.slice(4 * i, 4 * i + 4), `${where}: input '${name}'`) }));
}

function inputLayer(layer: CaffeLayer): CaffeInput[] {
  const shapes = (layer.message.input_param as { shape?: BlobShape[] } | undefined)?.shape ?? [];
  if (shapes.length !== 1 && shapes.length !== layer.tops.length) {
    throw new WebliteError('BAD_MODEL', `${layer.where}: ${layer.tops.length} top(s) need 1 or ${layer.tops.length} input_param shapes, got ${shapes.length}`);
  }
  return layer.tops.map((name, i) => ({ name, dims: shapeDims(shapes[shapes.length === 1 ? 0 : i]!, `${layer.where}: top '${name}'`) }));
}

function shapeDims(shape: BlobShape, where: string): number[] {
  return checkDims(shape.dim ?? [], where);
}

function checkDims(dims: number[], where: string): number[] {
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 1)) throw new WebliteError('BAD_MODEL', `${where}: dims [${dims}] must be positive`);
  return dims;
}

/** Caffe's Net::FilterNet: no include rules means included unless an exclude rule matches. */
function included(layer: LayerParameter, state: NetState, where: string): boolean {
  const include = layer.include ?? [];
  const exclude = layer.exclude ?? [];
  if (include.length > 0 && exclude.length > 0) throw new WebliteError('BAD_MODEL', `${where}: give include rules or exclude rules, not both`);
  if (include.length > 0) return include.some((rule) => meetsRule(state, rule));
  return !exclude.some((rule) => meetsRule(state, rule));
}

function meetsRule(state: NetState, rule: NetStateRule): boolean {
  const level = state.level ?? 0;
  const stages = state.stage ?? [];
  if (rule.phase !== undefined && rule.phase !== state.phase) return false;
  if (rule.min_level !== undefined && level < rule.min_level) return false;
  if (rule.max_level !== undefined && level > rule.max_level) return false;
  if ((rule.stage ?? []).some((stage) => !stages.includes(stage))) return false;
  return !(rule.not_stage ?? []).some((stage) => stages.includes(stage));
}
