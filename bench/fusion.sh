#!/usr/bin/env bash
# Hybrid fusion settings on SciFact (dev.lore.bench.FusionTuning): ingests the SciFact corpus once into a collection
# of its own (kept, and reused by later runs), reads every train and test query's dense and lexical candidate lists
# from the service's search (explain trace, 200 deep), and scores reciprocal rank fusion (constant k, lexical weight,
# candidates per list) and a convex combination of min-max normalised scores offline. Settings are chosen on the
# train split and reported on the test split. Writes bench/results/<date>-fusion.md.
# Options pass through, e.g. --embedder=bge-small-en-v1.5-q --engines=lucene. The first run's ingestion takes most
# of its time (a quarter of an hour with the quantised MiniLM on 2 busy cores).
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench scripts/setup-postgres.sh
./mvnw -B -q -Dlore.llama.skip test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx3g}" ./mvnw -B -q -Dlore.llama.skip exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.FusionTuning -Dexec.args="--out=bench/results/$(date -u +%F)-fusion.md $*"
