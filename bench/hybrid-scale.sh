#!/usr/bin/env bash
# Hybrid search at scale (issue 22): bulk-loads N synthetic chunks (default 100,000) with a synthetic 384-dimension
# vector each straight into PostgreSQL, lets a Lore instance with the Lucene engine index them and build the
# collection's HNSW index the way Lore does, and times lexical, dense and hybrid searches over HTTP (every stage of
# timingsMs), then lexical and hybrid with the SQL engine. Writes bench/results/2026-12-07-hybrid-scale-<N>.md.
# Uses the database $DB (default lore_bench_hybrid) and keeps it: --reuse times a rerun on the same chunks and index
# without loading again. Options pass through, e.g.: bench/hybrid-scale.sh --chunks=1000000 --reuse --sql=false
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${DB:-lore_bench_hybrid}
LORE_DB_NAME=$DB scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx3g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.LexicalScale \
  -Dexec.args="--vectors=true --db=jdbc:postgresql://127.0.0.1:5432/$DB $*"
