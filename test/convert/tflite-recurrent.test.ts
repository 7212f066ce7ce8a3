// The recurrent operators against the TFLite interpreter: UNIDIRECTIONAL_SEQUENCE_LSTM (batch-major; CIFG with
// peephole, projection and clipping, time-major; layer norm), BIDIRECTIONAL_SEQUENCE_LSTM with merged and separate
// outputs, the one-step LSTM and RNN, UNIDIRECTIONAL_SEQUENCE_RNN and BIDIRECTIONAL_SEQUENCE_RNN. The state inputs are
// variable tensors, zero at the interpreter's first run. Tolerance 1e-5 relative to max(1, |want|) (float; the
// unrolled graph sums the same products in another order).
import { describe, it } from 'vitest';
import type { ModelSpec, OperatorSpec, TensorSpec } from '../helpers/tflite-builder.js';
import { checkModel, f32, weights } from '../helpers/tflite-check.js';

const SEQUENCE_LSTM_OPTIONS = 71;
const SEQUENCE_RNN_OPTIONS = 31;
const BIDIRECTIONAL_LSTM_OPTIONS = 69;
const BIDIRECTIONAL_RNN_OPTIONS = 70;
const LSTM_OPTIONS = 14;
const RNN_OPTIONS = 7;
const TANH = 4;
const RELU = 1;

interface LstmCase {
  batch: number;
  steps: number;
  inputs: number;
  cells: number;
  /** Projection to this many outputs. */
  projection?: number;
  cifg?: boolean;
  peephole?: boolean;
  layerNorm?: boolean;
  timeMajor?: boolean;
  cellClip?: number;
  projectionClip?: number;
}

/** UNIDIRECTIONAL_SEQUENCE_LSTM, or with `single` the LSTM operator (one step: input [B, I], output [B, N]). */
function lstm(c: LstmCase, single = false): ModelSpec {
  const outputs = c.projection ?? c.cells;
  const tensors: TensorSpec[] = [];
  const add = (spec: TensorSpec | undefined) => {
    if (!spec) return -1;
    tensors.push(spec);
    return tensors.length - 1;
  };
  let seed = 100;
  const w = (shape: number[], low = -0.8, high = 0.8) => weights(shape, seed++, low, high);
  const input = add(f32(single ? [c.batch, c.inputs] : c.timeMajor ? [c.steps, c.batch, c.inputs] : [c.batch, c.steps, c.inputs]));
  const gate = (present: boolean, shape: number[]) => add(present ? w(shape) : undefined);
  const opInputs = [
    input,
    gate(!c.cifg, [c.cells, c.inputs]), gate(true, [c.cells, c.inputs]), gate(true, [c.cells, c.inputs]), gate(true, [c.cells, c.inputs]),
    gate(!c.cifg, [c.cells, outputs]), gate(true, [c.cells, outputs]), gate(true, [c.cells, outputs]), gate(true, [c.cells, outputs]),
    gate(!!c.peephole && !c.cifg, [c.cells]), gate(!!c.peephole, [c.cells]), gate(!!c.peephole, [c.cells]),
    gate(!c.cifg, [c.cells]), gate(true, [c.cells]), gate(true, [c.cells]), gate(true, [c.cells]),
    gate(c.projection !== undefined, [outputs, c.cells]), gate(c.projection !== undefined, [outputs]),
    add({ ...f32([c.batch, outputs]), variable: true }),
    add({ ...f32([c.batch, c.cells]), variable: true }),
    ...(c.layerNorm ? [gate(!c.cifg, [c.cells]), gate(true, [c.cells]), gate(true, [c.cells]), gate(true, [c.cells])] : []),
  ];
  const output = add(f32(single ? [c.batch, outputs] : c.timeMajor ? [c.steps, c.batch, outputs] : [c.batch, c.steps, outputs]));
  const clips = [{ id: 0, int8: TANH }, { id: 1, float32: c.cellClip ?? 0 }, { id: 2, float32: c.projectionClip ?? 0 }];
  const options: OperatorSpec['options'] = single
    ? { type: LSTM_OPTIONS, fields: [...clips, { id: 3, int8: 0 }] }
    : { type: SEQUENCE_LSTM_OPTIONS, fields: [...clips, { id: 3, bool: !!c.timeMajor }] };
  const op = single ? 'LSTM' : 'UNIDIRECTIONAL_SEQUENCE_LSTM';
  return { tensors, inputs: [input], outputs: [output], operators: [{ op, inputs: opInputs, outputs: [output], options }] };
}

/** Forward and backward cells (peephole and projection as given), no auxiliary input. */
function bidirectional(c: LstmCase & { merge: boolean }): ModelSpec {
  const outputs = c.projection ?? c.cells;
  const tensors: TensorSpec[] = [];
  const add = (spec: TensorSpec | undefined) => {
    if (!spec) return -1;
    tensors.push(spec);
    return tensors.length - 1;
  };
  let seed = 300;
  const gate = (present: boolean, shape: number[]) => add(present ? weights(shape, seed++, -0.8, 0.8) : undefined);
  const shape = (last: number) => (c.timeMajor ? [c.steps, c.batch, last] : [c.batch, c.steps, last]);
  const input = add(f32(shape(c.inputs)));
  const cell = () => [
    gate(!c.cifg, [c.cells, c.inputs]), gate(true, [c.cells, c.inputs]), gate(true, [c.cells, c.inputs]), gate(true, [c.cells, c.inputs]),
    gate(!c.cifg, [c.cells, outputs]), gate(true, [c.cells, outputs]), gate(true, [c.cells, outputs]), gate(true, [c.cells, outputs]),
    gate(!!c.peephole && !c.cifg, [c.cells]), gate(!!c.peephole, [c.cells]), gate(!!c.peephole, [c.cells]),
    gate(!c.cifg, [c.cells]), gate(true, [c.cells]), gate(true, [c.cells]), gate(true, [c.cells]),
    gate(c.projection !== undefined, [outputs, c.cells]), gate(c.projection !== undefined, [outputs]),
  ];
  const state = (width: number) => add({ ...f32([c.batch, width]), variable: true });
  const opInputs = [input, ...cell(), ...cell(), state(outputs), state(c.cells), state(outputs), state(c.cells), ...new Array<number>(9).fill(-1)];
  const outs = c.merge ? [add(f32(shape(2 * outputs)))] : [add(f32(shape(outputs))), add(f32(shape(outputs)))];
  const options: OperatorSpec['options'] = {
    type: BIDIRECTIONAL_LSTM_OPTIONS,
    fields: [{ id: 0, int8: TANH }, { id: 1, float32: c.cellClip ?? 0 }, { id: 2, float32: 0 }, { id: 3, bool: c.merge }, { id: 4, bool: !!c.timeMajor }],
  };
  return { tensors, inputs: [input], outputs: outs, operators: [{ op: 'BIDIRECTIONAL_SEQUENCE_LSTM', inputs: opInputs, outputs: outs, options }] };
}

function bidirectionalRnn(batch: number, steps: number, inputs: number, units: number, merge: boolean): ModelSpec {
  const shape = (last: number) => [batch, steps, last];
  const outputs = merge ? [f32(shape(2 * units))] : [f32(shape(units)), f32(shape(units))];
  const cell = (seed: number) => [weights([units, inputs], seed), weights([units, units], seed + 1, -0.5, 0.5), weights([units], seed + 2), { ...f32([batch, units]), variable: true }];
  const tensors = [f32(shape(inputs)), ...cell(211), ...cell(221), ...outputs];
  const outs = outputs.map((_, i) => 9 + i);
  return {
    tensors,
    inputs: [0],
    outputs: outs,
    operators: [{
      op: 'BIDIRECTIONAL_SEQUENCE_RNN',
      inputs: [0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1],
      outputs: outs,
      options: { type: BIDIRECTIONAL_RNN_OPTIONS, fields: [{ id: 0, bool: false }, { id: 1, int8: TANH }, { id: 2, bool: merge }] },
    }],
  };
}

function rnn(batch: number, steps: number, inputs: number, units: number, activation: number, timeMajor: boolean): ModelSpec {
  const shape = (last: number) => (timeMajor ? [steps, batch, last] : [batch, steps, last]);
  return {
    tensors: [f32(shape(inputs)), weights([units, inputs], 201), weights([units, units], 202, -0.5, 0.5), weights([units], 203), { ...f32([batch, units]), variable: true }, f32(shape(units))],
    inputs: [0],
    outputs: [5],
    operators: [{
      op: 'UNIDIRECTIONAL_SEQUENCE_RNN',
      inputs: [0, 1, 2, 3, 4],
      outputs: [5],
      options: { type: SEQUENCE_RNN_OPTIONS, fields: [{ id: 0, bool: timeMajor }, { id: 1, int8: activation }] },
    }],
  };
}

describe('TFLite recurrent operators vs the TFLite interpreter', () => {
  it('UNIDIRECTIONAL_SEQUENCE_LSTM, batch-major, no peephole or projection', async () => {
    await checkModel(lstm({ batch: 2, steps: 5, inputs: 3, cells: 4 }), { range: [-2, 2] });
  });

  it('UNIDIRECTIONAL_SEQUENCE_LSTM, time-major, peephole, projection with clipping, cell clipping', async () => {
    await checkModel(lstm({ batch: 3, steps: 4, inputs: 5, cells: 6, projection: 3, peephole: true, timeMajor: true, cellClip: 0.7, projectionClip: 0.4 }), { range: [-2, 2] });
  });

  it('UNIDIRECTIONAL_SEQUENCE_LSTM, CIFG with peephole', async () => {
    await checkModel(lstm({ batch: 1, steps: 6, inputs: 4, cells: 5, cifg: true, peephole: true }), { range: [-2, 2] });
  });

  it('UNIDIRECTIONAL_SEQUENCE_LSTM with layer normalization', async () => {
    await checkModel(lstm({ batch: 2, steps: 3, inputs: 4, cells: 5, layerNorm: true, peephole: true, projection: 4 }), { range: [-2, 2] });
  });

  it('BIDIRECTIONAL_SEQUENCE_LSTM: merged outputs (time-major, peephole, cell clip), separate outputs (batch-major, projection, CIFG)', async () => {
    await checkModel(bidirectional({ batch: 2, steps: 4, inputs: 3, cells: 4, peephole: true, timeMajor: true, cellClip: 0.8, merge: true }), { range: [-2, 2] });
    await checkModel(bidirectional({ batch: 3, steps: 5, inputs: 2, cells: 4, projection: 3, cifg: true, merge: false }), { range: [-2, 2] });
  });

  it('LSTM (one step, full kernel) with peephole, projection and clipping', async () => {
    await checkModel(lstm({ batch: 3, steps: 1, inputs: 4, cells: 5, projection: 3, peephole: true, cellClip: 0.6, projectionClip: 0.5 }, true), { range: [-2, 2] });
  });

  it('BIDIRECTIONAL_SEQUENCE_RNN, merged and separate outputs', async () => {
    await checkModel(bidirectionalRnn(2, 4, 3, 5, true), { range: [-2, 2] });
    await checkModel(bidirectionalRnn(3, 3, 2, 4, false), { range: [-2, 2] });
  });

  it('RNN (one step), tanh', async () => {
    const spec: ModelSpec = {
      tensors: [f32([3, 4]), weights([5, 4], 231), weights([5, 5], 232, -0.5, 0.5), weights([5], 233), { ...f32([3, 5]), variable: true }, f32([3, 5])],
      inputs: [0],
      outputs: [5],
      operators: [{ op: 'RNN', inputs: [0, 1, 2, 3, 4], outputs: [5], options: { type: RNN_OPTIONS, fields: [{ id: 0, int8: TANH }] } }],
    };
    await checkModel(spec, { range: [-2, 2] });
  });

  it('UNIDIRECTIONAL_SEQUENCE_RNN, tanh batch-major and relu time-major', async () => {
    await checkModel(rnn(2, 5, 3, 4, TANH, false), { range: [-2, 2] });
    await checkModel(rnn(3, 4, 2, 5, RELU, true), { range: [-2, 2] });
  });
});
