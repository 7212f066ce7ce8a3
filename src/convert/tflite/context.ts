/**
 * The converter's state: the IR graph being built, the forms (layouts, see layout.ts) in which each TFLite tensor
 * exists so far, and decoded constants. Nodes are shape-inferred as they are added, so every converter sees exact
 * dims of what it reads, and every TFLite tensor's inferred shape is checked against the shape the file declares.
 */
import { WebliteError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';
import { resolveAttrs } from '../../ir/attrs.js';
import { Graph, type Attrs } from '../../ir/graph.js';
import { inferNode } from '../../ir/infer.js';
import { type OpType, opTable } from '../../ir/ops.js';
import { isStatic } from '../../ir/shape.js';
import { Tensor } from '../../ir/tensor.js';
import {
  type Form, formKey, isNative, isRegisteredForm, nativeForm, NCHW, permuteDims, sameOrderAsNchw, transposePerm, unpermuteDims,
} from './layout.js';
import type { TfliteModel, TfliteQuantization, TfliteTensor } from './model.js';
import { activationQuantization, decodeConstant, isStoredQuantized, tensorLabel } from './tensors.js';

export class TfliteConverter {
  readonly graph = new Graph();
  /** TFLite tensor index → form key → IR tensor name. */
  private readonly forms = new Map<number, Map<string, string>>();
  /** TFLite tensor index → its TFLite (native) dims, as declared or as inferred from the IR. */
  private readonly nativeDims = new Map<number, number[]>();
  private readonly constants = new Map<number, Tensor | null>();
  private readonly nodeNames = new Set<string>();
  private readonly sharedConstants = new Map<string, string>();
  private unknownCounter = 0;

  constructor(
    readonly model: TfliteModel,
    readonly fileName: string,
  ) {}

  tensor(index: number): TfliteTensor {
    return this.model.tensors[index]!;
  }

  /** Makes a tensor a constant of the given (native) value: operators the converter folds (SHAPE, DEQUANTIZE). */
  setConstant(index: number, value: Tensor): void {
    this.constants.set(index, value);
    this.nativeDims.set(index, [...value.dims]);
  }

  /** Decoded constant value (float32 when quantized or float16), undefined for activations. */
  constant(index: number): Tensor | undefined {
    let value = this.constants.get(index);
    if (value === undefined) {
      value = decodeConstant(this.model, this.tensor(index), this.fileName) ?? null;
      this.constants.set(index, value);
    }
    return value ?? undefined;
  }

  /** TFLite dims of a tensor: inferred when it was produced, else declared. */
  dims(index: number): number[] {
    return this.nativeDims.get(index) ?? this.tensor(index).shape;
  }

  quantization(index: number): TfliteQuantization | undefined {
    return this.constant(index) ? undefined : activationQuantization(this.tensor(index));
  }

  hasForm(index: number, form: Form): boolean {
    return this.constant(index) !== undefined || this.forms.get(index)?.has(formKey(form)) === true;
  }

  /** The form an op that works in any layout should read: NCHW when that exists for a 4-D tensor, else native. */
  preferredForm(index: number): Form {
    const rank = this.dims(index).length;
    if (rank === 4 && this.constant(index) === undefined && this.forms.get(index)?.has(formKey(NCHW))) return NCHW;
    return nativeForm(rank);
  }

  /** The IR name of TFLite tensor `index` in `form`, transposing (a constant at conversion time) when needed. */
  read(index: number, form: Form): string {
    const key = formKey(form);
    const known = this.forms.get(index)?.get(key);
    if (known) return known;
    const tensor = this.tensor(index);
    const rank = this.dims(index).length;
    if (form.length !== rank) {
      throw new WebliteError('BAD_MODEL', `${this.fileName}: ${tensorLabel(tensor)} has rank ${rank}, but an operator reads it as a rank-${form.length} tensor`);
    }
    const value = this.constant(index);
    let name: string;
    if (value && isStoredQuantized(tensor)) {
      name = this.dequantizedConstant(index, form);
    } else if (value) {
      const data = isNative(form) ? value : transposeConstant(value, [...form]);
      name = this.addConstant(`${tensor.name || `tensor_${index}`}${isNative(form) ? '' : '_nchw'}`, data);
    } else {
      const available = this.forms.get(index);
      const [sourceKey, source] = available ? [...available.entries()][0]! : [];
      if (!sourceKey || !source) throw new WebliteError('BAD_MODEL', `${this.fileName}: ${tensorLabel(tensor)} is read before any operator produces it`);
      const from = sourceKey.split(',').filter((s) => s !== '').map(Number);
      const hint = `${tensor.name || `tensor_${index}`}_${isNative(form) ? 'nhwc' : 'nchw'}`;
      // Between NHWC and NCHW of a tensor with C = 1 or H·W = 1 the bytes coincide: a Reshape moves nothing.
      name = sameOrderAsNchw(this.dims(index)) && isRegisteredForm(from) && isRegisteredForm(form)
        ? this.addNode('Reshape', [source, this.sharedConstant('int64', permuteDims(this.dims(index), form), [form.length])], {}, hint)[0]!
        : this.addNode('Transpose', [source], { perm: transposePerm(from, form) }, hint)[0]!;
    }
    this.define(index, name, form);
    return name;
  }

  /**
   * A quantized constant (weights, biases) in `form`: its stored integers (transposed when needed) behind a
   * DequantizeLinear with its scale(s), zero point(s) and per-channel axis, which fold-constants keeps as is.
   */
  private dequantizedConstant(index: number, form: Form): string {
    const tensor = this.tensor(index);
    const quantization = tensor.quantization!;
    const raw = decodeConstant(this.model, tensor, this.fileName, true)!;
    const base = `${tensor.name || `tensor_${index}`}${isNative(form) ? '' : '_nchw'}`;
    const data = this.addConstant(`${base}_quantized`, isNative(form) ? raw : transposeConstant(raw, [...form]));
    const perChannel = quantization.scale.length > 1;
    const axis = perChannel ? (isNative(form) ? quantization.axis : form.indexOf(quantization.axis)) : 0;
    if (perChannel && (axis < 0 || raw.dims[quantization.axis] !== quantization.scale.length)) {
      throw new WebliteError('BAD_MODEL', `${this.fileName}: ${tensorLabel(tensor)}: ${quantization.scale.length} per-channel scales do not match dim ${quantization.axis} of [${raw.dims.join(', ')}]`);
    }
    const count = quantization.scale.length;
    const zeroPoints = quantization.zeroPoint.length === count ? quantization.zeroPoint : new Array<number>(count).fill(quantization.zeroPoint[0] ?? 0);
    const scale = perChannel
      ? this.addConstant(`${base}_scale`, new Tensor('float32', Float32Array.from(quantization.scale), [count]))
      : this.sharedConstant('float32', [quantization.scale[0]!], []);
    const zeroPoint = perChannel
      ? this.addConstant(`${base}_zero_point`, new Tensor(raw.type, zeroPoints, [count]))
      : this.sharedConstant(raw.type, [zeroPoints[0]!], []);
    return this.addNode('DequantizeLinear', [data, scale, zeroPoint], { axis }, `${base}_dequantize`)[0]!;
  }

  /** Records that IR tensor `name` holds TFLite tensor `index` in `form`, checking its shape against the file. */
  define(index: number, name: string, form: Form): void {
    let map = this.forms.get(index);
    if (!map) this.forms.set(index, (map = new Map()));
    map.set(formKey(form), name);
    const irDims = this.graph.tensors.get(name)?.dims;
    if (!irDims || !isStatic(irDims) || irDims.length !== form.length) return;
    const dims = unpermuteDims(irDims, form);
    const declared = this.tensor(index).shape;
    if (declared.length > 0 && (declared.length !== dims.length || declared.some((d, i) => d !== dims[i]))) {
      throw new WebliteError('BAD_MODEL', `${this.fileName}: ${tensorLabel(this.tensor(index))} is declared [${declared.join(', ')}] but its operator produces [${dims.join(', ')}]`);
    }
    this.nativeDims.set(index, dims);
  }

  addConstant(hint: string, value: Tensor): string {
    const name = this.graph.uniqueName(hint);
    this.graph.tensors.set(name, { name, type: value.type, dims: [...value.dims], value });
    return name;
  }

  /** A small constant shared by every reader (quantization parameters, clip bounds, axes). */
  sharedConstant(type: DType, values: readonly number[], dims: readonly number[]): string {
    const key = `${type}:${dims.join('x')}:${values.join(',')}`;
    let name = this.sharedConstants.get(key);
    if (!name) {
      const data = type === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : values;
      name = this.addConstant(`const_${type}_${values.slice(0, 4).join('_').replace(/[^\w-]/g, '')}`, new Tensor(type, data, dims));
      this.sharedConstants.set(key, name);
    }
    return name;
  }

  /**
   * QuantizeLinear of IR tensor `value` with per-tensor parameters, to `type`; the result carries the parameters in
   * TensorInfo.quantization (for integer kernels and the .wlm file).
   */
  quantizeLinear(value: string, quantization: TfliteQuantization, type: DType, hint: string): string {
    const [output] = this.addNode('QuantizeLinear', [value, ...this.quantizationParameters(quantization, type, hint)], {}, hint);
    this.graph.tensor(output!).quantization = { scale: [...quantization.scale], zeroPoint: [...quantization.zeroPoint], axis: 0 };
    return output!;
  }

  dequantizeLinear(value: string, quantization: TfliteQuantization, type: DType, hint: string): string {
    return this.addNode('DequantizeLinear', [value, ...this.quantizationParameters(quantization, type, hint)], {}, hint)[0]!;
  }

  private quantizationParameters(quantization: TfliteQuantization, type: DType, hint: string): [string, string] {
    if (quantization.scale.length !== 1) {
      throw new WebliteError('UNSUPPORTED_OP', `${this.fileName}: '${hint}': activations quantized per channel are not supported`);
    }
    return [this.sharedConstant('float32', [quantization.scale[0]!], []), this.sharedConstant(type, [quantization.zeroPoint[0]!], [])];
  }

  /** A node with fresh output names; attributes resolved against the op's spec and outputs shape-inferred now. */
  addNode(op: OpType, inputs: string[], attrs: Attrs, hint: string, outputCount = 1): string[] {
    let nodeName = hint;
    for (let i = 1; this.nodeNames.has(nodeName); i++) nodeName = `${hint}_${i}`;
    this.nodeNames.add(nodeName);
    const outputs = Array.from({ length: outputCount }, (_, i) => this.graph.uniqueName(outputCount === 1 ? nodeName : `${nodeName}_${i}`)
    );
    // Reserve the names before inference so that two outputs never share one.
    for (const name of outputs) this.graph.tensors.set(name, { name, type: 'float32' });
    const node = { name: nodeName, op, inputs, outputs, attrs: resolveAttrs(opTable[op].attrs, attrs, `${this.fileName}: node '${nodeName}' (${op})`) };
    const facts = inferNode(this.graph, node, () => `unk__tflite_${++this.unknownCounter}`);
    outputs.forEach((name, i) => {
      const fact = facts[i];
      if (!fact) throw new WebliteError('BAD_MODEL', `${this.fileName}: node '${nodeName}' (${op}): output ${i} has no inferred type`);
      this.graph.tensors.set(name, { name, type: fact.type, dims: fact.dims && [...fact.dims] });
    });
    this.graph.nodes.push(node);
    return outputs;
  }

  /** IR dims of an IR tensor; static by construction (graph inputs and constants are static). */
  irDims(name: string): number[] {
    const dims = this.graph.tensors.get(name)?.dims;
    if (!dims || !isStatic(dims)) throw new WebliteError('BAD_MODEL', `${this.fileName}: the shape of '${name}' is not known at conversion time`);
    return dims;
  }
}

/** A constant transposed at conversion time with the reference Transpose. */
export function transposeConstant(value: Tensor, perm: number[]): Tensor {
  return opTable.Transpose.reference([value], { perm }, { outputCount: 1, nodeName: 'tflite-constant' })[0]!;
}
