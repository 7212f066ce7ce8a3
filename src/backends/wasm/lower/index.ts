/** Every wasm lowering, in order of preference (the reference fallback is implicit). */
import type { Lowering } from '../lowering.js';

export const LOWERINGS: readonly Lowering[] = [];
