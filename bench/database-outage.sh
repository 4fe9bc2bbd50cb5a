#!/usr/bin/env bash
# Takes PostgreSQL away from a running Lore behind a TCP proxy for 20 s and back: answer times and statuses of
# searches and the health check during the outage, time to serve again, and whether an upload acknowledged before
# the cut is stored. Writes bench/results/<date>-database-outage.md. About a minute.
# Options pass through, e.g.: bench/database-outage.sh --seconds=20 --db=jdbc:postgresql://127.0.0.1:5432/lore_bench
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.DatabaseOutageBench -Dexec.args="$*"
