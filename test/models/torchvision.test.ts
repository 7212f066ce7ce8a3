/**
 * Real exporter output: torchvision CNNs and a TransformerEncoder exported by torch.onnx (opset 13), run on the
 * reference backend and compared with torch's own output. Fixtures come from scripts/export-torchvision.py
 * (`npm run fixtures`); see test/models/fixtures.ts.
 */
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/convert/index.js';
import { InferenceSession, Tensor } from '../../src/index.js';
import { ensureFixtures, loadFixture } from './fixtures.js';

/**
 * Relative L2 error ‖got − want‖ / ‖want‖ allowed against torch. Both sides compute in float32 but sum in different
 * orders (torch uses MKL-DNN/blocked GEMMs, the reference backend plain loops) and the exporter folds BatchNorm into
 * Conv weights, so results differ by accumulated rounding: onnxruntime itself lands at 1e-7…6e-6 on these fixtures.
 * 1e-4 leaves ~20× headroom over that, while a semantic error (a wrong pad, axis or broadcast anywhere in the
 * network) moves the error by orders of magnitude more.
 */
const TOLERANCE = 1e-4;

/** The reference backend is plain JS: a ResNet-18 forward pass takes seconds on 2 cores, and each test runs two or three. */
const TIMEOUT_MS = 10 * 60_000;

interface ModelCase {
  name: string;
  /** Symbolic dims the exported graph input must keep (dynamic_axes). */
  symbolicInputDims?: Record<number, string>;
}

const MODELS: ModelCase[] = [
  { name: 'mobilenet_v2' },
  { name: 'resnet18' },
  { name: 'squeezenet1_1' },
  { name: 'efficientnet_b0' },
  { name: 'transformer_encoder' },
  { name: 'resnet18_dynamic', symbolicInputDims: { 0: 'batch' } },
];

const fixtureStatus = ensureFixtures(MODELS.map((model) => model.name));

function relativeL2(got: Tensor, want: Tensor): number {
  const a = got.data as Float32Array;
  const b = want.data as Float32Array;
  let difference = 0;
  let reference = 0;
  for (let i = 0; i < b.length; i++) {
    difference += (a[i]! - b[i]!) ** 2;
    reference += b[i]! ** 2;
  }
  return Math.sqrt(difference) / Math.sqrt(reference);
}

async function runOnce(model: Uint8Array, input: Tensor): Promise<{ output: Tensor; session: InferenceSession; milliseconds: number }> {
  const session = await InferenceSession.create(model, { backend: 'reference' });
  const start = performance.now();
  const { output } = await session.run({ input });
  const milliseconds = performance.now() - start;
  expect(output, `the model has an output named 'output'`).toBeDefined();
  return { output: output!, session, milliseconds };
}

/** Sample `index` of a batched float32 tensor, as a batch of one. */
function sampleOf(tensor: Tensor, index: number): Tensor {
  const size = tensor.size / tensor.dims[0]!;
  const data = (tensor.data as Float32Array).slice(index * size, (index + 1) * size);
  return new Tensor('float32', data, [1, ...tensor.dims.slice(1)]);
}

describe('torch.onnx exports (opset 13) on the reference backend', () => {
  for (const model of MODELS) {
    it(
      model.name,
      async (context) => {
        const status = fixtureStatus.get(model.name)!;
        if (!status.ready) return context.skip(status.reason);
        const fixture = loadFixture(model.name);

        const fromOnnx = await runOnce(fixture.onnx, fixture.input);
        expect(fromOnnx.session.inputs.map((value) => value.name)).toEqual(['input']);
        for (const [axis, symbol] of Object.entries(model.symbolicInputDims ?? {})) {
          expect(fromOnnx.session.inputs[0]!.dims[Number(axis)], `input dim ${axis} stays symbolic`).toBe(symbol);
        }
        expect(fromOnnx.output.type).toBe('float32');
        expect(fromOnnx.output.dims).toEqual(fixture.expected.dims);
        const error = relativeL2(fromOnnx.output, fixture.expected);
        console.log(`${model.name}: relative L2 vs torch ${error.toExponential(2)} (${fromOnnx.milliseconds.toFixed(0)} ms)`);
        expect(error).toBeLessThanOrEqual(TOLERANCE);

        // The .wlm path must reproduce the in-memory conversion bit for bit: same graph, same reference kernels.
        const wlm = await convert(fixture.onnx);
        const fromWlm = await runOnce(wlm, fixture.input);
        expect(fromWlm.output.dims).toEqual(fromOnnx.output.dims);
        expect(fromWlm.output.data).toEqual(fromOnnx.output.data);
        await fromWlm.session.release();

        if (model.symbolicInputDims && fixture.input.dims[0]! > 1) {
          // The same session at another batch size: a dim baked in at conversion would fail here.
          const single = await fromOnnx.session.run({ input: sampleOf(fixture.input, 0) });
          expect(single.output!.dims).toEqual([1, ...fixture.expected.dims.slice(1)]);
          const singleError = relativeL2(single.output!, sampleOf(fixture.expected, 0));
          console.log(`${model.name}: batch 1 on the batch-${fixture.input.dims[0]} session, relative L2 ${singleError.toExponential(2)}`);
          expect(singleError).toBeLessThanOrEqual(TOLERANCE);
        }
        await fromOnnx.session.release();
      },
      TIMEOUT_MS,
    );
  }
});

describe('torch.onnx exports on the wasm backend', () => {
  for (const model of MODELS) {
    it(
      model.name,
      async (context) => {
        const status = fixtureStatus.get(model.name)!;
        if (!status.ready) return context.skip(status.reason);
        const fixture = loadFixture(model.name);
        const session = await InferenceSession.create(fixture.onnx, { backend: 'wasm' });
        expect(session.backend).toBe('wasm');
        const start = performance.now();
        const { output } = await session.run({ input: fixture.input });
        const milliseconds = performance.now() - start;
        const error = relativeL2(output!, fixture.expected);
        const onKernels = session.placement.filter((p) => p.backend === 'wasm').length;
        console.log(`${model.name} (wasm): relative L2 vs torch ${error.toExponential(2)} (${milliseconds.toFixed(0)} ms; ${onKernels}/${session.placement.length} nodes on wasm kernels)`);
        expect(error).toBeLessThanOrEqual(TOLERANCE);
        if (model.symbolicInputDims && fixture.input.dims[0]! > 1) {
          // A second input shape gets its own plan; the first must keep working.
          const single = await session.run({ input: sampleOf(fixture.input, 0) });
          expect(relativeL2(single.output!, sampleOf(fixture.expected, 0))).toBeLessThanOrEqual(TOLERANCE);
          const again = await session.run({ input: fixture.input });
          expect(again.output!.data).toEqual(output!.data);
        }
        await session.release();
      },
      TIMEOUT_MS,
    );
  }
});
