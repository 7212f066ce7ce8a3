import { describe, expect, it } from 'vitest';
import { type PlanRequest, planMemory } from '../../src/runtime/memory-plan.js';

function overlaps(a: PlanRequest, b: PlanRequest, offsets: Map<string, number>): boolean {
  const lifetimes = a.start <= b.end && b.start <= a.end;
  const oa = offsets.get(a.id)!;
  const ob = offsets.get(b.id)!;
  return lifetimes && oa < ob + b.bytes && ob < oa + a.bytes;
}

describe('planMemory', () => {
  it('reuses memory of dead tensors in a chain', () => {
    const chain: PlanRequest[] = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, bytes: 1000, start: i, end: i + 1 }));
    const plan = planMemory(chain);
    expect(plan.size).toBe(2 * 1024);
    expect(plan.unshared).toBe(10 * 1024);
  });

  it('never overlaps live tensors (random lifetimes) and aligns offsets', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const requests: PlanRequest[] = Array.from({ length: 200 }, (_, i) => {
      const start = Math.floor(random() * 100);
      return { id: `t${i}`, bytes: 1 + Math.floor(random() * 5000), start, end: start + Math.floor(random() * 20) };
    });
    const plan = planMemory(requests);
    for (const a of requests) {
      expect(plan.offsets.get(a.id)! % 64).toBe(0);
      for (const b of requests) if (a !== b) expect(overlaps(a, b, plan.offsets)).toBe(false);
    }
    expect(plan.size).toBeLessThan(plan.unshared);
  });
});
