/** `weblite bench --profile` formatting for both clocks: GPU timestamps, and CPU-side timing with its caveat. */
import { describe, expect, it } from 'vitest';
import { NO_TIMESTAMPS_CAVEAT, formatProfile } from '../../src/cli/profile-format.js';
import type { ProfileEntry } from '../../src/runtime/backend.js';

const entry = (op: string, kernel: string, totalMs: number, clock?: 'gpu' | 'cpu'): ProfileEntry => ({ node: `${op}_0`, op, kernel, runs: 4, totalMs, clock });

describe('bench --profile output', () => {
  it('GPU timestamps: per-node GPU time, reference nodes marked cpu, GPU total', () => {
    const lines = formatProfile(
      [entry('Conv', 'conv/a.wgsl', 8, 'gpu'), entry('Hardmax', 'reference/Hardmax', 2, 'cpu'), entry('MatMul', 'gemm/b.wgsl', 4, 'gpu')],
      4,
      'webgpu',
    );
    expect(lines[0]).toBe('profile (per run, GPU time per node from timestamp-query; nodes on the CPU reference: CPU time; 4 runs):');
    expect(lines).not.toContain(NO_TIMESTAMPS_CAVEAT);
    expect(lines[1]).toBe(`      2.000 ms   57.1%  gpu Conv               ${'conv/a.wgsl'.padEnd(40)} Conv_0`);
    expect(lines[2]).toMatch(/^ {6}1\.000 ms {3}28\.6% {2}gpu MatMul/);
    expect(lines[3]).toMatch(/^ {6}0\.500 ms {3}14\.3% {2}cpu Hardmax/);
    expect(lines).toContain('by kernel:');
    expect(lines.at(-1)).toBe('GPU total: 3.000 ms per run (each GPU node in its own compute pass while profiling)');
  });

  it('no timestamps on webgpu: CPU wall time with the caveat; wasm: no caveat', () => {
    const profile = [entry('Conv', 'conv/a.wgsl', 6, 'cpu'), entry('Relu', 'elementwise/u.wgsl', 2, 'cpu')];
    const webgpu = formatProfile(profile, 2, 'webgpu');
    expect(webgpu[0]).toBe('profile (per run, CPU wall time per step; 2 runs):');
    expect(webgpu[1]).toBe(NO_TIMESTAMPS_CAVEAT);
    expect(NO_TIMESTAMPS_CAVEAT).toMatch(/no 'timestamp-query'.*CPU-side/);
    expect(webgpu[2]).toMatch(/^ {6}3\.000 ms {3}75\.0% {2}Conv/);
    expect(webgpu.some((line) => line.startsWith('GPU total'))).toBe(false);
    const wasm = formatProfile([entry('Conv', 'wasm/conv', 6)], 2, 'wasm');
    expect(wasm).not.toContain(NO_TIMESTAMPS_CAVEAT);
    expect(wasm.slice(-2)).toEqual(['by kernel:', '      3.000 ms  100.0%  wasm/conv']);
  });
});
