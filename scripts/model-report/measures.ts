/**
 * How scripts/model-report.ts scores one backend's outputs against the reference runtime's: each measure returns
 * the cell's text and whether it is within the tolerance the model tests use (test/convert/*-models.test.ts,
 * test/models/*.test.ts), so the report flags the same misses the tests would.
 */
import type { Tensor } from '../../src/index.js';
import { relativeL2 } from '../../test/convert/caffe-helpers.js';
import { argmax, maxDifference, withinOneStep } from '../../test/helpers/tflite-models.js';

/** One run of a model: the feeds, and the reference runtime's outputs by weblite's output names. */
export interface Run {
  feeds: Record<string, Tensor>;
  want: Record<string, Tensor>;
}

export interface Measure {
  text: string;
  ok: boolean;
}

/** Float outputs: relative L2 ‖got − want‖ / ‖want‖ per output (float32 summation order differs between engines). */
export const FLOAT_TOLERANCE = 1e-3;
/** Quantized outputs: at least this share of values within one quantization step of the reference. */
export const WITHIN_ONE_STEP = 0.99;

const INTEGER_TYPES = new Set(['uint8', 'int8', 'int16', 'uint16', 'int32']);

/** Every (got, want) output pair over all runs; throws when weblite lacks an output or its size differs. */
function pairs(runs: readonly Run[], got: readonly Record<string, Tensor>[]): [got: Tensor, want: Tensor, name: string][] {
  return runs.flatMap((run, i) =>
    Object.entries(run.want).map(([name, want]): [Tensor, Tensor, string] => {
      const mine = got[i]![name];
      if (!mine) throw new Error(`weblite has no output '${name}'`);
      if (mine.size !== want.size) throw new Error(`output '${name}' has ${mine.size} values, the reference ${want.size}`);
      return [mine, want, name];
    }),
  );
}

/**
 * The error over every output of every run: quantized (integer) outputs in quantization steps — the largest
 * difference and the smallest share within one step —, float outputs as the largest relative L2.
 */
export function outputError(runs: readonly Run[], got: readonly Record<string, Tensor>[]): Measure {
  const all = pairs(runs, got);
  const quantized = all.filter(([, want]) => INTEGER_TYPES.has(want.type));
  const float = all.filter(([, want]) => !INTEGER_TYPES.has(want.type));
  const parts: Measure[] = [];
  if (quantized.length > 0) {
    const steps = Math.max(...quantized.map(([a, b]) => maxDifference(a, b)));
    const within = Math.min(...quantized.map(([a, b]) => withinOneStep(a, b)));
    parts.push({ text: `max ${steps} step${steps === 1 ? '' : 's'}, ${percent(within)} within 1`, ok: within >= WITHIN_ONE_STEP });
  }
  if (float.length > 0) {
    const errors = float.map(([a, b]) => relativeL2(a.data as Float32Array, b.data as Float32Array)).map((e) => (Number.isNaN(e) ? Infinity : e));
    const worst = errors.indexOf(Math.max(...errors));
    const outputs = new Set(float.map(([, , name]) => name));
    const where = outputs.size > 1 ? ` (${float[worst]![2]})` : '';
    parts.push({ text: `rel L2 ${errors[worst]!.toExponential(1)}${where}`, ok: errors[worst]! <= FLOAT_TOLERANCE });
  }
  return join(...parts);
}

/** Top-1 of the first output per run; ok when it is the reference's on every run. */
export function topOne(runs: readonly Run[], got: readonly Record<string, Tensor>[], output: string): Measure {
  const ours = got.map((outputs) => argmax(outputs[output]!.data as ArrayLike<number>));
  const theirs = runs.map((run) => argmax(run.want[output]!.data as ArrayLike<number>));
  const same = ours.filter((top, i) => top === theirs[i]).length;
  const text = runs.length === 1 ? `top-1 ${ours[0]}` : `top-1 = reference ${same}/${runs.length}`;
  return { text, ok: same === runs.length };
}

/** The reference runtime's own top-1 per run, for the "reference says" column. */
export function referenceTopOne(runs: readonly Run[], output: string, names?: readonly string[]): string {
  return runs.map((run) => {
    const top = argmax(run.want[output]!.data as ArrayLike<number>);
    return names ? `${top} ${names[top]}` : `${top}`;
  }).join('; ');
}

export function join(...measures: Measure[]): Measure {
  return { text: measures.map((m) => m.text).join('; '), ok: measures.every((m) => m.ok) };
}

export function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(fraction === 1 ? 0 : 2)}%`;
}
