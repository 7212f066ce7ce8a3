/**
 * Converting one element between dtypes: the rules Cast follows and every elementwise output store uses.
 * Numbers follow numpy's `astype`: floats truncate toward zero when stored as integers, integers wrap modulo
 * 2^bits, anything non-zero (NaN included) is `true`. Strings follow numpy's `str()` of the value and Python's
 * `float()` parsing, which is what ONNX's Cast tests were generated with.
 */
import { WebliteError } from '../../errors.js';
import type { DType } from '../dtype.js';

/** One element as references compute on it: float16 is widened to a number, int64/uint64 stay BigInt. */
export type Value = number | bigint | string;

export function toNumber(value: Value): number {
  return typeof value === 'string' ? parseFloatText(value) ?? NaN : Number(value);
}

/** For int64/uint64 stores; the typed array then wraps the BigInt modulo 2^64. */
export function toBigInt(value: Value): bigint {
  if (typeof value === 'bigint') return value;
  const number = toNumber(value);
  return Number.isFinite(number) ? BigInt(Math.trunc(number)) : 0n;
}

/** For 8/16/32-bit integer stores: the typed array truncates and wraps numbers, but a BigInt must be narrowed first. */
export function toSmallInteger(value: Value): number {
  return typeof value === 'bigint' ? Number(BigInt.asIntN(32, value)) : toNumber(value);
}

export function isTruthy(value: Value): boolean {
  return typeof value === 'string' ? value.length > 0 : value !== 0 && value !== 0n;
}

/**
 * IEEE binary16 bits of a float64, rounded once to nearest even. (dtype.ts's float32ToFloat16 rounds to float32
 * first, which can double-round a float64 that lies just off a half-way point.)
 */
export function float64ToFloat16(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === 0) return sign;
  if (magnitude >= 65520) return sign | 0x7c00; // half-way between the largest half (65504) and 2^16 rounds up
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent--; // log2 can be off by one next to powers of two
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  exponent = Math.max(exponent, -14); // below 2^-14 the half is subnormal: fixed scale 2^-24
  const mantissa = roundHalfToEven(magnitude * 2 ** (10 - exponent)); // exact scaling by a power of two
  // mantissa is in [1024, 2048] for normals (2048 carries into the exponent) and below 1024 for subnormals;
  // the sum below encodes both cases, including the carry.
  return sign | (((exponent + 14) << 10) + mantissa);
}

/** Round to the nearest integer, ties to the even neighbour (numpy.round, ONNX Round). */
export function roundHalfToEven(x: number): number {
  const rounded = Math.round(x);
  // Math.round sends ties up; a tie has fractional part exactly 0.5 and must go to the even neighbour instead.
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : rounded;
}

/** Python float() syntax: decimal or exponent notation, 'nan', 'inf', 'infinity' in any case, signs, spaces. */
export function parseFloatText(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  const match = /^([+-]?)(inf|infinity|nan)$/.exec(trimmed);
  if (match) return match[2] === 'nan' ? NaN : match[1] === '-' ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

/** A string element as the number (or, for integer-looking text, the exact BigInt) Cast stores. */
export function parseElementText(text: string, where: string): number | bigint {
  const trimmed = text.trim();
  if (/^[+-]?\d+$/.test(trimmed)) return BigInt(trimmed);
  const number = parseFloatText(trimmed);
  if (number === undefined) throw new WebliteError('RUNTIME_ERROR', `${where}: cannot convert the string '${text}' to a number`);
  return number;
}

/** numpy's `str()` of one element of the given dtype, e.g. '0.039187793', '1e-05', 'nan', '3'. */
export function formatElement(value: Value, type: DType): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (type === 'bool') return value ? 'True' : 'False';
  if (type === 'float32') return formatFloat(value, (x) => Math.fround(x));
  if (type === 'float16') return formatFloat(value, (x) => float64ToFloat16(x));
  if (type === 'float64') return formatFloat(value, (x) => x);
  return String(value);
}

/**
 * numpy prints the shortest digits that read back as the same value, positionally for 1e-4 ≤ |x| < 1e16
 * ('100.0', '0.0001') and in scientific notation otherwise ('1e-05', '1.5e+20').
 */
function formatFloat(value: number, roundTrip: (x: number) => number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value < 0 ? '-inf' : 'inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const target = roundTrip(value);
  let exponential = value.toExponential(16);
  for (let digits = 1; digits <= 17; digits++) {
    const candidate = value.toExponential(digits - 1);
    if (roundTrip(Number(candidate)) === target) {
      exponential = candidate;
      break;
    }
  }
  const [mantissa = '', exponentText = '0'] = exponential.split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digitString = mantissa.replace('-', '').replace('.', '');
  const exponent = Number(exponentText);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digitString}`;
    const whole = digitString.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    const fraction = digitString.slice(exponent + 1) || '0';
    return `${sign}${whole}.${fraction}`;
  }
  const scientificMantissa = digitString.length > 1 ? `${digitString[0]}.${digitString.slice(1)}` : digitString;
  const exponentDigits = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${scientificMantissa}e${exponent < 0 ? '-' : '+'}${exponentDigits}`;
}
