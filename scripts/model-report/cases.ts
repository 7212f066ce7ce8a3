/**
 * The models scripts/model-report.ts reports on: every model in ../shared/models and the torchvision fixtures, each
 * with the input and the measure its test uses (test/convert/tflite-models.test.ts, caffe-models.test.ts,
 * test/models/shared-onnx.test.ts, torchvision.test.ts), built from the same test helpers.
 * TFLite cases come first: the TFLite interpreter must load before any onnxruntime session is created (MODELS.md).
 */
import { readFileSync } from 'node:fs';
import { importModel } from '../../src/convert/index.js';
import { Tensor } from '../../src/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { writeWlm } from '../../src/ir/wlm/write.js';
import { CAFFE_MODELS, MODELS as CAFFE_FOLDER, modelsPresent as caffePresent, opencvPresent, randomTensor, runOpenCV } from '../../test/convert/caffe-helpers.js';
import type { RgbImage } from '../../test/helpers/images.js';
import { runOrt } from '../../test/helpers/ort.js';
import { mnistDigit, onnxModelsPresent, smoothInput } from '../../test/helpers/shared-onnx.js';
import { runTflite } from '../../test/helpers/tflite-interpreter.js';
import {
  MODELS, deeplabGoldenMask, imageInput, keypointDistance, labels, maskAgreement, modelsPresent as tflitePresent, movenetKeypoints, movenetReference,
  readModel, sampleImage,
} from '../../test/helpers/tflite-models.js';
import { ensureFixtures, loadFixture } from '../../test/models/fixtures.js';
import { type Measure, type Run, join, outputError, percent, referenceTopOne, topOne } from './measures.js';

export interface Prepared {
  /** The converted model, or why conversion failed. */
  wlm: Uint8Array | { error: string };
  runs: Run[];
  /** What the reference runtime itself answers (top-1, agreement with a golden file), where that means something. */
  referenceSays: string;
  measure(got: readonly Record<string, Tensor>[]): Measure;
}

export interface ModelCase {
  model: string;
  format: string;
  runtime: string;
  input: string;
  metric: string;
  /** Why the case cannot run here (missing files or runtimes). */
  unavailable?: string;
  prepare(): Promise<Prepared>;
}

type Measurer = (runs: readonly Run[], got: readonly Record<string, Tensor>[]) => Measure;

/** Source model → optimised IR → .wlm, as `convert()` does; keeps the graph for its input and output names. */
function toWlm(bytes: Uint8Array, options: Parameters<typeof importModel>[1]): { graph: Graph; wlm: Uint8Array } {
  const graph = importModel(bytes, options);
  return { graph, wlm: writeWlm(graph) };
}

const byName = (names: readonly string[], tensors: readonly Tensor[]) => Object.fromEntries(names.map((name, i) => [name, tensors[i]!]));

const TFLITE_RUNTIME = 'TFLite interpreter (@tensorflow/tfjs-tflite, 1 thread)';
const NOT_PRESENT = (folder: string) => `${folder} is missing`;
const imagenet = () => labels('imagenet-labels-coral.txt');

function tflite(file: string, input: string, metric: string, feeds: () => Tensor[][], measure: Measurer, says: (runs: Run[]) => string = () => '—'): ModelCase {
  return {
    model: file.replace(/\.tflite$/, ''), format: 'TFLite', runtime: TFLITE_RUNTIME, input, metric,
    unavailable: tflitePresent ? undefined : NOT_PRESENT(`${MODELS}tflite`),
    async prepare() {
      const bytes = readModel(file);
      const { graph, wlm } = toWlm(bytes, { fileName: file });
      const runs: Run[] = [];
      for (const inputs of feeds()) {
        const want = (await runTflite(bytes, inputs)).map((result) => result.tensor);
        runs.push({ feeds: byName(graph.inputs, inputs), want: byName(graph.outputs, want) });
      }
      return { wlm, runs, referenceSays: says(runs), measure: (got) => measure(runs, got) };
    },
  };
}

const signed = (b: number) => (b - 127.5) / 127.5;
/** Top-1 and the output error of a classifier whose only output is `output` (found by position). */
const classifier: Measurer = (runs, got) => join(outputError(runs, got), topOne(runs, got, Object.keys(runs[0]!.want)[0]!));
const firstOutput = (run: Run) => Object.values(run.want)[0]!;

function tfliteCases(): ModelCase[] {
  const says = (runs: Run[]) => `top-1 ${referenceTopOne(runs, Object.keys(runs[0]!.want)[0]!, imagenet())}`;
  return [
    tflite('mobilenet-v1-0.25-224-float.tflite', 'images/burger.jpg, 224², (x − 127.5)/127.5', 'rel L2; top-1',
      () => [[imageInput(sampleImage('burger.jpg', 224), 'float32', signed)]], classifier, says),
    tflite('mobilenet-v1-0.25-224-quant.tflite', 'images/burger.jpg, 224², uint8', 'steps (uint8); top-1',
      () => [[imageInput(sampleImage('burger.jpg', 224), 'uint8')]], classifier, says),
    tflite('mobilenet-v2-1.0-224-quant.tflite', 'images/cat.bmp and grace-hopper.bmp, 224², uint8', 'steps (uint8), worst of 2 images; top-1',
      () => ['cat.bmp', 'grace-hopper.bmp'].map((file) => [imageInput(sampleImage(file, 224), 'uint8')]), classifier, says),
    tflite('movenet-lightning-int8.tflite', 'images/squat.bmp, 192², uint8 (truncating resize, as libcoral)',
      'max keypoint distance vs the interpreter / vs reference.csv (ok: ≤ one 1/48 heatmap cell from the interpreter)',
      () => [[imageInput(sampleImage('squat.bmp', 192, { rounding: 'truncate' }), 'uint8')]],
      (runs, got) => {
        const want = movenetKeypoints(firstOutput(runs[0]!));
        const ours = movenetKeypoints(Object.values(got[0]!)[0]!);
        const fromInterpreter = keypointDistance(ours, want);
        return { text: `${fromInterpreter.toFixed(4)} / ${keypointDistance(ours, movenetReference()).toFixed(4)}`, ok: fromInterpreter <= 1 / 48 + 0.001 };
      },
      (runs) => `${keypointDistance(movenetKeypoints(firstOutput(runs[0]!)), movenetReference()).toFixed(4)} from reference.csv`),
    tflite('deeplabv3-257.tflite', 'images/segmentation-input.jpg, 257², (x − 127.5)/127.5',
      'rel L2; argmax mask = golden mask (ok: ≥ the interpreter’s − 0.1%)',
      () => [[imageInput(sampleImage('segmentation-input.jpg', 257), 'float32', signed)]],
      (runs, got) => {
        const golden = deeplabGoldenMask();
        const interpreter = maskAgreement(firstOutput(runs[0]!), golden);
        const ours = maskAgreement(Object.values(got[0]!)[0]!, golden);
        return join(outputError(runs, got), { text: `mask ${percent(ours)}`, ok: ours >= interpreter - 0.001 });
      },
      (runs) => `mask ${percent(maskAgreement(firstOutput(runs[0]!), deeplabGoldenMask()))}`),
    tflite('resnet8-cifar10-float.tflite', 'images/cat.bmp, 32², 0–255 (as its test; no inputs shipped)', 'rel L2; top-1',
      () => [[imageInput(sampleImage('cat.bmp', 32), 'float32')]], classifier, (runs) => `top-1 ${referenceTopOne(runs, Object.keys(runs[0]!.want)[0]!)} (cat)`),
    tflite('resnet8-cifar10-int8.tflite', 'images/cat.bmp, 32², int8 x − 128 (as its test)', 'steps (int8); top-1',
      () => [[imageInput(sampleImage('cat.bmp', 32), 'int8', (b) => b - 128)]], classifier, (runs) => `top-1 ${referenceTopOne(runs, Object.keys(runs[0]!.want)[0]!)} (cat)`),
  ];
}

/** An NCHW [1, 3, H, W] float input in BGR order (what OpenCV's blobFromImage gives these detectors), x → value(x). */
function bgrInput(image: RgbImage, value: (byte: number) => number): Tensor {
  const plane = image.width * image.height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) data[(2 - c) * plane + i] = value(image.rgb[i * 3 + c]!);
  return new Tensor('float32', data, [1, 3, image.height, image.width]);
}

function onnx(name: string, input: string, metric: string, feeds: () => Record<string, Tensor>[], measure: Measurer = outputError, says: (runs: Run[]) => string = () => '—'): ModelCase {
  return {
    model: name, format: 'ONNX', runtime: 'onnxruntime-node 1.30', input, metric,
    unavailable: onnxModelsPresent ? undefined : NOT_PRESENT(`${MODELS}onnx`),
    async prepare() {
      const bytes = new Uint8Array(readFileSync(`${MODELS}onnx/${name}.onnx`));
      const runs: Run[] = [];
      for (const feed of feeds()) runs.push({ feeds: feed, want: await runOrt(bytes, feed) });
      let wlm: Prepared['wlm'];
      try {
        wlm = toWlm(bytes, { fileName: `${name}.onnx` }).wlm;
      } catch (error) {
        wlm = { error: (error as Error).message };
      }
      return { wlm, runs, referenceSays: says(runs), measure: (got) => measure(runs, got) };
    },
  };
}

function onnxCases(): ModelCase[] {
  const smooth = '0.5 + 0.5·sin(0.013·i) (as its test)';
  return [
    onnx('mnist', 'images/mnist/digit-0…9.png, 0–255', 'rel L2, worst of 10 digits; top-1 = reference',
      () => Array.from({ length: 10 }, (_, digit) => ({ Input3: mnistDigit(digit) })),
      (runs, got) => join(outputError(runs, got), topOne(runs, got, 'Plus214_Output_0')),
      (runs) => `digit-N → N: ${runs.filter((run, digit) => referenceTopOne([run], 'Plus214_Output_0') === `${digit}`).length}/10`),
    onnx('ultraface-rfb-320', `[1,3,240,320] ${smooth}`, 'rel L2, worst output',
      () => [{ input: smoothInput('float32', [1, 3, 240, 320]) }]),
    onnx('yunet-n-320', 'images/face.jpg, 320², BGR 0–255', 'rel L2, worst of 12 outputs (obj_32 holds only sigmoid tails < 5e-4, where onnxruntime’s sigmoid approximation is off)',
      () => [{ input: bgrInput(sampleImage('face.jpg', 320), (b) => b) }]),
    onnx('fastestdet', 'images/street.jpg, 352², BGR / 255', 'rel L2',
      () => [{ 'input.1': bgrInput(sampleImage('street.jpg', 352), (b) => b / 255) }]),
    onnx('super-resolution-x3', `[1,1,224,224] ${smooth}`, 'rel L2',
      () => [{ input: smoothInput('float32', [1, 1, 224, 224]) }]),
    onnx('silero-vad-v5', 'input [1,512] 0.1·sin(0.013·i), state zeros, sr 16000', 'rel L2, worst output',
      () => [{
        input: new Tensor('float32', Float32Array.from({ length: 512 }, (_, i) => 0.1 * Math.sin(i * 0.013)), [1, 512]),
        state: Tensor.zeros('float32', [2, 1, 128]),
        sr: new Tensor('int64', BigInt64Array.of(16000n), []),
      }]),
  ];
}

function caffeCases(): ModelCase[] {
  const unavailable = !caffePresent ? NOT_PRESENT(CAFFE_FOLDER) : !opencvPresent ? '/usr/bin/python3 cannot import cv2 (python3-opencv)' : undefined;
  return CAFFE_MODELS.map(([name, input, dims]) => ({
    model: name, format: 'Caffe', runtime: 'OpenCV dnn (python3-opencv)', input: `[${dims}] uniform [−1, 1), seed 7 (as its test)`, metric: 'rel L2, worst output',
    unavailable,
    async prepare() {
      const prototxt = readFileSync(`${CAFFE_FOLDER}${name}.prototxt`, 'utf8');
      const weights = new Uint8Array(readFileSync(`${CAFFE_FOLDER}${name}.caffemodel`));
      const { graph, wlm } = toWlm(new TextEncoder().encode(prototxt), { from: 'caffe', weights, fileName: `${name}.prototxt` });
      const feeds = { [input]: randomTensor(dims, 7) };
      const runs = [{ feeds, want: byName(graph.outputs, runOpenCV(prototxt, weights, feeds, graph.outputs)) }];
      return { wlm, runs, referenceSays: '—', measure: (got) => outputError(runs, got) };
    },
  }));
}

const FIXTURES = ['mobilenet_v2', 'resnet18', 'squeezenet1_1', 'efficientnet_b0', 'transformer_encoder'] as const;

function torchCases(): ModelCase[] {
  let status: ReturnType<typeof ensureFixtures> | Error;
  try {
    status = ensureFixtures(FIXTURES);
  } catch (error) {
    status = error as Error;
  }
  return FIXTURES.map((name) => {
    const ready = status instanceof Error ? { ready: false as const, reason: status.message } : status.get(name)!;
    const isClassifier = name !== 'transformer_encoder';
    return {
      model: name, format: 'ONNX (torch.onnx, opset 13, random-init weights)', runtime: 'torch (output saved with the fixture)',
      input: `the fixture's seeded input ${name === 'transformer_encoder' ? '[1,10,64]' : '[1,3,224,224]'}`,
      metric: isClassifier ? 'rel L2; top-1 = torch' : 'rel L2',
      unavailable: ready.ready ? undefined : ready.reason,
      async prepare() {
        const fixture = loadFixture(name);
        const runs = [{ feeds: { input: fixture.input }, want: { output: fixture.expected } }];
        const measure: Measurer = isClassifier ? classifier : outputError;
        return { wlm: toWlm(fixture.onnx, { fileName: `${name}.onnx` }).wlm, runs, referenceSays: isClassifier ? `top-1 ${referenceTopOne(runs, 'output')}` : '—', measure: (got) => measure(runs, got) };
      },
    };
  });
}

export function modelCases(): ModelCase[] {
  return [...tfliteCases(), ...onnxCases(), ...caffeCases(), ...torchCases()];
}
