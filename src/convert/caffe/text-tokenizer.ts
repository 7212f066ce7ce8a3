/**
 * Tokens of protobuf's text format: identifiers, numbers, quoted strings (escapes decoded to bytes) and the
 * punctuation `{ } < > [ ] : ; , -`. `#` starts a comment to the end of the line. Every token carries its 1-based
 * line and column so the parser can name the place of any mistake.
 */
import { WebliteError } from '../../errors.js';

export interface Position {
  line: number;
  column: number;
}

/** A string token's value is in `bytes` (escapes decoded; UTF-8 is checked where a string field reads it). */
export type Token =
  | ({ kind: 'identifier' | 'number' | 'symbol'; text: string } & Position)
  | ({ kind: 'string'; text: ''; bytes: Uint8Array } & Position)
  | ({ kind: 'end'; text: '' } & Position);

const SYMBOLS = '{}<>[]:;,-';
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };
const encoder = new TextEncoder();

const isIdentifierStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdentifierPart = (c: string) => /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

export function tokenize(text: string, fileName: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): Position => ({ line, column: offset - lineStart + 1 });
  const fail = (position: Position, message: string) =>
    new WebliteError('BAD_MODEL', `${fileName}:${position.line}:${position.column}: ${message}`);

  while (offset < text.length) {
    const c = text[offset]!;
    if (c === '\n') {
      offset++;
      line++;
      lineStart = offset;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      offset++;
    } else if (c === '#') {
      while (offset < text.length && text[offset] !== '\n') offset++;
    } else if (isIdentifierStart(c)) {
      const start = here();
      const begin = offset;
      while (offset < text.length && isIdentifierPart(text[offset]!)) offset++;
      tokens.push({ kind: 'identifier', text: text.slice(begin, offset), ...start });
    } else if (isDigit(c) || (c === '.' && isDigit(text[offset + 1] ?? ''))) {
      const start = here();
      const end = numberEnd(text, offset);
      if (end < 0 || (end < text.length && (isIdentifierPart(text[end]!) || text[end] === '.'))) {
        let stop = offset;
        while (stop < text.length && (isIdentifierPart(text[stop]!) || text[stop] === '.')) stop++;
        throw fail(start, `invalid number '${text.slice(offset, stop)}'`);
      }
      tokens.push({ kind: 'number', text: text.slice(offset, end), ...start });
      offset = end;
    } else if (c === '"' || c === "'") {
      const start = here();
      const bytes: number[] = [];
      offset++;
      for (;;) {
        const d = text[offset];
        if (d === undefined || d === '\n') throw fail(start, 'unterminated string (strings cannot span lines)');
        offset++;
        if (d === c) break;
        if (d !== '\\') {
          const character = String.fromCodePoint(text.codePointAt(offset - 1)!);
          bytes.push(...encoder.encode(character));
          offset += character.length - 1; // a surrogate pair is two UTF-16 units
          continue;
        }
        const escapeStart = { line, column: offset - lineStart };
        offset = readEscape(text, offset, bytes, () => fail(escapeStart, `invalid escape '${text.slice(offset - 1, offset + 1)}' in string`));
      }
      tokens.push({ kind: 'string', text: '', bytes: Uint8Array.from(bytes), ...start });
    } else if (SYMBOLS.includes(c)) {
      tokens.push({ kind: 'symbol', text: c, ...here() });
      offset++;
    } else {
      throw fail(here(), `unexpected character '${c}'`);
    }
  }
  tokens.push({ kind: 'end', text: '', ...here() });
  return tokens;
}

/**
 * End offset of the number starting at `offset`: hex (0x1F), octal/decimal integers, or a float with optional
 * fraction, exponent and `f` suffix. −1 when the text is not a well-formed number.
 */
function numberEnd(text: string, offset: number): number {
  let i = offset;
  if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X')) {
    i += 2;
    const digits = i;
    while (i < text.length && /[0-9A-Fa-f]/.test(text[i]!)) i++;
    return i > digits ? i : -1;
  }
  while (isDigit(text[i] ?? '')) i++;
  if (text[i] === '.') {
    i++;
    while (isDigit(text[i] ?? '')) i++;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    i++;
    if (text[i] === '+' || text[i] === '-') i++;
    const digits = i;
    while (isDigit(text[i] ?? '')) i++;
    if (i === digits) return -1;
  }
  if (text[i] === 'f' || text[i] === 'F') i++;
  return i;
}

/** Decodes the escape after a backslash at `offset`; returns the offset after it. */
function readEscape(text: string, offset: number, bytes: number[], invalid: () => WebliteError): number {
  const e = text[offset];
  if (e === undefined) throw invalid();
  if (e in SIMPLE_ESCAPES) {
    bytes.push(SIMPLE_ESCAPES[e]!);
    return offset + 1;
  }
  if (e >= '0' && e <= '7') {
    let end = offset;
    while (end < offset + 3 && text[end]! >= '0' && text[end]! <= '7') end++;
    const value = parseInt(text.slice(offset, end), 8);
    if (value > 255) throw invalid();
    bytes.push(value);
    return end;
  }
  if (e === 'x' || e === 'X') {
    let end = offset + 1;
    while (end < offset + 3 && /[0-9A-Fa-f]/.test(text[end] ?? '')) end++;
    if (end === offset + 1) throw invalid();
    bytes.push(parseInt(text.slice(offset + 1, end), 16));
    return end;
  }
  if (e === 'u' || e === 'U') {
    const length = e === 'u' ? 4 : 8;
    const hex = text.slice(offset + 1, offset + 1 + length);
    if (hex.length !== length || !/^[0-9A-Fa-f]+$/.test(hex)) throw invalid();
    const codePoint = parseInt(hex, 16);
    if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint < 0xe000)) throw invalid();
    bytes.push(...encoder.encode(String.fromCodePoint(codePoint)));
    return offset + 1 + length;
  }
  throw invalid();
}
