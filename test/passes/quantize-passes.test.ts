/**
 * The quantize stage before/after: which constants become float16 or int8, the dequantisation chains that restore
 * them, the per-channel scales' axes, and the load-time folding that turns the chains back into float32 weights.
 */
import { describe, expect, it } from 'vitest';
import { referenceBackend } from '../../src/backends/reference/index.js';
import { importModel } from '../../src/convert/index.js';
import { WebliteError } from '../../src/errors.js';
import { float16ToFloat32, float32ToFloat16 } from '../../src/ir/dtype.js';
import { Graph } from '../../src/ir/graph.js';
import { readWlm } from '../../src/ir/wlm/read.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { Tensor } from '../../src/ir/tensor.js';
import { applyQuantization } from '../../src/passes/quantize/index.js';
import { BLOCK_SIZE, quantizePerChannel, roundBalanced } from '../../src/passes/quantize/int8-weights.js';
import { foldConstantChains } from '../../src/runtime/fold-at-load.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';

const ops = (graph: Graph) => graph.nodes.map((node) => node.op);

/** Conv(+bias, Relu) → Flatten → Gemm(transB) → Mul by a small constant, Add of a large one. */
function convNet(channels = 32) {
  return buildModel({
    inputs: [{ name: 'x', type: 'float32', dims: [1, 16, 6, 6] }],
    outputs: [{ name: 'y', type: 'float32' }],
    initializers: {
      W: randomTensor([channels, 16, 3, 3], 2),
      B: randomTensor([channels], 3),
      G: randomTensor([10, channels * 16], 4),
      C: randomTensor([10], 5),
      small: randomTensor([10], 6),
      shift: randomTensor([128, 10], 7),
    },
    nodes: [
      { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'] },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'Flatten', inputs: ['r'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'G', 'C'], outputs: ['g'], attrs: { transB: 1 } },
      { op: 'Mul', inputs: ['g', 'small'], outputs: ['m'] },
      { op: 'Add', inputs: ['m', 'shift'], outputs: ['y'] },
    ],
  });
}

async function runReference(graph: Graph, feeds: Record<string, Tensor>): Promise<Float32Array> {
  const compiled = await referenceBackend.compile(graph, {});
  const results = await compiled.run(new Map(Object.entries(feeds)), graph.outputs);
  return results.get(graph.outputs[0]!)!.data as Float32Array;
}

function maxRelativeError(got: Float32Array, want: Float32Array): number {
  let error = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    error = Math.max(error, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return error / scale;
}

const x = randomTensor([1, 16, 6, 6], 9);

describe('quantize fp16', () => {
  it('stores weights, biases and large constants as float16 behind a Cast under the original name', async () => {
    const graph = importModel(convNet(), { validate: true });
    const before = ops(graph);
    const original = graph.constant('W')!.data as Float32Array;
    applyQuantization(graph, 'fp16', { validate: true });

    // One Cast per rewritten constant, ahead of the untouched original nodes.
    const casts = graph.nodes.filter((node) => node.op === 'Cast');
    expect(casts.map((node) => node.outputs[0]).sort()).toEqual(['B', 'C', 'G', 'W', 'shift']);
    expect(ops(graph).slice(casts.length)).toEqual(before);
    for (const name of ['W', 'B', 'G', 'C', 'shift']) {
      expect(graph.constant(name), name).toBeUndefined();
      expect(graph.tensor(name).type).toBe('float32');
      const cast = casts.find((node) => node.outputs[0] === name)!;
      expect(cast.attrs.to).toBe('float32');
      expect(graph.constant(cast.inputs[0]!)!.type).toBe('float16');
    }
    // A small constant that is no product's operand stays float32.
    expect(graph.constant('small')!.type).toBe('float32');
    const stored = graph.constant(casts.find((node) => node.outputs[0] === 'W')!.inputs[0]!)!.data as Uint16Array;
    expect(Array.from(stored.subarray(0, 50))).toEqual(Array.from(original.subarray(0, 50), float32ToFloat16));
    expect(graph.metadata.properties.quantization).toBe('fp16');

    const want = await runReference(importModel(convNet()), { x });
    expect(maxRelativeError(await runReference(graph, { x }), want)).toBeLessThan(2e-3);
  });

  it('halves the weights in the .wlm and survives the file round trip', () => {
    const fp32 = writeWlm(importModel(convNet()));
    const bytes = writeWlm(applyQuantization(importModel(convNet()), 'fp16'));
    // ~31 KB of weights: the graph description is a larger share here than in a real model (≤ 0.55 there).
    expect(bytes.length / fp32.length).toBeLessThan(0.6);
    const loaded = readWlm(bytes, 'fp16.wlm');
    expect(loaded.metadata.properties.quantization).toBe('fp16');
    expect(loaded.constant('W_fp16')?.type).toBe('float16');
  });

  it('keeps a constant float32 when binary16 cannot hold it', () => {
    const graph = importModel(convNet());
    (graph.constant('W')!.data as Float32Array)[7] = 1e6;
    applyQuantization(graph, 'fp16', { validate: true });
    expect(graph.constant('W')?.type).toBe('float32');
    expect(graph.constant('G_fp16')?.type).toBe('float16');
  });
});

describe('quantize int8-weights', () => {
  it('quantizes per channel, symmetric, rounding balanced (half to even first)', () => {
    const weights = new Tensor('float32', Float32Array.from([1, -0.5, 0.25, 0, 0, 0, -2, 1, 0.5]), [3, 3]);
    const byRow = quantizePerChannel(weights, 0)!;
    expect(byRow.scales.dims).toEqual([3, 1]);
    expect(Array.from(byRow.scales.data)).toEqual([Math.fround(1 / 127), 0, Math.fround(2 / 127)]);
    // Row 0: -63.5 → -64 and 31.75 → 32 (errors sum to -0.25: kept); the all-zero row keeps exact zeros; row 2:
    // 63.5 → 64 and 31.75 → 32 sum to +0.75, so 63.5, the error nearest a half, goes down to 63.
    expect(Array.from(byRow.quantized.data)).toEqual([127, -64, 32, 0, 0, 0, -127, 63, 32]);
    const byColumn = quantizePerChannel(weights, 1)!;
    expect(byColumn.scales.dims).toEqual([1, 3]);
    expect(Array.from(byColumn.scales.data)).toEqual([2, 1, 0.5].map((m) => Math.fround(m / 127)));
    // Column 0: 63.5 → 64 (and -127 clipped) sums to +0.5, which a move would only turn into −0.5: kept.
    expect(Array.from(byColumn.quantized.data)).toEqual([64, -64, 64, 0, 0, 0, -127, 127, 127]);
    expect(quantizePerChannel(new Tensor('float32', Float32Array.of(1, NaN), [2, 1]), 0)).toBeUndefined();
  });

  it('rounds a group balanced: to nearest, then the elements nearest a half move until the errors sum to ≤ ½', () => {
    // Nearest: 1, 2, 3, 4, -1 with errors .4 .35 .3 .45 0 (sum 1.5 → one move leaves .5): 3.55 moves down.
    const values = Float64Array.of(0.6, 1.65, 2.7, 3.55, -1, 9);
    const out = new Int8Array(6);
    roundBalanced(values, out, [0, 1, 2, 3, 4]);
    expect(Array.from(out)).toEqual([1, 2, 3, 3, -1, 0]);
    const sum = [0, 1, 2, 3, 4].reduce((total, i) => total + out[i]! - values[i]!, 0);
    expect(Math.abs(sum)).toBeLessThanOrEqual(0.5);
    // Limits hold: nothing moves past ±127, and a group whose errors already balance keeps nearest rounding.
    const edge = new Int8Array(2);
    roundBalanced(Float64Array.of(126.6, 126.6), edge, [0, 1]);
    expect(Array.from(edge)).toEqual([126, 127]);
    roundBalanced(Float64Array.of(127.4, 127.4), edge, [0, 1]);
    expect(Array.from(edge)).toEqual([127, 127]);
    const plain = new Int8Array(2);
    roundBalanced(Float64Array.of(0.3, -0.3), plain, [0, 1]);
    expect(Array.from(plain)).toEqual([0, 0]);
  });

  it('writes int8 + per-channel scale + Cast + Mul, or int8 + two-level block scales behind blocked DequantizeLinear; biases stay float32, other large constants float16', async () => {
    const graph = importModel(convNet(), { validate: true });
    const conv = graph.constant('W')!.data as Float32Array;
    const dense = graph.constant('G')!.data as Float32Array;
    applyQuantization(graph, 'int8-weights', { validate: true });
    expect(graph.metadata.properties.quantization).toBe('int8-weights');

    const producer = (name: string) => graph.nodes.find((node) => node.outputs[0] === name)!;
    // W [32, 16, 3, 3] sums over 16 input channels (fewer than two blocks): per output channel.
    const mul = producer('W');
    expect(mul.op).toBe('Mul');
    const cast = producer(mul.inputs[0]!);
    expect(cast.op).toBe('Cast');
    expect(graph.constant(cast.inputs[0]!)!.type).toBe('int8');
    expect(graph.constant(mul.inputs[1]!)!.dims).toEqual([32, 1, 1, 1]);
    // G [10, 512] (Gemm transB) sums over 512: blocks of 16 along axis 1, block scale = uint8 multiplier · unit[row].
    const blocked = producer('G');
    expect(blocked).toMatchObject({ op: 'DequantizeLinear', attrs: { axis: 1, block_size: BLOCK_SIZE } });
    expect(graph.constant(blocked.inputs[0]!)!.type).toBe('int8');
    const blockScales = producer(blocked.inputs[1]!);
    expect(blockScales).toMatchObject({ op: 'DequantizeLinear', attrs: { axis: 0, block_size: 0 } });
    expect(graph.constant(blockScales.inputs[0]!)!).toMatchObject({ type: 'uint8', dims: [10, 512 / BLOCK_SIZE] });
    expect(graph.constant(blockScales.inputs[1]!)!.dims).toEqual([10]);
    expect(graph.constant('B')!.type).toBe('float32');
    expect(graph.constant('C')!.type).toBe('float32');
    expect(graph.constant(producer('shift').inputs[0]!)!.type).toBe('float16');

    // Each dequantised weight is within one step of the original, and each group of BLOCK_SIZE weights of a
    // channel has rounding errors summing to at most half a step (balanced rounding).
    const folded = foldConstantChains(readWlm(writeWlm(graph), 'int8.wlm'));
    expect(ops(folded)).not.toContain('Cast');
    const restored = folded.constant('W')!.data as Float32Array;
    const scales = graph.constant('W_scale')!.data as Float32Array;
    const groupErrors = new Float64Array(Math.ceil(conv.length / BLOCK_SIZE));
    for (let i = 0; i < conv.length; i++) {
      expect(Math.abs(restored[i]! - conv[i]!)).toBeLessThanOrEqual(scales[Math.floor(i / 144)]! + 1e-7);
      groupErrors[Math.floor(i / BLOCK_SIZE)]! += restored[i]! - conv[i]!; // 144 = 9 groups of 16 per channel
    }
    groupErrors.forEach((sum, group) => expect(Math.abs(sum)).toBeLessThanOrEqual(scales[Math.floor((group * BLOCK_SIZE) / 144)]! / 2 + 1e-6));
    // Block weights are rounded balanced: each within one step of its block's scale (clipping, a smaller
    // multiplier than the block's largest weight needs, may cut the largest weights more), and where nothing was
    // clipped the block's rounding errors sum to at most half a step.
    const restoredDense = folded.constant('G')!.data as Float32Array;
    const multipliers = graph.constant(blockScales.inputs[0]!)!.data as Uint8Array;
    const units = graph.constant(blockScales.inputs[1]!)!.data as Float32Array;
    const blockErrors = new Float64Array(dense.length / BLOCK_SIZE);
    const clipped = new Uint8Array(dense.length / BLOCK_SIZE);
    const stepOf = (i: number) => Math.fround(multipliers[Math.floor(i / 512) * 32 + Math.floor((i % 512) / BLOCK_SIZE)]! * units[Math.floor(i / 512)]!);
    for (let i = 0; i < dense.length; i++) {
      const step = stepOf(i);
      const error = restoredDense[i]! - dense[i]!;
      blockErrors[Math.floor(i / BLOCK_SIZE)]! += error;
      if (Math.abs(dense[i]!) > 127.5 * step) clipped[Math.floor(i / BLOCK_SIZE)] = 1;
      expect(Math.abs(error)).toBeLessThanOrEqual(Math.max(step + 1e-7, Math.abs(dense[i]!) * 0.41));
    }
    let balanced = 0;
    blockErrors.forEach((sum, block) => {
      if (clipped[block]) return;
      expect(Math.abs(sum)).toBeLessThanOrEqual(stepOf(block * BLOCK_SIZE) / 2 + 1e-6);
      balanced++;
    });
    expect(balanced).toBeGreaterThan(0);
    const want = await runReference(importModel(convNet()), { x });
    expect(maxRelativeError(await runReference(graph, { x }), want)).toBeLessThan(2e-2);
  });

  it('takes the output and reduction axes of Gemm (transB = 0), MatMul and ConvTranspose weights', () => {
    const graph = importModel(
      buildModel({
        inputs: [{ name: 'a', type: 'float32', dims: [2, 128] }, { name: 'v', type: 'float32', dims: [1, 16, 4, 4] }],
        outputs: [{ name: 'm', type: 'float32' }, { name: 't', type: 'float32' }],
        initializers: {
          G: randomTensor([128, 64], 1),
          M: randomTensor([64, 96], 2),
          bias: randomTensor([96], 3),
          T: randomTensor([16, 32, 3, 3], 4),
        },
        nodes: [
          { op: 'Gemm', inputs: ['a', 'G'], outputs: ['g'] },
          { op: 'MatMul', inputs: ['g', 'M'], outputs: ['mm'] },
          { op: 'Add', inputs: ['mm', 'bias'], outputs: ['m'] },
          { op: 'ConvTranspose', inputs: ['v', 'T'], outputs: ['t'] },
        ],
      }),
      { validate: true },
    );
    applyQuantization(graph, 'int8-weights', { validate: true });
    // G [128, 64] and M [64, 96] sum over axis 0 (≥ two blocks): block multipliers along it, units per column.
    expect(graph.constant('G_block_multipliers')!.dims).toEqual([128 / BLOCK_SIZE, 64]);
    expect(graph.constant('G_channel_units')!.dims).toEqual([64]);
    expect(graph.constant('M_block_multipliers')!.dims).toEqual([64 / BLOCK_SIZE, 96]);
    // ConvTranspose T [16, 32, 3, 3] sums over 16 input channels: per output channel (axis 1).
    expect(graph.constant('T_scale')!.dims).toEqual([1, 32, 1, 1]);
    expect(graph.constant('bias')!.type).toBe('float32');
  });

  it('keeps small weights in float16, where int8 rounding costs most and saves least', () => {
    const graph = applyQuantization(importModel(convNet(8)), 'int8-weights', { validate: true });
    expect(graph.constant('W_fp16')?.type).toBe('float16');
    expect(graph.constant('G_fp16')?.type).toBe('float16');
    expect(graph.nodes.some((node) => node.op === 'Mul' && node.outputs[0] === 'W')).toBe(false);
  });

  it('rejects an unknown mode', () => {
    const graph = importModel(convNet());
    expect(() => applyQuantization(graph, 'int4' as 'fp16')).toThrow(WebliteError);
    expect(() => applyQuantization(graph, 'int4' as 'fp16')).toThrow(/unknown mode 'int4'/);
  });
});

describe('foldConstantChains (load time)', () => {
  it('gives the same bits as running the chains, for both modes', async () => {
    for (const mode of ['fp16', 'int8-weights'] as const) {
      const bytes = writeWlm(applyQuantization(importModel(convNet()), mode));
      const unfolded = readWlm(bytes, 'model.wlm');
      const folded = foldConstantChains(readWlm(bytes, 'model.wlm'));
      expect(ops(folded), mode).toEqual(ops(importModel(convNet())));
      expect([...folded.tensors.values()].filter((info) => info.value && info.type !== 'float32'), mode).toEqual([]);
      expect(await runReference(folded, { x }), mode).toEqual(await runReference(unfolded, { x }));
    }
  });

  it('folds chains above the conversion-time folding cap', () => {
    const size = (1 << 20) + 3;
    const graph = new Graph();
    const half = new Uint16Array(size);
    for (let i = 0; i < size; i++) half[i] = float32ToFloat16((i % 1000) / 7 - 70);
    graph.tensors.set('h', { name: 'h', type: 'float16', dims: [size], value: new Tensor('float16', half, [size]) });
    graph.tensors.set('w', { name: 'w', type: 'float32', dims: [size] });
    graph.tensors.set('y', { name: 'y', type: 'float32', dims: [size] });
    graph.inputs = [];
    graph.outputs = ['y'];
    graph.nodes = [
      { name: 'cast', op: 'Cast', inputs: ['h'], outputs: ['w'], attrs: { to: 'float32' } },
      { name: 'relu', op: 'Relu', inputs: ['w'], outputs: ['y'], attrs: {} },
    ];
    foldConstantChains(graph);
    expect(graph.tensors.has('h')).toBe(false);
    expect(ops(graph)).toEqual(['Relu']);
    const data = graph.constant('w')!.data as Float32Array;
    for (const i of [0, 123456, size - 1]) expect(data[i]).toBe(float16ToFloat32(half[i]!));
  });

  it('leaves a float32 model as it is', () => {
    const graph = importModel(convNet());
    const before = ops(graph);
    foldConstantChains(graph);
    expect(ops(graph)).toEqual(before);
  });
});
