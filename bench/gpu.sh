#!/usr/bin/env bash
# bench/gpu.sh — weblite's webgpu backend vs TF.js's WebGPU backend on a real GPU, through Dawn, in one Node process
# (bench/gpu.ts). Two steps, because the GPU machine has no network and no node_modules:
#
#   bash bench/gpu.sh pack      here: builds .gpu/ (gitignored, ~45 MiB): the bench bundled into one ES module,
#                               Node and Dawn's dawn.node (xz), the Vulkan loader, SwiftShader's Vulkan driver, and
#                               the fixtures that fit (mobilenet_v2; resnet18's 47 MB do not). Rerun after any change
#                               to src/ or bench/: the bundle is what runs there.
#   bash bench/gpu.sh [-- ARGS] there (or here): installs nothing; unpacks .gpu/ into /tmp, finds the Vulkan driver
#                               (NVIDIA's ICD; else SwiftShader's, with a loud note and tiny loop counts), finds the
#                               fixtures (.cache/fixtures, then .gpu/fixtures; a missing one is reported and, where
#                               python3 has torch + torchvision, exported there), runs the bench and appends a
#                               section to bench/RESULTS-gpu.md, copied into $OUT when $OUT is set.
#
# With the device tool:  run(command="bash bench/gpu.sh", carry=[".gpu"], timeout_s=540)
# ARGS go to bench/gpu.ts (--rounds N --warmup N --models a,b --gemm N --gemm-runs N --peak-tflops T).
# Environment: GPU_BENCH_TIMEOUT (s, default 420), GPU_BENCH_SWIFTSHADER=1 (force SwiftShader), GPU_BENCH_FULL=1
# (keep the normal loop counts on SwiftShader).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACK="$ROOT/.gpu"
RUNTIME="${TMPDIR:-/tmp}/weblite-gpu"
LIMIT_BYTES=$((64 * 1024 * 1024))
LDCONFIG="$(command -v ldconfig || echo /sbin/ldconfig)"
say() { printf '[gpu.sh] %s\n' "$*"; }
loud() { printf '\n[gpu.sh] !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n[gpu.sh] !!! %s\n[gpu.sh] !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' "$*"; }

mode=run
if [[ ${1:-} == pack || ${1:-} == run ]]; then mode=$1; shift; fi
[[ ${1:-} == -- ]] && shift

# ---------------------------------------------------------------------------------------------------- pack (here)
pack() {
  cd "$ROOT" || exit 1
  [[ -d node_modules/webgpu && -d node_modules/@tensorflow/tfjs-backend-webgpu ]] || { say "pack needs node_modules (npm ci)"; exit 1; }
  mkdir -p "$PACK/app/node_modules/webgpu" "$PACK/lib" "$PACK/swiftshader" "$PACK/fixtures"
  npx tsx bench/gpu/bundle.ts "$PACK/app" || exit 1
  cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$PACK/app/node_modules/webgpu/"
  local dawn=node_modules/webgpu/dist/linux-x64/dawn.node node_bin
  node_bin="$(command -v node)"
  # xz once per version: compressing Node takes a minute on two cores.
  local stamp
  stamp="$(node -p 'require("./node_modules/webgpu/package.json").version') $(stat -c %s "$dawn")"
  if [[ ! -f $PACK/dawn.node.xz || "$(cat "$PACK/dawn.node.stamp" 2>/dev/null)" != "$stamp" ]]; then
    say "compressing dawn.node"; xz -9 -T2 -c "$dawn" > "$PACK/dawn.node.xz" && echo "$stamp" > "$PACK/dawn.node.stamp"
  fi
  if [[ ! -f $PACK/node.xz || "$(cat "$PACK/node.version" 2>/dev/null)" != "$(node --version)" ]]; then
    say "compressing $node_bin ($(node --version))"; xz -9 -T2 -c "$node_bin" > "$PACK/node.xz" && node --version > "$PACK/node.version"
  fi
  cp -L /usr/lib/x86_64-linux-gnu/libvulkan.so.1 "$PACK/lib/libvulkan.so.1" 2>/dev/null || say "no libvulkan.so.1 here: the GPU machine must have its own"
  if [[ -f /usr/lib/chromium/libvk_swiftshader.so ]]; then
    cp /usr/lib/chromium/libvk_swiftshader.so /usr/lib/chromium/vk_swiftshader_icd.json "$PACK/swiftshader/"
  fi
  # Fixtures, while they fit: what travels is the tree (tracked + untracked-not-ignored) plus .gpu.
  rm -f "$PACK"/fixtures/*
  local tree used model size
  tree=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
  for model in ${GPU_PACK_FIXTURES:-mobilenet_v2 resnet18}; do
    used=$(( tree + $(du -sb "$PACK" | cut -f1) ))
    size=$(cat .cache/fixtures/"$model".{onnx,input.npy,output.npy} 2>/dev/null | wc -c)
    if [[ ! -f .cache/fixtures/$model.onnx ]]; then say "fixture $model missing here (npm run fixtures $model): the GPU machine will export it if it can"
    elif (( used + size + 2 * 1024 * 1024 > LIMIT_BYTES )); then say "fixture $model ($((size / 1048576)) MiB) does not fit in the 64 MiB that travel: the GPU machine will export it with its own torch"
    else cp .cache/fixtures/"$model".{onnx,input.npy,output.npy} "$PACK/fixtures/"; say "fixture $model packed"; fi
  done
  local dirty=""
  [[ -n "$(git status --porcelain -- src kernels-wgsl bench test/helpers 2>/dev/null)" ]] && dirty="+uncommitted"
  printf 'commit=%s%s\npacked=%s\nnode=%s\ntfjs=%s\ndawn=%s\n' "$(git rev-parse --short HEAD)" "$dirty" "$(date -u +%FT%TZ)" "$(node --version)" \
    "$(node -p 'require("./node_modules/@tensorflow/tfjs-backend-webgpu/package.json").version')" "$(node -p 'require("./node_modules/webgpu/package.json").version')" > "$PACK/MANIFEST"
  used=$(( tree + $(du -sb "$PACK" | cut -f1) ))
  say "packed $(du -sh "$PACK" | cut -f1) in .gpu; travelling in all: $((used / 1048576)) MiB of 64 ($(tr '\n' ' ' < "$PACK/MANIFEST"))"
  (( used <= LIMIT_BYTES )) || { loud "over the 64 MiB limit: set GPU_PACK_FIXTURES to fewer models"; exit 1; }
  say 'device tool: run(command="bash bench/gpu.sh", carry=[".gpu"], timeout_s=540)'
}

# --------------------------------------------------------------------------------------------------- run (there)
unxz_to() { # file.xz → target, with xz or, failing that, Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1" > "$2"; else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; fi
}

find_nvidia_icd() {
  local f
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json \
           /usr/local/share/vulkan/icd.d/nvidia_icd*.json /usr/local/nvidia/icd.d/nvidia_icd*.json; do
    [[ -f $f ]] && { echo "$f"; return 0; }
  done
  # No manifest, but the driver library is there: write the manifest NVIDIA's installer would have written.
  local lib
  lib=$("$LDCONFIG" -p 2>/dev/null | awk '/libGLX_nvidia.so.0/ {print $NF; exit}')
  [[ -z $lib ]] && for f in /usr/local/nvidia/lib64/libGLX_nvidia.so.0 /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0; do [[ -f $f ]] && lib=$f && break; done
  if [[ -n $lib ]]; then
    printf '{"file_format_version":"1.0.1","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$lib" > "$RUNTIME/nvidia_icd.json"
    echo "$RUNTIME/nvidia_icd.json"; return 0
  fi
  return 1
}

# Which adapters Dawn sees with the current Vulkan setup, with the loader's own messages.
probe_adapters() {
  [[ -n ${node:-} && -n ${app:-} ]] || return 0
  (cd "$(dirname "$app")" && VK_LOADER_DEBUG=error,warn timeout 60 "$node" --input-type=module -e "
    import { create, globals } from 'webgpu'; Object.assign(globalThis, globals);
    for (const powerPreference of ['high-performance', 'low-power']) {
      const adapter = await create([]).requestAdapter({ powerPreference });
      console.log('[gpu.sh]   Dawn adapter (' + powerPreference + '):', adapter ? JSON.stringify({ ...adapter.info, features: [...adapter.features] }) : 'none');
    }" 2>&1 | grep -v XDG_RUNTIME_DIR | head -40)
}

diagnose() {
  say "diagnostics:"; command -v nvidia-smi >/dev/null && nvidia-smi -L
  "$LDCONFIG" -p 2>/dev/null | grep -E 'libvulkan|libGLX_nvidia|libnvidia-glcore' | sed 's/^/[gpu.sh]   /'
  ls -l /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | sed 's/^/[gpu.sh]   /'
  command -v vulkaninfo >/dev/null && vulkaninfo --summary 2>&1 | head -30
  say "VK_ICD_FILENAMES=${VK_ICD_FILENAMES:-unset} LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-unset}"
  probe_adapters
}

run() {
  cd "$ROOT" || exit 1
  mkdir -p "$RUNTIME"
  local node app
  say "$(uname -m) $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-}"), $(nproc) cores"
  [[ -f $PACK/MANIFEST ]] && say "pack: $(tr '\n' ' ' < "$PACK/MANIFEST")"
  # Node: the carried one (the machine may have none), else a Node ≥ 20 on PATH.
  if [[ -f $PACK/node.xz ]]; then
    node="$RUNTIME/node"; unxz_to "$PACK/node.xz" "$node" && chmod +x "$node"
    if ! "$node" --version >/dev/null 2>&1; then # a noexec /tmp: unpack into the tree instead
      RUNTIME="$ROOT/.gpu-run"; mkdir -p "$RUNTIME"; node="$RUNTIME/node"; unxz_to "$PACK/node.xz" "$node" && chmod +x "$node"
    fi
    say "Node $("$node" --version) (carried)"
  elif command -v node >/dev/null && [[ "$(node -p 'process.versions.node.split(".")[0] >= 20')" == true ]]; then node="$(command -v node)"
  else loud "no Node: carry .gpu (bash bench/gpu.sh pack)"; exit 2; fi
  # The bundle and Dawn.
  if [[ -f $PACK/app/bench-gpu.mjs ]]; then
    rm -rf "$RUNTIME/app"; cp -r "$PACK/app" "$RUNTIME/app"
    mkdir -p "$RUNTIME/app/node_modules/webgpu/dist/linux-x64"
    unxz_to "$PACK/dawn.node.xz" "$RUNTIME/app/node_modules/webgpu/dist/linux-x64/dawn.node" || { loud "cannot unpack dawn.node"; exit 2; }
    app="$RUNTIME/app/bench-gpu.mjs"
    export WEBLITE_COMMIT="$(sed -n 's/^commit=//p' "$PACK/MANIFEST") (packed $(sed -n 's/^packed=//p' "$PACK/MANIFEST"))"
    export WEBLITE_DAWN_VERSION="$(sed -n 's/^dawn=//p' "$PACK/MANIFEST")"
    if git -C "$ROOT" rev-parse --short HEAD >/dev/null 2>&1 && [[ "$(git -C "$ROOT" rev-parse --short HEAD)" != "$(sed -n 's/^commit=//p' "$PACK/MANIFEST" | cut -d+ -f1)" ]]; then
      loud "the pack was built at another commit than HEAD: rerun bash bench/gpu.sh pack"
    fi
  elif [[ -d node_modules/webgpu ]]; then
    # A development checkout: bundle into node_modules/.cache so that `webgpu` resolves from node_modules.
    app="$ROOT/node_modules/.cache/weblite-gpu/bench-gpu.mjs"
    npx tsx bench/gpu/bundle.ts "$(dirname "$app")" || exit 1
    export WEBLITE_COMMIT="$(git rev-parse --short HEAD 2>/dev/null)"
  else loud "no bench bundle: run bash bench/gpu.sh pack here and carry .gpu"; exit 2; fi

  # Vulkan: the loader, then the driver (ICD).
  if ! "$LDCONFIG" -p 2>/dev/null | grep 'libvulkan.so.1 ' >/dev/null; then  # no -q: with pipefail, ldconfig's SIGPIPE would read as absent
    [[ -f $PACK/lib/libvulkan.so.1 ]] && export LD_LIBRARY_PATH="$PACK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" && say "Vulkan loader: carried $PACK/lib/libvulkan.so.1"
  else say "Vulkan loader: the system's"; fi
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [[ -d $d ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"; done
  local icd="" swiftshader=0 extra=()
  if [[ -z ${GPU_BENCH_SWIFTSHADER:-} ]]; then
    if [[ -n ${VK_ICD_FILENAMES:-} ]]; then icd=$VK_ICD_FILENAMES; say "Vulkan driver: VK_ICD_FILENAMES as given ($icd)"
    elif icd=$(find_nvidia_icd); then say "Vulkan driver: NVIDIA ($icd: $(tr -d '\n ' < "$icd"))"
    else icd=""; fi
  fi
  if [[ -z $icd ]]; then
    for f in "$PACK/swiftshader/vk_swiftshader_icd.json" /usr/lib/chromium/vk_swiftshader_icd.json; do [[ -f $f ]] && icd=$f && break; done
    [[ -z $icd ]] && { loud "no Vulkan driver: neither NVIDIA's ICD nor SwiftShader's (carry .gpu)"; diagnose; exit 3; }
    swiftshader=1
    loud "NO NVIDIA VULKAN DRIVER FOUND — running on SwiftShader ($icd), a CPU emulation: NOT GPU FIGURES"
    diagnose
    [[ -z ${GPU_BENCH_FULL:-} ]] && extra=(--rounds 1 --warmup 1 --gemm 256 --gemm-runs 2)
  fi
  export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv,noheader | sed 's/^/[gpu.sh] nvidia-smi: /'

  # Fixtures: carried, or exported here by torch when python3 has it.
  local missing=() model
  for model in mobilenet_v2 resnet18; do
    [[ -f .cache/fixtures/$model.onnx || -f $PACK/fixtures/$model.onnx ]] || missing+=("$model")
  done
  if (( ${#missing[@]} )); then
    loud "fixtures not carried: ${missing[*]} (.cache/fixtures/<name>.onnx, made by npm run fixtures)"
    local py
    for py in python3 /usr/bin/python3; do
      if command -v "$py" >/dev/null && "$py" -c 'import torch, torchvision, onnx' 2>/dev/null; then
        say "exporting ${missing[*]} with $py (torch $("$py" -c 'import torch; print(torch.__version__)')): random weights, same architecture"
        timeout 240 "$py" bench/gpu/export-fixtures.py --out .cache/fixtures "${missing[@]}" 2>&1 | grep -v Warning | tail -5
        break
      fi
    done
    for model in "${missing[@]}"; do [[ -f .cache/fixtures/$model.onnx ]] || say "still missing: $model (the bench reports it as missing)"; done
  fi

  local out_args=()
  [[ -n ${OUT:-} ]] && out_args=(--copy-to "$OUT")
  say "running: $node $app $* ${extra[*]}"
  local log="${OUT:-$RUNTIME}/gpu-bench.log" status
  timeout "${GPU_BENCH_TIMEOUT:-420}" "$node" "$app" --root "$ROOT" "${out_args[@]}" "$@" "${extra[@]}" 2>&1 | grep -v XDG_RUNTIME_DIR | tee "$log"
  status=${PIPESTATUS[0]}
  (( status == 0 )) || { loud "bench exited with status $status (124: timed out; 3: Dawn found no adapter)"; (( swiftshader )) || diagnose; }
  if (( status == 3 && ! swiftshader )) && [[ -z ${GPU_BENCH_NO_FALLBACK:-} ]]; then
    for f in "$PACK/swiftshader/vk_swiftshader_icd.json" /usr/lib/chromium/vk_swiftshader_icd.json; do
      [[ -f $f ]] || continue
      swiftshader=1; export VK_ICD_FILENAMES="$f" VK_DRIVER_FILES="$f"
      loud "Dawn found no adapter on $icd: proving the script on SwiftShader instead (tiny loops): NOT GPU FIGURES"
      timeout 300 "$node" "$app" --root "$ROOT" "${out_args[@]}" "$@" --rounds 1 --warmup 1 --gemm 256 --gemm-runs 2 2>&1 | grep -v XDG_RUNTIME_DIR | tee -a "$log"
      break
    done
  fi
  (( swiftshader )) && loud "these were SwiftShader figures: NOT GPU performance"
  return "$status"
}

if [[ $mode == pack ]]; then pack; else run "$@"; fi
