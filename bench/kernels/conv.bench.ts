/**
 * One-thread timings of the NHWC convolution kernels on resnet18 / mobilenet_v2 layer shapes, both builds:
 * wl_f32_conv_nhwc (indirect GEMM), wl_f32_dwconv_nhwc (depthwise), wl_f32_maxpool_nhwc.
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/kernels/conv.bench.ts
 * (WEBLITE_WASM_DIR=/tmp/wasm-w1 to measure a private build.) FLOPs: 2 per multiply-add of the convolution.
 */
import { detectFlavor, loadKernels, type WasmFlavor } from '../../src/backends/wasm/loader.js';
import { env } from '../../src/runtime/env.js';
import { Harness, randomData } from '../../test/kernels-wasm/harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

interface Layer {
  name: string;
  op: 'conv' | 'dwconv' | 'maxpool';
  h: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
}

const layers: Layer[] = [
  { name: 'resnet18 conv1 7x7/2 3->64', op: 'conv', h: 224, cin: 3, cout: 64, k: 7, stride: 2 },
  { name: 'resnet18 layer1 3x3 64->64', op: 'conv', h: 56, cin: 64, cout: 64, k: 3, stride: 1 },
  { name: 'resnet18 layer2 3x3/2 64->128', op: 'conv', h: 56, cin: 64, cout: 128, k: 3, stride: 2 },
  { name: 'resnet18 layer4 3x3 512->512', op: 'conv', h: 7, cin: 512, cout: 512, k: 3, stride: 1 },
  { name: 'mobilenet_v2 conv 3x3/2 3->32', op: 'conv', h: 224, cin: 3, cout: 32, k: 3, stride: 2 },
  { name: 'mobilenet_v2 dw 3x3 112x112x32', op: 'dwconv', h: 112, cin: 32, cout: 32, k: 3, stride: 1 },
  { name: 'mobilenet_v2 dw 3x3/2 112x112x96', op: 'dwconv', h: 112, cin: 96, cout: 96, k: 3, stride: 2 },
  { name: 'mobilenet_v2 dw 3x3 14x14x576', op: 'dwconv', h: 14, cin: 576, cout: 576, k: 3, stride: 1 },
  { name: 'efficientnet dw 5x5 28x28x240', op: 'dwconv', h: 28, cin: 240, cout: 240, k: 5, stride: 1 },
  { name: 'resnet18 maxpool 3x3/2 112x112x64', op: 'maxpool', h: 112, cin: 64, cout: 64, k: 3, stride: 2 },
];

const flavors: WasmFlavor[] = detectFlavor().relaxed ? ['simd', 'relaxed'] : ['simd'];
for (const flavor of flavors) {
  const h = new Harness(await loadKernels(flavor));
  for (const l of layers) {
    h.reset();
    const pad = l.k >> 1;
    const oh = Math.floor((l.h + 2 * pad - l.k) / l.stride) + 1;
    const taps = l.k * l.k;
    const input = h.putF32(randomData(l.h * l.h * l.cin, 1));
    const zero = h.alloc(l.cin * 4);
    h.f32(zero, l.cin).fill(0);
    const indirection = h.alloc(oh * oh * taps * 4);
    h.fn('wl_f32_conv_indirection')(indirection, input, zero, l.h, l.h, l.cin, oh, oh, l.k, l.k, l.stride, l.stride, 1, 1, pad, pad);
    const out = h.alloc(oh * oh * l.cout * 4);
    const act = h.putActivation(0, 0, 0, 0, Infinity);
    let run: () => void;
    let flop: number;
    if (l.op === 'conv') {
      const packed = h.alloc(h.fn('wl_f32_conv_packed_size')(l.cout, l.cin, 1, taps));
      h.fn('wl_f32_conv_pack')(l.cout, l.cin, 1, taps, h.putF32(randomData(l.cout * l.cin * taps, 2)), h.putF32(randomData(l.cout, 3)), packed);
      const conv = h.fn('wl_f32_conv_nhwc');
      run = () => conv(1, l.h * l.h, l.cin, oh * oh, l.cout, 1, taps, indirection, zero, packed, out, 0, act, 0, oh * oh);
      flop = 2 * oh * oh * l.cout * l.cin * taps;
    } else if (l.op === 'dwconv') {
      const packed = h.alloc(h.fn('wl_f32_dwconv_packed_size')(l.cin, taps));
      h.fn('wl_f32_dwconv_pack')(l.cin, taps, h.putF32(randomData(l.cin * taps, 2)), h.putF32(randomData(l.cin, 3)), packed);
      const dw = h.fn('wl_f32_dwconv_nhwc');
      run = () => dw(1, l.h * l.h, l.cin, oh * oh, taps, indirection, zero, packed, out, 0, act, 0, oh * oh);
      flop = 2 * oh * oh * l.cin * taps;
    } else {
      const pool = h.fn('wl_f32_maxpool_nhwc');
      run = () => pool(1, l.h * l.h, l.cin, oh * oh, taps, indirection, zero, out, 0, oh * oh);
      flop = oh * oh * l.cin * taps;
    }
    const reps = Math.max(5, Math.round(1e9 / flop));
    for (let i = 0; i < reps; i++) run();
    let best = Infinity;
    for (let trial = 0; trial < 5; trial++) {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) run();
      best = Math.min(best, (performance.now() - t0) / reps);
    }
    console.log(`${flavor.padEnd(7)} ${l.name.padEnd(36)} ${best.toFixed(3).padStart(8)} ms  ${(flop / best / 1e6).toFixed(1).padStart(5)} GFLOP/s`);
  }
}
