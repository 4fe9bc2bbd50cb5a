#!/usr/bin/env bash
# Lexical search at scale (issue 22): bulk-loads N synthetic chunks (default 100,000) straight into PostgreSQL,
# waits for a Lore instance with the Lucene engine to build its index from them, and times four-word lexical
# searches with the Lucene engine and with the SQL engine on the same rows; index size and heap too. Writes
# bench/results/2026-12-07-lexical-scale.md. Options pass through, e.g.: bench/lexical-scale.sh --chunks=1000000
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx3g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.LexicalScale -Dexec.args="$*"
