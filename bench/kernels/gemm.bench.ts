/**
 * GFLOP/s of wl_f32_gemm (one thread) on resnet18 / mobilenet-like shapes, both builds.
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/kernels/gemm.bench.ts [MxKxN]
 * (WEBLITE_WASM_DIR=/tmp/wasm-w1 to measure a private build instead of src/backends/wasm/bin.)
 * FLOPs counted as 2·M·N·K (bias, residual and activation not counted).
 */
import { detectFlavor, loadKernels, type WasmFlavor } from '../../src/backends/wasm/loader.js';
import { env } from '../../src/runtime/env.js';
import { Harness, randomData } from '../../test/kernels-wasm/harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

const shapes: [number, number, number][] = [
  // M, K, N
  [3136, 64, 64],
  [3136, 576, 64], // resnet18 layer1 3x3 conv as GEMM (K = 9*64)
  [3136, 64, 256],
  [3136, 256, 64],
  [3136, 128, 128],
  [3136, 576, 128],
  [3136, 576, 256],
  [784, 1152, 128],
  [196, 2304, 256],
  [49, 4608, 512],
  [1, 512, 1000],
  [128, 4096, 1024], // transformer MLP-like: packed W (16 MiB) far larger than L2
];

const flavors: WasmFlavor[] = detectFlavor().relaxed ? ['simd', 'relaxed'] : ['simd'];
const only = process.argv[2];
for (const flavor of flavors) {
  const h = new Harness(await loadKernels(flavor));
  const gemm = h.fn('wl_f32_gemm');
  const pack = h.fn('wl_f32_gemm_pack');
  const packedSize = h.fn('wl_f32_gemm_packed_size');
  const act = h.putActivation(0, 0, 0, 0, Infinity);
  for (const [M, K, N] of shapes) {
    if (only && `${M}x${K}x${N}` !== only) continue;
    const a = h.putF32(randomData(M * K, 1));
    const w = h.putF32(randomData(K * N, 2));
    const bias = h.putF32(randomData(N, 3));
    const packed = h.alloc(packedSize(N, K));
    pack(N, K, w, 1, bias, packed);
    const c = h.alloc(M * N * 4);
    const flop = 2 * M * N * K;
    const reps = Math.max(3, Math.round(2e9 / flop));
    for (let i = 0; i < reps; i++) gemm(M, N, K, a, K, packed, c, N, 0, 0, act, 0, M); // warm-up (tier-up)
    let best = Infinity;
    for (let trial = 0; trial < 5; trial++) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) gemm(M, N, K, a, K, packed, c, N, 0, 0, act, 0, M);
      best = Math.min(best, (performance.now() - t0) / reps);
    }
    console.log(`${flavor.padEnd(7)} M=${String(M).padStart(4)} K=${String(K).padStart(4)} N=${String(N).padStart(4)}  ${best.toFixed(3).padStart(8)} ms  ${(flop / best / 1e6).toFixed(1).padStart(5)} GFLOP/s`);
    h.reset();
  }
}
