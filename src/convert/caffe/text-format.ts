/**
 * A strict parser for protobuf's text format (deploy.prototxt), checked against the protobufjs schema of the
 * message it reads: unknown fields, values of the wrong kind, integers out of range, unknown enum names and
 * non-repeated fields given twice are BAD_MODEL errors naming `file:line:column`. Output objects follow
 * messages.ts (snake_case fields, repeated fields as arrays, enums as names). Positions of messages and fields are
 * kept on the side (`positionOf`) for errors found later, when layers are converted.
 *
 * Syntax: `name: value`, `name { … }` / `name: { … }` / `name < … >`, lists `name: [v, v]` for repeated fields,
 * optional `;` or `,` after a field, `#` comments, adjacent string literals concatenated, `-inf`/`nan` for floats.
 */
import protobuf from 'protobufjs/light.js';
import { WebliteError } from '../../errors.js';
import { type Position, type Token, tokenize } from './text-tokenizer.js';

export type { Position } from './text-tokenizer.js';

type Message = Record<string, unknown>;

interface Positions {
  self: Position;
  fields: Map<string, Position>;
}
const positions = new WeakMap<object, Positions>();

/** Where a parsed message (or one of its fields) was written; undefined for messages decoded from binary. */
export function positionOf(message: object, field?: string): Position | undefined {
  const entry = positions.get(message);
  if (!entry) return undefined;
  return field === undefined ? entry.self : entry.fields.get(field) ?? entry.self;
}

/** Layers accept unknown `*_param` fields untyped: forks add parameter messages for their own layer types. */
const OPEN_PARAMETER_MESSAGES = new Set(['LayerParameter', 'V1LayerParameter']);

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [BigInt(Number.MIN_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER)],
  sint64: [BigInt(Number.MIN_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER)],
  sfixed64: [BigInt(Number.MIN_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER)],
  uint64: [0n, BigInt(Number.MAX_SAFE_INTEGER)],
  fixed64: [0n, BigInt(Number.MAX_SAFE_INTEGER)],
};

export function parseTextFormat<T>(text: string, type: protobuf.Type, fileName: string): T {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parser = new Parser(tokenize(source, fileName), fileName);
  return parser.parseMessage(type, undefined, { line: 1, column: 1 }) as T;
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'the end of the file';
  if (token.kind === 'string') return 'a string';
  return `'${token.text}'`;
}

const isSymbol = (token: Token, symbol: string) => token.kind === 'symbol' && token.text === symbol;
const at = (token: Token): Position => ({ line: token.line, column: token.column });

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[], private readonly fileName: string) {}

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private fail(position: Position, message: string): WebliteError {
    return new WebliteError('BAD_MODEL', `${this.fileName}:${position.line}:${position.column}: ${message}`);
  }

  /** Fields up to the closing `}`/`>` of `open`, or to the end of the file for the top-level message. */
  parseMessage(type: protobuf.Type | undefined, open: Token | undefined, at: Position): Message {
    const closer = open === undefined ? undefined : open.text === '<' ? '>' : '}';
    const message: Message = {};
    positions.set(message, { self: at, fields: new Map() });
    for (;;) {
      const token = this.peek();
      if (closer !== undefined && isSymbol(token, closer)) {
        this.next();
        return message;
      }
      if (token.kind === 'end') {
        if (open) throw this.fail(token, `expected '${closer}' to close the message opened at ${open.line}:${open.column}`);
        return message;
      }
      if (token.kind !== 'identifier') {
        const hint = isSymbol(token, '[') ? ' (extensions are not supported)' : '';
        throw this.fail(token, `expected a field name, got ${describe(token)}${hint}`);
      }
      this.next();
      this.parseField(type, token, message);
      const separator = this.peek();
      if (isSymbol(separator, ';') || isSymbol(separator, ',')) this.next();
    }
  }

  private parseField(type: protobuf.Type | undefined, name: Token, message: Message): void {
    const field = type?.fields[name.text];
    if (type && !field && !(OPEN_PARAMETER_MESSAGES.has(type.name) && name.text.endsWith('_param'))) {
      throw this.fail(name, `unknown field '${name.text}' in ${type.name}`);
    }
    const resolved = field?.resolve().resolvedType ?? undefined;
    const messageType = resolved instanceof protobuf.Type ? resolved : undefined;
    const hasColon = isSymbol(this.peek(), ':');
    if (hasColon) this.next();
    const start = this.peek();
    let values: unknown[];
    if (isSymbol(start, '[')) {
      if (field && !field.repeated) throw this.fail(start, `field '${name.text}' is not repeated; a [ … ] list needs a repeated field`);
      values = this.parseList(field, messageType, name);
    } else if (isSymbol(start, '{') || isSymbol(start, '<')) {
      if (field && !messageType) throw this.fail(start, `field '${name.text}' holds a ${field.type}, not a message`);
      this.next();
      values = [this.parseMessage(messageType, start, at(name))];
    } else {
      if (field && messageType) throw this.fail(start, `expected '{' after message field '${name.text}', got ${describe(start)}`);
      if (!hasColon) throw this.fail(start, `expected ':' after field '${name.text}', got ${describe(start)}`);
      values = [this.parseScalar(field, name)];
    }
    const entry = positions.get(message)!;
    if (!field || field.repeated) {
      const list = (message[name.text] as unknown[] | undefined) ?? [];
      list.push(...values);
      message[name.text] = list;
      if (!entry.fields.has(name.text)) entry.fields.set(name.text, at(name));
      return;
    }
    const first = entry.fields.get(name.text);
    if (first) throw this.fail(name, `field '${name.text}' is not repeated but is set again (first at ${first.line}:${first.column})`);
    entry.fields.set(name.text, at(name));
    message[name.text] = values[0];
  }

  private parseList(field: protobuf.Field | undefined, messageType: protobuf.Type | undefined, name: Token): unknown[] {
    this.next(); // '['
    const values: unknown[] = [];
    if (isSymbol(this.peek(), ']')) {
      this.next();
      return values;
    }
    for (;;) {
      const token = this.peek();
      if (isSymbol(token, '{') || isSymbol(token, '<')) {
        if (field && !messageType) throw this.fail(token, `field '${name.text}' holds ${field.type} values, not messages`);
        this.next();
        values.push(this.parseMessage(messageType, token, at(token)));
      } else {
        if (messageType) throw this.fail(token, `expected '{' for an element of message field '${name.text}', got ${describe(token)}`);
        values.push(this.parseScalar(field, name));
      }
      const separator = this.next();
      if (isSymbol(separator, ']')) return values;
      if (!isSymbol(separator, ',')) throw this.fail(separator, `expected ',' or ']' in the list of '${name.text}', got ${describe(separator)}`);
    }
  }

  /** One scalar value, converted to the field's type (kept as written when the field is unknown). */
  private parseScalar(field: protobuf.Field | undefined, name: Token): unknown {
    let token = this.next();
    const negative = isSymbol(token, '-');
    if (negative) token = this.next();
    if (token.kind === 'string') {
      if (negative) throw this.fail(token, `'-' cannot precede a string`);
      const parts = [token.bytes];
      while (this.peek().kind === 'string') parts.push((this.next() as Extract<Token, { kind: 'string' }>).bytes);
      const bytes = concatenate(parts);
      if (!field) return new TextDecoder().decode(bytes);
      if (field.type === 'bytes') return bytes;
      if (field.type !== 'string') throw this.fail(token, `field '${name.text}' expects ${this.expected(field)}, got a string`);
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw this.fail(token, `string for field '${name.text}' is not valid UTF-8`);
      }
    }
    if (token.kind !== 'number' && token.kind !== 'identifier') {
      throw this.fail(token, `expected a value for field '${name.text}', got ${describe(token)}`);
    }
    if (!field) return negative ? `-${token.text}` : token.text;
    const resolved = field.resolve().resolvedType;
    if (resolved instanceof protobuf.Enum) return this.enumValue(resolved, token, negative, name);
    const fail = () => this.fail(token, `field '${name.text}' expects ${this.expected(field)}, got '${negative ? '-' : ''}${token.text}'`);
    switch (field.type) {
      case 'float':
      case 'double': {
        const value = floatValue(token);
        if (value === undefined) throw fail();
        return negative ? -value : value;
      }
      case 'bool': {
        if (negative) throw fail();
        if (['true', 'True', 't', '1'].includes(token.text)) return true;
        if (['false', 'False', 'f', '0'].includes(token.text)) return false;
        throw fail();
      }
      case 'string':
      case 'bytes':
        throw fail();
      default: {
        const range = INTEGER_RANGES[field.type];
        const value = token.kind === 'number' ? integerValue(token.text) : undefined;
        if (!range || value === undefined) throw fail();
        const signed = negative ? -value : value;
        if (signed < range[0] || signed > range[1]) {
          throw this.fail(token, `value ${negative ? '-' : ''}${token.text} is out of range for ${field.type} field '${name.text}'`);
        }
        return Number(signed);
      }
    }
  }

  private enumValue(type: protobuf.Enum, token: Token, negative: boolean, name: Token): string {
    if (token.kind === 'identifier' && !negative && Object.prototype.hasOwnProperty.call(type.values, token.text)) return token.text;
    const number = token.kind === 'number' ? integerValue(token.text) : undefined;
    const byNumber = number === undefined ? undefined : type.valuesById[Number(negative ? -number : number)];
    if (byNumber !== undefined) return byNumber;
    const names = Object.keys(type.values);
    throw this.fail(token, `field '${name.text}' expects one of ${names.join(', ')}; got '${negative ? '-' : ''}${token.text}'`);
  }

  private expected(field: protobuf.Field): string {
    if (field.type === 'float' || field.type === 'double') return 'a number';
    if (field.type === 'bool') return 'true or false';
    if (field.type === 'string' || field.type === 'bytes') return 'a quoted string';
    return `an integer (${field.type})`;
  }
}

function floatValue(token: Token): number | undefined {
  if (token.kind === 'identifier') {
    const word = token.text.toLowerCase();
    if (word === 'inf' || word === 'infinity' || word === 'inff' || word === 'infinityf') return Infinity;
    if (word === 'nan' || word === 'nanf') return NaN;
    return undefined;
  }
  const integer = integerValue(token.text);
  if (integer !== undefined) return Number(integer);
  return Number(token.text.replace(/[fF]$/, ''));
}

/** Decimal, hex (0x…) or octal (0…) integer text; undefined for floats. */
function integerValue(text: string): bigint | undefined {
  if (/^0[xX][0-9A-Fa-f]+$/.test(text)) return BigInt(text);
  if (/^0[0-9]+$/.test(text)) return /^0[0-7]+$/.test(text) ? BigInt(`0o${text.slice(1)}`) : undefined;
  if (/^[0-9]+$/.test(text)) return BigInt(text);
  return undefined;
}

function concatenate(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
