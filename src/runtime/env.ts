/** Global settings, mirroring onnxruntime-web's `env`. */
export type LogLevel = 'verbose' | 'info' | 'warning' | 'error' | 'silent';

const LEVELS: Record<LogLevel, number> = { verbose: 0, info: 1, warning: 2, error: 3, silent: 4 };

export const env = {
  /** Messages at or above this level are printed with console. Default 'warning'. */
  logLevel: 'warning' as LogLevel,
  /** Where the wasm backend finds its .wasm files (defaults to next to the module). */
  wasmPaths: undefined as string | undefined,
};

export function log(level: Exclude<LogLevel, 'silent'>, message: string): void {
  if (LEVELS[level] < LEVELS[env.logLevel]) return;
  const line = `weblite: ${message}`;
  if (level === 'error') console.error(line);
  else if (level === 'warning') console.warn(line);
  else console.log(line);
}
