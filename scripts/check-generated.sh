#!/usr/bin/env bash
# Fails if regenerating the committed generated code (flatc .wlm accessors, ONNX protobuf descriptor) changes it.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent gen:onnx >/dev/null
if command -v flatc >/dev/null; then npm run --silent gen:format >/dev/null; else echo "check-generated: flatc absent, skipping the .wlm schema check"; fi
if ! git diff --exit-code --stat -- src/format src/convert/onnx; then
  echo "check-generated: generated files are out of date; run npm run gen:format / gen:onnx and commit" >&2
  exit 1
fi
echo "check-generated: generated code is up to date"
if command -v emcc >/dev/null && command -v clang-19 >/dev/null; then
  node scripts/build-wasm.mjs --check
else
  echo "check-generated: emcc/clang-19 absent, skipping the .wasm rebuild check"
fi
