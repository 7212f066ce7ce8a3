/** Shared pieces of the tests on the real ONNX models in ../shared/models/onnx: where they are, their inputs. */
import { existsSync, readFileSync } from 'node:fs';
import pngjs from 'pngjs';
import { Tensor } from '../../src/ir/tensor.js';

export const MODELS = new URL('../../../shared/models/', import.meta.url).pathname;
export const onnxModelsPresent = existsSync(`${MODELS}onnx`);

/** The models compared with onnxruntime-node (silero-vad-v5 is not: its If and LSTM do not convert yet). */
export const SHARED_ONNX_MODELS = ['mnist', 'ultraface-rfb-320', 'yunet-n-320', 'fastestdet', 'super-resolution-x3'] as const;

/** A deterministic, smooth input in [0, 1]: 0.5 + 0.5 · sin(0.013 · i). */
export function smoothInput(type: Tensor['type'], dims: number[]): Tensor {
  const t = Tensor.zeros(type, dims);
  const data = t.data as Float32Array;
  for (let i = 0; i < data.length; i++) data[i] = 0.5 + 0.5 * Math.sin(i * 0.013);
  return t;
}

/** images/mnist/digit-N.png as mnist.onnx's input: [1, 1, 28, 28], pixel values 0–255. */
export function mnistDigit(digit: number): Tensor {
  const png = pngjs.PNG.sync.read(readFileSync(`${MODELS}images/mnist/digit-${digit}.png`));
  const pixels = new Float32Array(28 * 28);
  for (let i = 0; i < pixels.length; i++) pixels[i] = png.data[i * 4]!;
  return new Tensor('float32', pixels, [1, 1, 28, 28]);
}
