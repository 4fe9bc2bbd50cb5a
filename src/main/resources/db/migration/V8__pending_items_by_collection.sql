-- Queued and running items by collection and content hash: upload dedupe looks up pending documents by
-- (collection, sha256) once per file, and the vector indexer asks whether a collection still has a backlog. Without
-- it both scanned every pending item of every collection (bench/results/2026-11-28-ingestion-experiments).
CREATE INDEX ingestion_items_pending_idx ON ingestion_items (collection_id, sha256)
    WHERE status IN ('QUEUED', 'RUNNING');
