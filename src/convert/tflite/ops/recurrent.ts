/**
 * UNIDIRECTIONAL_SEQUENCE_LSTM, BIDIRECTIONAL_SEQUENCE_LSTM, LSTM (one step), RNN (one step),
 * UNIDIRECTIONAL_SEQUENCE_RNN and BIDIRECTIONAL_SEQUENCE_RNN, unrolled over the (static) time axis into Gemm and elementwise nodes — float
 * activations (weights may be quantized or float16: they are constants, dequantized here).
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
const BidirectionalLstmOptions = { fused_activation_function: 0, cell_clip: 1, proj_clip: 2, merge_outputs: 3, time_major: 4 };
const BidirectionalRnnOptions = { time_major: 0, fused_activation_function: 1, merge_outputs: 2 };
const LstmOptions = { fused_activation_function: 0, cell_clip: 1, proj_clip: 2, kernel_type: 3 };
const RnnOptions = { fused_activation_function: 0 };

/** Where one LSTM cell's tensors are among the operator's inputs (−1: never present). */
interface LstmInputs {
  inputWeights: number[]; // input, forget, cell, output gates
  recurrentWeights: number[];
  peephole: number[]; // the cell gate has none
  bias: number[];
  projectionWeights: number;
  projectionBias: number;
  outputState: number;
  cellState: number;
  layerNorm: number[];
}

/** UNIDIRECTIONAL_SEQUENCE_LSTM (lstm_shared.h). */
const LSTM: LstmInputs = {
  inputWeights: [1, 2, 3, 4],
  recurrentWeights: [5, 6, 7, 8],
  peephole: [9, 10, -1, 11],
  bias: [12, 13, 14, 15],
  projectionWeights: 16,
  projectionBias: 17,
  outputState: 18,
  cellState: 19,
  layerNorm: [20, 21, 22, 23],
};

/** BIDIRECTIONAL_SEQUENCE_LSTM's forward and backward cells (bidirectional_sequence_lstm.cc); no layer norm. */
const FORWARD_LSTM: LstmInputs = { ...LSTM, outputState: 35, cellState: 36, layerNorm: [-1, -1, -1, -1] };
const BACKWARD_LSTM: LstmInputs = {
  inputWeights: [18, 19, 20, 21],
  recurrentWeights: [22, 23, 24, 25],
  peephole: [26, 27, -1, 28],
  bias: [29, 30, 31, 32],
  projectionWeights: 33,
  projectionBias: 34,
  outputState: 37,
  cellState: 38,
  layerNorm: [-1, -1, -1, -1],
};
const AUX_INPUT = 39;

interface LstmSettings {
  activation: number;
  cellClip: number;
  projectionClip: number;
}

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
function perStep(ctx: OpContext, projected: string, steps: number, batch: number, width: number, prefix = ''): string[] {
  if (steps === 1) return [projected];
  const stacked = ctx.node1('Reshape', [projected, ctx.int64s([steps, batch, width])], {}, `${prefix}steps`);
  const parts = ctx.node('Split', [stacked, ctx.int64s(new Array<number>(steps).fill(1))], { axis: 0 }, `${prefix}split`, steps);
  return parts.map((part, t) => ctx.node1('Reshape', [part, ctx.int64s([batch, width])], {}, `${prefix}step_${t}`));
}

/** Outputs h_t ([B, N] each) stacked into [B, T, N] or [T, B, N]. */
function stackOutputs(ctx: OpContext, outputs: string[], timeMajor: boolean, batch: number, width: number, prefix = ''): string {
  const axis = timeMajor ? 0 : 1;
  const shape = timeMajor ? [1, batch, width] : [batch, 1, width];
  const parts = outputs.map((h, t) => ctx.node1('Reshape', [h, ctx.int64s(shape)], {}, `${prefix}output_${t}`));
  return parts.length === 1 ? parts[0]! : ctx.node1('Concat', parts, { axis }, `${prefix}outputs`);
}

/** Gates stacked row-wise (present ones, in order): weights [G·C, K] from inputs `indices`. */
function stacked(ctx: OpContext, indices: number[], suffix: string): string {
  const names = indices.map((i) => ctx.read(i, nativeForm(ctx.rank(i))));
  return names.length === 1 ? names[0]! : ctx.node1('Concat', names, { axis: 0 }, suffix);
}

/** Output width of an LSTM cell: the projection's rows, else the cell count. */
function lstmOutputs(ctx: OpContext, cell: LstmInputs): number {
  return ctx.dims(cell.recurrentWeights[1]!)[1]!;
}

/**
 * One LSTM cell run over the steps (last to first when `reverse`); returns its output h_t for every time index t, in
 * time order. `prefix` keeps the node names of two cells apart.
 */
function runLstm(ctx: OpContext, cell: LstmInputs, settings: LstmSettings, rows: string, steps: number, batch: number, reverse: boolean, prefix: string): string[] {
  const cifg = !present(ctx, cell.inputWeights[0]!);
  const layerNorm = present(ctx, cell.layerNorm[1]!);
  const gates = cifg ? [1, 2, 3] : [0, 1, 2, 3]; // positions into the per-gate input lists
  const cells = ctx.dims(cell.inputWeights[1]!)[0]!;
  const outputs = lstmOutputs(ctx, cell);
  const inputWeights = stacked(ctx, gates.map((g) => cell.inputWeights[g]!), `${prefix}input_weights`);
  const recurrentWeights = stacked(ctx, gates.map((g) => cell.recurrentWeights[g]!), `${prefix}recurrent_weights`);
  // Without layer norm the biases go into the input Gemm; with it they follow the normalization.
  const bias = layerNorm ? '' : stacked(ctx, gates.map((g) => cell.bias[g]!), `${prefix}bias`);
  const projected = ctx.node1('Gemm', [rows, inputWeights, bias], { transB: 1 }, `${prefix}input_projection`);
  const inputs = perStep(ctx, projected, steps, batch, gates.length * cells, prefix);
  const peephole = gates.map((g) => (present(ctx, cell.peephole[g]!) ? ctx.read(cell.peephole[g]!, [0]) : undefined));
  const norms = gates.map((g) => (layerNorm ? ctx.read(cell.layerNorm[g]!, [0]) : undefined));
  const biases = gates.map((g) => (layerNorm ? ctx.read(cell.bias[g]!, [0]) : undefined));
  const projection = present(ctx, cell.projectionWeights) ? ctx.read(cell.projectionWeights, nativeForm(2)) : undefined;
  const projectionBias = projection && present(ctx, cell.projectionBias) ? ctx.read(cell.projectionBias, [0]) : '';

  let h = initialState(ctx, cell.outputState, [batch, outputs]);
  let c = initialState(ctx, cell.cellState, [batch, cells]);
  const results = new Array<string>(steps);
  for (let step = 0; step < steps; step++) {
    const t = reverse ? steps - 1 - step : step;
    const s = (name: string) => `${prefix}t${t}_${name}`;
    const recurrent = ctx.node1('Gemm', [h, recurrentWeights], { transB: 1 }, s('recurrent'));
    const sum = ctx.node1('Add', [inputs[t]!, recurrent], {}, s('sum'));
    const parts = ctx.node('Split', [sum, ctx.int64s(new Array<number>(gates.length).fill(cells))], { axis: 1 }, s('gates'), gates.length);
    const gate = (g: number, state: string, op: 'Sigmoid' | 'activation'): string => {
      const k = gates.indexOf(g);
      let value = parts[k]!;
      if (peephole[k]) value = ctx.node1('Add', [value, ctx.node1('Mul', [peephole[k]!, state], {}, s(`peephole_${g}`))], {}, s(`peeked_${g}`));
      if (norms[k]) value = ctx.node1('LayerNormalization', [value, norms[k]!, biases[k]!], { axis: -1, epsilon: 1e-8 }, s(`norm_${g}`));
      return op === 'Sigmoid' ? ctx.node1('Sigmoid', [value], {}, s(`gate_${g}`)) : activate(ctx, value, settings.activation, s(`gate_${g}`));
    };
    const forget = gate(1, c, 'Sigmoid');
    const input = cifg ? ctx.node1('Sub', [ctx.scalar(1), forget], {}, s('coupled_input')) : gate(0, c, 'Sigmoid');
    const candidate = gate(2, c, 'activation');
    let next = ctx.node1('Add', [ctx.node1('Mul', [forget, c], {}, s('keep')), ctx.node1('Mul', [input, candidate], {}, s('write'))], {}, s('cell'));
    if (settings.cellClip > 0) next = ctx.node1('Clip', [next, ctx.scalar(-settings.cellClip), ctx.scalar(settings.cellClip)], {}, s('cell_clip'));
    const output = gate(3, next, 'Sigmoid');
    let hidden = ctx.node1('Mul', [output, activate(ctx, next, settings.activation, s('cell_activation'))], {}, s('hidden'));
    if (projection) {
      hidden = ctx.node1('Gemm', [hidden, projection, projectionBias], { transB: 1 }, s('projection'));
      const clip = settings.projectionClip;
      if (clip > 0) hidden = ctx.node1('Clip', [hidden, ctx.scalar(-clip), ctx.scalar(clip)], {}, s('projection_clip'));
    }
    results[t] = hidden;
    [h, c] = [hidden, next];
  }
  return results;
}

const sequenceLstm: OpConverter = (ctx) => {
  const o = ctx.options;
  const settings: LstmSettings = {
    activation: o.int8(SequenceLstmOptions.fused_activation_function, 'fused_activation_function'),
    cellClip: o.float32(SequenceLstmOptions.cell_clip, 'cell_clip'),
    projectionClip: o.float32(SequenceLstmOptions.proj_clip, 'proj_clip'),
  };
  const timeMajor = o.bool(SequenceLstmOptions.time_major, 'time_major');
  const { rows, steps, batch } = timeMajorRows(ctx, timeMajor);
  const results = runLstm(ctx, LSTM, settings, rows, steps, batch, false, '');
  ctx.finish(0, stackOutputs(ctx, results, timeMajor, batch, lstmOutputs(ctx, LSTM)), nativeForm(3));
};

/**
 * Forward and backward cells over the same input (the backward one from the last step to the first); outputs
 * concatenated on the last axis with merge_outputs, else one output each. Auxiliary inputs are not supported.
 */
const bidirectionalLstm: OpConverter = (ctx) => {
  const o = ctx.options;
  if ([AUX_INPUT, 40, 41, 42, 43, 44, 45, 46, 47].some((i) => present(ctx, i))) ctx.unsupported('auxiliary inputs are not supported');
  const settings: LstmSettings = {
    activation: o.int8(BidirectionalLstmOptions.fused_activation_function, 'fused_activation_function'),
    cellClip: o.float32(BidirectionalLstmOptions.cell_clip, 'cell_clip'),
    projectionClip: o.float32(BidirectionalLstmOptions.proj_clip, 'proj_clip'),
  };
  const merge = o.bool(BidirectionalLstmOptions.merge_outputs, 'merge_outputs');
  const timeMajor = o.bool(BidirectionalLstmOptions.time_major, 'time_major', true);
  const { rows, steps, batch } = timeMajorRows(ctx, timeMajor);
  const forward = runLstm(ctx, FORWARD_LSTM, settings, rows, steps, batch, false, 'fw_');
  const backward = runLstm(ctx, BACKWARD_LSTM, settings, rows, steps, batch, true, 'bw_');
  const [forwardWidth, backwardWidth] = [lstmOutputs(ctx, FORWARD_LSTM), lstmOutputs(ctx, BACKWARD_LSTM)];
  if (merge) {
    const merged = forward.map((h, t) => ctx.node1('Concat', [h, backward[t]!], { axis: 1 }, `merge_${t}`));
    return ctx.finish(0, stackOutputs(ctx, merged, timeMajor, batch, forwardWidth + backwardWidth), nativeForm(3));
  }
  ctx.finish(0, stackOutputs(ctx, forward, timeMajor, batch, forwardWidth, 'fw_'), nativeForm(3));
  ctx.finish(1, stackOutputs(ctx, backward, timeMajor, batch, backwardWidth, 'bw_'), nativeForm(3));
};

/** LSTM (full kernel): one step of the sequence LSTM on an input [B, I], its output [B, N]. */
const lstm: OpConverter = (ctx) => {
  const o = ctx.options;
  if (o.int8(LstmOptions.kernel_type, 'kernel_type') !== 0) ctx.unsupported('the BASIC kernel type is not supported');
  const dims = ctx.dims(0);
  if (dims.length !== 2) ctx.fail(`the input must be 2-D, got [${dims.join(', ')}]`);
  if (ctx.converter.quantization(ctx.input(0))) ctx.unsupported('quantized activations are not supported (float only)');
  const settings: LstmSettings = {
    activation: o.int8(LstmOptions.fused_activation_function, 'fused_activation_function'),
    cellClip: o.float32(LstmOptions.cell_clip, 'cell_clip'),
    projectionClip: o.float32(LstmOptions.proj_clip, 'proj_clip'),
  };
  const [output] = runLstm(ctx, LSTM, settings, ctx.read(0, nativeForm(2)), 1, dims[0]!, false, '');
  ctx.finish(0, output!, nativeForm(2));
};

/** Where one RNN cell's tensors are among the operator's inputs. */
interface RnnInputs {
  weights: number;
  recurrentWeights: number;
  bias: number;
  state: number;
}

/** h' = act(W·x + R·h + b) over the steps (last to first when `reverse`); h_t in time order. */
function runRnn(ctx: OpContext, cell: RnnInputs, activation: number, rows: string, steps: number, batch: number, reverse: boolean, prefix: string): string[] {
  const units = ctx.dims(cell.weights)[0]!;
  const bias = ctx.has(cell.bias) ? ctx.read(cell.bias, [0]) : '';
  const projected = ctx.node1('Gemm', [rows, ctx.read(cell.weights, nativeForm(2)), bias], { transB: 1 }, `${prefix}input_projection`);
  const inputs = perStep(ctx, projected, steps, batch, units, prefix);
  const recurrentWeights = ctx.read(cell.recurrentWeights, nativeForm(2));
  let h = initialState(ctx, cell.state, [batch, units]);
  const results = new Array<string>(steps);
  for (let step = 0; step < steps; step++) {
    const t = reverse ? steps - 1 - step : step;
    const recurrent = ctx.node1('Gemm', [h, recurrentWeights], { transB: 1 }, `${prefix}t${t}_recurrent`);
    h = activate(ctx, ctx.node1('Add', [inputs[t]!, recurrent], {}, `${prefix}t${t}_sum`), activation, `${prefix}t${t}_hidden`);
    results[t] = h;
  }
  return results;
}

/** RNN: one step on an input [B, I]. */
const rnn: OpConverter = (ctx) => {
  const dims = ctx.dims(0);
  if (dims.length !== 2) ctx.fail(`the input must be 2-D, got [${dims.join(', ')}]`);
  if (ctx.converter.quantization(ctx.input(0))) ctx.unsupported('quantized activations are not supported (float only)');
  const activation = ctx.options.int8(RnnOptions.fused_activation_function, 'fused_activation_function');
  const [output] = runRnn(ctx, { weights: 1, recurrentWeights: 2, bias: 3, state: 4 }, activation, ctx.read(0, nativeForm(2)), 1, dims[0]!, false, '');
  ctx.finish(0, output!, nativeForm(2));
};

const sequenceRnn: OpConverter = (ctx) => {
  const timeMajor = ctx.options.bool(SequenceRnnOptions.time_major, 'time_major');
  const activation = ctx.options.int8(SequenceRnnOptions.fused_activation_function, 'fused_activation_function');
  const { rows, steps, batch } = timeMajorRows(ctx, timeMajor);
  const results = runRnn(ctx, { weights: 1, recurrentWeights: 2, bias: 3, state: 4 }, activation, rows, steps, batch, false, '');
  ctx.finish(0, stackOutputs(ctx, results, timeMajor, batch, ctx.dims(1)[0]!), nativeForm(3));
};

/** Forward and backward RNN cells (bidirectional_sequence_rnn.cc); outputs merged on the last axis or separate. */
const bidirectionalRnn: OpConverter = (ctx) => {
  const o = ctx.options;
  if ([9, 10, 11].some((i) => present(ctx, i))) ctx.unsupported('auxiliary inputs are not supported');
  const timeMajor = o.bool(BidirectionalRnnOptions.time_major, 'time_major');
  const activation = o.int8(BidirectionalRnnOptions.fused_activation_function, 'fused_activation_function');
  const merge = o.bool(BidirectionalRnnOptions.merge_outputs, 'merge_outputs');
  const { rows, steps, batch } = timeMajorRows(ctx, timeMajor);
  const forward = runRnn(ctx, { weights: 1, recurrentWeights: 2, bias: 3, state: 4 }, activation, rows, steps, batch, false, 'fw_');
  const backward = runRnn(ctx, { weights: 5, recurrentWeights: 6, bias: 7, state: 8 }, activation, rows, steps, batch, true, 'bw_');
  const [forwardWidth, backwardWidth] = [ctx.dims(1)[0]!, ctx.dims(5)[0]!];
  if (merge) {
    const merged = forward.map((h, t) => ctx.node1('Concat', [h, backward[t]!], { axis: 1 }, `merge_${t}`));
    return ctx.finish(0, stackOutputs(ctx, merged, timeMajor, batch, forwardWidth + backwardWidth), nativeForm(3));
  }
  ctx.finish(0, stackOutputs(ctx, forward, timeMajor, batch, forwardWidth, 'fw_'), nativeForm(3));
  ctx.finish(1, stackOutputs(ctx, backward, timeMajor, batch, backwardWidth, 'bw_'), nativeForm(3));
};

export const recurrentConverters: Record<string, OpConverter> = {
  UNIDIRECTIONAL_SEQUENCE_LSTM: sequenceLstm,
  BIDIRECTIONAL_SEQUENCE_LSTM: bidirectionalLstm,
  LSTM: lstm,
  RNN: rnn,
  UNIDIRECTIONAL_SEQUENCE_RNN: sequenceRnn,
  BIDIRECTIONAL_SEQUENCE_RNN: bidirectionalRnn,
};
