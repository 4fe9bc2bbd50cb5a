#!/usr/bin/env bash
# SciFact nDCG@10 of full dense search against binary quantisation and vector prefixes (alone and re-scored from N
# candidates, exact stages) with the in-process embedders. Usage: bench/two-stage-quality.sh [--embedders=a,b]
# Writes bench/results/2026-11-30-two-stage-quality-scifact.md. About 5 minutes a model on 2 idle cores (embedding).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
  -Dmdep.includeScope=test
nice -n 19 java ${JAVA_OPTS:--Xmx3g} -cp "target/classes:target/test-classes:$(cat target/bench-classpath.txt)" \
  dev.lore.bench.TwoStageQualityBench "$@"
