// The fp16 checks of bench/gpu.sh. With 'shader-f16': each model runs in a `precision: 'fp16'` session and in an
// fp32 session (each on a device of its own, which weblite requests with shader-f16), alternating; the fp16 output
// must match the fp32 one within relative L2 FP16_TOLERANCE, and the medians of both are reported. Without the
// feature: the check is reported as skipped, with the reason, after confirming that asking for fp16 is refused
// with the typed error (code BACKEND_UNAVAILABLE) rather than silently run in fp32.
import { existsSync, readFileSync } from 'node:fs';
import { readNpy } from '../../src/cli/npy.js';
import { InferenceSession, isWebliteError } from '../../src/index.js';
import { measureGemm } from './gemm.js';

/**
 * fp16 output vs fp32 output, relative L2. f16 has an 11-bit significand (unit roundoff 4.9e-4); activations and
 * weights are rounded once per layer while sums accumulate in f32, so ~20 layers of rounding give ~1e-3 typically;
 * 1e-2 leaves room for the deepest model here without letting a real defect (an overflow, a wrong kernel) through.
 */
export const FP16_TOLERANCE = 1e-2;

export interface Fp16Report {
  lines: string[];
  markdown: string[];
}

type Paths = { onnx: string; input: string; expected: string } | string;

function relativeL2(got: Float32Array, want: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i]! - want[i]!) ** 2;
    den += want[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function checkFp16(adapter: GPUAdapter, fixtures: { name: string; paths: Paths }[], options: { rounds: number; gemm: number; gemmRuns: number }): Promise<Fp16Report> {
  const lines: string[] = [];
  const markdown: string[] = ['### fp16 (`precision: \'fp16\'`)', ''];
  const available = fixtures.filter((f): f is { name: string; paths: Exclude<Paths, string> } => typeof f.paths !== 'string');
  if (!adapter.features.has('shader-f16')) {
    const reason = `SKIPPED: this adapter has no 'shader-f16' feature (features: ${[...adapter.features].sort().join(', ') || 'none'})`;
    let refusal = 'no fixture to try it on';
    const first = available[0];
    if (first) {
      try {
        const session = await InferenceSession.create(new Uint8Array(readFileSync(first.paths.onnx)), { backend: 'webgpu', precision: 'fp16' });
        await session.release();
        refusal = `UNEXPECTED: a precision 'fp16' session was created without shader-f16 (backendReason: ${session.backendReason})`;
      } catch (error) {
        refusal = isWebliteError(error) && error.code === 'BACKEND_UNAVAILABLE' ? `refused as documented (${error.code}: ${error.message})` : `UNEXPECTED error: ${String(error)}`;
      }
    }
    lines.push(`fp16: ${reason}; asking for fp16 anyway: ${refusal}`);
    markdown.push(`- ${reason}.`, `- Asking for it anyway: ${refusal}.`);
    return { lines, markdown };
  }
  markdown.push(`Tolerance: relative L2 of the fp16 output against the fp32 output ≤ ${FP16_TOLERANCE} (f16 storage and math, f32 accumulation).`, '');
  markdown.push('| model | fp32 median ms | fp16 median ms | fp16 / fp32 | rel. L2 fp16 vs fp32 | fp16 vs torch | kernels in f16 | verdict |', '|---|---|---|---|---|---|---|---|');
  for (const { name, paths } of available) {
    const bytes = new Uint8Array(readFileSync(paths.onnx));
    const input = readNpy(new Uint8Array(readFileSync(paths.input)), paths.input);
    const expected = existsSync(paths.expected) ? (readNpy(new Uint8Array(readFileSync(paths.expected)), paths.expected).data as Float32Array) : undefined;
    try {
      const fp32 = await InferenceSession.create(bytes, { backend: 'webgpu' });
      const fp16 = await InferenceSession.create(bytes, { backend: 'webgpu', precision: 'fp16' });
      const feeds = { [fp32.inputs[0]!.name]: input };
      const output = fp32.outputs[0]!.name;
      const run = async (s: InferenceSession) => (await s.run(feeds))[output]!.data as Float32Array;
      let want = await run(fp32);
      let got = await run(fp16);
      const times = { fp32: [] as number[], fp16: [] as number[] };
      for (let r = 0; r < options.rounds; r++) {
        for (const [key, s] of r % 2 ? ([['fp16', fp16], ['fp32', fp32]] as const) : ([['fp32', fp32], ['fp16', fp16]] as const)) {
          const t0 = performance.now();
          const out = await run(s);
          times[key].push(performance.now() - t0);
          if (key === 'fp16') got = out;
          else want = out;
        }
      }
      const error = relativeL2(got, want);
      const vsTorch = expected ? relativeL2(got, expected).toExponential(1) : '?';
      const f16Kernels = fp16.placement.filter((p) => p.kernel.endsWith('#F16')).length;
      const verdict = Number.isFinite(error) && error <= FP16_TOLERANCE ? 'pass' : 'FAIL';
      const [a, b] = [median(times.fp32), median(times.fp16)];
      lines.push(`fp16 ${name}: fp32 ${a.toFixed(2)} ms, fp16 ${b.toFixed(2)} ms, rel. L2 vs fp32 ${error.toExponential(2)} → ${verdict}`);
      markdown.push(`| ${name} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)} | ${error.toExponential(2)} | ${vsTorch} | ${f16Kernels}/${fp16.placement.length} | ${verdict} |`);
      await fp16.release();
      await fp32.release();
    } catch (error) {
      lines.push(`fp16 ${name}: FAILED: ${String(error)}`);
      markdown.push(`| ${name} | — | — | — | — | — | — | FAILED: ${String(error).replace(/\|/g, '/').slice(0, 300)} |`);
    }
  }
  if (options.gemm > 0) {
    try {
      const g = await measureGemm(options.gemm, options.gemmRuns, undefined, undefined, 'fp16');
      const line = `GEMM ${g.n}³ at precision fp16 (A f32 in, converted; B an f16 weight; f32 accumulation; kernel ${g.kernel}): ${g.wallMs.toFixed(3)} ms = ${g.tflops.toFixed(2)} TFLOP/s; check vs CPU ${g.checkError.toExponential(1)} (f16 inputs: expect ~1e-3).`;
      lines.push(line);
      markdown.push('', line);
    } catch (error) {
      lines.push(`fp16 GEMM: FAILED: ${String(error)}`);
      markdown.push('', `fp16 GEMM: FAILED: ${String(error)}`);
    }
  }
  return { lines, markdown };
}
