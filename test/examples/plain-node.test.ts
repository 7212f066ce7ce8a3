/**
 * weblite's sources import in plain Node through tsx, as `npm run demo` and the scripts do — without a bundler or
 * Vitest to resolve `?raw` WGSL imports (regression: a static import of src/backends/webgpu/shaders.ts from the
 * webgpu planner broke the README's quick start while every Vitest test passed).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('plain Node (tsx) imports', () => {
  it('src/index.ts and src/convert/index.ts load and create a wasm session', () => {
    const script = [
      "const { InferenceSession, Tensor } = await import('./src/index.ts');",
      "const { convert } = await import('./src/convert/index.ts');",
      "const { buildModel } = await import('./test/helpers/onnx-builder.ts');",
      "const model = buildModel({ inputs: [{ name: 'x', type: 'float32', dims: [2] }], outputs: [{ name: 'y', type: 'float32', dims: [2] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });",
      "const session = await InferenceSession.create(await convert(model), { backend: 'wasm' });",
      "const { y } = await session.run({ x: new Tensor('float32', Float32Array.of(-1, 2), [2]) });",
      "console.log(session.backend, Array.from(y.data).join(','));",
    ].join('\n');
    const result = spawnSync('npx', ['tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(result.stderr + result.stdout).toContain('wasm 0,2');
  }, 150_000);
});
