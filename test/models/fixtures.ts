/**
 * Real-exporter fixtures for the model tests: `.cache/fixtures/<name>.{onnx,input.npy,output.npy}`, made by
 * scripts/export-torchvision.py (torch.onnx export + torch's own output). Missing files are exported on demand;
 * when the Python side (torch, torchvision, onnx) is not installed the tests skip with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../src/cli/npy.js';
import type { Tensor } from '../../src/ir/tensor.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const fixtureDir = join(root, '.cache', 'fixtures');
const exportScript = join(root, 'scripts', 'export-torchvision.py');
/** Debian's python3 carries torch/torchvision/onnx (scripts/setup-debian.sh); WEBLITE_PYTHON overrides it. */
const python = process.env.WEBLITE_PYTHON ?? '/usr/bin/python3';
/** Exporting all models takes ~20 s on 2 cores; allow for slow machines. */
const exportTimeoutMs = 10 * 60_000;

export type FixtureStatus = { ready: true } | { ready: false; reason: string };

export interface Fixture {
  name: string;
  /** The exported .onnx model bytes. */
  onnx: Uint8Array;
  /** Feed for the graph input named `input`. */
  input: Tensor;
  /** Torch's float32 answer for that input (the graph output named `output`). */
  expected: Tensor;
}

function fixturePaths(name: string) {
  return {
    onnx: join(fixtureDir, `${name}.onnx`),
    input: join(fixtureDir, `${name}.input.npy`),
    expected: join(fixtureDir, `${name}.output.npy`),
  };
}

function isComplete(name: string): boolean {
  return Object.values(fixturePaths(name)).every((path) => existsSync(path));
}

/**
 * Makes sure every named fixture exists, exporting the missing ones; answers per name, so fixtures already in the
 * cache still run when Python cannot export the rest. Throws when an export itself fails.
 */
export function ensureFixtures(names: readonly string[]): Map<string, FixtureStatus> {
  const missing = names.filter((name) => !isComplete(name));
  const status = new Map<string, FixtureStatus>(names.map((name) => [name, { ready: true }]));
  if (missing.length === 0) return status;
  const unavailable = pythonProblem();
  if (unavailable) {
    for (const name of missing) status.set(name, { ready: false, reason: `fixture ${name} is missing and ${unavailable}` });
    return status;
  }
  const run = spawnSync(python, [exportScript, ...missing], { encoding: 'utf8', timeout: exportTimeoutMs });
  if (run.error || run.status !== 0) {
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`export-torchvision.py ${missing.join(' ')} failed (${run.error?.message ?? `exit status ${run.status}`}):\n${output}`);
  }
  const stillMissing = missing.filter((name) => !isComplete(name));
  if (stillMissing.length > 0) throw new Error(`export-torchvision.py ran but did not write ${stillMissing.join(', ')} into ${fixtureDir}`);
  return status;
}

/** Why the export script cannot run here, or undefined when it can. */
function pythonProblem(): string | undefined {
  const probe = spawnSync(python, ['-c', 'import torch, torchvision, onnx'], { encoding: 'utf8' });
  if (probe.error) return `${python} cannot run (${probe.error.message})`;
  if (probe.status === 0) return undefined;
  const why = probe.stderr.trim().split('\n').at(-1) || `exit status ${probe.status}`;
  return `${python} lacks torch/torchvision/onnx (${why})`;
}

export function loadFixture(name: string): Fixture {
  const paths = fixturePaths(name);
  return {
    name,
    onnx: new Uint8Array(readFileSync(paths.onnx)),
    input: readFloat32Npy(paths.input),
    expected: readFloat32Npy(paths.expected),
  };
}

/** A float32, little-endian, C-order .npy file as a Tensor (the CLI's reader, restricted to what the fixtures hold). */
export function readFloat32Npy(path: string): Tensor {
  const tensor = readNpy(new Uint8Array(readFileSync(path)), path);
  if (tensor.type !== 'float32') throw new Error(`${path}: expected a float32 array, got ${tensor.type}`);
  return tensor;
}
