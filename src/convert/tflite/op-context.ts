/**
 * What an operator converter sees: its inputs (dims, constants, IR names in a chosen form), a way to add nodes,
 * and `finish`, which applies the fused activation and TFLite's requantization to an output and records it.
 *
 * Quantized graphs run in float: every quantized TFLite tensor is float32 in the IR, holding its dequantized
 * value. Where TFLite's integer kernel rounds its result onto the output tensor's quantization grid, `finish`
 * appends QuantizeLinear → DequantizeLinear with that tensor's scale and zero point, so the float graph carries
 * exactly the values the integer kernel can produce (up to rounding differences of one step). Ops that only
 * move or select values (reshape, max-pool, slice, …) skip the pair when input and output share parameters.
 */
import { WebliteError } from '../../errors.js';
import type { Attrs } from '../../ir/graph.js';
import type { OpType } from '../../ir/ops.js';
import { toNumbers } from '../../ir/reference/util.js';
import type { Tensor } from '../../ir/tensor.js';
import type { TfliteConverter } from './context.js';
import { Options } from './options.js';
import { type Form, isRegisteredForm, nativeForm } from './layout.js';
import type { TfliteOperator, TfliteQuantization } from './model.js';
import { ActivationFunction } from './schema.js';
import { storedType } from './tensors.js';

export interface FinishOptions {
  /** A fused ActivationFunctionType to apply. */
  activation?: number;
  /** The op only selects or moves input values: no requantization when parameters match input `exactInput`. */
  exactInput?: number;
  /** The result already lies on the output's quantization grid (it was dequantized from stored integers). */
  onGrid?: boolean;
}

export class OpContext {
  readonly label: string;
  readonly nodeName: string;

  constructor(
    readonly converter: TfliteConverter,
    readonly op: TfliteOperator,
    readonly builtin: string,
  ) {
    this.label = `${converter.fileName}: operator ${op.index} (${builtin})`;
    this.nodeName = `${builtin.toLowerCase()}_${op.index}`;
  }

  /** The builtin options table; absent fields (or an absent table) read as the schema's defaults. */
  get options(): Options {
    return new Options(this.op.options);
  }

  get inputCount(): number {
    return this.op.inputs.length;
  }

  fail(message: string): never {
    throw new WebliteError('BAD_MODEL', `${this.label}: ${message}`);
  }

  unsupported(message: string): never {
    throw new WebliteError('UNSUPPORTED_OP', `${this.label}: ${message}`);
  }

  /** Tensor index of input i; fails when a required input is missing. */
  input(i: number): number {
    const index = this.op.inputs[i];
    if (index === undefined || index < 0) this.fail(`input ${i} is missing`);
    return index;
  }

  has(i: number): boolean {
    const index = this.op.inputs[i];
    return index !== undefined && index >= 0;
  }

  output(j: number): number {
    const index = this.op.outputs[j];
    if (index === undefined) this.fail(`output ${j} is missing`);
    return index;
  }

  /** TFLite (native) dims of input i. */
  dims(i: number): number[] {
    return this.converter.dims(this.input(i));
  }

  rank(i: number): number {
    return this.dims(i).length;
  }

  constant(i: number): Tensor | undefined {
    return this.converter.constant(this.input(i));
  }

  /** Input i's values as numbers; it must be a constant (shapes, axes, paddings…). */
  ints(i: number, what: string): number[] {
    const value = this.constant(i);
    if (!value) this.unsupported(`${what} (input ${i}) must be a constant`);
    return toNumbers(value);
  }

  read(i: number, form: Form): string {
    return this.converter.read(this.input(i), form);
  }

  /** Reads input i in its preferred form and returns both. */
  readPreferred(i: number): { name: string; form: Form } {
    const form = this.converter.preferredForm(this.input(i));
    return { name: this.read(i, form), form };
  }

  node(op: OpType, inputs: string[], attrs: Attrs = {}, suffix = '', outputCount = 1): string[] {
    return this.converter.addNode(op, inputs, attrs, suffix === '' ? this.nodeName : `${this.nodeName}/${suffix}`, outputCount);
  }

  /** One-output node. */
  node1(op: OpType, inputs: string[], attrs: Attrs = {}, suffix = ''): string {
    return this.node(op, inputs, attrs, suffix)[0]!;
  }

  int64s(values: readonly number[]): string {
    return this.converter.sharedConstant('int64', values, [values.length]);
  }

  scalar(value: number): string {
    return this.converter.sharedConstant('float32', [value], []);
  }

  /** Applies the fused activation and requantization to output j, then records it in `form`. */
  finish(j: number, name: string, form: Form, options: FinishOptions = {}): void {
    const index = this.output(j);
    let result = this.activation(name, options.activation ?? ActivationFunction.NONE);
    const quantization = this.converter.quantization(index);
    if (quantization && !options.onGrid && !this.exact(quantization, options.exactInput, index)) result = this.fakeQuantize(result, index, quantization);
    this.converter.define(index, result, form);
  }

  /**
   * Per-tensor int8/uint8 quantization of input i (activation or constant), or undefined: what TFLite's integer
   * kernel reads.
   */
  inputQuantization(i: number): TfliteQuantization | undefined {
    return this.byteQuantization(this.input(i));
  }

  /** Per-tensor int8/uint8 quantization of output j, or undefined. */
  outputQuantization(j: number): TfliteQuantization | undefined {
    return this.byteQuantization(this.output(j));
  }

  private byteQuantization(index: number): TfliteQuantization | undefined {
    const tensor = this.converter.tensor(index);
    const type = storedType(tensor, this.converter.fileName);
    const q = tensor.quantization;
    return q && q.scale.length === 1 && (type === 'int8' || type === 'uint8') ? q : undefined;
  }

  /**
   * Input i, read as IR tensor `name`, in the integer domain of TFLite's kernels: (q − zero point) · multiplier with
   * q its stored integer (recovered exactly: `name` lies on the input's grid).
   */
  integerDomain(i: number, name: string, multiplier: number): string {
    const quantization = this.inputQuantization(i)!;
    const type = storedType(this.converter.tensor(this.input(i)), this.converter.fileName);
    const stored = this.converter.quantizeLinear(name, quantization, type, `${this.nodeName}/input${i}_stored`);
    return this.converter.dequantizeLinear(stored, { scale: [multiplier], zeroPoint: [...quantization.zeroPoint], axis: 0 }, type, `${this.nodeName}/input${i}_integer`);
  }

  /**
   * Output j from `name`, a value in output units ((y − zero point), not yet rounded): rounded half up, as TFLite's
   * integer kernels round ((acc + 2^(shift−1)) >> shift in XNNPACK), saturated, then recorded dequantized. Exact ties
   * are common where scales are powers of two apart ((x − 127.5) / 127.5 normalisation, 2× bilinear resize), and
   * the float composition with QuantizeLinear would break them to even or by float error instead.
   */
  finishRoundedHalfUp(j: number, name: string, form: Form): void {
    const index = this.output(j);
    const quantization = this.outputQuantization(j)!;
    const type = storedType(this.converter.tensor(index), this.converter.fileName);
    const rounded = this.node1('Floor', [this.node1('Add', [name, this.scalar(0.5)], {}, 'half')], {}, 'round_half_up');
    const stored = this.converter.quantizeLinear(rounded, { scale: [1], zeroPoint: [...quantization.zeroPoint], axis: 0 }, type, `${this.nodeName}/quantize`);
    this.converter.define(index, this.converter.dequantizeLinear(stored, quantization, type, `${this.nodeName}/dequantize`), form);
  }

  /** Output j in native form when `form` is neither native nor NCHW (e.g. after a reduction in NCHW). */
  finishAnyForm(j: number, name: string, form: Form, options: FinishOptions = {}): void {
    if (isRegisteredForm(form)) return this.finish(j, name, form, options);
    const perm = nativeForm(form.length).map((axis) => form.indexOf(axis));
    this.finish(j, this.node1('Transpose', [name], { perm }, 'to_native'), nativeForm(form.length), options);
  }

  private exact(output: TfliteQuantization, exactInput: number | undefined, outputIndex: number): boolean {
    if (exactInput === undefined) return false;
    const inputIndex = this.input(exactInput);
    const input = this.converter.quantization(inputIndex);
    return input !== undefined && sameParameters(input, output) && this.converter.tensor(inputIndex).type === this.converter.tensor(outputIndex).type;
  }

  private activation(name: string, activation: number): string {
    switch (activation) {
      case ActivationFunction.NONE:
        return name;
      case ActivationFunction.RELU:
        return this.node1('Relu', [name], {}, 'relu');
      case ActivationFunction.RELU6:
        return this.node1('Clip', [name, this.scalar(0), this.scalar(6)], {}, 'relu6');
      case ActivationFunction.RELU_N1_TO_1:
        return this.node1('Clip', [name, this.scalar(-1), this.scalar(1)], {}, 'relu_n1_to_1');
      case ActivationFunction.TANH:
        return this.node1('Tanh', [name], {}, 'tanh');
      default:
        return this.unsupported(`fused activation ${activation} is not supported`);
    }
  }

  /** QuantizeLinear → DequantizeLinear with the output tensor's (per-tensor) parameters. */
  fakeQuantize(name: string, index: number, quantization: TfliteQuantization): string {
    const type = storedType(this.converter.tensor(index), this.converter.fileName);
    const quantized = this.converter.quantizeLinear(name, quantization, type, `${this.nodeName}/quantize`);
    return this.converter.dequantizeLinear(quantized, quantization, type, `${this.nodeName}/dequantize`);
  }
}

export function sameParameters(a: TfliteQuantization, b: TfliteQuantization): boolean {
  return a.scale.length === b.scale.length && a.scale.every((s, i) => s === b.scale[i] && a.zeroPoint[i] === b.zeroPoint[i]);
}
