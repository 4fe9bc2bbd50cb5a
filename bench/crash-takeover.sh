#!/usr/bin/env bash
# Kills an instance with kill -9 while it parses a slow document, with a second instance running beside it, and
# measures how long until the second takes the document over (its claim's heartbeat stops; stale-after is 20 s by
# default), and that a normal document uploaded with it is stored whole. Writes
# bench/results/<date>-crash-takeover.md. About two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}"
DB=lore_crash
KEY=crash-bench-key
OUT="bench/results/$(date +%F)-crash-takeover.md"
LORE_DB_NAME=$DB scripts/setup-postgres.sh >/dev/null
psql -U postgres -qAt -d $DB -c "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION lore;
    CREATE EXTENSION vector; CREATE EXTENSION btree_gin" >/dev/null
./mvnw -B -q -Dmaven.test.skip=true package
work=$(mktemp -d)
pids=()
trap 'kill -9 "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

start() { # port name
    LORE_DB_URL="jdbc:postgresql://$PGHOST:$PGPORT/$DB" LORE_API_KEY=$KEY \
        java -jar target/lore-*.jar --server.port="$1" --lore.documents.parse-timeout=40s \
        > "$work/$2.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 120); do curl -sf "localhost:$1/actuator/health" >/dev/null && return; sleep 1; done
    echo "instance $2 did not start" >&2; exit 1
}
sql() { psql -U postgres -qAt -d $DB -c "$1"; }
now() { date +%s.%N; }

start 8201 a
H="Authorization: Bearer $KEY"
curl -sf -X POST localhost:8201/api/v1/collections -H "$H" -H 'Content-Type: application/json' \
    -d '{"name":"crash"}' >/dev/null
# a PDF that lists one page 150,000 times: parsing it takes many seconds
{ printf '%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 150000/Kids['
  for _ in $(seq 1500); do printf '3 0 R %.0s' $(seq 100); done
  printf ']>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R'
  printf '/Resources<</Font<</F1 5 0 R>>>>>>endobj\n4 0 obj<</Length 52>>stream\n'
  printf 'BT /F1 12 Tf 72 700 Td (The same page, again.) Tj ET\nendstream endobj\n'
  printf '5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n'
} > "$work/slow.pdf"
printf '# Leave\n\nStaff earn vacation days every month.\n' > "$work/leave.md"
curl -sf -X POST localhost:8201/api/v1/collections/crash/documents -H "$H" -F "file=@$work/slow.pdf" >/dev/null
for _ in $(seq 100); do [ "$(sql "SELECT status FROM ingestion_items WHERE source = 'slow.pdf'")" = RUNNING ] && break
    sleep 0.2; done
start 8202 b
curl -sf -X POST localhost:8202/api/v1/collections/crash/documents -H "$H" -F "file=@$work/leave.md" >/dev/null
token=$(sql "SELECT claim_token FROM ingestion_items WHERE source = 'slow.pdf'")
kill -9 "${pids[0]}"
killed=$(now)
taken=""
for _ in $(seq 600); do
    current=$(sql "SELECT coalesce(claim_token::text, status) FROM ingestion_items WHERE source = 'slow.pdf'")
    if [ "$current" != "$token" ]; then taken=$(now); break; fi
    sleep 0.1
done
for _ in $(seq 120); do
    [ "$(sql "SELECT count(*) FROM ingestion_items WHERE status IN ('QUEUED','RUNNING')")" = 0 ] && break; sleep 1
done
seconds=$(awk "BEGIN { printf \"%.1f\", $taken - $killed }")
{
  echo "# Crash takeover ($(date +%F), \`bench/crash-takeover.sh\`)"
  echo
  echo "Two instances on one database; the one parsing a slow PDF (150,000 page references) is killed with"
  echo "\`kill -9\`. Defaults: heartbeat every 5 s, stale-after 20 s, poll every 2 s."
  echo
  echo "- taken over by the other instance after: ${seconds} s"
  echo "- items afterwards (source, status, attempts, error):"
  sql "SELECT source, status, attempts, coalesce(error, '') FROM ingestion_items ORDER BY id" | sed 's/^/  - /'
  echo "- documents stored: $(sql "SELECT count(*) FROM documents"), chunks of leave.md: $(sql "SELECT count(*) FROM chunks WHERE source = 'leave.md'")"
} > "$OUT"
cat "$OUT"
