/**
 * UNIDIRECTIONAL_SEQUENCE_LSTM and UNIDIRECTIONAL_SEQUENCE_RNN, unrolled over the (static) time axis into Gemm and
 * elementwise nodes — float activations (weights may be quantized or float16: they are constants, dequantized here).
 *
 * The input projections of all time steps are one Gemm ([T·B, I] × W^T, gates stacked); each step then adds the
 * recurrent Gemm of the previous output and follows TFLite's float kernel (lstm_eval.cc):
 *   gate_x = act_x(LN_x(W_x·x + R_x·h + p_x ⊙ c) + b_x)      (LN: (v − mean) / √(var + 1e-8) · coefficients; without
 *                                                            layer norm the bias is added before act_x)
 *   i, f, o use the sigmoid, the cell gate g the fused activation; CIFG (no input gate) uses i = 1 − f
 *   c' = clip(f ⊙ c + i ⊙ g, cell_clip);  o peeks at c';  h' = o ⊙ act(c'), then projected and clipped if asked.
 * The state tensors are variables: TFLite zeroes them when it allocates the interpreter, so a converted graph
 * starts each run from zeros (statefulness across runs is not kept).
 */
import { nativeForm } from '../layout.js';
import type { OpContext } from '../op-context.js';
import { ActivationFunction } from '../schema.js';
import type { OpConverter } from './registry.js';

const SequenceLstmOptions = { fused_activation_function: 0, cell_clip: 1, proj_clip: 2, time_major: 3 };
const SequenceRnnOptions = { time_major: 0, fused_activation_function: 1 };

/** Input positions of UNIDIRECTIONAL_SEQUENCE_LSTM (lstm_shared.h). */
const LSTM = {
  input: 0,
  inputWeights: [1, 2, 3, 4], // input, forget, cell, output gates
  recurrentWeights: [5, 6, 7, 8],
  peephole: [9, 10, -1, 11], // the cell gate has none
  bias: [12, 13, 14, 15],
  projectionWeights: 16,
  projectionBias: 17,
  outputState: 18,
  cellState: 19,
  layerNorm: [20, 21, 22, 23],
};

/** `name` through a fused activation (itself for NONE). */
function activate(ctx: OpContext, name: string, activation: number, suffix: string): string {
  const scalar = (v: number) => ctx.scalar(v);
  switch (activation) {
    case ActivationFunction.NONE:
      return name;
    case ActivationFunction.RELU:
      return ctx.node1('Relu', [name], {}, suffix);
    case ActivationFunction.RELU6:
      return ctx.node1('Clip', [name, scalar(0), scalar(6)], {}, suffix);
    case ActivationFunction.RELU_N1_TO_1:
      return ctx.node1('Clip', [name, scalar(-1), scalar(1)], {}, suffix);
    case ActivationFunction.TANH:
      return ctx.node1('Tanh', [name], {}, suffix);
    default:
      return ctx.unsupported(`activation ${activation} is not supported`);
  }
}

function present(ctx: OpContext, i: number): boolean {
  return i >= 0 && ctx.has(i);
}

/** A recurrent state input: its value when some operator or input produces it, else zeros of `dims`. */
function initialState(ctx: OpContext, i: number, dims: number[]): string {
  const index = ctx.input(i);
  if (ctx.constant(i) || ctx.converter.hasForm(index, nativeForm(ctx.rank(i)))) return ctx.read(i, nativeForm(ctx.rank(i)));
  return ctx.converter.sharedConstant('float32', new Array<number>(dims[0]! * dims[1]!).fill(0), dims);
}

/** The input as T time steps of [B, I] rows stacked time-major ([T·B, I]), and T and B. */
function timeMajorRows(ctx: OpContext, timeMajor: boolean): { rows: string; steps: number; batch: number } {
  const dims = ctx.dims(0);
  if (dims.length !== 3) ctx.fail(`the input must be 3-D, got [${dims.join(', ')}]`);
  if (ctx.converter.quantization(ctx.input(0))) ctx.unsupported('quantized activations are not supported (float only)');
  const [steps, batch] = timeMajor ? [dims[0]!, dims[1]!] : [dims[1]!, dims[0]!];
  let input = ctx.read(0, nativeForm(3));
  if (!timeMajor && batch > 1 && steps > 1) input = ctx.node1('Transpose', [input], { perm: [1, 0, 2] }, 'time_major');
  const rows = ctx.node1('Reshape', [input, ctx.int64s([steps * batch, dims[2]!])], {}, 'rows');
  return { rows, steps, batch };
}

/** [T·B, G] → T names of [B, G]. */
function perStep(ctx: OpContext, projected: string, steps: number, batch: number, width: number): string[] {
  if (steps === 1) return [projected];
  const stacked = ctx.node1('Reshape', [projected, ctx.int64s([steps, batch, width])], {}, 'steps');
  const parts = ctx.node('Split', [stacked, ctx.int64s(new Array<number>(steps).fill(1))], { axis: 0 }, 'split', steps);
  return parts.map((part, t) => ctx.node1('Reshape', [part, ctx.int64s([batch, width])], {}, `step_${t}`));
}

/** Outputs h_t ([B, N] each) stacked into [B, T, N] or [T, B, N]. */
function stackOutputs(ctx: OpContext, outputs: string[], timeMajor: boolean, batch: number, width: number): string {
  const axis = timeMajor ? 0 : 1;
  const shape = timeMajor ? [1, batch, width] : [batch, 1, width];
  const parts = outputs.map((h, t) => ctx.node1('Reshape', [h, ctx.int64s(shape)], {}, `output_${t}`));
  return parts.length === 1 ? parts[0]! : ctx.node1('Concat', parts, { axis }, 'outputs');
}

/** Gates stacked row-wise (present ones, in order): weights [G·C, K] from inputs `indices`. */
function stacked(ctx: OpContext, indices: number[], suffix: string): string {
  const names = indices.map((i) => ctx.read(i, nativeForm(ctx.rank(i))));
  return names.length === 1 ? names[0]! : ctx.node1('Concat', names, { axis: 0 }, suffix);
}

const sequenceLstm: OpConverter = (ctx) => {
  const o = ctx.options;
  const activation = o.int8(SequenceLstmOptions.fused_activation_function, 'fused_activation_function');
  const cellClip = o.float32(SequenceLstmOptions.cell_clip, 'cell_clip');
  const projectionClip = o.float32(SequenceLstmOptions.proj_clip, 'proj_clip');
  const timeMajor = o.bool(SequenceLstmOptions.time_major, 'time_major');
  const cifg = !present(ctx, LSTM.inputWeights[0]!);
  const layerNorm = present(ctx, LSTM.layerNorm[1]!);
  const gates = cifg ? [1, 2, 3] : [0, 1, 2, 3]; // positions into the per-gate input lists
  const cells = ctx.dims(LSTM.inputWeights[1]!)[0]!;
  const outputs = ctx.dims(LSTM.recurrentWeights[1]!)[1]!;
  const { rows, steps, batch } = timeMajorRows(ctx, timeMajor);

  const inputWeights = stacked(ctx, gates.map((g) => LSTM.inputWeights[g]!), 'input_weights');
  const recurrentWeights = stacked(ctx, gates.map((g) => LSTM.recurrentWeights[g]!), 'recurrent_weights');
  // Without layer norm the biases go into the input Gemm; with it they follow the normalization.
  const bias = layerNorm ? '' : stacked(ctx, gates.map((g) => LSTM.bias[g]!), 'bias');
  const projected = ctx.node1('Gemm', [rows, inputWeights, bias], { transB: 1 }, 'input_projection');
  const inputs = perStep(ctx, projected, steps, batch, gates.length * cells);
  const peephole = gates.map((g) => (present(ctx, LSTM.peephole[g]!) ? ctx.read(LSTM.peephole[g]!, [0]) : undefined));
  const norms = gates.map((g) => (layerNorm ? ctx.read(LSTM.layerNorm[g]!, [0]) : undefined));
  const biases = gates.map((g) => (layerNorm ? ctx.read(LSTM.bias[g]!, [0]) : undefined));
  const projection = present(ctx, LSTM.projectionWeights) ? ctx.read(LSTM.projectionWeights, nativeForm(2)) : undefined;
  const projectionBias = projection && present(ctx, LSTM.projectionBias) ? ctx.read(LSTM.projectionBias, [0]) : '';

  let h = initialState(ctx, LSTM.outputState, [batch, outputs]);
  let c = initialState(ctx, LSTM.cellState, [batch, cells]);
  const results: string[] = [];
  for (let t = 0; t < steps; t++) {
    const s = (name: string) => `t${t}_${name}`;
    const recurrent = ctx.node1('Gemm', [h, recurrentWeights], { transB: 1 }, s('recurrent'));
    const sum = ctx.node1('Add', [inputs[t]!, recurrent], {}, s('sum'));
    const parts = ctx.node('Split', [sum, ctx.int64s(new Array<number>(gates.length).fill(cells))], { axis: 1 }, s('gates'), gates.length);
    const gate = (k: number, cell: string, op: 'Sigmoid' | 'activation'): string => {
      let value = parts[k]!;
      const g = gates[k]!;
      if (peephole[k]) value = ctx.node1('Add', [value, ctx.node1('Mul', [peephole[k]!, cell], {}, s(`peephole_${g}`))], {}, s(`peeked_${g}`));
      if (norms[k]) value = ctx.node1('LayerNormalization', [value, norms[k]!, biases[k]!], { axis: -1, epsilon: 1e-8 }, s(`norm_${g}`));
      return op === 'Sigmoid' ? ctx.node1('Sigmoid', [value], {}, s(`gate_${g}`)) : activate(ctx, value, activation, s(`gate_${g}`));
    };
    const k = (g: number) => gates.indexOf(g);
    const forget = gate(k(1), c, 'Sigmoid');
    const input = cifg ? ctx.node1('Sub', [ctx.scalar(1), forget], {}, s('coupled_input')) : gate(k(0), c, 'Sigmoid');
    const candidate = gate(k(2), c, 'activation');
    let cell = ctx.node1('Add', [ctx.node1('Mul', [forget, c], {}, s('keep')), ctx.node1('Mul', [input, candidate], {}, s('write'))], {}, s('cell'));
    if (cellClip > 0) cell = ctx.node1('Clip', [cell, ctx.scalar(-cellClip), ctx.scalar(cellClip)], {}, s('cell_clip'));
    const output = gate(k(3), cell, 'Sigmoid');
    let hidden = ctx.node1('Mul', [output, activate(ctx, cell, activation, s('cell_activation'))], {}, s('hidden'));
    if (projection) {
      hidden = ctx.node1('Gemm', [hidden, projection, projectionBias], { transB: 1 }, s('projection'));
      if (projectionClip > 0) hidden = ctx.node1('Clip', [hidden, ctx.scalar(-projectionClip), ctx.scalar(projectionClip)], {}, s('projection_clip'));
    }
    results.push(hidden);
    [h, c] = [hidden, cell];
  }
  ctx.finish(0, stackOutputs(ctx, results, timeMajor, batch, outputs), nativeForm(3));
};

/** h' = act(W·x + R·h + b). */
const sequenceRnn: OpConverter = (ctx) => {
  const timeMajor = ctx.options.bool(SequenceRnnOptions.time_major, 'time_major');
  const activation = ctx.options.int8(SequenceRnnOptions.fused_activation_function, 'fused_activation_function');
  const units = ctx.dims(1)[0]!;
  const { rows, steps, batch } = timeMajorRows(ctx, timeMajor);
  const bias = ctx.has(3) ? ctx.read(3, [0]) : '';
  const projected = ctx.node1('Gemm', [rows, ctx.read(1, nativeForm(2)), bias], { transB: 1 }, 'input_projection');
  const inputs = perStep(ctx, projected, steps, batch, units);
  const recurrentWeights = ctx.read(2, nativeForm(2));
  let h = initialState(ctx, 4, [batch, units]);
  const results: string[] = [];
  for (let t = 0; t < steps; t++) {
    const recurrent = ctx.node1('Gemm', [h, recurrentWeights], { transB: 1 }, `t${t}_recurrent`);
    h = activate(ctx, ctx.node1('Add', [inputs[t]!, recurrent], {}, `t${t}_sum`), activation, `t${t}_hidden`);
    results.push(h);
  }
  ctx.finish(0, stackOutputs(ctx, results, timeMajor, batch, units), nativeForm(3));
};

export const recurrentConverters: Record<string, OpConverter> = {
  UNIDIRECTIONAL_SEQUENCE_LSTM: sequenceLstm,
  UNIDIRECTIONAL_SEQUENCE_RNN: sequenceRnn,
};
