/**
 * The one scalar activation table behind the fused ops' epilogues (FusedConv, FusedGemm, FusedMatMul) and Gelu.
 * Each formula is the same float64 expression the standalone elementwise op uses, so a fused node and the
 * unfused pair it replaced differ only by where float32 rounding happens (at most an ulp or two).
 *
 * `activation` names and their `activation_params`:
 *   ''            none
 *   Relu          —
 *   Clip          [min, max]        (omitted → no bound; [min] alone → no upper bound)
 *   HardSwish     —
 *   HardSigmoid   [alpha, beta]     (default 0.2, 0.5 as ONNX's HardSigmoid)
 *   Sigmoid       —
 *   Silu          —                 x · sigmoid(x)
 *   LeakyRelu     [alpha]           (default 0.01)
 *   Gelu          [approximate]     0 or omitted: erf form; 1: tanh approximation
 *   Tanh          —
 *   Elu           [alpha]           (default 1)
 */
import { WebliteError } from '../../errors.js';
import { erf, sigmoid } from './elementwise-math.js';

export const ACTIVATIONS = ['Relu', 'Clip', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'Silu', 'LeakyRelu', 'Gelu', 'Tanh', 'Elu'] as const;

export type Activation = (typeof ACTIVATIONS)[number];

export function isActivation(name: string): name is Activation {
  return (ACTIVATIONS as readonly string[]).includes(name);
}

/** How many activation_params each activation accepts (the rest take their defaults). */
const MAX_PARAMS: Record<Activation, number> = {
  Relu: 0, Clip: 2, HardSwish: 0, HardSigmoid: 2, Sigmoid: 0, Silu: 0, LeakyRelu: 1, Gelu: 1, Tanh: 0, Elu: 1,
};

const SQRT_HALF = Math.SQRT1_2;
const SQRT_TWO_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU, exact (erf) form: x · Φ(x) = ½x(1 + erf(x/√2)). */
export function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x * SQRT_HALF));
}

/** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_TWO_OVER_PI * (x + 0.044715 * x * x * x)));
}

/**
 * Checks an (activation, activation_params) pair; returns an error message, or undefined when it is valid.
 * Shape inference turns the message into BAD_MODEL, references into RUNTIME_ERROR.
 */
export function activationProblem(name: string, params: readonly number[]): string | undefined {
  if (name === '') return params.length === 0 ? undefined : `activation_params [${params}] given without an activation`;
  if (!isActivation(name)) return `unknown activation '${name}' (expected one of ${ACTIVATIONS.join(', ')})`;
  if (params.length > MAX_PARAMS[name]) {
    return `activation ${name} takes at most ${MAX_PARAMS[name]} activation_params, got [${params}]`;
  }
  if (name === 'Gelu' && params.length === 1 && params[0] !== 0 && params[0] !== 1) {
    return `activation Gelu's parameter is 0 (erf) or 1 (tanh), got ${params[0]}`;
  }
  return undefined;
}

/**
 * The scalar function for an activation, or undefined for '' (none). Throws RUNTIME_ERROR naming `where` for an
 * invalid pair (shape inference has normally rejected it already).
 */
export function activationFunction(name: string, params: readonly number[], where: string): ((x: number) => number) | undefined {
  const problem = activationProblem(name, params);
  if (problem) throw new WebliteError('RUNTIME_ERROR', `${where}: ${problem}`);
  const param = (i: number, fallback: number): number => params[i] ?? fallback;
  switch (name as Activation | '') {
    case '':
      return undefined;
    case 'Relu':
      return (x) => Math.max(0, x);
    case 'Clip': {
      const [min, max] = [param(0, -Infinity), param(1, Infinity)];
      // As the Clip op (numpy.clip): raise to min first, then lower to max, so min > max gives max everywhere.
      return (x) => {
        const raised = x < min ? min : x;
        return raised > max ? max : raised;
      };
    }
    case 'HardSwish':
      return (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5));
    case 'HardSigmoid': {
      const [alpha, beta] = [param(0, 0.2), param(1, 0.5)];
      return (x) => Math.max(0, Math.min(1, alpha * x + beta));
    }
    case 'Sigmoid':
      return sigmoid;
    case 'Silu':
      return (x) => x * sigmoid(x);
    case 'LeakyRelu': {
      const alpha = param(0, 0.01);
      return (x) => (x < 0 ? alpha * x : x);
    }
    case 'Gelu':
      return param(0, 0) === 1 ? geluTanh : geluErf;
    case 'Tanh':
      return Math.tanh;
    case 'Elu': {
      const alpha = param(0, 1);
      return (x) => (x < 0 ? alpha * Math.expm1(x) : x);
    }
  }
}
