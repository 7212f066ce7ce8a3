// Runs ONNX's node conformance tests (libonnx-testdata) on a backend and prints the per-op table.
// Usage: npx tsx scripts/conformance.ts [--backend reference] [--filter <regex>]
import { formatReport, runConformance } from '../test/conformance/onnx-node.js';
import type { BackendName } from '../src/runtime/backend.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const backend = (option('backend') ?? 'reference') as BackendName;
const filter = option('filter');
const results = await runConformance(backend, filter ? new RegExp(filter) : undefined);
console.log(formatReport(results));
