/**
 * Quantized operators (ops/qlinear.ts, made by src/passes/quantize/qdq-fuse.ts) on the int8 kernels of
 * kernels-wasm/qs8-*: convolutions (1×1 as GEMM, depthwise direct, others as indirect GEMM), QGemm/QLinearMatMul
 * with constant B, QLinearAdd/QLinearMul, average/global-average/max pooling, QLinearConcat (block copies and
 * 256-entry requantization tables). Activations are int8 NHWC in the arena; weights are packed once per session
 * with the requantization multipliers (a_scale · w_scale / y_scale) and the zero-point corrections folded in. Also QuantizeLinear / DequantizeLinear of activations (per tensor),
 * as TypeScript loops on the arena, where quantized islands meet float ops.
 * Every kernel matches the op's reference bit for bit (test/backends/wasm-qs8.test.ts).
 */
import type { Graph, Node } from '../../../ir/graph.js';
import { requantizeTable } from '../../../ir/reference/qlinear.js';
import type { Tensor } from '../../../ir/tensor.js';
import { window2d } from '../../../ir/window.js';
import { type Lowering, type LoweringContext, staticDims } from '../lowering.js';
import { objectId } from './gemm.js';
import { convertLayout } from './layout-convert.js';
import { concatGeometry } from './movement.js';
import { type Window, is2d } from './spatial.js';

const f32 = Math.fround;
const QMIN = -128;
const QMAX = 127;

const typeOf = (graph: Graph, name: string) => graph.tensors.get(name)?.type;
const isInt8Activation = (graph: Graph, name: string) => !graph.constant(name) && typeOf(graph, name) === 'int8' && staticDims(graph, name) !== undefined;

/** A per-tensor parameter pair: scale (float32 scalar constant) and zero point (constant or omitted → 0). */
function scalarParams(graph: Graph, scale: string | undefined, zeroPoint: string | undefined): { scale: number; zeroPoint: number } | undefined {
  const s = scale ? graph.constant(scale) : undefined;
  if (!s || s.type !== 'float32' || s.size !== 1) return undefined;
  const z = zeroPoint ? graph.constant(zeroPoint) : undefined;
  if (zeroPoint && (!z || z.size !== 1)) return undefined;
  return { scale: (s.data as Float32Array)[0]!, zeroPoint: z ? Number((z.data as ArrayLike<number>)[0]) : 0 };
}

/** Constant 8-bit weights with per-tensor or per-channel (`channels`) scales and one zero point. */
interface Weights {
  value: Tensor;
  unsigned: boolean;
  scales: Float32Array;
  zeroPoint: number;
}

function weights(graph: Graph, name: string, scale: string, zeroPoint: string | undefined, channels: number): Weights | undefined {
  const value = graph.constant(name);
  const s = graph.constant(scale);
  if (!value || (value.type !== 'int8' && value.type !== 'uint8') || !s || s.type !== 'float32') return undefined;
  if (s.size !== 1 && s.size !== channels) return undefined;
  const z = zeroPoint ? graph.constant(zeroPoint) : undefined;
  if (zeroPoint && !z) return undefined;
  const zeros = z ? Array.from(z.data as ArrayLike<number>) : [0];
  if (zeros.some((v) => v !== zeros[0])) return undefined; // the kernels take one weight zero point
  return { value, unsigned: value.type === 'uint8', scales: s.data as Float32Array, zeroPoint: zeros[0]! };
}

function int32Bias(graph: Graph, name: string | undefined, channels: number): Tensor | undefined | null {
  if (!name) return undefined;
  const value = graph.constant(name);
  return value && value.type === 'int32' && value.size === channels ? value : null;
}

/** Bytes of `value` copied into heap scratch (valid until the next alloc). */
function scratchBytes(ctx: LoweringContext, value: Tensor, extra: number): number {
  const bytes = value.data as Int8Array | Uint8Array;
  const ptr = ctx.heap.scratch(bytes.length + extra, 'weights being packed');
  new Uint8Array(ctx.heap.kernels.memory.buffer, ptr, bytes.length).set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  return ptr;
}

/**
 * Packs int8/uint8 weights (+ int32 bias, f32 scales) with kernel `pack` into `bytes` of session memory; cached per
 * weight constant and every parameter the packed form depends on.
 */
function packWeights(ctx: LoweringContext, kind: string, w: Weights, bias: Tensor | undefined, x: { scale: number; zeroPoint: number }, yScale: number, bytes: number, call: (weights: number, bias: number, scales: number, packed: number) => void): number {
  const purpose = `${kind}:${objectId(bias)}:${x.scale}:${x.zeroPoint}:${yScale}:${w.zeroPoint}:${Array.from(w.scales).join(',')}`;
  return ctx.cached(w.value, purpose, () => {
    const packed = ctx.heap.alloc(bytes, `packed ${kind} weights ${w.value.dims.join('x')}`);
    const wBytes = w.value.size;
    const biasBytes = bias ? bias.size * 4 : 0;
    const scalesBytes = w.scales.length * 4;
    const aligned = (n: number) => Math.ceil(n / 16) * 16;
    const base = scratchBytes(ctx, w.value, 64 + aligned(biasBytes) + aligned(scalesBytes));
    const biasPtr = bias ? base + aligned(wBytes) : 0;
    if (bias) ctx.heap.i32(biasPtr, bias.size).set(bias.data as Int32Array);
    const scalesPtr = base + aligned(wBytes) + aligned(biasBytes);
    ctx.heap.f32(scalesPtr, w.scales.length).set(w.scales);
    call(base, biasPtr, scalesPtr, packed);
    return packed;
  });
}

/** A row of `bytes` bytes all equal to the input zero point (padding taps read it). */
function zeroPointRow(ctx: LoweringContext, bytes: number, zeroPoint: number): number {
  const length = Math.max(bytes, 16);
  const ptr = ctx.heap.alloc(length + 16, 'zero-point padding row');
  new Int8Array(ctx.heap.kernels.memory.buffer, ptr, length + 16).fill(zeroPoint);
  return ptr + 16; // tail loads may read up to 15 bytes before a row
}

function indirection(ctx: LoweringContext, input: number, zero: number, channels: number, w: Window): number {
  const taps = w.kernelH * w.kernelW;
  const ptr = ctx.heap.alloc(w.outH * w.outW * taps * 4, 'convolution indirection');
  ctx.kernels.fn('wl_qs8_conv_indirection')(ptr, input, zero, w.inH, w.inW, channels, w.outH, w.outW, w.kernelH, w.kernelW, w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft);
  return ptr;
}

// ---- QLinearConv ----

function convParts(node: Node, graph: Graph) {
  if (node.op !== 'QLinearConv') return undefined;
  const [x, xs, xz, w, ws, wz, ys, yz, b] = node.inputs;
  const xDims = staticDims(graph, x!);
  const yDims = staticDims(graph, node.outputs[0]!);
  if (!is2d(xDims) || !is2d(yDims) || !isInt8Activation(graph, x!) || typeOf(graph, node.outputs[0]!) !== 'int8') return undefined;
  const xp = scalarParams(graph, xs, xz);
  const yp = scalarParams(graph, ys, yz);
  const wValue = graph.constant(w!);
  if (!xp || !yp || !wValue || wValue.dims.length !== 4) return undefined;
  const [outC, cinPerGroup, kernelH, kernelW] = wValue.dims as [number, number, number, number];
  const wp = weights(graph, w!, ws!, wz, outC);
  const bias = int32Bias(graph, b, outC);
  if (!wp || bias === null) return undefined;
  const groups = (node.attrs.group as number | undefined) ?? 1;
  const inC = xDims[1]!;
  const window = window2d(node, xDims, [kernelH, kernelW]);
  if (!window || window.outH !== yDims[2] || window.outW !== yDims[3]) return undefined;
  const depthwise = groups === inC && groups === outC && cinPerGroup === 1;
  const pointwise = groups === 1 && kernelH === 1 && kernelW === 1 && window.strideH === 1 && window.strideW === 1
    && window.padTop === 0 && window.padLeft === 0 && window.padBottom === 0 && window.padRight === 0;
  return { x: x!, xp, yp, wp, bias, groups, inC, outC, cinPerGroup, depthwise, pointwise, batch: xDims[0]!, window };
}

export const qs8ConvLowering: Lowering = {
  name: 'qs8-conv',
  requires: ['wl_qs8_conv_nhwc', 'wl_qs8_conv_pack', 'wl_qs8_conv_packed_size', 'wl_qs8_conv_indirection', 'wl_qs8_dwconv_nhwc', 'wl_qs8_dwconv_pack', 'wl_qs8_dwconv_packed_size', 'wl_qs8_gemm', 'wl_qs8_gemm_pack', 'wl_qs8_gemm_packed_size'],
  layout: 'native',
  supports: (node, graph) => convParts(node, graph) !== undefined,
  build(node, ctx) {
    const p = convParts(node, ctx.graph)!;
    const { kernels } = ctx;
    const w = p.window;
    const taps = w.kernelH * w.kernelW;
    const inPixels = w.inH * w.inW;
    const outPixels = w.outH * w.outW;
    const x = ctx.ptr(p.x);
    const y = ctx.ptr(node.outputs[0]!);
    const perChannel = p.wp.scales.length > 1 ? 1 : 0;
    const common = [p.wp.unsigned ? 1 : 0, p.wp.zeroPoint];
    const requant = (bias: number, scales: number) => [bias, p.xp.zeroPoint, p.xp.scale, scales, perChannel, p.yp.scale];
    const total = p.batch * outPixels;
    if (p.pointwise) {
      const bytes = kernels.fn('wl_qs8_gemm_packed_size')(p.outC, p.inC);
      const packed = packWeights(ctx, 'qs8-gemm', p.wp, p.bias, p.xp, p.yp.scale, bytes, (wp, bp, sp, out) =>
        kernels.fn('wl_qs8_gemm_pack')(p.outC, p.inC, wp, 0, ...common, ...requant(bp, sp), out));
      const args = [total, p.outC, p.inC, x, p.inC, packed, y, p.outC, p.yp.zeroPoint, QMIN, QMAX, 0, 0];
      return { kernel: 'qs8-gemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2', run: ctx.parallel('wl_qs8_gemm', args, 11, total, { granule: 4, minPerThread: 16 }) };
    }
    if (p.depthwise) {
      const bytes = kernels.fn('wl_qs8_dwconv_packed_size')(p.inC, taps);
      const packed = packWeights(ctx, 'qs8-dwconv', p.wp, p.bias, p.xp, p.yp.scale, bytes, (wp, bp, sp, out) =>
        kernels.fn('wl_qs8_dwconv_pack')(p.inC, taps, wp, ...common, ...requant(bp, sp), out));
      const zero = zeroPointRow(ctx, p.inC, p.xp.zeroPoint);
      const ind = indirection(ctx, x, zero, p.inC, w);
      const args = [p.batch, inPixels, p.inC, outPixels, taps, ind, zero, packed, y, p.yp.zeroPoint, QMIN, QMAX, 0, 0];
      return { kernel: 'qs8-dwconv-minmax-fp32-up16c-wasmsimd-dot16x2', run: ctx.parallel('wl_qs8_dwconv_nhwc', args, 12, total, { minPerThread: 16 }) };
    }
    const bytes = kernels.fn('wl_qs8_conv_packed_size')(p.outC, p.cinPerGroup, p.groups, taps);
    const packed = packWeights(ctx, 'qs8-conv', p.wp, p.bias, p.xp, p.yp.scale, bytes, (wp, bp, sp, out) =>
      kernels.fn('wl_qs8_conv_pack')(p.outC, p.cinPerGroup, p.groups, taps, wp, ...common, ...requant(bp, sp), out));
    const zero = zeroPointRow(ctx, p.inC, p.xp.zeroPoint);
    const ind = indirection(ctx, x, zero, p.inC, w);
    const args = [p.batch, inPixels, p.inC, outPixels, p.outC, p.groups, taps, ind, zero, packed, y, p.yp.zeroPoint, QMIN, QMAX, 0, 0];
    return { kernel: 'qs8-igemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2', run: ctx.parallel('wl_qs8_conv_nhwc', args, 14, total, { granule: 4, minPerThread: 16 }) };
  },
};

// ---- QGemm / QLinearMatMul with constant B ----

function gemmParts(node: Node, graph: Graph) {
  if (node.op !== 'QGemm' && node.op !== 'QLinearMatMul') return undefined;
  const gemm = node.op === 'QGemm';
  const [a, as, az, b, bs, bz] = node.inputs;
  const [ys, yz] = gemm ? [node.inputs[7], node.inputs[8]] : [node.inputs[6], node.inputs[7]];
  const biasName = gemm ? node.inputs[6] : undefined;
  const transB = gemm && node.attrs.transB === 1;
  const aDims = staticDims(graph, a!);
  const bValue = graph.constant(b!);
  if (!aDims || aDims.length < 2 || (gemm && aDims.length !== 2) || !isInt8Activation(graph, a!) || typeOf(graph, node.outputs[0]!) !== 'int8') return undefined;
  if (!bValue || bValue.dims.length !== 2) return undefined;
  const [K, N] = transB ? [bValue.dims[1]!, bValue.dims[0]!] : [bValue.dims[0]!, bValue.dims[1]!];
  if (aDims[aDims.length - 1] !== K) return undefined;
  const ap = scalarParams(graph, as, az);
  const yp = scalarParams(graph, ys, yz);
  const wp = weights(graph, b!, bs!, bz, N);
  const bias = int32Bias(graph, biasName, N);
  if (!ap || !yp || !wp || bias === null) return undefined;
  const M = aDims.slice(0, -1).reduce((p, d) => p * d, 1);
  return { a: a!, ap, yp, wp, bias, transB, M, K, N };
}

export const qs8GemmLowering: Lowering = {
  name: 'qs8-gemm',
  requires: ['wl_qs8_gemm', 'wl_qs8_gemm_pack', 'wl_qs8_gemm_packed_size'],
  layout: 'nchw',
  supports: (node, graph) => gemmParts(node, graph) !== undefined,
  build(node, ctx) {
    const p = gemmParts(node, ctx.graph)!;
    const { kernels } = ctx;
    const bytes = kernels.fn('wl_qs8_gemm_packed_size')(p.N, p.K);
    const perChannel = p.wp.scales.length > 1 ? 1 : 0;
    const packed = packWeights(ctx, `qs8-gemm-${p.transB ? 'nk' : 'kn'}`, p.wp, p.bias, p.ap, p.yp.scale, bytes, (wp, bp, sp, out) =>
      kernels.fn('wl_qs8_gemm_pack')(p.N, p.K, wp, p.transB ? 0 : 1, p.wp.unsigned ? 1 : 0, p.wp.zeroPoint, bp, p.ap.zeroPoint, p.ap.scale, sp, perChannel, p.yp.scale, out));
    const args = [p.M, p.N, p.K, ctx.ptr(p.a), p.K, packed, ctx.ptr(node.outputs[0]!), p.N, p.yp.zeroPoint, QMIN, QMAX, 0, 0];
    return { kernel: 'qs8-gemm-minmax-fp32-4x8c2s4-wasmsimd-dot16x2', run: ctx.parallel('wl_qs8_gemm', args, 11, p.M, { granule: 4, minPerThread: 16 }) };
  },
};

// ---- QLinearAdd / QLinearMul ----

const DENSE = 0;
const SCALAR = 1;
const CHANNEL = 2;

function binaryParts(node: Node, graph: Graph) {
  if (node.op !== 'QLinearAdd' && node.op !== 'QLinearMul') return undefined;
  const [a, as, az, b, bs, bz, cs, cz] = node.inputs;
  const out = staticDims(graph, node.outputs[0]!);
  const aDims = staticDims(graph, a!);
  const bDims = staticDims(graph, b!);
  if (!out || !aDims || !bDims || typeOf(graph, node.outputs[0]!) !== 'int8') return undefined;
  for (const name of [a!, b!]) {
    if (typeOf(graph, name) !== 'int8') return undefined;
  }
  const ap = scalarParams(graph, as, az);
  const bp = scalarParams(graph, bs, bz);
  const cp = scalarParams(graph, cs, cz);
  if (!ap || !bp || !cp) return undefined;
  const size = out.reduce((p, d) => p * d, 1);
  const count = (d: number[]) => d.reduce((p, v) => p * v, 1);
  // Each operand: the output's size (dense), one element (scalar), or one value per channel of a 4-D output.
  const kind = (d: number[]) => {
    if (count(d) === size && d.length === out.length && d.every((v, i) => v === out[i])) return 'dense';
    if (count(d) === 1) return 'scalar';
    const lifted = [...new Array<number>(Math.max(0, out.length - d.length)).fill(1), ...d];
    if (out.length === 4 && lifted.length === 4 && lifted[1] === out[1] && lifted[2] === 1 && lifted[3] === 1 && (lifted[0] === 1 || lifted[0] === out[0])) return 'channel';
    return undefined;
  };
  const ka = kind(aDims);
  const kb = kind(bDims);
  if (!ka || !kb || (ka !== 'dense' && kb !== 'dense')) return undefined;
  return { a: a!, b: b!, ap, bp, cp, out, ka, kb, aDims, bDims };
}

export const qs8BinaryLowering: Lowering = {
  name: 'qs8-vbinary',
  requires: ['wl_qs8_vbinary'],
  layout: 'transparent',
  supports: (node, graph) => binaryParts(node, graph) !== undefined,
  build(node, ctx) {
    const p = binaryParts(node, ctx.graph)!;
    const mul = node.op === 'QLinearMul';
    const params = ctx.heap.alloc(28, 'qs8 binary parameters');
    const [am, bm] = mul ? [f32(f32(p.ap.scale * p.bp.scale) / p.cp.scale), 0] : [f32(p.ap.scale / p.cp.scale), f32(p.bp.scale / p.cp.scale)];
    ctx.heap.f32(params, 2).set([am, bm]);
    ctx.heap.i32(params + 8, 5).set([p.ap.zeroPoint, p.bp.zeroPoint, p.cp.zeroPoint, QMIN, QMAX]);
    const operand = (name: string) => {
      const constant = ctx.constant(name);
      if (!constant) return ctx.ptr(name);
      return ctx.cached(constant, 'qs8-operand', () => {
        const ptr = ctx.heap.alloc(constant.size, 'quantized constant operand');
        new Int8Array(ctx.heap.kernels.memory.buffer, ptr, constant.size).set(constant.data as Int8Array);
        return ptr;
      });
    };
    const a = operand(p.a);
    const b = operand(p.b);
    const y = ctx.ptr(node.outputs[0]!);
    const op = mul ? 1 : 0;
    const [batch, channels, h, w] = p.out.length === 4 ? (p.out as [number, number, number, number]) : [1, 1, 1, 1];
    const total = p.out.reduce((x, d) => x * d, 1);
    const kernel = 'qs8-vbinary-minmax-fp32-16x-wasmsimd';
    const hasChannel = p.ka === 'channel' || p.kb === 'channel';
    if (!hasChannel) {
      const mode = (k: string) => (k === 'scalar' ? SCALAR : DENSE);
      return { kernel, run: ctx.parallel('wl_qs8_vbinary', [op, 0, 0, 1, a, mode(p.ka), b, mode(p.kb), y, params], 1, total, { granule: 16, minPerThread: 1024 }) };
    }
    // One operand holds one value per channel (per image when its batch is N): NHWC reads it as a channel vector;
    // NCHW as one scalar per (image, channel) row.
    const nhwc = ctx.layout(node.outputs[0]!) === 'nhwc';
    const perImage = (k: string, dims: number[]) => k === 'channel' && dims.length === 4 && dims[0] === batch && batch > 1;
    const fn = ctx.kernels.fn('wl_qs8_vbinary');
    const calls: number[][] = [];
    const imageBytes = channels * h * w;
    for (let n = 0; n < batch; n++) {
      const pa = (k: string, base: number, dims: number[]) => (k === 'dense' ? base + n * imageBytes : perImage(k, dims) ? base + n * channels : base);
      const baseA = pa(p.ka, a, p.aDims);
      const baseB = pa(p.kb, b, p.bDims);
      if (nhwc) {
        calls.push([op, 0, imageBytes, channels, baseA, p.ka === 'channel' ? CHANNEL : p.ka === 'scalar' ? SCALAR : DENSE, baseB, p.kb === 'channel' ? CHANNEL : p.kb === 'scalar' ? SCALAR : DENSE, y + n * imageBytes, params]);
        continue;
      }
      for (let c = 0; c < channels; c++) {
        const row = (k: string, base: number) => (k === 'dense' ? base + c * h * w : k === 'channel' ? base + c : base);
        const mode = (k: string) => (k === 'dense' ? DENSE : SCALAR);
        calls.push([op, 0, h * w, 1, row(p.ka, baseA), mode(p.ka), row(p.kb, baseB), mode(p.kb), y + n * imageBytes + c * h * w, params]);
      }
    }
    return { kernel, run: () => { for (const args of calls) fn(...args); } };
  },
};

// ---- pooling ----

function poolParts(node: Node, graph: Graph) {
  const x = node.inputs[0]!;
  const xDims = staticDims(graph, x);
  const yDims = staticDims(graph, node.outputs[0]!);
  if (!is2d(xDims) || !is2d(yDims) || !isInt8Activation(graph, x) || typeOf(graph, node.outputs[0]!) !== 'int8') return undefined;
  if (node.op === 'MaxPool') {
    if (node.outputs.length > 1 && node.outputs[1] !== '') return undefined;
  } else if (node.op !== 'QLinearAveragePool' && node.op !== 'QLinearGlobalAveragePool') {
    return undefined;
  }
  const global = node.op === 'QLinearGlobalAveragePool';
  let window: Window | undefined;
  if (!global) {
    const kernel = node.attrs.kernel_shape as number[] | undefined;
    if (!kernel || kernel.length !== 2) return undefined;
    window = window2d(node, xDims, kernel);
    if (!window || window.outH !== yDims[2] || window.outW !== yDims[3]) return undefined;
  }
  const xp = node.op === 'MaxPool' ? { scale: 1, zeroPoint: 0 } : scalarParams(graph, node.inputs[1], node.inputs[2]);
  const yp = node.op === 'MaxPool' ? { scale: 1, zeroPoint: 0 } : scalarParams(graph, node.inputs[3], node.inputs[4]);
  if (!xp || !yp) return undefined;
  return { x, xDims, window, xp, yp };
}

export const qs8PoolLowering: Lowering = {
  name: 'qs8-pool',
  requires: ['wl_qs8_avgpool_nhwc', 'wl_qs8_global_avgpool_nhwc', 'wl_s8_maxpool_nhwc', 'wl_qs8_conv_indirection', 'wl_f32_avgpool_scales'],
  layout: 'native',
  supports: (node, graph) => poolParts(node, graph) !== undefined,
  build(node, ctx) {
    const p = poolParts(node, ctx.graph)!;
    const [batch, channels, h, wd] = p.xDims as [number, number, number, number];
    const x = ctx.ptr(p.x);
    const y = ctx.ptr(node.outputs[0]!);
    const scale = f32(p.xp.scale / p.yp.scale);
    if (!p.window) {
      const args = [batch, h * wd, channels, x, y, scale, p.xp.zeroPoint, p.yp.zeroPoint, QMIN, QMAX, 0, 0];
      return { kernel: 'qs8-global-avgpool-minmax-fp32-up16c-wasmsimd', run: ctx.parallel('wl_qs8_global_avgpool_nhwc', args, 10, channels, { granule: 16, minPerThread: 64 }) };
    }
    const w = p.window;
    const taps = w.kernelH * w.kernelW;
    const outPixels = w.outH * w.outW;
    const total = batch * outPixels;
    const zero = zeroPointRow(ctx, channels, p.xp.zeroPoint);
    const ind = indirection(ctx, x, zero, channels, w);
    if (node.op === 'MaxPool') {
      const args = [batch, h * wd, channels, outPixels, taps, ind, zero, QMIN, QMAX, y, 0, 0];
      return { kernel: 's8-maxpool-minmax-up16c-wasmsimd', run: ctx.parallel('wl_s8_maxpool_nhwc', args, 10, total, { minPerThread: 16 }) };
    }
    const divisors = ctx.heap.alloc(outPixels * 4, 'average pooling divisors');
    const countPad = (node.attrs.count_include_pad as number | undefined) ?? 0;
    ctx.kernels.fn('wl_f32_avgpool_scales')(divisors, w.inH, w.inW, w.outH, w.outW, w.kernelH, w.kernelW, w.strideH, w.strideW, w.dilationH, w.dilationW, w.padTop, w.padLeft, w.padBottom, w.padRight, countPad);
    const args = [batch, h * wd, channels, outPixels, taps, ind, zero, divisors, scale, p.xp.zeroPoint, p.yp.zeroPoint, QMIN, QMAX, y, 0, 0];
    return { kernel: 'qs8-avgpool-minmax-fp32-up16c-wasmsimd', run: ctx.parallel('wl_qs8_avgpool_nhwc', args, 14, total, { minPerThread: 16 }) };
  },
};

// ---- QLinearConcat ----

function concatParts(node: Node, graph: Graph) {
  if (node.op !== 'QLinearConcat') return undefined;
  const out = staticDims(graph, node.outputs[0]!);
  const yp = scalarParams(graph, node.inputs[0], node.inputs[1]);
  if (!out || !yp || typeOf(graph, node.outputs[0]!) !== 'int8') return undefined;
  const parts: { name: string; table?: Int8Array }[] = [];
  for (let i = 2; i < node.inputs.length; i += 3) {
    const name = node.inputs[i]!;
    const xp = scalarParams(graph, node.inputs[i + 1], node.inputs[i + 2]);
    if (!xp || !isInt8Activation(graph, name) || staticDims(graph, name)!.length !== out.length) return undefined;
    const copy = xp.scale === yp.scale && xp.zeroPoint === yp.zeroPoint;
    parts.push({ name, table: copy ? undefined : (requantizeTable('int8', xp, 'int8', yp, node.name) as Int8Array) });
  }
  return { parts };
}

/**
 * QLinearConcat on int8: inputs with the output's parameters are block copies (as Concat's), the others go through
 * their 256-entry requantization table (the reference's) on the way.
 */
export const qs8ConcatLowering: Lowering = {
  name: 'qs8-concat',
  requires: [],
  layout: 'transparent',
  supports: (node, graph) => concatParts(node, graph) !== undefined,
  build(node, ctx) {
    const { parts } = concatParts(node, ctx.graph)!;
    const { outer, outBlock, parts: blocks, y } = concatGeometry(ctx, node, parts.map((p) => p.name));
    const tables = parts.map((p) => p.table && new Uint8Array(p.table.buffer, p.table.byteOffset, 256));
    const memory = ctx.heap.kernels.memory;
    return {
      kernel: tables.some((t) => t) ? 'ts/concat-requantize-lut-x8' : 'ts/concat-memcpy-x8',
      run() {
        const view = new Uint8Array(memory.buffer);
        let offset = 0;
        blocks.forEach((part, i) => {
          const table = tables[i];
          const dst = y + offset;
          for (let o = 0; o < outer; o++) {
            const from = part.ptr + o * part.block;
            const to = dst + o * outBlock;
            if (!table) view.copyWithin(to, from, from + part.block);
            else for (let k = 0; k < part.block; k++) view[to + k] = table[view[from + k]!]!;
          }
          offset += part.block;
        });
      },
    };
  },
};

// ---- QuantizeLinear / DequantizeLinear of activations ----

/** Per-tensor constant parameters of a Q/DQ node (scale bits compared exactly), else undefined. */
function qdqParams(graph: Graph, node: Node) {
  return scalarParams(graph, node.inputs[1], node.inputs[2]);
}

/**
 * A QuantizeLinear reading a DequantizeLinear of an 8-bit tensor (what fuse-qdq inserts after a quantized graph
 * input, and a TFLite QUANTIZE between two grids): Q(DQ(x)) is computed on the integers and the float tensor between
 * is never written. Same scale: clamp(x − zp_in + zp_out) exactly (|x − zp_in| ≤ 255 survives the float round trip);
 * other scales: the 256-entry table of reference/qlinear.ts, which evaluates the same float32 steps as the two
 * references.
 */
function requantizeSource(node: Node, graph: Graph): { source: string; shift: number; table?: Int8Array | Uint8Array } | undefined {
  if (node.op !== 'QuantizeLinear') return undefined;
  const producer = graph.nodes.find((n) => n.outputs[0] === node.inputs[0]);
  if (!producer || producer.op !== 'DequantizeLinear') return undefined;
  const source = producer.inputs[0]!;
  const type = typeOf(graph, source);
  const target = typeOf(graph, node.outputs[0]!);
  if ((type !== 'int8' && type !== 'uint8') || (target !== 'int8' && target !== 'uint8') || graph.constant(source)) return undefined;
  const into = qdqParams(graph, node);
  const from = qdqParams(graph, producer);
  if (!into || !from) return undefined;
  const shift = into.zeroPoint - from.zeroPoint;
  return into.scale === from.scale ? { source, shift } : { source, shift, table: requantizeTable(type, from, target, into, node.name) };
}

/** A DequantizeLinear whose every reader requantizes it (requantizeSource): its float output is never needed. */
function bypassed(node: Node, graph: Graph): boolean {
  if (node.op !== 'DequantizeLinear' || graph.outputs.includes(node.outputs[0]!)) return false;
  const readers = graph.nodes.filter((n) => n.inputs.includes(node.outputs[0]!));
  return readers.length > 0 && readers.every((r) => requantizeSource(r, graph) !== undefined);
}

function quantizeParts(node: Node, graph: Graph) {
  if (node.op !== 'QuantizeLinear' && node.op !== 'DequantizeLinear') return undefined;
  const [x] = node.inputs;
  const y = node.outputs[0]!;
  const params = qdqParams(graph, node);
  const dims = staticDims(graph, x!);
  if (!params || !dims || graph.constant(x!)) return undefined;
  const [from, to] = [typeOf(graph, x!), typeOf(graph, y)];
  const narrow = (type: string | undefined) => type === 'int8' || type === 'uint8' || type === 'int16';
  const ok = node.op === 'QuantizeLinear' ? from === 'float32' && narrow(to) : narrow(from) && to === 'float32';
  return ok ? { x: x!, y, params, size: dims.reduce((p, d) => p * d, 1), from: from!, to: to! } : undefined;
}

/**
 * round-half-even for |v| < 2^51 through float64 arithmetic: adding and subtracting 1.5·2^52 leaves the nearest
 * integer (ties to even, the FPU's rounding); the same result as roundHalfToEven, without a call.
 */
const MAGIC = 6755399441055744;

// One function per dtype pair keeps each loop monomorphic (V8 specialises element access per call site).
function dequantizeS8(x: Int8Array, y: Float32Array, zeroPoint: number, scale: number): void {
  for (let i = 0; i < x.length; i++) y[i] = (x[i]! - zeroPoint) * scale;
}
function dequantizeU8(x: Uint8Array, y: Float32Array, zeroPoint: number, scale: number): void {
  for (let i = 0; i < x.length; i++) y[i] = (x[i]! - zeroPoint) * scale;
}
function quantizeS8(x: Float32Array, y: Int8Array, zeroPoint: number, scale: number): void {
  for (let i = 0; i < x.length; i++) {
    const q = f32(x[i]! / scale);
    const v = (q === q ? q + MAGIC - MAGIC : 0) + zeroPoint; // NaN → the zero point, as the reference
    y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}
function quantizeU8(x: Float32Array, y: Uint8Array, zeroPoint: number, scale: number): void {
  for (let i = 0; i < x.length; i++) {
    const q = f32(x[i]! / scale);
    const v = (q === q ? q + MAGIC - MAGIC : 0) + zeroPoint;
    y[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}
function dequantizeS16(x: Int16Array, y: Float32Array, zeroPoint: number, scale: number): void {
  for (let i = 0; i < x.length; i++) y[i] = (x[i]! - zeroPoint) * scale;
}
function quantizeS16(x: Float32Array, y: Int16Array, zeroPoint: number, scale: number): void {
  for (let i = 0; i < x.length; i++) {
    const q = f32(x[i]! / scale);
    const v = (q === q ? q + MAGIC - MAGIC : 0) + zeroPoint;
    y[i] = v < -32768 ? -32768 : v > 32767 ? 32767 : v;
  }
}
/**
 * The quantization grids a rounding pair may use, with wl_f32_unary's kind for each (kernels-wasm/unary). uint8 pairs
 * do not reach the lowerings: fuse-qdq retypes them to int8 (retype-uint8.ts).
 */
const GRIDS = {
  int16: { name: 's16', kind: 30, lo: -32768, hi: 32767 },
  int8: { name: 's8', kind: 31, lo: -128, hi: 127 },
} as const;

/** QuantizeLinear then DequantizeLinear with the same parameters, in one pass over float32 (no-SIMD fallback). */
function roundToGrid(x: Float32Array, y: Float32Array, zeroPoint: number, scale: number, lo: number, hi: number): void {
  for (let i = 0; i < x.length; i++) {
    const q = f32(x[i]! / scale);
    const v = (q === q ? q + MAGIC - MAGIC : 0) + zeroPoint;
    y[i] = ((v < lo ? lo : v > hi ? hi : v) - zeroPoint) * scale;
  }
}

/**
 * The float32 source of a DequantizeLinear (int16 or int8, per tensor) whose input comes only from a
 * QuantizeLinear with the same scale and zero point (a rounding pair), or undefined.
 */
function roundingSource(node: Node, graph: Graph): string | undefined {
  if (node.op !== 'DequantizeLinear') return undefined;
  const quantized = node.inputs[0]!;
  const type = typeOf(graph, quantized);
  if ((type !== 'int16' && type !== 'int8') || graph.outputs.includes(quantized)) return undefined;
  // A QuantizeLinear reading this DequantizeLinear requantizes from the 8-bit tensor (requantizeSource): keep it.
  if (graph.nodes.some((n) => n.op === 'QuantizeLinear' && n.inputs[0] === node.outputs[0])) return undefined;
  const producer = graph.nodes.find((n) => n.outputs[0] === quantized);
  if (producer?.op !== 'QuantizeLinear' || typeOf(graph, producer.inputs[0]!) !== 'float32') return undefined;
  if (graph.nodes.some((n) => n !== node && n.inputs.includes(quantized))) return undefined;
  const [into, from] = [qdqParams(graph, producer), qdqParams(graph, node)];
  if (!into || !from || into.scale !== from.scale || into.zeroPoint !== from.zeroPoint) return undefined;
  return producer.inputs[0]!;
}

/** A QuantizeLinear whose only reader is a DequantizeLinear that rounds in its place (roundingSource). */
function roundedBy(node: Node, graph: Graph): boolean {
  const readers = graph.nodes.filter((n) => n.inputs.includes(node.outputs[0]!));
  return readers.length === 1 && roundingSource(readers[0]!, graph) !== undefined;
}

function requantizeU8S8(x: Uint8Array, y: Int8Array, shift: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]! + shift;
    y[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
}
function requantizeX8(x: Int8Array | Uint8Array, y: Int8Array | Uint8Array, shift: number, lo: number, hi: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]! + shift;
    y[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

export const quantizeLowering: Lowering = {
  name: 'ts-quantize',
  requires: [],
  layout: 'transparent',
  supports: (node, graph) => quantizeParts(node, graph) !== undefined,
  // A requantizing QuantizeLinear reads the 8-bit source behind its DequantizeLinear, a rounding DequantizeLinear
  // the float source before its QuantizeLinear: keep them alive until then.
  extraReads: (node, graph) => {
    const requant = requantizeSource(node, graph);
    const rounding = roundingSource(node, graph);
    return requant ? [requant.source] : rounding ? [rounding] : [];
  },
  build(node, ctx) {
    const p = quantizeParts(node, ctx.graph)!;
    const { scale, zeroPoint } = p.params;
    const memory = ctx.heap.kernels.memory;
    const n = p.size;
    const view = (type: string, ptr: number) => (type === 'int8' ? new Int8Array(memory.buffer, ptr, n) : new Uint8Array(memory.buffer, ptr, n));
    // A QuantizeLinear → DequantizeLinear pair read by float kernels (static int8's int16 tensors, an 8-bit pair
    // that no integer kernel absorbed) is one rounding pass over float32; the quantized tensor is not written.
    if (node.op === 'QuantizeLinear' && roundedBy(node, ctx.graph)) return { kernel: 'none (rounded by its DequantizeLinear)', run() {} };
    const source = node.op === 'DequantizeLinear' ? roundingSource(node, ctx.graph) : undefined;
    if (source) {
      const grid = GRIDS[p.from as keyof typeof GRIDS];
      const [xPtr, yPtr] = [ctx.ptr(source), ctx.ptr(p.y)];
      if (ctx.kernels.has('wl_f32_unary')) {
        return { kernel: `f32-qround-${grid.name}-4x-wasmsimd`, run: ctx.parallel('wl_f32_unary', [grid.kind, 0, 0, xPtr, yPtr, scale, zeroPoint], 1, n, { granule: 16, minPerThread: 4096 }) };
      }
      return { kernel: `ts/round-f32-${grid.name}-f32`, run: () => roundToGrid(new Float32Array(memory.buffer, xPtr, n), new Float32Array(memory.buffer, yPtr, n), zeroPoint, scale, grid.lo, grid.hi) };
    }
    if (p.from === 'int16' || p.to === 'int16') {
      // Static int8's int16 tensors (passes/quantize/sensitivity.ts) outside a pair: float kernels on both sides.
      const [xPtr, yPtr] = [ctx.ptr(p.x), ctx.ptr(p.y)];
      return node.op === 'DequantizeLinear'
        ? { kernel: 'ts/dequantize-s16-f32', run: () => dequantizeS16(new Int16Array(memory.buffer, xPtr, n), new Float32Array(memory.buffer, yPtr, n), zeroPoint, scale) }
        : { kernel: 'ts/quantize-f32-s16', run: () => quantizeS16(new Float32Array(memory.buffer, xPtr, n), new Int16Array(memory.buffer, yPtr, n), zeroPoint, scale) };
    }
    if (node.op === 'DequantizeLinear') {
      if (bypassed(node, ctx.graph)) return { kernel: 'none (read by requantize)', run() {} };
      const signed = p.from === 'int8';
      const xPtr = ctx.ptr(p.x);
      const yPtr = ctx.ptr(p.y);
      return {
        kernel: `ts/dequantize-${signed ? 's8' : 'u8'}-f32`,
        run: signed
          ? () => dequantizeS8(new Int8Array(memory.buffer, xPtr, n), new Float32Array(memory.buffer, yPtr, n), zeroPoint, scale)
          : () => dequantizeU8(new Uint8Array(memory.buffer, xPtr, n), new Float32Array(memory.buffer, yPtr, n), zeroPoint, scale),
      };
    }
    const signed = p.to === 'int8';
    const yPtr = ctx.ptr(p.y);
    const requant = requantizeSource(node, ctx.graph);
    if (requant) {
      // The source's layout is the float tensor's (the DequantizeLinear step between is elementwise and elided).
      const xPtr = ctx.ptr(requant.source);
      const sourceType = typeOf(ctx.graph, requant.source)!;
      const [lo, hi] = signed ? [-128, 127] : [0, 255];
      if (requant.table) {
        const table = new Uint8Array(requant.table.buffer, requant.table.byteOffset, 256);
        return {
          kernel: `ts/requantize-lut-${sourceType === 'int8' ? 's8' : 'u8'}-${signed ? 's8' : 'u8'}`,
          run() {
            const bytes = new Uint8Array(memory.buffer);
            for (let i = 0; i < n; i++) bytes[yPtr + i] = table[bytes[xPtr + i]!]!;
          },
        };
      }
      return {
        kernel: `ts/requantize-${sourceType === 'int8' ? 's8' : 'u8'}-${signed ? 's8' : 'u8'}`,
        run: sourceType === 'uint8' && signed
          ? () => requantizeU8S8(new Uint8Array(memory.buffer, xPtr, n), new Int8Array(memory.buffer, yPtr, n), requant.shift)
          : () => requantizeX8(view(sourceType, xPtr), view(p.to, yPtr), requant.shift, lo, hi),
      };
    }
    const xPtr = ctx.ptr(p.x);
    return {
      kernel: `ts/quantize-f32-${signed ? 's8' : 'u8'}`,
      run: signed
        ? () => quantizeS8(new Float32Array(memory.buffer, xPtr, n), new Int8Array(memory.buffer, yPtr, n), zeroPoint, scale)
        : () => quantizeU8(new Float32Array(memory.buffer, xPtr, n), new Uint8Array(memory.buffer, yPtr, n), zeroPoint, scale),
    };
  },
};

// ---- Transpose of 8-bit tensors ----

export const transposeX8Lowering: Lowering = {
  name: 'transpose-x8',
  requires: [],
  layout: 'nchw',
  supports(node, graph) {
    const x = node.inputs[0]!;
    const type = typeOf(graph, x);
    const dims = staticDims(graph, x);
    return node.op === 'Transpose' && (type === 'int8' || type === 'uint8') && !graph.constant(x) && !!dims && dims.length >= 1 && dims.length <= 6;
  },
  build(node, ctx) {
    const dims = ctx.dims(node.inputs[0]!);
    const rank = dims.length;
    const given = (node.attrs.perm as number[] | undefined) ?? [];
    const perm = given.length ? given : dims.map((_, i) => rank - 1 - i);
    const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
    // Lift to 6-D: out[i0..i5] = in[Σ i_k · stride_k] with the permuted input strides.
    const pad = 6 - rank;
    const outDims = [...new Array<number>(pad).fill(1), ...perm.map((p) => dims[p]!)];
    const inStrides = [...new Array<number>(pad).fill(0), ...perm.map((p) => strides[p]!)];
    const x = ctx.ptr(node.inputs[0]!);
    const y = ctx.ptr(node.outputs[0]!);
    // NHWC ↔ NCHW (a quantized NHWC graph input entering the NCHW IR): the layout conversion's two-loop form.
    if (rank === 4 && perm.join() === '0,3,1,2') return convertLayout(ctx, [dims[0]!, dims[3]!, dims[1]!, dims[2]!], x, y, 'nchw', 1);
    if (rank === 4 && perm.join() === '0,2,3,1') return convertLayout(ctx, dims, x, y, 'nhwc', 1);
    const size = dims.reduce((a, b) => a * b, 1);
    const memory = ctx.heap.kernels.memory;
    const [d0, d1, d2, d3, d4, d5] = outDims as [number, number, number, number, number, number];
    const [s0, s1, s2, s3, s4, s5] = inStrides as [number, number, number, number, number, number];
    return {
      kernel: 'ts/transpose-x8',
      run() {
        const src = new Uint8Array(memory.buffer, x, size);
        const dst = new Uint8Array(memory.buffer, y, size);
        let o = 0;
        for (let i0 = 0; i0 < d0; i0++)
          for (let i1 = 0; i1 < d1; i1++)
            for (let i2 = 0; i2 < d2; i2++)
              for (let i3 = 0; i3 < d3; i3++)
                for (let i4 = 0; i4 < d4; i4++) {
                  const base = i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3 + i4 * s4;
                  for (let i5 = 0; i5 < d5; i5++) dst[o++] = src[base + i5 * s5]!;
                }
      },
    };
  },
};
