/** Every wasm lowering, in order of preference (the reference fallback is implicit). */
import type { Lowering } from '../lowering.js';
import { convLowering } from './conv.js';
import { gemmLowering, matmulLowering, pointwiseConvLowering } from './gemm.js';
import { globalPoolLowering, poolLowering } from './pool.js';

export const LOWERINGS: readonly Lowering[] = [pointwiseConvLowering, convLowering, poolLowering, globalPoolLowering, gemmLowering, matmulLowering];
