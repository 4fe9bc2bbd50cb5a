#!/usr/bin/env bash
# Benchmarks the in-process llama.cpp engine (generation and scoring tokens/s, and Lore's JNI overhead next to
# llama.cpp's own timing) on the tiny test model and on LORE_BENCH_GGUF when set; writes
# bench/results/local-engine.md. Needs no database; takes about a minute for the tiny model on 2 cores.
# MVN_ARGS passes Maven flags, e.g. MVN_ARGS=-o offline. The main class runs with the test classpath from
# dependency:build-classpath rather than exec:java, because exec-maven-plugin is not always in an offline cache.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q ${MVN_ARGS:-} test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
"$JAVA" ${JAVA_OPTS:--Xmx2g} -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  dev.lore.models.local.LocalEngineBench
