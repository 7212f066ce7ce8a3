/**
 * weblite's own fused ops, produced only by the fusion passes (src/passes/fusion.ts) for the wasm and webgpu
 * kernels, whose epilogues add a bias and a residual and apply an activation in the same pass over the output.
 *
 *   FusedConv(X, W, B?, Z?)   Y = act(Conv(X, W, B) + Z), Z of Y's shape
 *   FusedGemm(A, B, C?)       Y = act(Gemm(A, B, C))
 *   FusedMatMul(A, B, bias?)  Y = act(A @ B + bias), bias 1-D over Y's last dim
 *   Gelu(X)                   approximate 'none' (erf) | 'tanh', as ONNX's Gelu (opset 20)
 *
 * Inference and the product itself are the unfused ops' specs (ops/nn.ts); the epilogue's reference is
 * reference/fused.ts and the activation table reference/activation.ts. The fused products are float-only:
 * the passes only fuse float graphs and the kernels are float kernels.
 */
import { WebliteError } from '../../errors.js';
import { isFloat } from '../dtype.js';
import type { Attrs, Dim } from '../graph.js';
import type { AttrSpec, InferContext, OpSpec, ReferenceContext, TensorFacts } from '../op-spec.js';
import type { OpType } from '../ops.js';
import type { Tensor } from '../tensor.js';
import { activationProblem } from '../reference/activation.js';
import { applyEpilogue } from '../reference/fused.js';
import { required } from '../reference/util.js';
import { nnOps } from './nn.js';

const activationAttrs: Record<string, AttrSpec> = {
  activation: { type: 'string', default: '' },
  activation_params: { type: 'floats', default: [] },
};

function where(op: string, nodeName: string): string {
  return `${op} node '${nodeName}'`;
}

function badModel(op: string, ctx: InferContext, message: string): WebliteError {
  return new WebliteError('BAD_MODEL', `${where(op, ctx.nodeName)}: ${message}`);
}

const paramsOf = (attrs: Attrs): number[] => (attrs.activation_params as number[] | undefined) ?? [];
const activationOf = (attrs: Attrs): string => (attrs.activation as string | undefined) ?? '';

/** The checks every fused product shares: a float dtype and a valid activation. */
function checkEpilogue(op: string, ctx: InferContext, facts: TensorFacts): void {
  if (!isFloat(facts.type)) throw badModel(op, ctx, `expects float tensors, got ${facts.type}`);
  const problem = activationProblem(activationOf(ctx.attrs), paramsOf(ctx.attrs));
  if (problem) throw badModel(op, ctx, problem);
}

/** The extra input `index` must have the output's dtype; returns its dims. */
function extraInput(op: string, ctx: InferContext, index: number, name: string, output: TensorFacts): Dim[] | undefined {
  const facts = ctx.inputs[index];
  if (!facts) return undefined;
  if (facts.type !== output.type) throw badModel(op, ctx, `${name} must be ${output.type} like the output, got ${facts.type}`);
  return facts.dims;
}

/** Dims that may be equal at run time: same rank, no two static sizes that differ (symbols may match anything). */
function compatible(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => typeof d !== 'number' || typeof b[i] !== 'number' || d === b[i]);
}

function epilogueOf(attrs: Attrs, extra: { bias?: Tensor; residual?: Tensor } = {}) {
  return { ...extra, activation: activationOf(attrs), activationParams: paramsOf(attrs) };
}

const convSpec = nnOps.Conv as OpSpec;
const gemmSpec = nnOps.Gemm as OpSpec;
const matMulSpec = nnOps.MatMul as OpSpec;

/** The unfused op's reference on the leading inputs, renamed so errors name the fused node. */
function product(spec: OpSpec, inputs: (Tensor | undefined)[], attrs: Attrs, ctx: ReferenceContext): Tensor {
  return spec.reference(inputs, attrs, { outputCount: 1, nodeName: ctx.nodeName })[0]!;
}

export const fusedOps = {
  FusedConv: {
    inputs: [2, 4],
    outputs: [1, 1],
    attrs: { ...convSpec.attrs, ...activationAttrs },
    infer: (ctx) => {
      const [output] = convSpec.infer({ ...ctx, inputs: ctx.inputs.slice(0, 3) }) as [TensorFacts];
      checkEpilogue('FusedConv', ctx, output);
      const z = extraInput('FusedConv', ctx, 3, 'Z', output);
      if (z && output.dims && !compatible(z, output.dims)) {
        throw badModel('FusedConv', ctx, `Z [${z.join(', ')}] must have the output's shape [${output.dims.join(', ')}]`);
      }
      return [output];
    },
    reference: (inputs, attrs, ctx) => {
      const y = product(convSpec, inputs.slice(0, 3), attrs, ctx);
      return [applyEpilogue(y, epilogueOf(attrs, { residual: inputs[3] }), where('FusedConv', ctx.nodeName))];
    },
  },
  FusedGemm: {
    inputs: [2, 3],
    outputs: [1, 1],
    attrs: { ...gemmSpec.attrs, ...activationAttrs },
    infer: (ctx) => {
      const [output] = gemmSpec.infer(ctx) as [TensorFacts];
      checkEpilogue('FusedGemm', ctx, output);
      return [output];
    },
    reference: (inputs, attrs, ctx) => {
      const y = product(gemmSpec, inputs, attrs, ctx);
      return [applyEpilogue(y, epilogueOf(attrs), where('FusedGemm', ctx.nodeName))];
    },
  },
  FusedMatMul: {
    inputs: [2, 3],
    outputs: [1, 1],
    attrs: { ...activationAttrs },
    infer: (ctx) => {
      const [output] = matMulSpec.infer({ ...ctx, inputs: ctx.inputs.slice(0, 2) }) as [TensorFacts];
      checkEpilogue('FusedMatMul', ctx, output);
      const bias = extraInput('FusedMatMul', ctx, 2, 'bias', output);
      if (bias && bias.length !== 1) throw badModel('FusedMatMul', ctx, `bias must be 1-D, got [${bias.join(', ')}]`);
      const last = output.dims?.[output.dims.length - 1];
      if (output.dims?.length === 0 && bias) throw badModel('FusedMatMul', ctx, 'a bias needs an output of rank ≥ 1');
      if (bias && typeof bias[0] === 'number' && typeof last === 'number' && bias[0] !== last) {
        throw badModel('FusedMatMul', ctx, `bias has ${bias[0]} values, expected ${last} (the output's last dim)`);
      }
      return [output];
    },
    reference: (inputs, attrs, ctx) => {
      const y = product(matMulSpec, inputs.slice(0, 2), attrs, ctx);
      return [applyEpilogue(y, epilogueOf(attrs, { bias: inputs[2] }), where('FusedMatMul', ctx.nodeName))];
    },
  },
  Gelu: {
    inputs: [1, 1],
    outputs: [1, 1],
    attrs: { approximate: { type: 'string', default: 'none' } },
    infer: (ctx) => {
      const x = ctx.inputs[0];
      if (!x) throw badModel('Gelu', ctx, 'input 0 is required');
      if (!isFloat(x.type)) throw badModel('Gelu', ctx, `expects a float tensor, got ${x.type}`);
      const approximate = ctx.attrs.approximate;
      if (approximate !== 'none' && approximate !== 'tanh') throw badModel('Gelu', ctx, `approximate must be 'none' or 'tanh', got '${approximate}'`);
      return [x.dims ? { type: x.type, dims: [...x.dims] } : { type: x.type }];
    },
    reference: (inputs, attrs, ctx) => {
      const at = where('Gelu', ctx.nodeName);
      const x = required(inputs, 0, at);
      if (!isFloat(x.type)) throw new WebliteError('RUNTIME_ERROR', `${at}: expects a float tensor, got ${x.type}`);
      if (attrs.approximate !== 'none' && attrs.approximate !== 'tanh') {
        throw new WebliteError('RUNTIME_ERROR', `${at}: approximate must be 'none' or 'tanh', got '${attrs.approximate}'`);
      }
      const params = attrs.approximate === 'tanh' ? [1] : [];
      return [applyEpilogue(x, { activation: 'Gelu', activationParams: params }, at)];
    },
  },
} satisfies Partial<Record<OpType, OpSpec>>;
