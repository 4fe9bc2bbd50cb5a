#!/usr/bin/env bash
# Closed-loop /search load from 50, 200 and 400 concurrent clients against a local Lore, with the admission bulkhead
# on and off: latency of admitted requests (p50/p95/max) and the shed rate per client count. Writes
# bench/results/<date>-load-shedding.md. About 4 minutes on 2 cores (1,000 SciFact documents ingested once).
# Options pass through, e.g.: bench/load-shedding.sh --clients=50,200,400 --seconds=20 --compare=false
#   --max-concurrent=8 --max-wait=250ms (Lore's lore.admission settings; 0: automatic)
#   --db=jdbc:postgresql://127.0.0.1:5432/lore_bench --out=bench/results/2026-11-30-load-shedding.md
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.LoadShedding -Dexec.args="$*"
