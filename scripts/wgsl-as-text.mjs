// Node cannot import `.wgsl?raw` (a Vite convention) by itself: importing this module first (or `node --import
// ./scripts/wgsl-as-text.mjs`, `npx tsx --import …`) serves those files as text, for scripts that compile WebGPU
// models in Node (scripts/conformance-webgpu.ts). Plain use of weblite needs no hook: the WGSL sources load only
// when a webgpu model is compiled.
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
