#!/usr/bin/env bash
# Lexical search at scale (issues 22 and 25): bulk-loads N synthetic chunks (default 100,000) straight into
# PostgreSQL, waits for a Lore instance with the Lucene engine to build its index from them, and times four-word
# lexical searches with the Lucene engine and with the SQL engine on the same rows; index size and heap too. Writes
# bench/results/2026-12-07-lexical-scale.md. --engine=opensearch|both times the OpenSearch engine (the tests' node,
# in this JVM) instead of or after Lucene, and writes bench/results/2026-12-07-opensearch-scale.md. Uses the database
# $DB (default lore_bench). Options pass through, e.g.: bench/lexical-scale.sh --chunks=1000000 --engine=both
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DB:-lore_bench}
LORE_DB_NAME=$DB scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx3g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.LexicalScale -Dexec.args="--db=jdbc:postgresql://127.0.0.1:5432/$DB $*"
