/**
 * `weblite bench --profile` output: the slowest nodes, then totals per kernel, per run. The header says what
 * measured the times — GPU timestamps ('timestamp-query'), or CPU wall time — and, for a webgpu session without
 * timestamps, why those numbers are not GPU kernel times.
 */
import type { BackendName, ProfileEntry } from '../runtime/backend.js';

const TOP = 25;

export const NO_TIMESTAMPS_CAVEAT =
  "note: this WebGPU adapter has no 'timestamp-query', so these are CPU-side times: each step was submitted and awaited " +
  'on its own, which adds submit/wait overhead to every step and makes profiled runs slower than unprofiled ones; ' +
  'compare steps with each other, not with GPU kernel times';

/** Lines to print for `profile` (totals over `loops` runs) of a session on `backend`. */
export function formatProfile(profile: readonly ProfileEntry[], loops: number, backend: BackendName): string[] {
  const total = profile.reduce((sum, e) => sum + e.totalMs, 0) || 1;
  const gpuClock = profile.some((e) => e.clock === 'gpu');
  const mixed = gpuClock && profile.some((e) => e.clock !== 'gpu' && e.kernel.startsWith('reference/'));
  const lines: string[] = [];
  if (gpuClock) {
    lines.push(`profile (per run, GPU time per node from timestamp-query${mixed ? '; nodes on the CPU reference: CPU time' : ''}; ${loops} runs):`);
  } else {
    lines.push(`profile (per run, CPU wall time per step; ${loops} runs):`);
    if (backend === 'webgpu') lines.push(NO_TIMESTAMPS_CAVEAT);
  }
  const clock = (e: ProfileEntry) => (gpuClock ? `${e.clock ?? 'cpu'} ` : '');
  const percent = (ms: number) => ((100 * ms) / total).toFixed(1).padStart(5);
  for (const e of [...profile].sort((a, b) => b.totalMs - a.totalMs).slice(0, TOP)) {
    lines.push(`  ${(e.totalMs / loops).toFixed(3).padStart(9)} ms  ${percent(e.totalMs)}%  ${clock(e)}${e.op.padEnd(18)} ${e.kernel.padEnd(40)} ${e.node}`);
  }
  const byKernel = new Map<string, number>();
  for (const e of profile) {
    const kernel = e.kernel.replace(/^reference\/.*/, 'reference/*');
    byKernel.set(kernel, (byKernel.get(kernel) ?? 0) + e.totalMs);
  }
  lines.push('by kernel:');
  for (const [kernel, ms] of [...byKernel].sort((a, b) => b[1] - a[1])) lines.push(`  ${(ms / loops).toFixed(3).padStart(9)} ms  ${percent(ms)}%  ${kernel}`);
  if (gpuClock) lines.push(`GPU total: ${(profile.filter((e) => e.clock === 'gpu').reduce((sum, e) => sum + e.totalMs, 0) / loops).toFixed(3)} ms per run (each GPU node in its own compute pass while profiling)`);
  return lines;
}
