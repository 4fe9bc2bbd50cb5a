#!/usr/bin/env bash
# Two Lore instances on one OpenSearch node (the tests' in-JVM node, no Docker) and one database: identical top-10
# lexical lists from both, and their overlap with the SQL engine, on the 18F handbook and BEIR SciFact (test queries).
# Writes bench/results/2026-12-07-opensearch-parity.md. Options pass through, e.g. --corpora=handbook
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench_opensearch scripts/setup-postgres.sh
./mvnw -B -q -Dlore.llama.skip test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx3g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.OpenSearchParity -Dexec.args="$*"
