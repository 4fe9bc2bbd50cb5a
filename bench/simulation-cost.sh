#!/usr/bin/env bash
# The model bill of a simulated working day: 3 agents, 08:00-18:00 at 10-minute steps, planning, reactions,
# conversations and reflection on, against a counting scripted model. Calls and tokens per agent per simulated hour,
# in target/simulation-cost-<threshold>.json: once with the paper's reflection threshold (150), which this small town
# does not reach in a day, and once with 40, so that reflection's calls are in the bill too.
# Usage: LORE_TEST_DB_URL=jdbc:postgresql://127.0.0.1:5432/<db> bench/simulation-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for threshold in 150 40; do
  LORE_BENCH_SIMULATION=1 LORE_BENCH_REFLECTION_THRESHOLD=$threshold \
    ./mvnw -B -q verify -Dtest=SimulationCostBench -Dsurefire.failIfNoSpecifiedTests=false
  cat target/simulation-cost-$threshold.json
done
