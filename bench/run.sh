#!/usr/bin/env bash
# Runs Lore's benchmarks (SciFact ingestion throughput and nDCG@10 per mode and embedder, /search latency at
# 10k and 100k chunks) against a local lore_bench database and writes bench/results/benchmarks.{md,json}.
# Options pass through, e.g.: bench/run.sh --embedders=all-minilm-l6-v2-q --latency=false --evaluate=false
# (--raw=false skips timing the raw embedder: quality runs only; --results=DIR writes elsewhere; --warmup=N warms the
# service up with N documents instead of the whole corpus before the timed load)
# Takes about 27 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx4g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.Benchmarks -Dexec.args="$*"
