#!/usr/bin/env bash
# The GPU check, one prepared script for a machine with an NVIDIA GPU (it needs no network once prepared):
#   1. the local engine: the tiny test GGUF (and a larger random one) on the CPU and with every layer offloaded
#      through the CUDA build of llama.cpp v0.5.0; greedy tokens must match and logprobs agree within 0.05;
#      prints GPU and CPU tokens/s and writes bench/results/<date>-gpu-check-local-engine.md
#   2. in-process ONNX embedding (and cross-encoder) throughput on the CPU and on CUDA, built with -Pgpu,
#      written to bench/results/gpu-check.md
# It fails (exit 2) when there is no GPU or no CUDA 13 runtime, and never reports a CPU run as a GPU one.
#
#   bench/gpu-check.sh [--local-only|--onnx-only] [ONNX options: --cross-encoder=DIR|tiny --texts=N ...]
#   bench/gpu-check.sh --cpu-only [...]   the ONNX CPU part only, to bench/work/gpu-check-cpu-only.md
#
# Preparing it (with network, once): ./mvnw -Pgpu test-compile (fills ~/.m2 with onnxruntime_gpu), and
# scripts/llama-cpp.sh cuda (the CUDA build of llama.cpp, ~143 MB, into ~/.cache/lore); or point
# LORE_LLAMA_CUDA at a directory holding that build. The CUDA build needs the NVIDIA driver (libcuda.so.1) and
# the CUDA 13 runtime and cuBLAS (libcudart.so.13, libcublas.so.13, libcublasLt.so.13) on the library path.
set -euo pipefail
cd "$(dirname "$0")/.."

local_part=true
onnx_part=true
cpu_only=false
args=()
for arg in "$@"; do
  case "$arg" in
    --local-only) onnx_part=false ;;
    --onnx-only) local_part=false ;;
    --cpu-only) cpu_only=true; local_part=false ;;
    *) args+=("$arg") ;;
  esac
done

if ! $cpu_only; then
  if ! command -v nvidia-smi >/dev/null 2>&1 || ! GPU_NAME=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1) \
      || [ -z "$GPU_NAME" ]; then
    echo "gpu-check: no NVIDIA GPU here (nvidia-smi is missing or sees no GPU). Run it on a GPU machine, or pass --cpu-only for the ONNX CPU part." >&2
    exit 2
  fi
  export GPU_NAME
  echo "gpu-check: GPU $GPU_NAME"
fi

if $local_part; then
  cuda="${LORE_LLAMA_CUDA:-}"
  if [[ -z "$cuda" ]]; then
    if ! cuda="$(scripts/llama-cpp.sh cuda)"; then
      echo "gpu-check: the CUDA build of llama.cpp is not in ~/.cache/lore and could not be fetched; run scripts/llama-cpp.sh cuda where there is network, or set LORE_LLAMA_CUDA" >&2
      exit 2
    fi
  fi
  missing=$(LD_LIBRARY_PATH="$cuda:${LD_LIBRARY_PATH:-}" ldd "$cuda/libggml-cuda.so" | awk '/not found/ {print $1}' | tr '\n' ' ')
  if [[ -n "$missing" ]]; then
    echo "gpu-check: the CUDA build of llama.cpp needs $missing- install the NVIDIA driver and the CUDA 13 runtime with cuBLAS (or add them to LD_LIBRARY_PATH)" >&2
    exit 2
  fi
  if ! ./mvnw -o -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/gpu-check-local.classpath; then
    echo "gpu-check: the offline build failed" >&2
    exit 3
  fi
  LORE_LLAMA_LIBRARY="$cuda" java ${JAVA_OPTS:--Xmx4g} \
    -cp "target/test-classes:target/classes:$(cat target/gpu-check-local.classpath)" \
    dev.lore.models.local.LocalEngineGpuCheck
fi

$onnx_part || exit 0
if $cpu_only; then
  profile=()
  args=(--devices=cpu --out=bench/work/gpu-check-cpu-only.md "${args[@]}")
  export GPU_NAME="none (--cpu-only)"
else
  profile=(-Pgpu)
  args=(--devices=cpu,cuda "${args[@]}")
fi

# the classpath comes from the dependency plugin, not exec:java, whose plugin jar an offline ~/.m2 may lack
if ! ./mvnw -o -B -q "${profile[@]}" test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/gpu-check.classpath; then
  echo "gpu-check: the offline build failed${profile:+ with -Pgpu: ~/.m2 needs com.microsoft.onnxruntime:onnxruntime_gpu}" >&2
  exit 3
fi
java ${JAVA_OPTS:--Xmx4g} -cp "target/test-classes:target/classes:$(cat target/gpu-check.classpath)" \
  dev.lore.models.onnx.OnnxThroughputCheck "${args[@]}"
