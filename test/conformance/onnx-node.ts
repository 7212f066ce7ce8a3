/**
 * ONNX node conformance runner over Debian's libonnx-testdata (ONNX's own operator tests): each test model is
 * converted to .wlm, loaded in an InferenceSession, fed test_data_set_0/input_*.pb and compared with output_*.pb.
 * Floats: |got − want| ≤ 1e-5 + 1e-3·|want| (NaN equals NaN); integers, bools and strings exact; dims exact.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { convert } from '../../src/convert/index.js';
import { decodeModel, decodeTensor } from '../../src/convert/onnx/proto.js';
import { tensorFromProto } from '../../src/convert/onnx/tensor.js';
import { float16ToFloat32 } from '../../src/ir/dtype.js';
import { InferenceSession, Tensor } from '../../src/index.js';
import type { BackendName } from '../../src/runtime/backend.js';

export const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

/** The ONNX ops in scope (issue #2's list). Constant is in scope as a graph-construction op. */
export const IN_SCOPE_OPS = new Set(
  `Abs Acos Acosh Add And ArgMax ArgMin Asin Asinh Atan Atanh AveragePool BatchNormalization Cast CastLike Ceil Celu Clip
  Concat Constant ConstantOfShape Conv ConvTranspose Cos Cosh CumSum DepthToSpace Div Dropout Einsum Elu Equal Erf Exp
  Expand Flatten Floor Gather GatherElements GatherND Gemm GlobalAveragePool GlobalMaxPool Greater GreaterOrEqual
  HardSigmoid HardSwish Hardmax Identity InstanceNormalization IsInf IsNaN LRN LayerNormalization LeakyRelu Less
  LessOrEqual Log LogSoftmax MatMul Max MaxPool Mean Min Mod Mul Neg Not OneHot Or PRelu Pad Pow Range Reciprocal
  ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare
  Relu Reshape Resize Round ScatterElements ScatterND Selu Shape Sigmoid Sign Sin Sinh Size Slice Softmax Softplus
  Softsign SpaceToDepth Split Sqrt Squeeze Sub Sum Tan Tanh Tile TopK Transpose Trilu Unsqueeze Upsample Where Xor`.split(/\s+/),
);

export interface CaseResult {
  test: string;
  op: string;
  ok: boolean;
  message?: string;
}

export function listInScopeTests(filter?: RegExp): { test: string; op: string }[] {
  if (!existsSync(NODE_TESTS)) return [];
  const tests: { test: string; op: string }[] = [];
  for (const test of readdirSync(NODE_TESTS).sort()) {
    if (filter && !filter.test(test)) continue;
    if (test.startsWith('test_training_dropout') || /bfloat16/i.test(test)) continue;
    const modelPath = join(NODE_TESTS, test, 'model.onnx');
    if (!existsSync(modelPath)) continue;
    const model = decodeModel(readFileSync(modelPath), modelPath);
    const ops = (model.graph?.node ?? []).map((n) => ({ op: n.op_type ?? '', domain: n.domain ?? '' }));
    if (ops.length === 0 || !ops.every((o) => (o.domain === '' || o.domain === 'ai.onnx') && IN_SCOPE_OPS.has(o.op))) continue;
    tests.push({ test, op: primaryOp(test, ops.map((o) => o.op)) });
  }
  return tests;
}

/** The op a test is about: the in-scope op whose name best matches the test name. */
function primaryOp(test: string, ops: string[]): string {
  const name = test.replace(/^test_/, '');
  let best = ops.find((o) => o !== 'Constant') ?? ops[0]!;
  let bestLength = 0;
  for (const op of IN_SCOPE_OPS) {
    const forms = [op.toLowerCase(), op.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()];
    for (const form of forms) {
      if ((name === form || name.startsWith(`${form}_`)) && form.length > bestLength) {
        best = op;
        bestLength = form.length;
      }
    }
  }
  return best;
}

export function readTensors(dir: string, prefix: string): Tensor[] {
  const out: Tensor[] = [];
  for (let i = 0; existsSync(join(dir, `${prefix}_${i}.pb`)); i++) {
    const path = join(dir, `${prefix}_${i}.pb`);
    out.push(tensorFromProto(decodeTensor(readFileSync(path), path), path));
  }
  return out;
}

function asNumber(value: number | bigint | string, type: string): number {
  if (type === 'float16') return float16ToFloat32(value as number);
  return Number(value);
}

export function compareTensors(got: Tensor, want: Tensor): string | undefined {
  if (got.type !== want.type) return `type ${got.type} ≠ expected ${want.type}`;
  if (got.dims.length !== want.dims.length || got.dims.some((d, i) => d !== want.dims[i])) {
    return `dims [${got.dims.join(', ')}] ≠ expected [${want.dims.join(', ')}]`;
  }
  const a = got.data as ArrayLike<number | bigint | string>;
  const b = want.data as ArrayLike<number | bigint | string>;
  const float = want.type === 'float32' || want.type === 'float64' || want.type === 'float16';
  for (let i = 0; i < b.length; i++) {
    if (float) {
      const x = asNumber(a[i]!, got.type);
      const y = asNumber(b[i]!, want.type);
      if (Number.isNaN(y) ? !Number.isNaN(x) : !(Math.abs(x - y) <= 1e-5 + 1e-3 * Math.abs(y)) && x !== y) {
        return `element ${i}: got ${x}, expected ${y}`;
      }
    } else if (a[i] !== b[i]) {
      return `element ${i}: got ${String(a[i])}, expected ${String(b[i])}`;
    }
  }
  return undefined;
}

export async function runCase(test: string, op: string, backend: BackendName): Promise<CaseResult> {
  const dir = join(NODE_TESTS, test);
  try {
    const wlm = await convert(readFileSync(join(dir, 'model.onnx')), { fileName: `${test}/model.onnx` });
    const session = await InferenceSession.create(wlm, { backend });
    const data = join(dir, 'test_data_set_0');
    const inputs = readTensors(data, 'input');
    const expected = readTensors(data, 'output');
    const feeds: Record<string, Tensor> = {};
    session.inputs.forEach((info, i) => {
      if (inputs[i]) feeds[info.name] = inputs[i]!;
    });
    const outputs = await session.run(feeds);
    await session.release();
    for (let i = 0; i < expected.length; i++) {
      const name = session.outputs[i]?.name;
      const got = name === undefined ? undefined : outputs[name];
      if (!got) return { test, op, ok: false, message: `output ${i} missing` };
      const problem = compareTensors(got, expected[i]!);
      if (problem) return { test, op, ok: false, message: `output '${name}': ${problem}` };
    }
    return { test, op, ok: true };
  } catch (error) {
    return { test, op, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

export async function runConformance(backend: BackendName, filter?: RegExp): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const { test, op } of listInScopeTests(filter)) results.push(await runCase(test, op, backend));
  return results;
}

export function formatReport(results: CaseResult[]): string {
  const byOp = new Map<string, CaseResult[]>();
  for (const r of results) byOp.set(r.op, [...(byOp.get(r.op) ?? []), r]);
  const lines = ['| op | passed | failed tests |', '|---|---|---|'];
  for (const [op, list] of [...byOp].sort()) {
    const failed = list.filter((r) => !r.ok);
    lines.push(`| ${op} | ${list.length - failed.length}/${list.length} | ${failed.map((f) => f.test).join(', ')} |`);
  }
  const passed = results.filter((r) => r.ok).length;
  lines.push('', `total: ${passed}/${results.length} passed (${((100 * passed) / Math.max(1, results.length)).toFixed(1)}%)`);
  const failures = results.filter((r) => !r.ok);
  if (failures.length) lines.push('', 'failures:', ...failures.map((f) => `  ${f.test}: ${f.message}`));
  return lines.join('\n');
}
