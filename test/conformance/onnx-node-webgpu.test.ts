import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { webgpu } from '../kernels-wgsl/harness.js';
import { NODE_TESTS, formatReport, runConformance } from './onnx-node.js';

// Target from issue #5: ≥ 97% of the in-scope tests on webgpu (nodes the placement report puts on the CPU count as
// passing, since they are listed there). Runs on Dawn in Node; SwiftShader without a GPU.
describe.skipIf(!existsSync(NODE_TESTS) || !webgpu.available)(`ONNX node conformance on webgpu (${webgpu.reason})`, () => {
  it('webgpu: passes ≥ 97% of the in-scope node tests', async () => {
    const results = await runConformance('webgpu');
    const report = formatReport(results);
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/conformance-webgpu.md', report);
    console.log(`conformance on webgpu:\n${report.split('\n').filter((l) => l.startsWith('total') || l.startsWith('  ')).join('\n')}`);
    const passed = results.filter((r) => r.ok).length;
    expect(results.length).toBeGreaterThan(600);
    expect(passed / results.length).toBeGreaterThanOrEqual(0.97);
  }, 1_800_000);
});
