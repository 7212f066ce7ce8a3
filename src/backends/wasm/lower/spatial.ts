/** Helpers shared by the wasm convolution and pooling lowerings. Window geometry comes from src/ir/window.ts. */
export type { Window2d as Window } from '../../../ir/window.js';

/** Only 2-D windows (4-D tensors) with known sizes go to the wasm kernels. */
export function is2d(dims: readonly number[] | undefined): dims is number[] {
  return dims !== undefined && dims.length === 4;
}
