#!/usr/bin/env bash
# Measures in-process ONNX embedding (and cross-encoder, with --cross-encoder=DIR) throughput on the CPU and on CUDA
# in one run, built with -Pgpu, and writes bench/results/gpu-check.md. Meant for a machine with an NVIDIA GPU, a
# JDK 17 and a ~/.m2 that holds com.microsoft.onnxruntime:onnxruntime_gpu (it builds offline).
#   bench/gpu-check.sh [--cross-encoder=DIR|tiny] [--texts=N] [--pairs=N] [--embedder=NAME]
#   bench/gpu-check.sh --cpu-only [...]   CPU part only, without -Pgpu, to bench/work/gpu-check-cpu-only.md
set -euo pipefail
cd "$(dirname "$0")/.."

cpu_only=false
args=()
for arg in "$@"; do
  case "$arg" in
    --cpu-only) cpu_only=true ;;
    *) args+=("$arg") ;;
  esac
done

if $cpu_only; then
  profile=()
  args=(--devices=cpu --out=bench/work/gpu-check-cpu-only.md "${args[@]}")
  export GPU_NAME="none (--cpu-only)"
else
  if ! command -v nvidia-smi >/dev/null 2>&1 || ! GPU_NAME=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1) \
      || [ -z "$GPU_NAME" ]; then
    echo "gpu-check: no NVIDIA GPU here (nvidia-smi is missing or sees no GPU). Run it on a GPU machine, or pass --cpu-only." >&2
    exit 2
  fi
  export GPU_NAME
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
