#!/usr/bin/env bash
# The answers benchmarks on the 18F handbook (../shared/eval/handbook). By default the answer-quality bench
# (dev.lore.bench.AnswerQuality): per question set (the employees' dev questions, bench/handbook-answers.json,
# bench/handbook-employee-questions.json) extractive answer-string match, refusals, citation precision and recall,
# context recall per source budget (CONTEXT_TOKENS, comma-separated) and /answer's p50 against /search's; writes
# bench/results/<date>-answer-quality.md. BENCH=handbook runs the older calibration bench (HandbookAnswers).
# --embedder=NAME measures another in-process embedder (the handbook is ingested again with it). A few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench scripts/setup-postgres.sh
./mvnw -B -q -Dlore.llama.skip test-compile
main=dev.lore.bench.AnswerQuality
[ "${BENCH:-quality}" = handbook ] && main=dev.lore.bench.HandbookAnswers
MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}" ./mvnw -B -q -Dlore.llama.skip exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=$main -Dexec.args="--context-tokens=${CONTEXT_TOKENS:-4096} $*"
