/** weblite runtime: `import { InferenceSession, Tensor, WebliteError, env } from 'weblite'`. */
export { InferenceSession } from './runtime/session.js';
export type { SessionOptions, RunOptions, ValueMetadata } from './runtime/session.js';
export type { BackendName, PlacementEntry } from './runtime/backend.js';
export { Tensor } from './ir/tensor.js';
export type { DType, TensorData } from './ir/dtype.js';
export { WebliteError, isWebliteError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { env } from './runtime/env.js';
export type { LogLevel } from './runtime/env.js';
export { setGpu } from './backends/webgpu/index.js';
