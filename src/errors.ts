/**
 * Every error weblite throws is a WebliteError with a stable string code, so callers can branch on
 * `err.code` and users read a message naming the file/node/op/input and what was expected vs given.
 */
export type ErrorCode =
  | 'BAD_MODEL' // the model file is truncated, corrupted or inconsistent
  | 'UNSUPPORTED_OP' // the model uses ops (or op variants) weblite cannot run
  | 'BAD_INPUT' // a feed is missing, unknown, or has the wrong dtype/shape/length
  | 'BAD_ARGUMENT' // an API or CLI argument is invalid
  | 'BACKEND_UNAVAILABLE' // the requested backend cannot run here
  | 'RELEASED' // the session was released
  | 'OUT_OF_MEMORY' // a tensor or arena would exceed the allowed size
  | 'RUNTIME_ERROR' // an op failed while running (e.g. out-of-range index in data)
  | 'DEVICE_LOST' // the GPU device was lost (driver reset, watchdog, destroyed); create a new session
  | 'GPU_ERROR' // the GPU reported a validation or out-of-memory error while running
  | 'IO_ERROR'; // a file or URL could not be read

export class WebliteError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[${code}] ${message}`, options);
    this.name = 'WebliteError';
    this.code = code;
  }
}

export function isWebliteError(error: unknown): error is WebliteError {
  return error instanceof WebliteError;
}
