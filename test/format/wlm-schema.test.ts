/**
 * The verifier's copy of the table layouts (src/ir/wlm/verify.ts) must match the schema field for field:
 * a field added to weblite.fbs but not to the verifier would be read by the generated code unchecked.
 * Also checks that the committed generated code matches what `npm run gen:format` produces, when flatc
 * is installed.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DTYPES } from '../../src/ir/dtype.js';
import { dtypeFromFormat, formatDataType } from '../../src/ir/wlm/constants.js';
import { TABLE_LAYOUTS, type FieldLayout } from '../../src/ir/wlm/verify.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const schema = readFileSync(join(root, 'src/format/weblite.fbs'), 'utf8').replace(/\/\/.*$/gm, '');

const SCALAR_SIZES: Record<string, number> = { bool: 1, ubyte: 1, byte: 1, int: 4, uint: 4, long: 8, ulong: 8, double: 8 };
const ENUMS = new Set([...schema.matchAll(/enum\s+(\w+)\s*:/g)].map((m) => m[1]!));
const TABLES = new Set([...schema.matchAll(/table\s+(\w+)\s*\{/g)].map((m) => m[1]!));

/** What the verifier must know about a schema type, in FieldLayout terms. */
function describeSchemaType(type: string): string {
  const vector = /^\[(\w+)\]$/.exec(type);
  if (vector) {
    const element = vector[1]!;
    if (element === 'string') return 'strings';
    if (TABLES.has(element)) return `tables ${element}`;
    return `vector ${SCALAR_SIZES[element]}`;
  }
  if (type === 'string') return 'string';
  if (TABLES.has(type)) return `table ${type}`;
  if (ENUMS.has(type)) return 'scalar 1';
  return `scalar ${SCALAR_SIZES[type]}`;
}

function describeLayout(field: FieldLayout): string {
  switch (field.kind) {
    case 'scalar':
    case 'vector':
      return `${field.kind} ${field.size}`;
    case 'table':
    case 'tables':
      return `${field.kind} ${field.table.name}`;
    default:
      return field.kind;
  }
}

function listFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe('.wlm schema', () => {
  it('verifier layouts match weblite.fbs field for field', () => {
    const fromSchema = new Map<string, string[]>();
    for (const match of schema.matchAll(/table\s+(\w+)\s*\{([^}]*)\}/g)) {
      const fields = [...match[2]!.matchAll(/(\w+)\s*:\s*(\[?\w+\]?)/g)].map((f) => `${f[1]}: ${describeSchemaType(f[2]!)}`);
      fromSchema.set(match[1]!, fields);
    }
    const fromVerifier = new Map(TABLE_LAYOUTS.map((t) => [t.name, t.fields.map((f) => `${f.name}: ${describeLayout(f)}`)]));
    expect(fromSchema.size).toBe(9);
    expect(fromVerifier).toEqual(fromSchema);
  });

  it('the DataType enum covers every weblite dtype, both ways', () => {
    for (const dtype of DTYPES) expect(dtypeFromFormat(formatDataType(dtype))).toBe(dtype);
    expect(dtypeFromFormat(0)).toBeUndefined();
    expect(dtypeFromFormat(DTYPES.length + 1)).toBeUndefined();
  });

  it('generated code is up to date with the schema', (context) => {
    try {
      execFileSync('flatc', ['--version']);
    } catch {
      context.skip();
    }
    const committed = join(root, 'src/format/generated');
    const fresh = mkdtempSync(join(tmpdir(), 'wlm-gen-'));
    try {
      execFileSync('flatc', ['--ts', '-o', fresh, join(root, 'src/format/weblite.fbs')]);
      const freshFiles = listFiles(fresh).map((path) => relative(fresh, path)).sort();
      expect(listFiles(committed).map((path) => relative(committed, path)).sort()).toEqual(freshFiles);
      for (const file of freshFiles) {
        const generated = readFileSync(join(fresh, file), 'utf8');
        const [header, ...rest] = readFileSync(join(committed, file), 'utf8').split('\n');
        expect(header, file).toMatch(/^\/\/ GENERATED .*npm run gen:format/);
        expect(rest.join('\n'), file).toBe(generated);
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
