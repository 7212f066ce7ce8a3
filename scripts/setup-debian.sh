#!/usr/bin/env bash
# Installs the Debian packages weblite's full test suite uses (run as root, or through sudo):
#   libonnx-testdata           ONNX's own operator conformance tests
#   python3-torch/-torchvision real architectures exported to ONNX by scripts/export-torchvision.py
#   python3-onnx               inspecting test models
#   flatbuffers-compiler       flatc, to check the committed generated .wlm accessors are up to date
#   emscripten, clang-19, lld-19  rebuild the wasm kernels and check the committed .wasm files match
#   chromium                   browser tests (ESM + script-tag builds, worker threads; SwiftShader WebGPU)
# Without them, `npm test` skips the suites that need them and says so.
set -euo pipefail
packages=(libonnx-testdata python3-torch python3-torchvision python3-onnx flatbuffers-compiler emscripten clang-19 lld-19 chromium)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "setup-debian: all packages present"; exit 0; fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
