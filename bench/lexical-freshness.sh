#!/usr/bin/env bash
# Freshness of the indexed lexical engines across instances (issue 22, item 3; issue 25): two Lore instances on one
# database; documents uploaded to one, one at a time; time from ingestion DONE until each instance's index finds it,
# and from a delete until each index has dropped it (p50/p99). --engine=lucene (default) writes
# bench/results/2026-12-07-lexical-freshness.md; --engine=opensearch|both (the tests' OpenSearch node, in this JVM)
# writes bench/results/2026-12-07-opensearch-freshness.md. --collection=NAME uploads into an existing collection
# (e.g. DB=lore_bench --collection=lexical-scale: the 1M chunks of bench/lexical-scale.sh). Uses the database $DB
# (default lore_freshness). Options pass through, e.g.: bench/lexical-freshness.sh --documents=200 --engine=both
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DB:-lore_freshness}
LORE_DB_NAME=$DB scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.LexicalFreshness -Dexec.args="--db=jdbc:postgresql://127.0.0.1:5432/$DB $*"
