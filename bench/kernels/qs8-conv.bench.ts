/**
 * One-thread timings of the qs8 convolution kernels vs their f32 counterparts on mobilenet_v2 / resnet18 layer
 * shapes, both builds: wl_qs8_conv_nhwc vs wl_f32_conv_nhwc (indirect GEMM), wl_qs8_dwconv_nhwc vs
 * wl_f32_dwconv_nhwc (depthwise).
 * Run: node --experimental-wasm-relaxed-simd --import tsx bench/kernels/qs8-conv.bench.ts
 * (WEBLITE_WASM_DIR=/tmp/wasm-q to measure a private build.) OPs: 2 per multiply-add of the convolution.
 */
import { detectFlavor, loadKernels, type WasmFlavor } from '../../src/backends/wasm/loader.js';
import { env } from '../../src/runtime/env.js';
import { Harness, randomData } from '../../test/kernels-wasm/harness.js';

const dir = process.env.WEBLITE_WASM_DIR;
env.wasmPaths = dir ? `file://${dir}/` : undefined;

interface Layer {
  name: string;
  op: 'conv' | 'dwconv';
  h: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
}

const layers: Layer[] = [
  { name: 'mobilenet_v2 conv 3x3/2 3->32', op: 'conv', h: 224, cin: 3, cout: 32, k: 3, stride: 2 },
  { name: 'resnet18 layer1 3x3 64->64', op: 'conv', h: 56, cin: 64, cout: 64, k: 3, stride: 1 },
  { name: 'resnet18 layer4 3x3 512->512', op: 'conv', h: 7, cin: 512, cout: 512, k: 3, stride: 1 },
  { name: 'mobilenet_v2 dw 3x3 112x112x32', op: 'dwconv', h: 112, cin: 32, cout: 32, k: 3, stride: 1 },
  { name: 'mobilenet_v2 dw 3x3/2 112x112x96', op: 'dwconv', h: 112, cin: 96, cout: 96, k: 3, stride: 2 },
  { name: 'mobilenet_v2 dw 3x3 56x56x144', op: 'dwconv', h: 56, cin: 144, cout: 144, k: 3, stride: 1 },
  { name: 'mobilenet_v2 dw 3x3 14x14x576', op: 'dwconv', h: 14, cin: 576, cout: 576, k: 3, stride: 1 },
  { name: 'efficientnet dw 5x5 28x28x240', op: 'dwconv', h: 28, cin: 240, cout: 240, k: 5, stride: 1 },
];

function time(run: () => void, ops: number): number {
  const reps = Math.max(5, Math.round(1e9 / ops));
  for (let i = 0; i < reps; i++) run();
  let best = Infinity;
  for (let trial = 0; trial < 7; trial++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return best;
}

const flavors: WasmFlavor[] = detectFlavor().relaxed ? ['simd', 'relaxed'] : ['simd'];
for (const flavor of flavors) {
  const h = new Harness(await loadKernels(flavor));
  for (const l of layers) {
    h.reset();
    const pad = l.k >> 1;
    const oh = Math.floor((l.h + 2 * pad - l.k) / l.stride) + 1;
    const taps = l.k * l.k;
    const pixels = oh * oh;
    const ops = 2 * pixels * taps * (l.op === 'conv' ? l.cin * l.cout : l.cin);
    const wCount = l.op === 'conv' ? l.cout * l.cin * taps : l.cin * taps;
    // qs8
    const qin = h.alloc(l.h * l.h * l.cin);
    new Int8Array(h.kernels.memory.buffer, qin, l.h * l.h * l.cin).set(randomData(l.h * l.h * l.cin, 1).map((v) => Math.round(v * 127)));
    const qzero = h.alloc(l.cin);
    new Int8Array(h.kernels.memory.buffer, qzero, l.cin).fill(-128);
    const qind = h.alloc(pixels * taps * 4);
    h.fn('wl_qs8_conv_indirection')(qind, qin, qzero, l.h, l.h, l.cin, oh, oh, l.k, l.k, l.stride, l.stride, 1, 1, pad, pad);
    const qw = h.alloc(wCount);
    new Int8Array(h.kernels.memory.buffer, qw, wCount).set(randomData(wCount, 2).map((v) => Math.round(v * 127)));
    const qbias = h.putI32(new Int32Array(l.cout));
    const scales = h.putF32([0.01]);
    const qout = h.alloc(pixels * l.cout);
    // f32
    const fin = h.putF32(randomData(l.h * l.h * l.cin, 1));
    const fzero = h.alloc(l.cin * 4);
    h.f32(fzero, l.cin).fill(0);
    const find = h.alloc(pixels * taps * 4);
    h.fn('wl_f32_conv_indirection')(find, fin, fzero, l.h, l.h, l.cin, oh, oh, l.k, l.k, l.stride, l.stride, 1, 1, pad, pad);
    const fw = h.putF32(randomData(wCount, 2));
    const fbias = h.putF32(randomData(l.cout, 3));
    const fout = h.alloc(pixels * l.cout * 4);
    const act = h.putActivation(0, 0, 0, 0, 6);
    let q: () => void;
    let f: () => void;
    if (l.op === 'conv') {
      const qp = h.alloc(h.fn('wl_qs8_conv_packed_size')(l.cout, l.cin, 1, taps));
      h.fn('wl_qs8_conv_pack')(l.cout, l.cin, 1, taps, qw, 0, 0, qbias, -128, 0.02, scales, 0, 0.5, qp);
      const fp = h.alloc(h.fn('wl_f32_conv_packed_size')(l.cout, l.cin, 1, taps));
      h.fn('wl_f32_conv_pack')(l.cout, l.cin, 1, taps, fw, fbias, fp);
      const qconv = h.fn('wl_qs8_conv_nhwc');
      const fconv = h.fn('wl_f32_conv_nhwc');
      q = () => qconv(1, l.h * l.h, l.cin, pixels, l.cout, 1, taps, qind, qzero, qp, qout, -128, -128, 127, 0, pixels);
      f = () => fconv(1, l.h * l.h, l.cin, pixels, l.cout, 1, taps, find, fzero, fp, fout, 0, act, 0, pixels);
    } else {
      const qp = h.alloc(h.fn('wl_qs8_dwconv_packed_size')(l.cin, taps));
      h.fn('wl_qs8_dwconv_pack')(l.cin, taps, qw, 0, 0, qbias, -128, 0.02, scales, 0, 0.5, qp);
      const fp = h.alloc(h.fn('wl_f32_dwconv_packed_size')(l.cin, taps));
      h.fn('wl_f32_dwconv_pack')(l.cin, taps, fw, fbias, fp);
      const qdw = h.fn('wl_qs8_dwconv_nhwc');
      const fdw = h.fn('wl_f32_dwconv_nhwc');
      q = () => qdw(1, l.h * l.h, l.cin, pixels, taps, qind, qzero, qp, qout, -128, -128, 127, 0, pixels);
      f = () => fdw(1, l.h * l.h, l.cin, pixels, taps, find, fzero, fp, fout, 0, act, 0, pixels);
    }
    const tq = time(q, ops);
    const tf = time(f, ops);
    console.log(
      `${flavor.padEnd(7)} ${l.name.padEnd(34)} qs8 ${tq.toFixed(3).padStart(7)} ms ${(ops / tq / 1e6).toFixed(1).padStart(5)} GOP/s` +
        `  f32 ${tf.toFixed(3).padStart(7)} ms ${(ops / tf / 1e6).toFixed(1).padStart(5)} GFLOP/s  x${(tf / tq).toFixed(2)}`,
    );
  }
}
