/**
 * `weblite convert --int8 --calibration DIR`: images (PNG, BMP, JPEG) and .npy tensors read, pre-processed into the
 * input's layout, the QDQ model written, and the per-layer cosine table printed; usage errors are typed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readCalibration } from '../../src/cli/calibration.js';
import { convertCommand } from '../../src/cli/convert.js';
import { writeNpy } from '../../src/cli/npy.js';
import { importModel } from '../../src/convert/index.js';
import { WebliteError } from '../../src/errors.js';
import { readWlm } from '../../src/ir/wlm/read.js';
import { buildModel, randomTensor } from '../helpers/onnx-builder.js';

const model = () =>
  buildModel({
    inputs: [{ name: 'image', type: 'float32', dims: [1, 3, 8, 8] }],
    outputs: [{ name: 'y', type: 'float32' }],
    initializers: { W: randomTensor([4, 3, 3, 3], 1), B: randomTensor([4], 2) },
    nodes: [
      { op: 'Conv', inputs: ['image', 'W', 'B'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
    ],
  });

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weblite-int8-'));
  writeFileSync(join(dir, 'model.onnx'), model());
  const pixels = (seed: number) => Buffer.from(Array.from({ length: 16 * 12 * 4 }, (_, i) => (i * seed * 37) % 256));
  const png = new pngjs.PNG({ width: 16, height: 12 });
  pixels(3).copy(png.data);
  writeFileSync(join(dir, 'a.png'), pngjs.PNG.sync.write(png));
  writeFileSync(join(dir, 'b.jpg'), jpeg.encode({ width: 16, height: 12, data: pixels(5) }, 90).data);
  writeFileSync(join(dir, 'c.npy'), writeNpy(randomTensor([1, 3, 8, 8], 7)));
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  return dir;
}

afterEach(() => vi.restoreAllMocks());

describe('weblite convert --int8', () => {
  it('reads images and .npy files as samples, in the input layout with the given mean and std', async () => {
    const dir = folder();
    const graph = importModel(new Uint8Array(readFileSync(join(dir, 'model.onnx'))));
    const { samples, description } = await readCalibration(dir, graph, { mean: '0', std: '255' });
    expect(samples.map((sample) => sample.image!.dims)).toEqual([[1, 3, 8, 8], [1, 3, 8, 8], [1, 3, 8, 8]]);
    expect(description).toMatch(/3 samples; images resized to 8×8, \(pixel − \[0\]\) \/ \[255\], NCHW/);
    for (const sample of samples.slice(0, 2)) {
      for (const value of sample.image!.data as Float32Array) expect(value >= 0 && value <= 1).toBe(true);
    }
    await expect(readCalibration(dir, graph, { layout: 'nhwc' })).rejects.toThrow(/not an RGB image batch/);
    await expect(readCalibration(dir, graph, { std: '0' })).rejects.toThrow(/--std must be/);
  });

  it('writes a QDQ model and prints per-layer cosine similarity', async () => {
    const dir = folder();
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    const output = join(dir, 'model.wlm');
    await convertCommand([join(dir, 'model.onnx'), '--int8', '--calibration', dir, '-o', output, '--calibration-method', 'percentile']);
    const text = lines.join('\n');
    expect(text).toMatch(/calibrating on 3 samples/);
    expect(text).toMatch(/per-layer cosine similarity to float32/);
    expect(text).toMatch(/\n {2}y +FusedConv +int8 +0\.9\d+/);
    const graph = readWlm(new Uint8Array(readFileSync(output)), 'model.wlm');
    expect(graph.metadata.properties.quantization).toBe('int8');
    expect(graph.metadata.properties.quantization_calibration).toMatch(/^percentile 99.999, 3 samples/);
    expect(graph.nodes.map((node) => node.op)).toContain('QuantizeLinear');

    // --int16-activations names tensors to store as int16; the report and the metadata say so.
    lines.length = 0;
    await convertCommand([join(dir, 'model.onnx'), '--int8', '--calibration', dir, '-o', output, '--int16-activations', 'y']);
    expect(lines.join('\n')).toMatch(/\n {2}y +FusedConv +int16 +0\.99\d+/);
    expect(lines.join('\n')).toMatch(/quantized: minmax, 3 samples, bias correction, int16: y\n/);
    const wide = readWlm(new Uint8Array(readFileSync(output)), 'model.wlm');
    expect(wide.metadata.properties.quantization_calibration).toMatch(/, int16: y$/);
    expect(wide.tensors.get(wide.nodes.find((node) => node.op === 'QuantizeLinear' && node.inputs[0] !== 'image')!.outputs[0]!)?.type).toBe('int16');
    await expect(convertCommand([join(dir, 'model.onnx'), '--int8', '--calibration', dir, '-o', output, '--int16-activations', 'nope'])).rejects.toThrow(
      /int16Activations names 'nope', which is not a quantized activation/,
    );
    await expect(convertCommand([join(dir, 'model.onnx'), '--int16-activations', 'y'])).rejects.toThrow(/--int16-activations is for --int8/);
  });

  it('rejects --int8 without calibration data, and calibration without --int8', async () => {
    const dir = folder();
    const model = join(dir, 'model.onnx');
    await expect(convertCommand([model, '--int8'])).rejects.toThrow(/--int8 needs --calibration DIR/);
    await expect(convertCommand([model, '--calibration', dir])).rejects.toThrow(/--calibration is for --int8/);
    await expect(convertCommand([model, '--int8', '--calibration', join(dir, 'missing')])).rejects.toBeInstanceOf(WebliteError);
    await expect(convertCommand([model, '--int8', '--calibration', dir, '--calibration-method', 'entropy'])).rejects.toThrow(/--calibration-method/);
  });
});
