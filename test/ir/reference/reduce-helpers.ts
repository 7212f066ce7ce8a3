/** Shared helpers for the reduce/search/resize reference tables (src/ir/ops/reduce.ts). */
import { expect } from 'vitest';
import { WebliteError } from '../../../src/errors.js';
import { type DType, float16ToFloat32, float32ToFloat16 } from '../../../src/ir/dtype.js';
import type { Attrs, Dim } from '../../../src/ir/graph.js';
import type { TensorFacts } from '../../../src/ir/op-spec.js';
import { reduceOps } from '../../../src/ir/ops/reduce.js';
import { Tensor } from '../../../src/ir/tensor.js';

export type Op = keyof typeof reduceOps;

function resolved(op: Op, attrs: Attrs): Attrs {
  const out: Attrs = {};
  for (const [name, attr] of Object.entries(reduceOps[op].attrs)) {
    if (attr.default !== undefined) out[name] = Array.isArray(attr.default) ? [...attr.default] as number[] : attr.default;
  }
  return { ...out, ...attrs };
}

/** Runs an op's reference with its attribute defaults filled in, as the runtime does. */
export function run(op: Op, inputs: (Tensor | undefined)[], attrs: Attrs = {}, outputCount = 1): Tensor[] {
  return reduceOps[op].reference(inputs, resolved(op, attrs), { outputCount, nodeName: 'n1' });
}

/** Runs an op's shape inference; `constants[i]` plays the constant value of input i. */
export function infer(op: Op, inputs: (TensorFacts | undefined)[], attrs: Attrs = {}, constants: (Tensor | undefined)[] = [], outputCount = 1): TensorFacts[] {
  let counter = 0;
  return reduceOps[op].infer({
    inputs,
    attrs: resolved(op, attrs),
    constant: (i) => constants[i],
    outputCount,
    unknownDim: () => `unk${++counter}`,
    nodeName: 'n1',
  });
}

export const facts = (type: DType, dims?: Dim[]): TensorFacts => ({ type, dims });
export const f32 = (values: number[], dims?: number[]) => new Tensor('float32', Float32Array.from(values), dims);
export const f64 = (values: number[], dims?: number[]) => new Tensor('float64', Float64Array.from(values), dims);
export const f16 = (values: number[], dims?: number[]) => new Tensor('float16', Uint16Array.from(values.map(float32ToFloat16)), dims);
export const i64 = (values: (number | bigint)[], dims?: number[]) => new Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), dims);
export const i32 = (values: number[], dims?: number[]) => new Tensor('int32', Int32Array.from(values), dims);
export const range = (n: number, start = 0) => Array.from({ length: n }, (_, i) => i + start);

/** Elements as numbers (float16 decoded, BigInt converted). */
export function values(t: Tensor): number[] {
  if (t.type === 'float16') return Array.from(t.data as Uint16Array, float16ToFloat32);
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

export function expectTensor(got: Tensor | undefined, dims: number[], want: number[], type?: DType): void {
  expect(got).toBeDefined();
  expect([...got!.dims]).toEqual(dims);
  expect(values(got!)).toEqual(want);
  if (type) expect(got!.type).toBe(type);
}

/** Float comparison with the conformance tolerance |got − want| ≤ 1e-5 + 1e-3·|want|. */
export function expectClose(got: Tensor | undefined, dims: number[], want: number[]): void {
  expect(got).toBeDefined();
  expect([...got!.dims]).toEqual(dims);
  const actual = values(got!);
  expect(actual.length).toBe(want.length);
  actual.forEach((v, i) => {
    const w = want[i]!;
    if (Number.isNaN(w) || !Number.isFinite(w)) expect(v).toBe(w);
    else if (!(Math.abs(v - w) <= 1e-5 + 1e-3 * Math.abs(w))) expect.fail(`element ${i}: got ${v}, want ${w}`);
  });
}

export function expectError(action: () => unknown, code: string, text = "'n1'"): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(WebliteError);
    expect((error as WebliteError).code).toBe(code);
    expect((error as Error).message).toContain(text);
    return;
  }
  throw new Error('expected an error');
}
