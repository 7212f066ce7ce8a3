/**
 * What one weight row of a product reads: the im2col patch of a Conv (per group), a row of A for a Gemm / MatMul.
 * Data-aware weight rounding (reconstruct.ts) accumulates moments of these patches.
 * Positions are subsampled on a fixed lattice, so two tensors of the same dims give patches at the same positions.
 */
import type { Node } from '../../ir/graph.js';
import { window2d } from '../../ir/window.js';

export interface Patches {
  /** Weight groups (a Conv's `group`; 1 otherwise); output channel c belongs to group ⌊c / (C_out / groups)⌋. */
  groups: number;
  /** Patch length K: the length of one output channel's weight row. */
  length: number;
  /** Calls `onPatch` with each sampled patch of `group` in `data` (the product's input); `patch` is reused. */
  visit(data: Float32Array, group: number, onPatch: (patch: Float64Array) => void): void;
}

/**
 * The patches of `node`'s input of dims `inputDims` for a weight of dims `weightDims`, at most `maxPositions` per
 * input and group; undefined where the layout is not a plain product (batched convolutions, a transposed A).
 */
export function patchesOf(node: Node, inputDims: readonly number[], weightDims: readonly number[], maxPositions: number): Patches | undefined {
  if (node.op === 'Conv' || node.op === 'FusedConv') return convPatches(node, inputDims, weightDims, maxPositions);
  if (weightDims.length !== 2 || inputDims.length < 2) return undefined;
  if (node.op.endsWith('Gemm') && Number(node.attrs.transA ?? 0) !== 0) return undefined;
  const length = inputDims.at(-1)!;
  const rows = inputDims.reduce((a, b) => a * b, 1) / length;
  const stride = Math.max(1, Math.ceil(rows / maxPositions));
  const patch = new Float64Array(length);
  return {
    groups: 1,
    length,
    visit(data, _group, onPatch) {
      for (let r = 0; r < rows; r += stride) {
        for (let i = 0; i < length; i++) patch[i] = data[r * length + i]!;
        onPatch(patch);
      }
    },
  };
}

function convPatches(node: Node, dims: readonly number[], weightDims: readonly number[], maxPositions: number): Patches | undefined {
  const [outputs, perGroup, ...kernel] = weightDims;
  const window = window2d(node, dims, kernel);
  if (!window || window.batch !== 1 || outputs === undefined || perGroup === undefined) return undefined;
  const groups = Number(node.attrs.group ?? 1);
  const { inH, inW, outH, outW, kernelH, kernelW } = window;
  const taps = kernelH * kernelW;
  const length = perGroup * taps;
  const stride = Math.max(1, Math.ceil(Math.sqrt((outH * outW) / maxPositions)));
  const patch = new Float64Array(length);
  return {
    groups,
    length,
    visit(data, group, onPatch) {
      for (let oy = 0; oy < outH; oy += stride) {
        for (let ox = 0; ox < outW; ox += stride) {
          for (let i = 0; i < length; i++) {
            const channel = group * perGroup + Math.floor(i / taps);
            const y = oy * window.strideH - window.padTop + Math.floor((i % taps) / kernelW) * window.dilationH;
            const x = ox * window.strideW - window.padLeft + (i % kernelW) * window.dilationW;
            patch[i] = y < 0 || y >= inH || x < 0 || x >= inW ? 0 : data[(channel * inH + y) * inW + x]!;
          }
          onPatch(patch);
        }
      }
    },
  };
}

/** Each output channel's weights in input order, with the group whose inputs it reads. */
export function* weightRows(node: Node, dims: readonly number[], axis: number): Generator<{ channel: number; group: number; indices: Int32Array }> {
  const channels = dims[axis]!;
  const length = dims.reduce((a, b) => a * b, 1) / channels;
  const groups = node.op === 'Conv' || node.op === 'FusedConv' ? Number(node.attrs.group ?? 1) : 1;
  // Conv weights [O, I/g, k…] and transposed Gemm weights [N, K] hold rows contiguously; [K, N] ones by column.
  const contiguous = axis === 0;
  for (let channel = 0; channel < channels; channel++) {
    const indices = Int32Array.from({ length }, (_, i) => (contiguous ? channel * length + i : i * channels + channel));
    yield { channel, group: Math.floor(channel / (channels / groups)), indices };
  }
}
