/**
 * The TFLite interpreter (the reference runtime for .tflite models) in Node, from @tensorflow/tfjs-tflite.
 *
 * The package is built for browsers and web workers; in Node it runs after four shims: `self` (it looks up the
 * emscripten module factory on it), `location` (it builds the script URL from it), `importScripts` (here: read the
 * emscripten script from node_modules and evaluate it in this context, handing it the wasm binary directly) and
 * `MessageChannel = undefined` (its multi-threading probe then fails, so it picks the single-threaded SIMD build).
 * These globals change only in the test worker that imports this module.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import type { DType } from '../../src/ir/dtype.js';
import { Tensor } from '../../src/ir/tensor.js';

const require = createRequire(import.meta.url);

interface RunnerTensor {
  name: string;
  dataType: string;
  shape: string;
  data(): Int8Array | Uint8Array | Int16Array | Int32Array | Uint32Array | Float32Array | Float64Array;
}

export interface ModelRunner {
  getInputs(): RunnerTensor[];
  getOutputs(): RunnerTensor[];
  infer(): boolean;
  cleanUp(): void;
}

interface TfliteModule {
  loadTFLiteModel(model: ArrayBuffer, options: { numThreads: number }): Promise<{ modelRunner: ModelRunner }>;
  setWasmPath(path: string): void;
}

let loaded: TfliteModule | undefined;

function tflite(): TfliteModule {
  if (loaded) return loaded;
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
  const scope = globalThis as Record<string, unknown>;
  scope.self = globalThis;
  scope.location = { origin: '', href: '/' };
  scope.MessageChannel = undefined;
  scope.importScripts = (url: string) => {
    const file = join(wasmDir, url.slice(url.lastIndexOf('/') + 1));
    vm.runInThisContext(readFileSync(file, 'utf8'), { filename: file });
    const factory = scope.tflite_web_api_ModuleFactory as (options: object) => unknown;
    const wasmBinary = readFileSync(file.replace(/\.js$/, '.wasm'));
    scope.tflite_web_api_ModuleFactory = (options: object) => factory({ ...options, wasmBinary });
  };
  const module = require('@tensorflow/tfjs-tflite') as TfliteModule;
  module.setWasmPath('/wasm/');
  loaded = module;
  return module;
}

const TYPES: Record<string, DType> = {
  float32: 'float32', int8: 'int8', uint8: 'uint8', int16: 'int16', int32: 'int32', uint32: 'uint32', bool: 'bool', float64: 'float64',
};

export interface TfliteResult {
  name: string;
  tensor: Tensor;
}

/** A loaded interpreter for repeated runs (benchmarks): set inputs, `infer()`, read outputs; `cleanUp()` at the end. */
export async function loadTflite(model: Uint8Array, threads = 1): Promise<ModelRunner> {
  const buffer = model.buffer.slice(model.byteOffset, model.byteOffset + model.byteLength) as ArrayBuffer;
  return (await tflite().loadTFLiteModel(buffer, { numThreads: threads })).modelRunner;
}

/** Runs `model` on the TFLite interpreter (one thread) with inputs in the model's input order. */
export async function runTflite(model: Uint8Array, inputs: Tensor[]): Promise<TfliteResult[]> {
  const buffer = model.buffer.slice(model.byteOffset, model.byteOffset + model.byteLength) as ArrayBuffer;
  const runner = (await tflite().loadTFLiteModel(buffer, { numThreads: 1 })).modelRunner;
  try {
    const slots = runner.getInputs();
    if (slots.length !== inputs.length) throw new Error(`the model has ${slots.length} inputs, ${inputs.length} given`);
    slots.forEach((slot, i) => {
      const target = slot.data();
      const source = inputs[i]!.data as ArrayLike<number>;
      if (target.length !== source.length) throw new Error(`input ${i} '${slot.name}' takes ${target.length} elements, ${source.length} given`);
      target.set(source);
    });
    if (!runner.infer()) throw new Error('the TFLite interpreter failed');
    return runner.getOutputs().map((slot) => {
      const type = TYPES[slot.dataType];
      if (!type) throw new Error(`unsupported TFLite output type ${slot.dataType}`);
      const dims = slot.shape.split(',').filter((s) => s !== '').map(Number);
      const data = slot.data().slice();
      return { name: slot.name, tensor: new Tensor(type, data as Tensor['data'], dims) };
    });
  } finally {
    runner.cleanUp();
  }
}
