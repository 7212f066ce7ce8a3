// GEMM throughput of weblite's webgpu MatMul on an n×n×n product (default 2048³): A is a GPU-resident input
// (Tensor.fromGpuBuffer), B a weight (uploaded once), the result stays on the GPU (outputLocation 'gpu-buffer'), so
// no host transfer is timed. `runs` products are submitted back to back and the time to the queue's completion is
// divided by `runs`. Each run also copies A into the plan's buffer and the result into its own (2·n²·4 bytes of
// device copies, 32 MiB at 2048: ~10 µs at the H200's ~3-4 TB/s), counted in the time; at precision 'fp16' also
// the two conversion dispatches (A to f16, the result to f32). Checks a few entries against the CPU.
// TF.js's tf.matMul on the same operands is timed the same way (its queue flushed, then completion awaited).
import type * as TfCore from '@tensorflow/tfjs-core';
import { InferenceSession, Tensor } from '../../src/index.js';
import { buildModel } from '../../test/helpers/onnx-builder.js';

export interface GemmResult {
  n: number;
  runs: number;
  /** Milliseconds per product. */
  wallMs: number;
  tflops: number;
  /** Largest |got − want| / (1 + |want|) over the checked entries. */
  checkError: number;
  kernel: string;
  tfjs?: { wallMs: number; tflops: number };
}

const STORAGE = 0x80;
const COPY_SRC = 0x04;
const COPY_DST = 0x08;

function randomMatrix(n: number, seed: number): Float32Array {
  const data = new Float32Array(n * n);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2 ** 32 - 0.5;
  }
  return data;
}

/** `shared`: run on this device (fp32); without it (fp16) the session requests its own, with shader-f16. */
export async function measureGemm(n: number, runs: number, shared: GPUDevice | undefined, tf?: typeof TfCore, precision: 'fp32' | 'fp16' = 'fp32'): Promise<GemmResult> {
  const a = randomMatrix(n, 1);
  const b = randomMatrix(n, 2);
  const onnx = buildModel({
    inputs: [{ name: 'a', type: 'float32', dims: [n, n] }],
    outputs: [{ name: 'c', type: 'float32', dims: [n, n] }],
    initializers: { b: new Tensor('float32', b, [n, n]) },
    nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] }],
  });
  const session = await InferenceSession.create(onnx, { backend: 'webgpu', precision, ...(shared ? { gpuDevice: shared } : {}) });
  const device = session.gpuDevice!;
  const upload = (data: Float32Array, label: string) => {
    const buffer = device.createBuffer({ size: data.byteLength, usage: STORAGE | COPY_SRC | COPY_DST, label });
    device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    return buffer;
  };
  const bufferA = upload(a, 'gemm a');
  const feeds = { a: Tensor.fromGpuBuffer(bufferA, { type: 'float32', dims: [n, n], device }) };
  const once = async () => (await session.run(feeds, { outputLocation: 'gpu-buffer' })).c!;

  // Warm-up (plan, pipelines) and the check of a few entries.
  const first = await once();
  const c = (await first.getData()) as Float32Array;
  first.dispose();
  let checkError = 0;
  for (let k = 0; k < 8; k++) {
    const row = (k * 977) % n;
    const col = (k * 613 + 5) % n;
    let want = 0;
    for (let i = 0; i < n; i++) want += a[row * n + i]! * b[i * n + col]!;
    checkError = Math.max(checkError, Math.abs(c[row * n + col]! - want) / (1 + Math.abs(want)));
  }
  (await once()).dispose();
  await device.queue.onSubmittedWorkDone();

  const started = performance.now();
  for (let r = 0; r < runs; r++) (await once()).dispose();
  await device.queue.onSubmittedWorkDone();
  const wallMs = (performance.now() - started) / runs;
  const flops = 2 * n ** 3;
  const kernel = session.placement.map((p) => p.kernel).join(', ');
  bufferA.destroy();
  await session.release();

  let tfjs: GemmResult['tfjs'];
  if (tf) {
    const backend = tf.backend() as unknown as { endComputePassEncoder(): void; submitQueue(): void; commandEncoder: GPUCommandEncoder | null; device: GPUDevice };
    const ta = tf.tensor2d(a, [n, n]);
    const tb = tf.tensor2d(b, [n, n]);
    for (let w = 0; w < 2; w++) {
      const warm = tf.matMul(ta, tb);
      await warm.data();
      warm.dispose();
    }
    const begun = performance.now();
    for (let r = 0; r < runs; r++) tf.matMul(ta, tb).dispose();
    // TF.js submits every 15 dispatches; end its open pass and submit the rest before waiting.
    backend.endComputePassEncoder();
    if (backend.commandEncoder) backend.submitQueue();
    await backend.device.queue.onSubmittedWorkDone();
    const ms = (performance.now() - begun) / runs;
    tfjs = { wallMs: ms, tflops: flops / (ms * 1e9) };
    ta.dispose();
    tb.dispose();
  }
  return { n, runs, wallMs, tflops: flops / (wallMs * 1e9), checkError, kernel, tfjs };
}
