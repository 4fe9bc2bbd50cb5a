#!/usr/bin/env bash
# Time to the first streamed token through POST /api/v1/chat and the OpenAI facade, with an instantly answering
# fake generator, against the same question's retrieval time, on the 18F handbook. Writes
# bench/results/<date>-chat-first-token.md. A few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_DB_NAME=lore_bench scripts/setup-postgres.sh
./mvnw -B -q test-compile
MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}" ./mvnw -B -q exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=dev.lore.bench.ChatFirstTokenBench -Dexec.args="$*"
