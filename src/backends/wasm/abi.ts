/** Values shared with kernels-wasm/common/weblite.h. */
import { WebliteError } from '../../errors.js';
import type { Node } from '../../ir/graph.js';
import type { Heap } from './heap.js';

/** enum wl_activation_kind */
export const ActivationKind = {
  MINMAX: 0,
  HARDSWISH: 1,
  HARDSIGMOID: 2,
  SIGMOID: 3,
  SILU: 4,
  LEAKYRELU: 5,
  GELU: 6,
  TANH: 7,
  ELU: 8,
} as const;

export interface Activation {
  kind: number;
  alpha: number;
  beta: number;
  min: number;
  max: number;
}

export const IDENTITY: Activation = { kind: ActivationKind.MINMAX, alpha: 0, beta: 0, min: -Infinity, max: Infinity };

/** The activation a fused node carries (`activation` / `activation_params` attributes), or identity. */
export function nodeActivation(node: Node): Activation {
  const name = (node.attrs.activation as string | undefined) ?? '';
  const params = (node.attrs.activation_params as number[] | undefined) ?? [];
  const p = (i: number, fallback: number) => params[i] ?? fallback;
  switch (name) {
    case '':
      return IDENTITY;
    case 'Relu':
      return { ...IDENTITY, min: 0 };
    case 'Clip':
      return { ...IDENTITY, min: p(0, -Infinity), max: p(1, Infinity) };
    case 'HardSwish':
      return { ...IDENTITY, kind: ActivationKind.HARDSWISH };
    case 'HardSigmoid':
      return { ...IDENTITY, kind: ActivationKind.HARDSIGMOID, alpha: p(0, 0.2), beta: p(1, 0.5) };
    case 'Sigmoid':
      return { ...IDENTITY, kind: ActivationKind.SIGMOID };
    case 'Silu':
      return { ...IDENTITY, kind: ActivationKind.SILU };
    case 'LeakyRelu':
      return { ...IDENTITY, kind: ActivationKind.LEAKYRELU, alpha: p(0, 0.01) };
    case 'Gelu':
      // activation_params [1] selects the tanh approximation, which has no epilogue kind (see hasWasmEpilogue).
      if (p(0, 0) === 1) break;
      return { ...IDENTITY, kind: ActivationKind.GELU };
    case 'Tanh':
      return { ...IDENTITY, kind: ActivationKind.TANH };
    case 'Elu':
      return { ...IDENTITY, kind: ActivationKind.ELU, alpha: p(0, 1) };
    default:
      break;
  }
  throw new WebliteError('UNSUPPORTED_OP', `node '${node.name}' (${node.op}): activation '${name}' has no wasm epilogue`);
}

/** Whether the kernels' epilogue can apply this node's fused activation (lowerings check before accepting a node). */
export function hasWasmEpilogue(node: Node): boolean {
  try {
    nodeActivation(node);
    return true;
  } catch {
    return false;
  }
}

export const ACTIVATION_NAMES = ['', 'Relu', 'Clip', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'Silu', 'LeakyRelu', 'Gelu', 'Tanh', 'Elu'];

/** Writes a wl_activation struct into the heap; returns its pointer. */
export function putActivation(heap: Heap, activation: Activation): number {
  const ptr = heap.alloc(20, 'activation parameters');
  heap.i32(ptr, 1)[0] = activation.kind;
  heap.f32(ptr + 4, 4).set([activation.alpha, activation.beta, activation.min, activation.max]);
  return ptr;
}
