/**
 * Static int8 quantization (src/passes/quantize/int8-static.ts) before/after on small graphs: the QDQ structure
 * (per-channel int8 weights, biases on the int32 grid of x_scale·w_scale, asymmetric int8 activations, shared parameters
 * through MaxPool / Concat), bias correction, range estimators, the .wlm round trip and typed errors.
 */
import { describe, expect, it } from 'vitest';
import { referenceBackend } from '../../src/backends/reference/index.js';
import { convert, importModel } from '../../src/convert/index.js';
import { WebliteError } from '../../src/errors.js';
import { type Graph, type Node, cloneGraph } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { readWlm } from '../../src/ir/wlm/read.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { InferenceSession } from '../../src/index.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { runObserved } from '../../src/passes/quantize/calibrate.js';
import { applyQuantization } from '../../src/passes/quantize/index.js';
import { compareLayers } from '../../src/passes/quantize/layer-report.js';
import { Histogram, activationParams } from '../../src/passes/quantize/ranges.js';
import { validateGraph } from '../../src/passes/validate.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';

/** Conv(+bias) → Relu → MaxPool, a second Conv, Concat, Flatten → Gemm(transB) → Mul by a constant → Softmax. */
function net() {
  return buildModel({
    inputs: [{ name: 'x', type: 'float32', dims: [1, 8, 8, 8] }],
    outputs: [{ name: 'y', type: 'float32' }],
    initializers: {
      W: randomTensor([16, 8, 3, 3], 2),
      B: randomTensor([16], 3),
      V: randomTensor([16, 8, 1, 1], 4),
      G: randomTensor([10, 32 * 16], 5),
      C: randomTensor([10], 6),
      k: new Tensor('float32', Float32Array.of(0.5, 2, -1, 1, 1, 1, 1, 1, 1, 3), [10]),
    },
    nodes: [
      { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Conv', inputs: ['x', 'V'], outputs: ['v'], attrs: { strides: [2, 2] } },
      { op: 'Concat', inputs: ['p', 'v'], outputs: ['cat'], attrs: { axis: 1 } },
      { op: 'Flatten', inputs: ['cat'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'G', 'C'], outputs: ['g'], attrs: { transB: 1 } },
      { op: 'Mul', inputs: ['g', 'k'], outputs: ['m'] },
      { op: 'Softmax', inputs: ['m'], outputs: ['y'] },
    ],
  });
}

const sample = (seed: number) => ({ x: randomTensor([1, 8, 8, 8], seed) });
const calibration = [sample(11), sample(12), sample(13), sample(14)];

async function run(graph: Graph, feeds: Record<string, Tensor>, outputs = graph.outputs): Promise<Map<string, Tensor>> {
  const compiled = await referenceBackend.compile(graph, {});
  return compiled.run(new Map(Object.entries(feeds)), outputs);
}

function producerOf(graph: Graph, name: string): Node {
  const node = graph.nodes.find((n) => n.outputs.includes(name));
  if (!node) throw new Error(`no producer of ${name}`);
  return node;
}

function quantized(options: Parameters<typeof applyQuantization>[2] = {}): { float: Graph; graph: Graph } {
  const float = importModel(net(), { validate: true });
  const graph = applyQuantization(cloneGraph(float), 'int8', { calibration, validate: true, ...options });
  return { float, graph };
}

describe('quantize int8 (static, QDQ form)', () => {
  it('writes per-channel int8 weights, int32-grid biases and asymmetric int8 activations', () => {
    const { float, graph } = quantized();
    expect(graph.metadata.properties.quantization).toBe('int8');
    expect(graph.metadata.properties.quantization_calibration).toBe('minmax, 4 samples, bias correction');
    // The model's input stays float32; its readers see it through Q → DQ.
    expect(graph.tensor('x').type).toBe('float32');
    // Conv + Relu arrive fused: the activation is inside the op, and the output range is the activated one.
    const conv = graph.nodes.find((n) => n.op === 'FusedConv')!;
    const input = producerOf(graph, conv.inputs[0]!);
    expect(input.op).toBe('DequantizeLinear');
    expect(producerOf(graph, input.inputs[0]!)).toMatchObject({ op: 'QuantizeLinear', inputs: ['x', input.inputs[1], input.inputs[2]] });
    const inputScale = (graph.constant(input.inputs[1]!)!.data as Float32Array)[0]!;

    // Weight: DequantizeLinear(int8 [16, 8, 3, 3], float32[16], int8[16] zeros, axis 0).
    const weight = producerOf(graph, conv.inputs[1]!);
    expect(weight.op).toBe('DequantizeLinear');
    expect(weight.attrs.axis).toBe(0);
    const [q, scale, zero] = weight.inputs.map((name) => graph.constant(name)!);
    expect([q!.type, q!.dims]).toEqual(['int8', [16, 8, 3, 3]]);
    expect([scale!.type, scale!.dims]).toEqual(['float32', [16]]);
    expect([zero!.type, Array.from(zero!.data as Int8Array)]).toEqual(['int8', new Array(16).fill(0)]);
    const original = float.constant('W')!.data as Float32Array;
    for (let c = 0; c < 16; c++) {
      let largest = 0;
      for (let i = c * 72; i < (c + 1) * 72; i++) largest = Math.max(largest, Math.abs(original[i]!));
      expect((scale!.data as Float32Array)[c]).toBe(Math.fround(largest / 127));
    }
    expect(graph.constant('W')).toBeUndefined();

    // Bias: a float32 constant holding int32 values on x_scale · w_scale[c] (the integer backends round it back).
    const bias = graph.constant(conv.inputs[2]!)!;
    expect([bias.type, bias.dims]).toEqual(['float32', [16]]);
    (bias.data as Float32Array).forEach((b, c) => {
      const q = b / Math.fround(inputScale * (scale!.data as Float32Array)[c]!);
      expect(Math.abs(q - Math.round(q))).toBeLessThan(1e-3);
    });

    // Activations: the product writes '<name>_float', Q → DQ give the name back; scalar f32 scale, int8 zero point.
    const output = conv.outputs[0]!;
    expect(output.endsWith('_float')).toBe(true);
    const [quantize] = graph.nodes.filter((n) => n.op === 'QuantizeLinear' && n.inputs[0] === output);
    const dequantize = graph.nodes.find((n) => n.op === 'DequantizeLinear' && n.inputs[0] === quantize!.outputs[0])!;
    expect(float.tensors.has(dequantize.outputs[0]!)).toBe(true);
    expect(graph.constant(quantize!.inputs[1]!)!.dims).toEqual([]);
    expect(graph.constant(quantize!.inputs[2]!)!.type).toBe('int8');
    expect(graph.tensor(quantize!.outputs[0]!).type).toBe('int8');
    // The Relu output shares the Concat's parameters with the other Conv's signed output, so 0 is mid-range.
    expect((graph.constant(quantize!.inputs[2]!)!.data as Int8Array)[0]).toBeGreaterThan(-128);

    // Gemm(transB): weight channels on axis 0; the Mul's constant operand is a per-tensor DequantizeLinear.
    const gemm = graph.nodes.find((n) => n.op === 'Gemm' || n.op === 'FusedGemm')!;
    expect(producerOf(graph, gemm.inputs[1]!).attrs.axis).toBe(0);
    const mul = graph.nodes.find((n) => n.op === 'Mul')!;
    const operand = producerOf(graph, mul.inputs[1]!);
    expect(operand.op).toBe('DequantizeLinear');
    expect(graph.constant(operand.inputs[1]!)!.size).toBe(1);
    // Softmax stays float and the graph output keeps its name and dtype.
    expect(producerOf(graph, 'y').op).toBe('Softmax');
    expect(graph.tensor('y').type).toBe('float32');
  });

  it('gives MaxPool and Concat inputs and outputs the same parameters', () => {
    const { graph } = quantized();
    const quantizeOf = (name: string) => graph.nodes.find((n) => n.op === 'QuantizeLinear' && n.inputs[0] === producerOf(graph, name).outputs[0] && producerOf(graph, name).op !== 'DequantizeLinear')
      ?? graph.nodes.find((n) => n.op === 'QuantizeLinear' && n.inputs[0] === `${name}_float`)!;
    const concat = graph.nodes.find((n) => n.op === 'Concat')!;
    const pool = graph.nodes.find((n) => n.op === 'MaxPool')!;
    const names = [pool.inputs[0]!, ...concat.inputs, 'cat'].map((name) => quantizeOf(name).inputs.slice(1));
    for (const pair of names) expect(pair).toEqual(names[0]);
  });

  it('stays close to the float model, and the per-layer report says where it differs', async () => {
    const { float, graph } = quantized();
    const feeds = sample(21);
    const want = (await run(float, feeds)).get('y')!.data as Float32Array;
    const got = (await run(graph, feeds)).get('y')!.data as Float32Array;
    got.forEach((value, i) => expect(Math.abs(value - want[i]!)).toBeLessThan(0.03));
    const layers = compareLayers(float, graph, [feeds]);
    expect(layers.map((layer) => layer.op)).toContain('Concat');
    expect(layers.at(-1)!.name).toBe('y');
    for (const layer of layers) expect(layer.cosine, layer.name).toBeGreaterThan(0.99);
  });

  it('bias correction removes the mean shift rounding leaves in each output channel', async () => {
    // Positive inputs with a large common offset: weight rounding errors sum to a per-channel shift.
    const offset = (seed: number) => {
      const x = randomTensor([1, 8, 8, 8], seed);
      return { x: new Tensor('float32', x.data.map((v) => 4 + v), x.dims) };
    };
    const data = [offset(31), offset(32), offset(33), offset(34)];
    const float = importModel(net());
    const meanShift = async (biasCorrection: boolean) => {
      const graph = applyQuantization(cloneGraph(float), 'int8', { calibration: data, biasCorrection });
      let total = 0;
      for (const feeds of [offset(41), offset(42)]) {
        const want = (await run(float, feeds, ['v'])).get('v')!.data as Float32Array;
        // The product's own output, before its QuantizeLinear (whose rounding is the same either way).
        const got = (await run(graph, feeds, ['v_float'])).get('v_float')!.data as Float32Array;
        for (let c = 0; c < 16; c++) {
          let shift = 0;
          for (let i = c * 16; i < (c + 1) * 16; i++) shift += got[i]! - want[i]!;
          total += Math.abs(shift / 16);
        }
      }
      return total / 32;
    };
    const corrected = await meanShift(true);
    const uncorrected = await meanShift(false);
    console.log(`mean |shift| per channel: ${uncorrected.toFixed(4)} uncorrected, ${corrected.toFixed(4)} corrected`);
    expect(corrected).toBeLessThan(uncorrected / 3);
  });

  it('percentile and mse ranges ignore outliers that min–max keeps', () => {
    // A uniform bulk with one far outlier: the percentile range drops the outlier.
    const values = new Float32Array(100_000).map((_, i) => (i % 1000) / 1000);
    values[7] = 50;
    const histogram = new Histogram({ min: 0, max: 50 });
    histogram.add(new Tensor('float32', values, [values.length]));
    expect(histogram.percentile(99.99).max).toBeLessThan(1.1);
    // An exponential tail (max ≈ 12.2): the least-squares range clips the sparse end, rounding the bulk finer.
    const tail = new Float32Array(100_000).map((_, i) => -Math.log((i + 0.5) / 100_000));
    const exponential = new Histogram({ min: 0, max: tail[0]! });
    exponential.add(new Tensor('float32', tail, [tail.length]));
    expect(exponential.mse().max).toBeLessThan(0.95 * tail[0]!);
    expect(exponential.mse().max).toBeGreaterThan(exponential.percentile(99.9).max);
    expect(activationParams({ min: -1, max: 3 })).toEqual({ scale: Math.fround(4 / 255), zeroPoint: -64 });
    expect(activationParams({ min: 0, max: 0 })).toEqual({ scale: 1, zeroPoint: 0 });

    // The KL range also clips the sparse exponential tail, but keeps a uniform bulk whole.
    expect(exponential.kl().max).toBeLessThan(0.95 * tail[0]!);
    const uniform = new Histogram({ min: 0, max: 1 });
    uniform.add(new Tensor('float32', values.map((v) => Math.min(v, 1)), [values.length]));
    expect(uniform.kl().max).toBeGreaterThan(0.98);

    for (const method of ['percentile', 'mse', 'kl', 'auto'] as const) {
      const { graph } = quantized({ method });
      expect(graph.metadata.properties.quantization_calibration).toMatch(method);
    }
  });

  it("'auto' ranges score every estimator's range at the readers' outputs and keep the best", () => {
    // The choice is local (each group at its readers, the others float), so the end-to-end error is not a minimum;
    // it must not be worse than the worst single estimator's.
    const float = importModel(net());
    const error = (method: 'minmax' | 'percentile' | 'mse' | 'kl' | 'auto') => {
      const graph = applyQuantization(cloneGraph(float), 'int8', { calibration, method, biasCorrection: false });
      let total = 0;
      for (const feeds of calibration) {
        const want = runObserved(float, feeds, { keep: new Set(float.outputs) });
        const got = runObserved(graph, feeds, { keep: new Set(graph.outputs) });
        for (const name of float.outputs) {
          const [a, b] = [want.get(name)!.data as Float32Array, got.get(name)!.data as Float32Array];
          a.forEach((value, i) => (total += (value - b[i]!) ** 2));
        }
      }
      return total;
    };
    const auto = error('auto');
    const single = (['minmax', 'percentile', 'mse', 'kl'] as const).map(error);
    console.log(`output squared error: auto ${auto.toExponential(3)}, minmax/percentile/mse/kl ${single.map((e) => e.toExponential(3)).join(' ')}`);
    expect(auto).toBeLessThanOrEqual(Math.max(...single));
  });

  it('adaptive rounding lowers the output error of a product on its calibration inputs', async () => {
    const float = importModel(net());
    const error = async (adaptiveRounding: boolean) => {
      const graph = applyQuantization(cloneGraph(float), 'int8', { calibration, adaptiveRounding, biasCorrection: false });
      let total = 0;
      for (const feeds of calibration) {
        const want = (await run(float, feeds, ['v'])).get('v')!.data as Float32Array;
        const got = (await run(graph, feeds, ['v_float'])).get('v_float')!.data as Float32Array;
        got.forEach((value, i) => (total += (value - want[i]!) ** 2));
      }
      return total;
    };
    expect(await error(true)).toBeLessThan(await error(false));
  });

  it('survives the .wlm round trip small, and keeps integer weights through constant folding', async () => {
    const { graph } = quantized();
    const bytes = writeWlm(graph);
    // ~23 K parameters: the graph description is most of this file (on MobileNet the ratio is ~0.31).
    expect(bytes.length).toBeLessThan(writeWlm(importModel(net())).length * 0.8);
    const loaded = readWlm(bytes, 'int8.wlm');
    validateGraph(loaded, 'read');
    expect(loaded.nodes.map((n) => n.op)).toEqual(graph.nodes.map((n) => n.op));
    // Optimising again folds nothing back into float32 weights.
    runPipeline(loaded, { validate: true });
    expect(loaded.nodes.filter((n) => n.op === 'DequantizeLinear').length).toBe(graph.nodes.filter((n) => n.op === 'DequantizeLinear').length);
    expect([...loaded.tensors.values()].some((info) => info.value?.type === 'float32' && info.value.size > 16)).toBe(false);

    const feeds = sample(51);
    const want = (await run(graph, feeds)).get('y')!.data as Float32Array;
    for (const backend of ['reference', 'wasm'] as const) {
      const session = await InferenceSession.create(bytes, { backend });
      expect(session.metadata.properties.quantization).toBe('int8');
      const got = (await session.run(feeds)).y!.data as Float32Array;
      // wasm runs the islands on integer kernels: results may move by a step where float rounding differs.
      got.forEach((value, i) => expect(Math.abs(value - want[i]!), backend).toBeLessThan(backend === 'reference' ? 1e-6 : 0.01));
      await session.release();
    }
  });

  it('rejects missing or mismatched calibration data with typed errors', async () => {
    const fails = async (options: object, code: string, message: RegExp) => {
      const error = await convert(net(), { quantize: 'int8', ...options }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebliteError);
      expect((error as WebliteError).code).toBe(code);
      expect((error as WebliteError).message).toMatch(message);
    };
    await fails({}, 'BAD_ARGUMENT', /needs calibration data.*'x'/);
    await fails({ calibration: [] }, 'BAD_ARGUMENT', /needs calibration data/);
    await fails({ calibration: [{ input: calibration[0]!.x }] }, 'BAD_INPUT', /unknown input 'input'.*'x'/);
    await fails({ calibration: [{}] }, 'BAD_INPUT', /lacks input 'x'/);
    await fails({ calibration: [{ x: new Tensor('int32', new Int32Array(512), [1, 8, 8, 8]) }] }, 'BAD_INPUT', /must be float32/);
    await fails({ calibration: [{ x: randomTensor([1, 8, 4, 16]) }] }, 'BAD_INPUT', /must have dims \[1, 8, 8, 8\]/);
    await fails({ calibration, calibrationMethod: 'entropy' }, 'BAD_ARGUMENT', /unknown calibration method 'entropy'/);
  });
});
