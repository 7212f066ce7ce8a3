/**
 * Scalar math the elementwise ops need beyond `Math`: erf, stable activations, numpy-compatible Mod, Pow and
 * integer division. Everything is computed in float64, which is at least as accurate as the float32/float16
 * math ONNX's reference used; the output store rounds once.
 */
import type { BinaryMath } from './elementwise.js';
import type { Value } from './elementwise-cast.js';

/**
 * erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)). Every term is positive, so the sum has no
 * cancellation and keeps float64 precision (≈1e-15 relative) over the whole range we use it in. Past |x| = 6,
 * erfc(|x|) < 3e-17 and erf is ±1 in float64.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const magnitude = Math.abs(x);
  if (magnitude >= 6) return Math.sign(x);
  const square = magnitude * magnitude;
  let term = magnitude;
  let sum = term;
  // Terms grow while 2x²/(2n+3) > 1 and then shrink geometrically; at |x| < 6 this ends within ~200 steps.
  for (let n = 0; n < 400 && term > sum * 1e-17; n++) {
    term *= (2 * square) / (2 * n + 3);
    sum += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-square) * sum;
}

/** 1 / (1 + e^−x), written so that neither branch overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x) without overflow for large x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** NaN-propagating maximum/minimum (numpy.maximum/minimum) for any one Value representation. */
export function maxValue(a: Value, b: Value): Value {
  return a > b || a !== a ? a : b;
}

export function minValue(a: Value, b: Value): Value {
  return a < b || a !== a ? a : b;
}

/**
 * ONNX Mod. fmod=1 is C's fmod: the remainder takes the dividend's sign (JS `%`). fmod=0 is Python's `%`:
 * the remainder takes the divisor's sign. Integer division by zero gives 0, as numpy does.
 */
export function modMath(fmod: boolean): BinaryMath {
  if (fmod) {
    return {
      float: (a, b) => a % b,
      int: (a, b) => (b === 0 ? 0 : a % b),
      big: (a, b) => (b === 0n ? 0n : a % b),
    };
  }
  return {
    float: floorModNumber,
    int: (a, b) => (b === 0 ? 0 : floorModNumber(a, b)),
    big: (a, b) => {
      if (b === 0n) return 0n;
      const remainder = a % b;
      return remainder !== 0n && remainder < 0n !== b < 0n ? remainder + b : remainder;
    },
  };
}

function floorModNumber(a: number, b: number): number {
  const remainder = a % b;
  return remainder !== 0 && remainder < 0 !== b < 0 ? remainder + b : remainder;
}

/** Div: integers truncate toward zero (C semantics, which ONNX follows); integer division by zero gives 0. */
export const divMath: BinaryMath = {
  float: (a, b) => a / b,
  int: (a, b) => (b === 0 ? 0 : Math.trunc(a / b)),
  big: (a, b) => (b === 0n ? 0n : a / b),
};

/** Mul: 32-bit products can exceed 2^53, so integers multiply with Math.imul (exact low 32 bits). */
export const mulMath: BinaryMath = {
  float: (a, b) => a * b,
  int: (a, b) => Math.imul(a, b),
  big: (a, b) => a * b,
};

/**
 * Pow where the exponent may have another dtype than the base; the result has the base's dtype. Integer
 * bases with integer exponents square-and-multiply so large powers wrap like numpy's instead of losing bits
 * in float64; anything else goes through Math.pow and is truncated by the store.
 */
export function powFor(baseFamily: 'float' | 'int' | 'big'): (base: Value, exponent: Value) => Value {
  if (baseFamily === 'float') return (base, exponent) => Math.pow(base as number, Number(exponent));
  if (baseFamily === 'int') {
    return (base, exponent) => {
      const power = Number(exponent);
      return Number.isInteger(power) && power >= 0 ? integerPower32(base as number, power) : Math.pow(base as number, power);
    };
  }
  return (base, exponent) => {
    if (typeof exponent === 'bigint' && exponent >= 0n) return integerPower64(base as bigint, exponent);
    return Math.pow(Number(base), Number(exponent));
  };
}

function integerPower32(base: number, exponent: number): number {
  let result = 1;
  let square = base | 0;
  for (let e = exponent; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = Math.imul(result, square);
    square = Math.imul(square, square);
  }
  return result;
}

function integerPower64(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let square = BigInt.asIntN(64, base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = BigInt.asIntN(64, result * square);
    square = BigInt.asIntN(64, square * square);
  }
  return result;
}
