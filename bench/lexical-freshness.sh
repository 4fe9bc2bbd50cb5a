#!/usr/bin/env bash
# Freshness of the Lucene engine across instances (issue 22, item 3): two Lore instances on one database, the Lucene
# engine on both; documents uploaded to one, one at a time; time from ingestion DONE until each instance's own index
# finds it, and from a delete until each index has dropped it (p50/p99). Writes
# bench/results/2026-12-07-lexical-freshness.md. Options pass through, e.g.: bench/lexical-freshness.sh --documents=200
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_freshness scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.LexicalFreshness -Dexec.args="--db=jdbc:postgresql://127.0.0.1:5432/lore_freshness $*"
