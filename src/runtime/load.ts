/** Getting model bytes from what the user passed: bytes, a URL (fetch) or, in Node, a file path. */
import { WebliteError } from '../errors.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

export async function loadBytes(source: Uint8Array | ArrayBuffer | string): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: '<memory>' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: '<memory>' };
  if (typeof source !== 'string') {
    throw new WebliteError('BAD_ARGUMENT', `InferenceSession.create: expected a Uint8Array, ArrayBuffer or URL/path string, got ${Object.prototype.toString.call(source)}`);
  }
  const isUrl = /^(https?|blob|data):/i.test(source);
  if (isNode && !isUrl) {
    // A non-literal specifier keeps bundlers from trying to bundle Node's fs into browser builds.
    const fsModule = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
    try {
      const path = source.startsWith('file:') ? new URL(source) : source;
      return { bytes: new Uint8Array(await readFile(path)), name: source };
    } catch (error) {
      throw new WebliteError('IO_ERROR', `cannot read model file '${source}': ${(error as Error).message}`, { cause: error });
    }
  }
  let response: Response;
  try {
    response = await fetch(source);
  } catch (error) {
    throw new WebliteError('IO_ERROR', `cannot fetch model '${source}': ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) throw new WebliteError('IO_ERROR', `cannot fetch model '${source}': HTTP ${response.status}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), name: source };
}
