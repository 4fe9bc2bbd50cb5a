#!/usr/bin/env bash
# The answers benchmark: ingests the 18F handbook (../shared/eval/handbook), calibrates the refusal threshold on
# bench/handbook-answers.json, scores extractive answers and an instant fake generator through
# POST /api/v1/evaluations/answers, and compares /answer's p50 with /search's. Writes
# bench/results/<date>-handbook-answers.md. A few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.HandbookAnswers -Dexec.args="$*"
