/** FLOP counting for benchmark reports (2 FLOPs per multiply-add). */
import { readFileSync } from 'node:fs';
import type { Graph } from '../src/ir/graph.js';

export function convFlops(graph: Graph): number {
  let flops = 0;
  for (const node of graph.nodes) {
    if (node.op !== 'Conv' && node.op !== 'FusedConv' && node.op !== 'Gemm' && node.op !== 'FusedGemm' && node.op !== 'MatMul') continue;
    const out = graph.tensors.get(node.outputs[0]!)?.dims;
    const weight = graph.tensors.get(node.inputs[1]!)?.dims;
    if (!out || !weight || !out.every((d) => typeof d === 'number') || !weight.every((d) => typeof d === 'number')) continue;
    const outputs = (out as number[]).reduce((a, b) => a * b, 1);
    // Conv weight [Cout, Cin/g, kh, kw]: MACs per output = Cin/g·kh·kw. Gemm/MatMul weight [K, N] or [N, K].
    const perOutput = node.op.endsWith('Conv') ? (weight as number[]).slice(1).reduce((a, b) => a * b, 1) : Math.min(...(weight as number[]));
    flops += 2 * outputs * perOutput;
  }
  return flops;
}

/**
 * Peak 128-bit SIMD f32 throughput per core: 4 lanes × 2 FLOPs (multiply + add) × 2 vector ports × clock. The clock
 * is /proc/cpuinfo's current MHz, which under-reads boost clocks: a register-only multiply-add loop in wasm measured
 * 45 GFLOP/s (plain SIMD) and 56.6 GFLOP/s (relaxed FMA) on the EPYC CI machines (bench/kernels).
 */
export function peakGflops(): { gflops: number; description: string } {
  let mhz = 0;
  try {
    const match = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    mhz = match ? Number(match[1]) : 0;
  } catch {
    mhz = 0;
  }
  const ghz = mhz > 0 ? mhz / 1000 : 3;
  const gflops = ghz * 4 * 2 * 2;
  return { gflops, description: `${gflops.toFixed(1)} GFLOP/s per core (${ghz.toFixed(2)} GHz × 4 lanes × 2 FLOPs per FMA × 2 ports)` };
}
