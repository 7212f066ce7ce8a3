/**
 * TFLite model → IR Graph. Reads the flatbuffer with bounds checks (model.ts), reports every unsupported
 * operator at once, then converts operators in the file's (execution) order.
 *
 * The graph keeps TFLite's interface: inputs and outputs have TFLite's names, NHWC shapes and stored dtypes
 * (uint8/int8 for quantized models). Inside, 4-D activations live in NCHW form wherever convolutions need them
 * (layout.ts) and quantized tensors compute in float (op-context.ts): a quantized input is dequantized right
 * after the graph input and a quantized output quantized right before the graph output.
 */
import { WebliteError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { TfliteConverter } from './context.js';
import { nativeForm } from './layout.js';
import { readTfliteModel, type TfliteModel, type TfliteOperatorCode } from './model.js';
import { OpContext } from './op-context.js';
import type { OpConverter } from './ops/registry.js';
import { OP_CONVERTERS } from './ops/index.js';
import { CUSTOM_CONVERTERS } from './ops/custom/index.js';
import { CUSTOM_OPERATOR, builtinName } from './schema.js';
import { activationQuantization, storedType } from './tensors.js';

export interface TfliteImportOptions {
  /** Name used in error messages. */
  fileName?: string;
}

export function importTflite(bytes: Uint8Array, options: TfliteImportOptions = {}): Graph {
  const fileName = options.fileName ?? '<memory>.tflite';
  const model = readTfliteModel(bytes, fileName);
  checkSupported(model, fileName);
  const converter = new TfliteConverter(model, fileName);
  converter.graph.metadata = {
    producer: model.description,
    producerVersion: model.metadata.min_runtime_version ?? '',
    sourceFormat: 'tflite',
    sourceOpset: model.version,
    properties: { ...model.metadata },
  };
  addInputs(converter);
  for (const op of model.operators) {
    const custom = customConverter(op.code);
    if (custom) custom(new OpContext(converter, op, op.code.custom!));
    else OP_CONVERTERS[builtinName(op.code.builtin)]!(new OpContext(converter, op, builtinName(op.code.builtin)));
  }
  addOutputs(converter);
  return converter.graph;
}

/** The converter of a custom operator weblite implements; undefined for builtins and unknown custom codes. */
function customConverter(code: TfliteOperatorCode): OpConverter | undefined {
  if (code.builtin !== CUSTOM_OPERATOR || code.custom === undefined) return undefined;
  return Object.prototype.hasOwnProperty.call(CUSTOM_CONVERTERS, code.custom) ? CUSTOM_CONVERTERS[code.custom] : undefined;
}

function operatorName(model: TfliteModel, index: number): string {
  const code = model.operators[index]!.code;
  return code.builtin === CUSTOM_OPERATOR ? `CUSTOM:${code.custom ?? '?'}` : builtinName(code.builtin);
}

/** One UNSUPPORTED_OP error naming every unsupported operator type with the operator indices that use it. */
function checkSupported(model: TfliteModel, fileName: string): void {
  const unsupported = new Map<string, number[]>();
  model.operators.forEach((op, index) => {
    const name = operatorName(model, index);
    if (op.code.builtin === CUSTOM_OPERATOR ? customConverter(op.code) : OP_CONVERTERS[name]) return;
    unsupported.set(name, [...(unsupported.get(name) ?? []), index]);
  });
  if (unsupported.size === 0) return;
  const list = [...unsupported].map(([name, indices]) => {
    const shown = indices.slice(0, 5).join(', ');
    return `${name} (operator${indices.length > 1 ? 's' : ''} ${shown}${indices.length > 5 ? `, … ${indices.length} in all` : ''})`;
  });
  throw new WebliteError('UNSUPPORTED_OP', `${fileName}: ${unsupported.size} unsupported operator type(s): ${list.join('; ')}`);
}

function addInputs(converter: TfliteConverter): void {
  const { graph, model, fileName } = converter;
  model.inputs.forEach((index, position) => {
    const tensor = converter.tensor(index);
    if (converter.constant(index)) return; // an input with constant data is not fed
    const name = graph.uniqueName(tensor.name || `input_${position}`);
    const type = storedType(tensor, fileName);
    graph.tensors.set(name, { name, type, dims: [...tensor.shape] });
    graph.inputs.push(name);
    const form = nativeForm(tensor.shape.length);
    const quantization = activationQuantization(tensor);
    let value = name;
    if (quantization) {
      graph.tensor(name).quantization = { scale: [...quantization.scale], zeroPoint: [...quantization.zeroPoint], axis: 0 };
      value = converter.dequantizeLinear(name, quantization, type, `${name}_dequantize`);
    } else if (type === 'float16') {
      value = converter.addNode('Cast', [name], { to: 'float32' }, `${name}_cast`)[0]!;
    }
    converter.define(index, value, form);
  });
}

function addOutputs(converter: TfliteConverter): void {
  const { graph, model, fileName } = converter;
  // All values first: renaming below must not happen while the converter still reads tensors by IR name.
  const values = model.outputs.map((index, position) => {
    const tensor = converter.tensor(index);
    const value = converter.read(index, nativeForm(converter.dims(index).length));
    const quantization = activationQuantization(tensor);
    if (!quantization || converter.constant(index)) return value;
    return converter.quantizeLinear(value, quantization, storedType(tensor, fileName), `${tensor.name || `output_${position}`}_quantize`);
  });
  const rename = (from: string, to: string) => {
    renameTensor(graph, from, to);
    values.forEach((value, i) => (values[i] = value === from ? to : value));
  };
  const names = new Set<string>();
  model.outputs.forEach((index, position) => {
    let desired = converter.tensor(index).name || `output_${position}`;
    while (names.has(desired) || graph.inputs.includes(desired)) desired = `${desired}_${position}`;
    names.add(desired);
    const current = values[position]!;
    if (current !== desired) {
      if (graph.tensors.has(desired)) rename(desired, graph.uniqueName(`${desired}_internal`));
      const info = graph.tensor(current);
      // Constants, graph inputs and values already named as another output keep their names: copy them.
      if (info.value || graph.inputs.includes(current) || graph.outputs.includes(current)) {
        rename(converter.addNode('Identity', [current], {}, `${desired}_identity`)[0]!, desired);
      } else {
        rename(current, desired);
      }
    }
    graph.outputs.push(desired);
  });
}

function renameTensor(graph: Graph, from: string, to: string): void {
  const info = graph.tensor(from);
  graph.tensors.delete(from);
  graph.tensors.set(to, { ...info, name: to });
  for (const node of graph.nodes) {
    node.inputs = node.inputs.map((name) => (name === from ? to : name));
    node.outputs = node.outputs.map((name) => (name === from ? to : name));
  }
}
