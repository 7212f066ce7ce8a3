/**
 * SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND, as Pad/Slice + Reshape → Transpose → Reshape over static shapes, and
 * the pattern TensorFlow's exporters use for atrous convolutions folded back into one dilated Conv:
 *
 *   SPACE_TO_BATCH_ND(block b, paddings p) → CONV_2D | DEPTHWISE_CONV_2D (VALID, stride 1) → BATCH_TO_SPACE_ND(b, crops c)
 *   ≡ Conv(dilations b, pads max(p − c, 0)) → Slice(max(c − p, 0))
 *
 * Why it holds: output row y of the dilated conv over the padded input reads padded rows y + b·j; batch phase
 * i = y mod b of the space-to-batch tensor holds exactly those rows at y' = ⌊y / b⌋ + j, which is what the
 * stride-1 VALID conv reads there. Zero padding before the conv equals the conv's own zero padding, and cropping
 * the first (last) output rows equals padding that many fewer rows at the start (end).
 *
 * The fold happens when BATCH_TO_SPACE_ND is converted: the conv and its fused activation / requantization nodes
 * are already in the graph, and are rewired in place when nothing else reads the intermediate tensors.
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { inferNode } from '../../../ir/infer.js';
import { sizeOf } from '../../../ir/tensor.js';
import type { TfliteConverter } from '../context.js';
import { NCHW, nativeForm } from '../layout.js';
import type { OpContext } from '../op-context.js';
import { builtinName } from '../schema.js';
import type { OpConverter } from './registry.js';

/** What a converted SPACE_TO_BATCH_ND left for a later fold (NCHW, two spatial axes). */
interface SpaceToBatch {
  /** The IR name of its input, in NCHW form. */
  input: string;
  /** Its IR output (NCHW form) and the nodes that compute it from `input`. */
  output: string;
  nodes: Node[];
  block: [number, number];
  /** [top, bottom, left, right]. */
  paddings: number[];
}

const spaceToBatchRecords = new WeakMap<TfliteConverter, Map<number, SpaceToBatch>>();

/** block_shape (M positive values) and the [M, 2] paddings or crops, checked against input dims. */
function blockAndPairs(ctx: OpContext, what: 'paddings' | 'crops'): { block: number[]; pairs: number[] } {
  const dims = ctx.dims(0);
  const block = ctx.ints(1, 'block_shape');
  const pairs = ctx.ints(2, what);
  const m = block.length;
  if (m < 1 || m > dims.length - 1 || block.some((b) => !Number.isInteger(b) || b < 1)) {
    ctx.fail(`block_shape [${block.join(', ')}] does not fit an input of rank ${dims.length}`);
  }
  if (pairs.length !== 2 * m || pairs.some((p) => !Number.isInteger(p) || p < 0)) ctx.fail(`${what} [${pairs.join(', ')}] must hold ${m} non-negative pairs`);
  return { block, pairs };
}

const product = (values: readonly number[]) => values.reduce((a, b) => a * b, 1);

/**
 * TFLite dims [N, S1..SM, R...]: pad the spatial axes, split each into (S/b, b), move the b's in front of N, merge
 * them into the batch. In NCHW form (4-D, M = 2) the same steps run on [N, C, H, W].
 */
const spaceToBatch: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const { block, pairs } = blockAndPairs(ctx, 'paddings');
  const m = block.length;
  const padded = block.map((b, i) => dims[i + 1]! + pairs[2 * i]! + pairs[2 * i + 1]!);
  padded.forEach((size, i) => {
    if (size % block[i]! !== 0) ctx.fail(`padded size ${size} of spatial axis ${i} is not a multiple of block ${block[i]}`);
  });
  const nchw = dims.length === 4 && m === 2;
  const form = nchw ? NCHW : nativeForm(dims.length);
  const input = ctx.read(0, form);
  const first = ctx.converter.graph.nodes.length;
  const [n, rest] = [dims[0]!, dims.slice(m + 1)];
  // IR axis of spatial axis i in `form`: NCHW puts H, W at 2, 3; native at 1 + i.
  const spatialAxis = (i: number) => (nchw ? 2 + i : 1 + i);
  const pads = new Array<number>(2 * dims.length).fill(0);
  block.forEach((_, i) => {
    pads[spatialAxis(i)] = pairs[2 * i]!;
    pads[dims.length + spatialAxis(i)] = pairs[2 * i + 1]!;
  });
  const paddedName = pads.some((p) => p > 0) ? ctx.node1('Pad', [input, ctx.int64s(pads)], { mode: 'constant' }, 'pad') : input;
  const splitSpatial = padded.flatMap((size, i) => [size / block[i]!, block[i]!]);
  let split: number[];
  let perm: number[];
  let merged: number[];
  if (nchw) {
    split = [n, dims[3]!, ...splitSpatial]; // [N, C, H/b0, b0, W/b1, b1]
    perm = [3, 5, 0, 1, 2, 4];
    merged = [block[0]! * block[1]! * n, dims[3]!, padded[0]! / block[0]!, padded[1]! / block[1]!];
  } else {
    split = [n, ...splitSpatial, ...rest];
    perm = [...block.map((_, i) => 2 + 2 * i), 0, ...block.map((_, i) => 1 + 2 * i), ...rest.map((_, i) => 2 * m + 1 + i)];
    merged = [product(block) * n, ...padded.map((size, i) => size / block[i]!), ...rest];
  }
  const reshaped = ctx.node1('Reshape', [paddedName, ctx.int64s(split)], {}, 'split');
  const moved = ctx.node1('Transpose', [reshaped], { perm }, 'move');
  const output = ctx.node1('Reshape', [moved, ctx.int64s(merged)]);
  ctx.finish(0, output, form, { exactInput: 0 });
  if (nchw) {
    let records = spaceToBatchRecords.get(ctx.converter);
    if (!records) spaceToBatchRecords.set(ctx.converter, (records = new Map()));
    const nodes = ctx.converter.graph.nodes.slice(first);
    records.set(ctx.output(0), { input, output, nodes, block: [block[0]!, block[1]!], paddings: pairs });
  }
};

/** The inverse: split the batch into (b..., N), interleave the b's after their spatial axes, merge, then crop. */
const batchToSpace: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  const { block, pairs } = blockAndPairs(ctx, 'crops');
  const m = block.length;
  const blocks = product(block);
  if (dims[0]! % blocks !== 0) ctx.fail(`batch ${dims[0]} is not a multiple of the block size ${blocks}`);
  const n = dims[0]! / blocks;
  const spatial = dims.slice(1, m + 1);
  const rest = dims.slice(m + 1);
  const full = spatial.map((size, i) => size * block[i]!);
  full.forEach((size, i) => {
    if (pairs[2 * i]! + pairs[2 * i + 1]! > size) ctx.fail(`crops [${pairs[2 * i]}, ${pairs[2 * i + 1]}] exceed spatial size ${size}`);
  });
  const nchw = dims.length === 4 && m === 2;
  if (nchw && foldDilatedConv(ctx, block, pairs)) return;
  const form = nchw ? NCHW : nativeForm(dims.length);
  const input = ctx.read(0, form);
  let split: number[];
  let perm: number[];
  let merged: number[];
  if (nchw) {
    split = [block[0]!, block[1]!, n, dims[3]!, spatial[0]!, spatial[1]!]; // [b0, b1, N, C, H, W]
    perm = [2, 3, 4, 0, 5, 1];
    merged = [n, dims[3]!, full[0]!, full[1]!];
  } else {
    split = [...block, n, ...spatial, ...rest];
    perm = [m, ...spatial.flatMap((_, i) => [m + 1 + i, i]), ...rest.map((_, i) => 2 * m + 1 + i)];
    merged = [n, ...full, ...rest];
  }
  const reshaped = ctx.node1('Reshape', [input, ctx.int64s(split)], {}, 'split');
  const moved = ctx.node1('Transpose', [reshaped], { perm }, 'move');
  const spaced = ctx.node1('Reshape', [moved, ctx.int64s(merged)], {}, pairs.some((c) => c > 0) ? 'merge' : '');
  const spatialAxes = block.map((_, i) => (nchw ? 2 + i : 1 + i));
  ctx.finish(0, crop(ctx, spaced, spatialAxes, pairs, full), form, { exactInput: 0 });
}

/** Slice `crops` ([begin, end] per axis) off `axes` of sizes `sizes`; the input itself when nothing is cropped. */
function crop(ctx: OpContext, name: string, axes: number[], crops: number[], sizes: number[]): string {
  if (crops.every((c) => c === 0)) return name;
  const starts = axes.map((_, i) => crops[2 * i]!);
  const ends = axes.map((_, i) => sizes[i]! - crops[2 * i + 1]!);
  return ctx.node1('Slice', [name, ctx.int64s(starts), ctx.int64s(ends), ctx.int64s(axes)]);
}

/** Ops `finish` may put between a conv and its TFLite output (fused activation, requantization). */
const EPILOGUE_OPS = new Set(['Relu', 'Clip', 'Tanh', 'QuantizeLinear', 'DequantizeLinear']);

/** IR tensor name → the nodes reading it. */
function consumers(graph: Graph, name: string): Node[] {
  return graph.nodes.filter((node) => node.inputs.includes(name));
}

/**
 * Rewrites SPACE_TO_BATCH_ND → conv → this BATCH_TO_SPACE_ND into a dilated conv when every intermediate tensor has
 * that one reader; returns false (nothing changed) otherwise.
 */
function foldDilatedConv(ctx: OpContext, block: number[], crops: number[]): boolean {
  const { converter } = ctx;
  const { model, graph } = converter;
  const readers = (index: number) => model.operators.filter((op) => op.inputs.includes(index));
  const isOutput = (index: number) => model.outputs.includes(index);
  const convIndex = ctx.input(0);
  const conv = model.operators.find((op) => op.outputs.includes(convIndex));
  if (!conv || !['CONV_2D', 'DEPTHWISE_CONV_2D'].includes(builtinName(conv.code.builtin))) return false;
  const spaceIndex = conv.inputs[0]!;
  const record = spaceToBatchRecords.get(converter)?.get(spaceIndex);
  if (!record || record.block[0] !== block[0] || record.block[1] !== block[1]) return false;
  if (readers(spaceIndex).length !== 1 || readers(convIndex).length !== 1 || isOutput(spaceIndex) || isOutput(convIndex)) return false;
  if (!converter.hasForm(convIndex, NCHW)) return false;

  // Walk from the conv's TFLite output back through its epilogue to the Conv node.
  const chain: Node[] = [];
  let name = ctx.read(0, NCHW);
  // The conv's output has no reader yet; every earlier tensor of the chain feeds only the next node.
  for (let readers = 0; ; readers = 1) {
    const producer = graph.nodes.find((node) => node.outputs.includes(name));
    if (!producer || consumers(graph, name).length !== readers) return false;
    chain.unshift(producer);
    if (producer.op === 'Conv') break;
    if (!EPILOGUE_OPS.has(producer.op) || producer.inputs.slice(1).some((input) => input !== '' && !graph.constant(input))) return false;
    name = producer.inputs[0]!;
  }
  const convNode = chain[0]!;
  const attrs = convNode.attrs;
  const ones = (value: unknown) => Array.isArray(value) && value.every((v) => v === 1);
  const zeros = (value: unknown) => Array.isArray(value) && value.every((v) => v === 0);
  if (convNode.inputs[0] !== record.output || consumers(graph, record.output).length !== 1) return false;
  if (!ones(attrs.strides) || !ones(attrs.dilations) || !zeros(attrs.pads) || (attrs.auto_pad !== undefined && attrs.auto_pad !== 'NOTSET')) return false;

  // [top, bottom, left, right] paddings against crops: what padding is left, and what must still be cropped.
  const [padTop, padBottom, padLeft, padRight] = record.paddings as [number, number, number, number];
  const [cropTop, cropBottom, cropLeft, cropRight] = crops as [number, number, number, number];
  convNode.inputs[0] = record.input;
  convNode.attrs = {
    ...attrs,
    dilations: [...block],
    pads: [Math.max(padTop - cropTop, 0), Math.max(padLeft - cropLeft, 0), Math.max(padBottom - cropBottom, 0), Math.max(padRight - cropRight, 0)],
  };
  for (const node of chain) {
    const facts = inferNode(graph, node, () => graph.uniqueName('unk__batch_space'));
    node.outputs.forEach((output, i) => {
      const info = graph.tensor(output);
      graph.tensors.set(output, { ...info, type: facts[i]!.type, dims: facts[i]!.dims && [...facts[i]!.dims] });
    });
  }
  // The space-to-batch nodes now feed nothing.
  const dead = new Set(record.nodes);
  graph.nodes = graph.nodes.filter((node) => !dead.has(node));
  for (const node of record.nodes) for (const output of node.outputs) graph.tensors.delete(output);

  const result = chain[chain.length - 1]!.outputs[0]!;
  const residual = [Math.max(cropTop - padTop, 0), Math.max(cropBottom - padBottom, 0), Math.max(cropLeft - padLeft, 0), Math.max(cropRight - padRight, 0)];
  const sizes = converter.irDims(result).slice(2);
  if (sizeOf(sizes) === 0) ctx.fail('the dilated convolution has an empty output');
  ctx.finish(0, crop(ctx, result, [2, 3], residual, sizes), NCHW, { exactInput: 0 });
  return true;
}

export const batchSpaceConverters: Record<string, OpConverter> = {
  SPACE_TO_BATCH_ND: spaceToBatch,
  BATCH_TO_SPACE_ND: batchToSpace,
};
