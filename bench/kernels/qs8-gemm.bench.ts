/**
 * GOP/s of wl_qs8_gemm vs GFLOP/s of wl_f32_gemm (one thread) on MobileNetV2's 1x1-conv shapes, both builds.
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/kernels/qs8-gemm.bench.ts [MxKxN]
 * (WEBLITE_WASM_DIR=/tmp/wasm-q to measure a private build instead of src/backends/wasm/bin.)
 * Operations counted as 2·M·N·K for both (requantization / bias / activation not counted).
 */
import { detectFlavor, loadKernels, type WasmFlavor } from '../../src/backends/wasm/loader.js';
import { env } from '../../src/runtime/env.js';
import { Harness, randomData } from '../../test/kernels-wasm/harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

const shapes: [number, number, number][] = [
  // M, K, N: MobileNetV2 1.0 at 224x224 (expand / project 1x1 convs), then the classifier
  [12544, 16, 96],
  [3136, 96, 24],
  [3136, 24, 144],
  [3136, 144, 24],
  [784, 144, 32],
  [784, 32, 192],
  [784, 192, 32],
  [196, 64, 384],
  [196, 384, 64],
  [196, 576, 96],
  [49, 576, 160],
  [49, 160, 960],
  [49, 960, 320],
  [49, 320, 1280],
  [1, 1280, 1000],
];

function time(run: () => void, ops: number): number {
  const reps = Math.max(3, Math.round(1e9 / ops));
  for (let i = 0; i < reps; i++) run(); // warm-up (tier-up)
  let best = Infinity;
  for (let trial = 0; trial < 7; trial++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return best;
}

const flavors: WasmFlavor[] = detectFlavor().relaxed ? ['simd', 'relaxed'] : ['simd'];
const only = process.argv[2];
for (const flavor of flavors) {
  const h = new Harness(await loadKernels(flavor));
  const act = h.putActivation(0, 0, 0, 0, Infinity);
  let qTotal = 0;
  let fTotal = 0;
  for (const [M, K, N] of shapes) {
    if (only && `${M}x${K}x${N}` !== only) continue;
    const ops = 2 * M * N * K;
    // qs8
    const a = h.alloc(M * K);
    new Int8Array(h.kernels.memory.buffer, a, M * K).set(randomData(M * K, 1).map((v) => Math.round(v * 127)));
    const w = h.alloc(K * N);
    new Int8Array(h.kernels.memory.buffer, w, K * N).set(randomData(K * N, 2).map((v) => Math.round(v * 127)));
    const bias = h.putI32(new Int32Array(N));
    const scales = h.putF32([0.01]);
    const qPacked = h.alloc(h.fn('wl_qs8_gemm_packed_size')(N, K));
    h.fn('wl_qs8_gemm_pack')(N, K, w, 0, 0, 0, bias, 3, 0.02, scales, 0, 0.5, qPacked);
    const qc = h.alloc(M * N);
    const qgemm = h.fn('wl_qs8_gemm');
    const tq = time(() => qgemm(M, N, K, a, K, qPacked, qc, N, -128, -128, 127, 0, M), ops);
    // f32
    const fa = h.putF32(randomData(M * K, 1));
    const fw = h.putF32(randomData(K * N, 2));
    const fPacked = h.alloc(h.fn('wl_f32_gemm_packed_size')(N, K));
    h.fn('wl_f32_gemm_pack')(N, K, fw, 1, 0, fPacked);
    const fc = h.alloc(M * N * 4);
    const fgemm = h.fn('wl_f32_gemm');
    const tf = time(() => fgemm(M, N, K, fa, K, fPacked, fc, N, 0, 0, act, 0, M), ops);
    qTotal += tq;
    fTotal += tf;
    console.log(
      `${flavor.padEnd(7)} M=${String(M).padStart(5)} K=${String(K).padStart(4)} N=${String(N).padStart(4)}` +
        `  qs8 ${tq.toFixed(3).padStart(7)} ms ${(ops / tq / 1e6).toFixed(1).padStart(5)} GOP/s` +
        `  f32 ${tf.toFixed(3).padStart(7)} ms ${(ops / tf / 1e6).toFixed(1).padStart(5)} GFLOP/s  x${(tf / tq).toFixed(2)}`,
    );
    h.reset();
    h.putActivation(0, 0, 0, 0, Infinity);
  }
  if (!only) console.log(`${flavor.padEnd(7)} sum of the shapes above: qs8 ${qTotal.toFixed(2)} ms, f32 ${fTotal.toFixed(2)} ms (x${(fTotal / qTotal).toFixed(2)})`);
}
