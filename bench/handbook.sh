#!/usr/bin/env bash
# Ingests the 18F handbook (../shared/eval/handbook) through the service, checks every page ends DONE with no
# template markup indexed, and scores lexical/dense/hybrid search on bench/handbook-questions.json with the
# evaluation harness; writes bench/results/handbook.md. About two minutes on 2 cores.
# Options pass through, e.g.: bench/handbook.sh --embedder=bge-small-en-v1.5-q
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.HandbookEvaluation -Dexec.args="$*"
