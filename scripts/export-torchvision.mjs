#!/usr/bin/env node
// `npm run fixtures [-- --force] [-- name ...]`: runs scripts/export-torchvision.py with Debian's python3, which has
// torch, torchvision and onnx (see scripts/setup-debian.sh). Arguments are passed through.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const python = process.env.WEBLITE_PYTHON ?? '/usr/bin/python3';
const script = join(dirname(fileURLToPath(import.meta.url)), 'export-torchvision.py');
const result = spawnSync(python, [script, ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) {
  console.error(`export-torchvision: could not run ${python}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
