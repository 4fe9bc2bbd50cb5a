#!/usr/bin/env bash
# PostgreSQL's time to insert 5,000 chunks (SciFact texts, random unit vectors) the way the ingestion worker does (one
# INSERT statement a chunk, a document every two chunks, 25 documents a transaction) into Lore's schema, and the same
# with one part of the schema's work left out at a time: where the store stage's database time goes. About 2 minutes.
# Needs python3 and psql as postgres on 127.0.0.1; uses (and drops) a scratch database lore_insert_check.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results/chunk-insert-cost.md
csv=/tmp/lore-insert-check.csv
python3 - "$csv" <<'PY'
import csv, gzip, json, random, sys, uuid
random.seed(0)
with gzip.open('../shared/eval/scifact/corpus.jsonl.gz', 'rt') as f, open(sys.argv[1], 'w', newline='') as o:
    w = csv.writer(o)
    for i, line in enumerate(f):
        if i == 5000:
            break
        d = json.loads(line)
        v = [random.gauss(0, 1) for _ in range(384)]
        n = sum(x * x for x in v) ** 0.5
        w.writerow([str(uuid.uuid4()), d['title'], d['text'][:1500], '[' + ','.join('%.6f' % (x / n) for x in v) + ']'])
PY
P="psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q"
$P -c "DROP DATABASE IF EXISTS lore_insert_check" -c "CREATE DATABASE lore_insert_check"
for f in src/main/resources/db/migration/V*.sql; do $P -d lore_insert_check -f "$f" >/dev/null; done
D="$P -d lore_insert_check"
$D -c "INSERT INTO collections (name, embedder, dimension, created_at) VALUES ('c', 'm', 384, now())" \
   -c "CREATE TABLE staging (id uuid, title text, text text, embedding vector(384))" \
   -c "\\copy staging FROM '$csv' csv"

load() {
  $D -c "TRUNCATE chunks, documents CASCADE" -c "UPDATE collections SET chunk_count = 0, lexeme_total = 0" \
     -c "CHECKPOINT" >/dev/null
  $D -At -c "\\timing on" -c "
    DO \$\$
    DECLARE r record; d uuid; i int := 0;
    BEGIN
      FOR r IN SELECT * FROM staging LOOP
        IF i % 2 = 0 THEN
          d := gen_random_uuid();
          INSERT INTO documents (id, collection_id, source, title, sha256, media_type, chunks, created_at)
          VALUES (d, 1, r.id::text, r.title, r.id::text, 'text/markdown', 2, now());
        END IF;
        INSERT INTO chunks (id, document_id, collection_id, ordinal, source, title, heading_path, text, embedding)
        VALUES (r.id, d, 1, i % 2, r.id::text, r.title, r.title, r.text, r.embedding);
        i := i + 1;
        IF i % 50 = 0 THEN COMMIT; END IF;
      END LOOP;
    END \$\$;" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
row() { # label, setup, undo
  [ -n "$2" ] && $D -c "$2" >/dev/null
  local a b c; a=$(load); b=$(load); c=$(load)
  [ -n "$3" ] && $D -c "$3" >/dev/null
  echo "| $1 | $a | $b | $c |" | tee -a "$out.tmp"
}
: > "$out.tmp"
load >/dev/null # a first load warms the caches
row "Lore's schema" "" ""
row "without the collection statistics trigger" "ALTER TABLE chunks DISABLE TRIGGER chunks_counted_in" \
    "ALTER TABLE chunks ENABLE TRIGGER chunks_counted_in"
row "without the GIN index" "DROP INDEX chunks_collection_tsv_idx" \
    "CREATE INDEX chunks_collection_tsv_idx ON chunks USING gin (collection_id, tsv)"
row "without the GIN index and the full-text trigger" \
    "DROP INDEX chunks_collection_tsv_idx; ALTER TABLE chunks DISABLE TRIGGER chunks_fulltext" \
    "ALTER TABLE chunks ENABLE TRIGGER chunks_fulltext; CREATE INDEX chunks_collection_tsv_idx ON chunks USING gin (collection_id, tsv)"
row "vectors stored uncompressed (STORAGE EXTERNAL)" "ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE EXTERNAL" \
    "ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE EXTENDED"
row "without the foreign key to documents" "ALTER TABLE chunks DROP CONSTRAINT chunks_document_id_fkey" ""
{
  echo "# Chunk inserts: where PostgreSQL's time goes"
  echo
  echo "Run $(date -u +%FT%TZ) on $(nproc) cores, PostgreSQL $($D -Atc 'SHOW server_version'): 5,000 SciFact chunks"
  echo "(2,500 documents) inserted one statement a chunk, 25 documents a transaction, three times per variant after one warm-up load (\`bench/chunk-insert-cost.sh\`)."
  echo
  echo "| schema | ms, load 1 | load 2 | load 3 |"
  echo "|---|---|---|---|"
  cat "$out.tmp"
} > "$out"
rm -f "$out.tmp" "$csv"
$P -c "DROP DATABASE lore_insert_check"
cat "$out"
