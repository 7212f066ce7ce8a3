/** Reading a model from disk for the CLI, with ONNX external-data side files found next to it. */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { sniffFormat } from '../convert/sniff.js';
import type { BackendName } from '../runtime/backend.js';
import { InferenceSession } from '../runtime/session.js';
import { WebliteError } from '../errors.js';

export async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new WebliteError('IO_ERROR', `cannot read '${path}': ${(error as Error).message}`);
  }
}

/**
 * External-data files, looked up lazily next to the model. Only relative paths inside the model's folder are
 * served (a model cannot make the CLI read arbitrary files).
 */
export function sideFiles(modelPath: string): Record<string, Uint8Array> {
  const folder = dirname(modelPath);
  return new Proxy({} as Record<string, Uint8Array>, {
    get(_target, key) {
      if (typeof key !== 'string' || isAbsolute(key)) return undefined;
      const relative = normalize(key);
      if (relative.startsWith('..')) return undefined;
      const path = join(folder, relative);
      return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
    },
  });
}

/**
 * Converter options for a model file: ONNX side files next to it; for a Caffe deploy.prototxt, the weights from
 * `--weights` or `<stem>.caffemodel` next to it.
 */
export async function sourceOptions(path: string, bytes: Uint8Array, weightsPath: string | undefined): Promise<{
  fileName: string;
  files: Record<string, Uint8Array>;
  weights?: Uint8Array;
  weightsFileName?: string;
}> {
  const options: { fileName: string; files: Record<string, Uint8Array>; weights?: Uint8Array; weightsFileName?: string } = {
    fileName: basename(path),
    files: sideFiles(path),
  };
  if (sniffFormat(bytes) === 'caffe') {
    const stem = path.replace(/\.[^./]+$/, '');
    const weights = weightsPath ?? (existsSync(`${stem}.caffemodel`) ? `${stem}.caffemodel` : undefined);
    if (weights) {
      options.weights = await readModelFile(weights);
      options.weightsFileName = basename(weights);
    }
  }
  return options;
}

/** A session for a model file (any format weblite reads), with the CLI's backend/threads/weights options. */
export async function openSession(path: string, options: { backend?: string; threads?: number; weights?: string }): Promise<InferenceSession> {
  const bytes = await readModelFile(path);
  const source = await sourceOptions(path, bytes, options.weights);
  return InferenceSession.create(bytes, {
    backend: (options.backend ?? 'auto') as BackendName | 'auto',
    threads: options.threads,
    files: source.files,
    weights: source.weights,
  });
}

/** Prints a command's help when asked, or when the model path is missing (exit code 2); true when it did. */
export function printedHelp(help: string, asked: boolean | undefined, positionals: string[]): boolean {
  if (!asked && positionals.length === 1) return false;
  console.log(help);
  if (!asked) process.exitCode = 2;
  return true;
}
