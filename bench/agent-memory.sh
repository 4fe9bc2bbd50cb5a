#!/usr/bin/env bash
# Retrieval over one agent's 100,000 memories: bounded candidate pools against scoring every memory (latency, top-10
# agreement) and model calls per memory added. Needs a PostgreSQL with pgvector; results in
# target/agent-memory-bench.json. Usage: LORE_TEST_DB_URL=jdbc:postgresql://127.0.0.1:5432/<db> bench/agent-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LORE_BENCH_AGENT_MEMORY=1 ./mvnw -B -q verify -Dtest=AgentMemoryBench -Dsurefire.failIfNoSpecifiedTests=false
cat target/agent-memory-bench.json
