import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_TESTS, formatReport, runConformance } from './onnx-node.js';

describe('ONNX node conformance (reference backend)', () => {
  it.skipIf(!existsSync(NODE_TESTS))('passes ≥ 99% of the in-scope libonnx-testdata node tests', async () => {
    const results = await runConformance('reference');
    const report = formatReport(results);
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/conformance-reference.md', report);
    console.log(report);
    const passed = results.filter((r) => r.ok).length;
    expect(results.length).toBeGreaterThan(600);
    expect(passed / results.length).toBeGreaterThanOrEqual(0.99);
  }, 600_000);
});
