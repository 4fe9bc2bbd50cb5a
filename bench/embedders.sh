#!/usr/bin/env bash
# Compares the in-process embedders on one small fixed corpus (dev.lore.bench.EmbedderCost): the 18F handbook and
# SCIFACT_DOCS SciFact documents (default none; 50 others warm the service up first) ingested through the service, the raw embedder on the first 300 of the same
# chunk texts, resident memory and live heap afterwards, and the handbook questions' nDCG@10. One JVM per embedder
# and run (plain java, -Xmx2g, so that its memory is its own), the embedders interleaved over ROUNDS rounds so that a
# shared machine's load falls on all of them alike. Appends JSON lines to bench/results/<date>-embedder-cost.jsonl.
# Options pass through, e.g. --lexical=lucene. About 5 minutes a round on 2 idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
db="${LORE_BENCH_DB:-lore_bench}"
LORE_DB_NAME="$db" scripts/setup-postgres.sh
./mvnw -B -q -Dlore.llama.skip test-compile
./mvnw -B -q -Dlore.llama.skip dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
out="bench/results/$(date -u +%F)-embedder-cost.jsonl"
for round in $(seq "${ROUNDS:-2}"); do
  for embedder in ${EMBEDDERS:-all-minilm-l6-v2-q bge-small-en-v1.5-q e5-small-v2-q}; do
    echo "round $round: $embedder"
    java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" dev.lore.bench.EmbedderCost \
      --embedder="$embedder" --db="jdbc:postgresql://127.0.0.1:5432/$db" --scifact-docs="${SCIFACT_DOCS:-0}" \
      --out="$out" "$@"
  done
done
