/** Backend selection: an explicit request is honoured or refused (never silently changed); 'auto' explains itself. */
import { referenceBackend } from '../backends/reference/index.js';
import { wasmBackend } from '../backends/wasm/index.js';
import { webgpuBackend } from '../backends/webgpu/index.js';
import { WebliteError } from '../errors.js';
import type { Backend, BackendName } from './backend.js';
import { log } from './env.js';

/** Backends in order of preference for 'auto'. */
const BACKENDS: Partial<Record<BackendName, Backend>> = { webgpu: webgpuBackend, wasm: wasmBackend, reference: referenceBackend };
const PREFERENCE: BackendName[] = ['webgpu', 'wasm', 'reference'];

export function registerBackend(backend: Backend): void {
  BACKENDS[backend.name] = backend;
}

export async function selectBackend(requested: 'auto' | BackendName): Promise<{ backend: Backend; reason: string }> {
  if (requested !== 'auto') {
    const backend = BACKENDS[requested];
    if (!backend) {
      if (!PREFERENCE.includes(requested)) {
        throw new WebliteError('BAD_ARGUMENT', `unknown backend '${String(requested)}' (expected 'auto', ${PREFERENCE.map((b) => `'${b}'`).join(', ')})`);
      }
      throw new WebliteError('BACKEND_UNAVAILABLE', `backend '${requested}' is not available in this build of weblite`);
    }
    const probe = await backend.probe();
    if (!probe.available) throw new WebliteError('BACKEND_UNAVAILABLE', `backend '${requested}' cannot run here: ${probe.reason}`);
    return { backend, reason: `requested explicitly (${probe.reason})` };
  }
  const skipped: string[] = [];
  for (const name of PREFERENCE) {
    const backend = BACKENDS[name];
    if (!backend) {
      skipped.push(`${name}: not in this build`);
      continue;
    }
    const probe = await backend.probe();
    if (probe.available) {
      const reason = `auto chose '${name}' (${probe.reason})${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`;
      log('info', reason);
      return { backend, reason };
    }
    skipped.push(`${name}: ${probe.reason}`);
  }
  throw new WebliteError('BACKEND_UNAVAILABLE', `no backend can run here (${skipped.join('; ')})`);
}
