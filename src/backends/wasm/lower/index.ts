/** Every wasm lowering, in order of preference (the reference fallback is implicit). */
import type { Lowering } from '../lowering.js';
import { gemmLowering, matmulLowering, pointwiseConvLowering } from './gemm.js';

export const LOWERINGS: readonly Lowering[] = [pointwiseConvLowering, gemmLowering, matmulLowering];
