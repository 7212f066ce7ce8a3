#!/usr/bin/env node
/** The `weblite` command line: convert | info | run | bench. */
import { WebliteError } from '../errors.js';
import { bench } from './bench.js';
import { convertCommand } from './convert.js';
import { infoCommand } from './info.js';
import { runCommand } from './run.js';

const USAGE = `weblite — convert models to .wlm and run them

usage:
  weblite convert <model.onnx|.tflite|.prototxt> [-o model.wlm] [--fp16 | --int8-weights | --int8 --calibration DIR]
  weblite info <model.wlm|model.onnx>
  weblite run <model.wlm|model.onnx> [--input name=file.npy|file.bin ...] [--backend reference] [--top K] [--save DIR]
  weblite bench <model.wlm|model.onnx> [--backend reference] [--warmup W] [--loops L]

run 'weblite <command> --help' for a command's options.`;

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  convert: convertCommand,
  info: infoCommand,
  run: runCommand,
  bench,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  if (command === '--version') {
    console.log(__WEBLITE_VERSION__);
    return 0;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    console.error(`weblite: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  await handler(rest);
  return 0;
}

declare const __WEBLITE_VERSION__: string;

main(process.argv.slice(2)).then(
  (code) => process.exit(typeof process.exitCode === 'number' && process.exitCode !== 0 ? process.exitCode : code),
  (error: unknown) => {
    if (error instanceof WebliteError) console.error(`weblite: ${error.message}`);
    else if (error instanceof Error && 'code' in error && error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error(`weblite: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
