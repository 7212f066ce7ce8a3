// Table tests for the elementwise ops: each case runs `infer` and `reference` and checks both against the
// expected outputs, so shape/dtype inference and the reference can never drift apart.
import { describe, expect, it } from 'vitest';
import { WebliteError } from '../../../src/errors.js';
import type { DType } from '../../../src/ir/dtype.js';
import { float16ToFloat32, isFloat } from '../../../src/ir/dtype.js';
import type { Attrs, Dim } from '../../../src/ir/graph.js';
import type { TensorFacts } from '../../../src/ir/op-spec.js';
import { type OpType, opTable } from '../../../src/ir/ops.js';
import { elementwiseOps } from '../../../src/ir/ops/elementwise.js';
import { erf } from '../../../src/ir/reference/elementwise-math.js';
import { tensorFromNumbers } from '../../../src/ir/reference/util.js';
import { Tensor } from '../../../src/ir/tensor.js';

type Element = number | bigint | boolean | string;
const t = (type: DType, data: readonly Element[], dims?: number[]): Tensor =>
  type === 'float16' ? tensorFromNumbers(type, data as number[], dims ?? [data.length]) : new Tensor(type, data, dims);

function withDefaults(op: OpType, attrs: Attrs): Attrs {
  const resolved: Attrs = {};
  for (const [name, spec] of Object.entries(opTable[op].attrs)) if (spec.default !== undefined) resolved[name] = spec.default;
  return { ...resolved, ...attrs };
}

function infer(op: OpType, inputs: (TensorFacts | undefined)[], attrs: Attrs = {}, outputCount = 1): TensorFacts[] {
  let fresh = 0;
  return opTable[op].infer({
    inputs,
    attrs: withDefaults(op, attrs),
    constant: () => undefined,
    outputCount,
    unknownDim: () => `unknown${fresh++}`,
    nodeName: 'node0',
  });
}

function run(op: OpType, inputs: (Tensor | undefined)[], attrs: Attrs = {}, outputCount = 1): Tensor[] {
  const outputs = opTable[op].reference(inputs, withDefaults(op, attrs), { outputCount, nodeName: 'node0' });
  const facts = infer(op, inputs.map((x) => x && { type: x.type, dims: [...x.dims] }), attrs, outputCount);
  outputs.forEach((output, i) => expect({ type: output.type, dims: output.dims }).toEqual(facts[i]));
  return outputs;
}

function values(tensor: Tensor): Element[] {
  if (tensor.type === 'float16') return Array.from(tensor.data as Uint16Array, float16ToFloat32);
  return Array.from(tensor.data as ArrayLike<Element>);
}

function expectTensor(got: Tensor, want: Tensor): void {
  expect(got.type).toBe(want.type);
  expect(got.dims).toEqual(want.dims);
  const [gotValues, wantValues] = [values(got), values(want)];
  if (!isFloat(want.type)) return void expect(gotValues).toEqual(wantValues);
  wantValues.forEach((w, i) => {
    const g = gotValues[i] as number;
    if (Number.isNaN(w)) expect(g).toBeNaN();
    else if (g !== w) expect(Math.abs(g - (w as number))).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(w as number));
  });
}

interface Case {
  name: string;
  op: OpType;
  inputs: (Tensor | undefined)[];
  attrs?: Attrs;
  outputs: Tensor[];
}

const cases: Case[] = [
  // unary maps
  { name: 'Abs int8 wraps -128 like numpy', op: 'Abs', inputs: [t('int8', [-128, -3, 4])], outputs: [t('int8', [-128, 3, 4])] },
  { name: 'Abs int64', op: 'Abs', inputs: [t('int64', [-(2n ** 62n), 5n])], outputs: [t('int64', [2n ** 62n, 5n])] },
  { name: 'Neg uint8 wraps', op: 'Neg', inputs: [t('uint8', [1, 0])], outputs: [t('uint8', [255, 0])] },
  { name: 'Sign int64', op: 'Sign', inputs: [t('int64', [-9n, 0n, 7n])], outputs: [t('int64', [-1n, 0n, 1n])] },
  { name: 'Relu int32', op: 'Relu', inputs: [t('int32', [-2, 3])], outputs: [t('int32', [0, 3])] },
  {
    name: 'Round halves to even',
    op: 'Round',
    inputs: [t('float32', [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6])],
    outputs: [t('float32', [0, 2, 2, -0, -2, -2, 2, -3])],
  },
  { name: 'Ceil/Floor float64', op: 'Floor', inputs: [t('float64', [-1.5, 1.5])], outputs: [t('float64', [-2, 1])] },
  {
    name: 'Erf',
    op: 'Erf',
    inputs: [t('float32', [0, 0.5, -1, 2, 7])],
    outputs: [t('float32', [0, 0.5204998778130465, -0.8427007929497149, 0.9953222650189527, 1])],
  },
  { name: 'Sigmoid extremes', op: 'Sigmoid', inputs: [t('float32', [-1000, 0, 1000])], outputs: [t('float32', [0, 0.5, 1])] },
  {
    name: 'Softplus does not overflow',
    op: 'Softplus',
    inputs: [t('float64', [-1, 0, 1000])],
    outputs: [t('float64', [Math.log1p(Math.exp(-1)), Math.LN2, 1000])],
  },
  {
    name: 'Elu alpha',
    op: 'Elu',
    attrs: { alpha: 2 },
    inputs: [t('float32', [-1, 0, 3])],
    outputs: [t('float32', [2 * (Math.exp(-1) - 1), 0, 3])],
  },
  {
    name: 'HardSigmoid defaults',
    op: 'HardSigmoid',
    inputs: [t('float32', [-5, 0, 1, 5])],
    outputs: [t('float32', [0, 0.5, 0.7, 1])],
  },
  { name: 'HardSwish', op: 'HardSwish', inputs: [t('float32', [-4, 1, 4])], outputs: [t('float32', [0, 1 * (1 / 6 + 0.5), 4])] },
  {
    name: 'IsInf detect_negative=0',
    op: 'IsInf',
    attrs: { detect_negative: 0 },
    inputs: [t('float32', [Infinity, -Infinity, NaN, 1])],
    outputs: [t('bool', [1, 0, 0, 0])],
  },
  { name: 'IsNaN float16', op: 'IsNaN', inputs: [t('float16', [NaN, 1])], outputs: [t('bool', [1, 0])] },
  { name: 'Not', op: 'Not', inputs: [t('bool', [1, 0, 1], [3, 1])], outputs: [t('bool', [0, 1, 0], [3, 1])] },
  { name: 'Sqrt float16', op: 'Sqrt', inputs: [t('float16', [4, 2])], outputs: [t('float16', [2, Math.SQRT2])] },
  // broadcasting binary arithmetic
  {
    name: 'Add broadcasts [2,1,3] with [4,1]',
    op: 'Add',
    inputs: [t('float32', [0, 1, 2, 3, 4, 5], [2, 1, 3]), t('float32', [10, 20, 30, 40], [4, 1])],
    outputs: [
      t(
        'float32',
        [10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 13, 14, 15, 23, 24, 25, 33, 34, 35, 43, 44, 45],
        [2, 4, 3],
      ),
    ],
  },
  { name: 'Add scalar to empty', op: 'Add', inputs: [t('float32', [], [0, 3]), t('float32', [1], [])], outputs: [t('float32', [], [0, 3])] },
  { name: 'Add int8 wraps', op: 'Add', inputs: [t('int8', [127, -128]), t('int8', [1, -1])], outputs: [t('int8', [-128, 127])] },
  { name: 'Sub uint8 wraps', op: 'Sub', inputs: [t('uint8', [0]), t('uint8', [1])], outputs: [t('uint8', [255])] },
  { name: 'Add float16', op: 'Add', inputs: [t('float16', [1.5, 2]), t('float16', [0.25, -2])], outputs: [t('float16', [1.75, 0])] },
  {
    name: 'Mul int32 keeps the exact low bits',
    op: 'Mul',
    inputs: [t('int32', [65537, 2147483647]), t('int32', [65537, 2147483647])],
    outputs: [t('int32', [131073, 1])],
  },
  {
    name: 'Mul int64 wraps',
    op: 'Mul',
    inputs: [t('int64', [2n ** 62n, 3n]), t('int64', [4n, -5n])],
    outputs: [t('int64', [0n, -15n])],
  },
  { name: 'Div int32 truncates', op: 'Div', inputs: [t('int32', [-7, 7, 5]), t('int32', [2, -2, 0])], outputs: [t('int32', [-3, -3, 0])] },
  { name: 'Div int64 truncates', op: 'Div', inputs: [t('int64', [-7n, 9n]), t('int64', [2n, 0n])], outputs: [t('int64', [-3n, 0n])] },
  { name: 'Div float', op: 'Div', inputs: [t('float64', [1, -1]), t('float64', [0, 4])], outputs: [t('float64', [Infinity, -0.25])] },
  {
    name: 'Mod int32 takes the divisor sign',
    op: 'Mod',
    inputs: [t('int32', [-4, 7, 5, 4, -7, 8]), t('int32', [2, -3, 8, -2, 3, 5])],
    outputs: [t('int32', [0, -2, 5, 0, 2, 3])],
  },
  {
    name: 'Mod fmod=1 takes the dividend sign',
    op: 'Mod',
    attrs: { fmod: 1 },
    inputs: [t('float32', [-4.3, 7.2, 5.0]), t('float32', [2.1, -3.4, 8.0])],
    outputs: [t('float32', [-0.1, 0.4, 5.0])],
  },
  {
    name: 'Mod int64 floor',
    op: 'Mod',
    inputs: [t('int64', [-7n, 7n, 3n]), t('int64', [3n, -3n, 0n])],
    outputs: [t('int64', [2n, -2n, 0n])],
  },
  {
    name: 'Pow float base, int64 exponent',
    op: 'Pow',
    inputs: [t('float32', [2, 3, 4]), t('int64', [3n, 2n, -1n])],
    outputs: [t('float32', [8, 9, 0.25])],
  },
  { name: 'Pow int32 base, float exponent', op: 'Pow', inputs: [t('int32', [2, 9]), t('float32', [0.5, 0.5])], outputs: [t('int32', [1, 3])] },
  {
    name: 'Pow int64 wraps like numpy',
    op: 'Pow',
    inputs: [t('int64', [3n, 2n]), t('int64', [41n, 63n])],
    outputs: [t('int64', [BigInt.asIntN(64, 3n ** 41n), -(2n ** 63n)])],
  },
  {
    name: 'PRelu slope broadcasts',
    op: 'PRelu',
    inputs: [t('float32', [-1, 2, -3, 4, -5, 6], [2, 3]), t('float32', [0.1, 0.2, 0.3])],
    outputs: [t('float32', [-0.1, 2, -0.9, 4, -1, 6], [2, 3])],
  },
  // logic and comparisons
  { name: 'And', op: 'And', inputs: [t('bool', [1, 1, 0, 0]), t('bool', [1, 0, 1, 0])], outputs: [t('bool', [1, 0, 0, 0])] },
  { name: 'Xor broadcast', op: 'Xor', inputs: [t('bool', [1, 0], [2, 1]), t('bool', [1, 0])], outputs: [t('bool', [0, 1, 1, 0], [2, 2])] },
  { name: 'Equal with NaN', op: 'Equal', inputs: [t('float32', [NaN, 1]), t('float32', [NaN, 1])], outputs: [t('bool', [0, 1])] },
  { name: 'Equal strings', op: 'Equal', inputs: [t('string', ['a', 'b']), t('string', ['a'])], outputs: [t('bool', [1, 0])] },
  {
    name: 'GreaterOrEqual int64',
    op: 'GreaterOrEqual',
    inputs: [t('int64', [2n ** 60n + 1n, 1n]), t('int64', [2n ** 60n, 1n])],
    outputs: [t('bool', [1, 1])],
  },
  { name: 'Less uint32', op: 'Less', inputs: [t('uint32', [4294967295, 0]), t('uint32', [1])], outputs: [t('bool', [0, 1])] },
  // variadic
  {
    name: 'Max of three propagates NaN',
    op: 'Max',
    inputs: [t('float32', [1, NaN, 3]), t('float32', [2]), t('float32', [0, 0, 5])],
    outputs: [t('float32', [2, NaN, 5])],
  },
  { name: 'Min uint64', op: 'Min', inputs: [t('uint64', [2n ** 64n - 1n, 3n]), t('uint64', [5n])], outputs: [t('uint64', [5n, 3n])] },
  { name: 'Sum one input', op: 'Sum', inputs: [t('float32', [1, 2])], outputs: [t('float32', [1, 2])] },
  { name: 'Sum int64 wraps', op: 'Sum', inputs: [t('int64', [2n ** 63n - 1n]), t('int64', [1n])], outputs: [t('int64', [-(2n ** 63n)])] },
  {
    name: 'Mean broadcasts',
    op: 'Mean',
    inputs: [t('float32', [1, 2, 3, 4], [2, 2]), t('float32', [3, 6], [2, 1])],
    outputs: [t('float32', [2, 2.5, 4.5, 5], [2, 2])],
  },
  // selection and clipping
  {
    name: 'Where broadcasts strings',
    op: 'Where',
    inputs: [t('bool', [1, 0], [2, 1]), t('string', ['x', 'y']), t('string', ['n'], [])],
    outputs: [t('string', ['x', 'y', 'n', 'n'], [2, 2])],
  },
  {
    name: 'Clip both bounds',
    op: 'Clip',
    inputs: [t('float32', [-2, 0, 2, NaN]), t('float32', [-1], []), t('float32', [1], [])],
    outputs: [t('float32', [-1, 0, 1, NaN])],
  },
  { name: 'Clip max only', op: 'Clip', inputs: [t('int8', [-100, 100]), undefined, t('int8', [7], [])], outputs: [t('int8', [-100, 7])] },
  { name: 'Clip min > max gives max', op: 'Clip', inputs: [t('int64', [0n, 9n]), t('int64', [5n], []), t('int64', [3n], [])], outputs: [t('int64', [3n, 3n])] },
  { name: 'Clip without bounds', op: 'Clip', inputs: [t('float32', [-7, 7])], outputs: [t('float32', [-7, 7])] },
  // casts
  { name: 'Cast float → int8 wraps', op: 'Cast', attrs: { to: 'int8' }, inputs: [t('float32', [300, -1.7, 127.9])], outputs: [t('int8', [44, -1, 127])] },
  { name: 'Cast float → uint8 wraps', op: 'Cast', attrs: { to: 'uint8' }, inputs: [t('float64', [-1, 256.5])], outputs: [t('uint8', [255, 0])] },
  {
    name: 'Cast int64 → int32 wraps exactly',
    op: 'Cast',
    attrs: { to: 'int32' },
    inputs: [t('int64', [2n ** 32n + 5n, 2n ** 60n + 2n ** 31n])],
    outputs: [t('int32', [5, -2147483648])],
  },
  { name: 'Cast int32 → int64', op: 'Cast', attrs: { to: 'int64' }, inputs: [t('int32', [-3])], outputs: [t('int64', [-3n])] },
  { name: 'Cast float → int64 truncates', op: 'Cast', attrs: { to: 'int64' }, inputs: [t('float32', [-2.9, 1e10])], outputs: [t('int64', [-2n, 10000000000n])] },
  {
    name: 'Cast float64 → float16 rounds to nearest even',
    op: 'Cast',
    attrs: { to: 'float16' },
    inputs: [t('float64', [1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, 2 ** -25 * 1.5])],
    outputs: [t('float16', [1, 1 + 2 ** -9, Infinity, 2 ** -24])],
  },
  { name: 'Cast float → bool', op: 'Cast', attrs: { to: 'bool' }, inputs: [t('float32', [0, -0, 0.1, NaN])], outputs: [t('bool', [0, 0, 1, 1])] },
  { name: 'Cast bool → float', op: 'Cast', attrs: { to: 'float32' }, inputs: [t('bool', [1, 0])], outputs: [t('float32', [1, 0])] },
  {
    name: 'Cast float32 → string like numpy',
    op: 'Cast',
    attrs: { to: 'string' },
    inputs: [t('float32', [0.1, 100, 1e-5, -1.5e20, NaN, -Infinity, 0.039187793])],
    outputs: [t('string', ['0.1', '100.0', '1e-05', '-1.5e+20', 'nan', '-inf', '0.039187793'])],
  },
  { name: 'Cast int64 → string', op: 'Cast', attrs: { to: 'string' }, inputs: [t('int64', [-(2n ** 63n)])], outputs: [t('string', ['-9223372036854775808'])] },
  {
    name: 'Cast string → float32',
    op: 'Cast',
    attrs: { to: 'float32' },
    inputs: [t('string', ['0.5', 'NaN', 'INF', '+INF', '-inf', ' 1e3 '])],
    outputs: [t('float32', [0.5, NaN, Infinity, Infinity, -Infinity, 1000])],
  },
  {
    name: 'Cast string → int64 is exact',
    op: 'Cast',
    attrs: { to: 'int64' },
    inputs: [t('string', ['9007199254740993', '-7'])],
    outputs: [t('int64', [9007199254740993n, -7n])],
  },
  { name: 'CastLike', op: 'CastLike', inputs: [t('float32', [1.9, -1.9]), t('int16', [0])], outputs: [t('int16', [1, -1])] },
  { name: 'Identity', op: 'Identity', inputs: [t('string', ['a'])], outputs: [t('string', ['a'])] },
];

describe('elementwise references', () => {
  it('cover every elementwise op in the table', () => {
    for (const op of Object.keys(elementwiseOps)) expect(opTable[op as OpType]).toBe(elementwiseOps[op as keyof typeof elementwiseOps]);
  });

  for (const c of cases) {
    it(c.name, () => {
      const outputs = run(c.op, c.inputs, c.attrs, c.outputs.length);
      c.outputs.forEach((want, i) => expectTensor(outputs[i]!, want));
    });
  }

  it('Dropout passes data through with an all-true mask', () => {
    const x = t('float32', [1, 2, 3], [3, 1]);
    const [output, mask] = run('Dropout', [x, t('float32', [0.3], [])], {}, 2);
    expectTensor(output!, x);
    expectTensor(mask!, t('bool', [1, 1, 1], [3, 1]));
    expect(run('Dropout', [x, t('float32', [0.3], []), t('bool', [0], [])])).toHaveLength(1);
  });

  it('Dropout refuses random training mode', () => {
    const inputs = [t('float32', [1]), t('float32', [0.5], []), t('bool', [1], [])];
    expect(() => run('Dropout', inputs)).toThrow(/UNSUPPORTED_OP.*training/);
    expectTensor(run('Dropout', [inputs[0], t('float32', [0], []), inputs[2]])[0]!, inputs[0]!);
  });

  it('erf is accurate to float64 precision', () => {
    // Reference values from Python's math.erf.
    const known: [number, number][] = [
      [1e-10, 1.1283791670955126e-10],
      [0.1, 0.1124629160182849],
      [1.5, 0.9661051464753108],
      [3, 0.9999779095030014],
      [-4.5, -0.9999999998033839],
    ];
    for (const [x, want] of known) expect(Math.abs(erf(x) - want) / Math.abs(want)).toBeLessThan(1e-13);
  });

  it('reports bad broadcasts at run time', () => {
    const error = (() => {
      try {
        opTable.Add.reference([t('float32', [1, 2]), t('float32', [1, 2, 3])], {}, { outputCount: 1, nodeName: 'node0' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(WebliteError);
    expect((error as WebliteError).code).toBe('RUNTIME_ERROR');
    expect((error as WebliteError).message).toContain('node0');
  });
});

describe('elementwise inference', () => {
  const facts = (type: DType, dims?: Dim[]): TensorFacts => ({ type, dims });

  it('broadcasts symbolic dims', () => {
    expect(infer('Add', [facts('float32', ['batch', 1, 3]), facts('float32', [4, 1])])).toEqual([
      facts('float32', ['batch', 4, 3]),
    ]);
    expect(infer('Sum', [facts('int64', ['a']), facts('int64', ['b']), facts('int64', [1])])).toEqual([facts('int64', ['unknown0'])]);
  });

  it('keeps an unknown rank unknown', () => {
    expect(infer('Mul', [facts('float32'), facts('float32', [3])])).toEqual([facts('float32', undefined)]);
    expect(infer('Sigmoid', [facts('float16')])).toEqual([facts('float16', undefined)]);
  });

  it('gives comparisons bool outputs and Pow the base dtype', () => {
    expect(infer('Less', [facts('int32', [2]), facts('int32', [2])])).toEqual([facts('bool', [2])]);
    expect(infer('Pow', [facts('int32', [2]), facts('float32', [])])).toEqual([facts('int32', [2])]);
    expect(infer('Cast', [facts('float32', ['n'])], { to: 'uint16' })).toEqual([facts('uint16', ['n'])]);
    expect(infer('CastLike', [facts('float32', [2]), facts('int8', [1])])).toEqual([facts('int8', [2])]);
    expect(infer('Dropout', [facts('float32', [2, 'n'])], {}, 2)).toEqual([facts('float32', [2, 'n']), facts('bool', [2, 'n'])]);
  });

  const rejections: [string, () => unknown, RegExp][] = [
    ['mixed dtypes', () => infer('Add', [facts('float32', [2]), facts('int32', [2])]), /node0.*Add.*float32, int32/],
    ['incompatible shapes', () => infer('Sub', [facts('float32', [2]), facts('float32', [3])]), /node0.*Sub.*cannot be broadcast/],
    ['float op on integers', () => infer('Sin', [facts('int32', [2])]), /node0.*Sin.*got int32/],
    ['non-bool logic', () => infer('And', [facts('int8', [2]), facts('int8', [2])]), /node0.*And.*bool.*got int8/],
    ['unknown cast target', () => infer('Cast', [facts('float32', [2])], { to: 'complex64' }), /node0.*Cast.*complex64/],
    ['missing input', () => infer('Where', [facts('bool', [2]), facts('float32', [2]), undefined]), /node0.*Where.*input 2/],
  ];
  for (const [name, attempt, message] of rejections) {
    it(`rejects ${name} as BAD_MODEL`, () => {
      expect(attempt).toThrow(WebliteError);
      expect(attempt).toThrow(/BAD_MODEL/);
      expect(attempt).toThrow(message);
    });
  }
});
