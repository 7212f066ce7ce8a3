// Node cannot import `.wgsl?raw` (a Vite convention) by itself: `node --import ./scripts/wgsl-as-text.mjs` (or
// `npx tsx --import …`) serves those files as text, for scripts that load the whole engine (scripts/quant-table.ts).
import { register } from 'node:module';
const WGSL_AS_TEXT = `
import { readFile } from 'node:fs/promises';
export async function load(url, context, next) {
  if (!/\\.wgsl(\\?raw)?$/.test(url)) return next(url, context);
  const file = new URL(url);
  file.search = '';
  return { format: 'module', shortCircuit: true, source: 'export default ' + JSON.stringify(await readFile(file, 'utf8')) };
}`;
register(`data:text/javascript,${encodeURIComponent(WGSL_AS_TEXT)}`, import.meta.url);
