#!/usr/bin/env bash
# PostgreSQL's CPU for 5,000 chunks (SciFact texts, random unit vectors): inserted into a table whose HNSW index
# exists (pgvector's insert path, chunk by chunk) vs loaded first and indexed in one CREATE INDEX (its bulk build),
# with the full-text trigger and GIN index of Lore's schema. Why Lore builds each collection's index after a load.
# Needs python3 with numpy, psql as postgres on 127.0.0.1; uses (and drops) a scratch database lore_hnsw_check.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/hnsw-insert-vs-build.md
python3 - <<'PY'
import csv, gzip, json, uuid, numpy as np
rng = np.random.default_rng(0)
with gzip.open('../shared/eval/scifact/corpus.jsonl.gz', 'rt') as f, open('/tmp/lore-hnsw-check.csv', 'w', newline='') as o:
    w = csv.writer(o)
    for i, line in enumerate(f):
        if i == 5000:
            break
        d = json.loads(line)
        v = rng.standard_normal(384); v /= np.linalg.norm(v)
        w.writerow([str(uuid.uuid4()), d['title'], d['text'], '[' + ','.join('%.6f' % x for x in v) + ']'])
PY
P="psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q"
$P -c "DROP DATABASE IF EXISTS lore_hnsw_check" -c "CREATE DATABASE lore_hnsw_check"
for f in src/main/resources/db/migration/V*.sql; do $P -d lore_hnsw_check -f "$f" >/dev/null; done
timed() { $P -d lore_hnsw_check -At -c "\\timing on" -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1; }
$P -d lore_hnsw_check <<'SQL'
INSERT INTO collections (name, embedder, dimension, created_at) VALUES ('c', 'm', 384, now());
INSERT INTO documents (id, collection_id, source, title, sha256, media_type, chunks, created_at)
VALUES ('00000000-0000-0000-0000-000000000001', 1, 's', 't', 'x', 'text/markdown', 1, now());
CREATE TABLE staging (id uuid, title text, text text, embedding vector(384));
\copy staging FROM '/tmp/lore-hnsw-check.csv' csv
SQL
load="INSERT INTO chunks (id, document_id, collection_id, ordinal, source, title, heading_path, text, embedding)
      SELECT id, '00000000-0000-0000-0000-000000000001', 1, 0, 's', title, '', text, embedding FROM staging"
index="CREATE INDEX chunks_embedding_c1 ON chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64) WHERE collection_id = 1"
$P -d lore_hnsw_check -c "$index"
with_index=$(timed "$load")
$P -d lore_hnsw_check -c "TRUNCATE chunks" -c "DROP INDEX chunks_embedding_c1"
without_index=$(timed "$load")
build=$(timed "SET max_parallel_maintenance_workers = 0; SET maintenance_work_mem = '512MB'; $index")
$P -c "DROP DATABASE lore_hnsw_check"
cat > "$out" <<MD
# HNSW: inserting into an existing graph vs building it after the load

Run $(date -u +%FT%TZ) on $(nproc) cores; 5,000 SciFact texts with random 384-dimensional unit vectors, Lore's
schema (full-text trigger, GIN index), one statement each, single-threaded build with maintenance_work_mem 512MB (as Lore builds).

| load | ms |
|---|---:|
| insert with the HNSW index in place | $with_index |
| insert without it | $without_index |
| then CREATE INDEX (bulk build) | $build |

Per chunk the graph costs $(python3 -c "print(round(($with_index - $without_index) / 5000, 2))") ms inserted one by one and $(python3 -c "print(round($build / 5000, 2))") ms built in bulk.
MD
cat "$out"
