/**
 * `--calibration DIR` for `weblite convert --int8`: the samples calibration runs the float model on.
 *
 * A model with one input: every image (.jpg, .jpeg, .png, .bmp), .npy or .bin file in DIR is one sample. Images are
 * resized to the input's H×W and normalised as (pixel − mean) / std into its layout (NHWC or NCHW, from the input's
 * dims); mean, std, size and layout come from the flags, else from the model's metadata properties (`mean`, `std`,
 * `layout`, written by front-ends that know them), else mean = std = 127.5 (pixels to [−1, 1]). .npy files must
 * match the input's dtype and dims; .bin files are raw little-endian values of the input's dtype and dims.
 * A model with several inputs: every sub-folder of DIR is one sample, holding `<input>.npy` or `<input>.bin` per
 * input ('/' and ':' in input names written as '_').
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { WebliteError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import type { CalibrationSample } from '../passes/quantize/calibrate.js';
import { IMAGE_EXTENSIONS, type ImagePreprocessing, decodeImage, imageTensor } from './images.js';
import { readNpy, readRaw } from './npy.js';

export interface PreprocessingFlags {
  mean?: string;
  std?: string;
  /** "224" or "224x192" (width × height). */
  size?: string;
  layout?: string;
}

const TENSOR_EXTENSIONS = ['.npy', '.bin'];

export async function readCalibration(directory: string, graph: Graph, flags: PreprocessingFlags): Promise<{ samples: CalibrationSample[]; description: string }> {
  const inputs = graph.inputs.filter((name) => !graph.constant(name));
  let entries: string[];
  try {
    entries = (await readdir(directory)).sort();
  } catch (error) {
    throw new WebliteError('IO_ERROR', `cannot read the calibration folder '${directory}': ${(error as Error).message}`);
  }
  if (inputs.length !== 1) return readPerSampleFolders(directory, entries, graph, inputs);

  const input = inputs[0]!;
  const files = entries.filter((name) => [...IMAGE_EXTENSIONS, ...TENSOR_EXTENSIONS].includes(extname(name).toLowerCase()));
  if (files.length === 0) {
    throw new WebliteError('BAD_ARGUMENT', `calibration folder '${directory}' has no images (${IMAGE_EXTENSIONS.join(' ')}) or tensors (.npy .bin)`);
  }
  let pre: ImagePreprocessing | undefined;
  const samples: CalibrationSample[] = [];
  for (const file of files) {
    const path = join(directory, file);
    const extension = extname(file).toLowerCase();
    if (TENSOR_EXTENSIONS.includes(extension)) {
      samples.push({ [input]: await readTensorFile(path, graph, input) });
      continue;
    }
    pre ??= imagePreprocessing(graph, input, flags);
    samples.push({ [input]: imageTensor(decodeImage(await readBytes(path), file), pre) });
  }
  const description = pre
    ? `${samples.length} samples; images resized to ${pre.width}×${pre.height}, (pixel − [${pre.mean.join(', ')}]) / [${pre.std.join(', ')}], ${pre.layout.toUpperCase()}`
    : `${samples.length} samples`;
  return { samples, description };
}

async function readPerSampleFolders(directory: string, entries: string[], graph: Graph, inputs: string[]): Promise<{ samples: CalibrationSample[]; description: string }> {
  const samples: CalibrationSample[] = [];
  for (const entry of entries) {
    const folder = join(directory, entry);
    if (!(await stat(folder)).isDirectory()) continue;
    const files = await readdir(folder);
    const sample: CalibrationSample = {};
    for (const input of inputs) {
      const stem = input.replace(/[/:]/g, '_');
      const file = files.find((name) => name === `${stem}.npy`) ?? files.find((name) => name === `${stem}.bin`);
      if (!file) throw new WebliteError('BAD_ARGUMENT', `calibration sample '${folder}' has no ${stem}.npy or ${stem}.bin for input '${input}'`);
      sample[input] = await readTensorFile(join(folder, file), graph, input);
    }
    samples.push(sample);
  }
  if (samples.length === 0) {
    throw new WebliteError(
      'BAD_ARGUMENT',
      `the model has ${inputs.length} inputs (${inputs.join(', ')}): '${directory}' needs one sub-folder per sample with <input>.npy or <input>.bin files`,
    );
  }
  return { samples, description: `${samples.length} samples of ${inputs.length} inputs` };
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new WebliteError('IO_ERROR', `cannot read '${path}': ${(error as Error).message}`);
  }
}

async function readTensorFile(path: string, graph: Graph, input: string): Promise<Tensor> {
  const bytes = await readBytes(path);
  if (path.endsWith('.npy')) return readNpy(bytes, path);
  const info = graph.tensor(input);
  const dims = info.dims ?? [];
  if (!dims.every((d): d is number => typeof d === 'number')) {
    throw new WebliteError('BAD_ARGUMENT', `${path}: input '${input}' has symbolic dims [${dims.join(', ')}]; give calibration data as .npy`);
  }
  return readRaw(bytes, info.type, dims, path);
}

/** Flags first, then the model's metadata, then the input's dims; defaults as in the header. */
function imagePreprocessing(graph: Graph, input: string, flags: PreprocessingFlags): ImagePreprocessing {
  const properties = graph.metadata.properties;
  const dims = graph.tensor(input).dims ?? [];
  const layoutFlag = flags.layout ?? properties.layout;
  if (layoutFlag !== undefined && layoutFlag.toLowerCase() !== 'nhwc' && layoutFlag.toLowerCase() !== 'nchw') {
    throw new WebliteError('BAD_ARGUMENT', `--layout must be nhwc or nchw, got '${layoutFlag}'`);
  }
  const layout = (layoutFlag?.toLowerCase() as 'nhwc' | 'nchw' | undefined) ?? (dims.length === 4 && dims[3] === 3 ? 'nhwc' : 'nchw');
  if (dims.length !== 4 || dims[layout === 'nhwc' ? 3 : 1] !== 3) {
    throw new WebliteError('BAD_ARGUMENT', `input '${input}' has dims [${dims.join(', ')}], not an RGB image batch [1, H, W, 3] or [1, 3, H, W]; give calibration data as .npy or .bin`);
  }
  const [heightDim, widthDim] = layout === 'nhwc' ? [dims[1], dims[2]] : [dims[2], dims[3]];
  let width = typeof widthDim === 'number' ? widthDim : undefined;
  let height = typeof heightDim === 'number' ? heightDim : undefined;
  if (flags.size !== undefined) {
    const match = /^(\d+)(?:x(\d+))?$/.exec(flags.size);
    if (!match) throw new WebliteError('BAD_ARGUMENT', `--size must be N or WxH, got '${flags.size}'`);
    width = Number(match[1]);
    height = Number(match[2] ?? match[1]);
  }
  if (width === undefined || height === undefined) {
    throw new WebliteError('BAD_ARGUMENT', `input '${input}' has symbolic spatial dims [${dims.join(', ')}]: give --size`);
  }
  return { width, height, layout, mean: numbers('--mean', flags.mean ?? properties.mean, 127.5), std: numbers('--std', flags.std ?? properties.std, 127.5) };
}

function numbers(flag: string, text: string | undefined, fallback: number): number[] {
  if (text === undefined) return [fallback];
  const values = text.split(',').map((part) => Number(part.trim()));
  if ((values.length !== 1 && values.length !== 3) || values.some((v) => !Number.isFinite(v)) || (flag === '--std' && values.some((v) => v === 0))) {
    throw new WebliteError('BAD_ARGUMENT', `${flag} must be one number or three comma-separated numbers (R,G,B)${flag === '--std' ? ', none zero' : ''}, got '${text}'`);
  }
  return values;
}
