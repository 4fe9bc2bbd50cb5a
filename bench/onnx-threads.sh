#!/usr/bin/env bash
# In-process embedding throughput with LangChain4j's packaged quantised MiniLM class (ONNX Runtime's default threads
# inside each run) vs Lore's embedder (one ONNX Runtime thread a run), on the first 1,500 SciFact passages; writes
# bench/results/onnx-threads.md. About a minute and a half on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test-compile
./mvnw -B -q exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.lore.models.onnx.OnnxThreadsCheck \
  -Dexec.args="../shared/eval/scifact/corpus.jsonl.gz ${TEXTS:-1500} ${OUT:-bench/results/onnx-threads.md}"
