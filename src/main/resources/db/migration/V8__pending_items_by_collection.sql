-- Queued and running items by collection and content hash: upload dedupe looks up pending documents by
-- (collection, sha256) once per file, and the vector indexer asks whether a collection still has a backlog. Both
-- scanned every pending item of every collection through ingestion_items_queued_idx (1.3 ms a file, and 145 ms a check
-- during a 5k-document load: bench/results/session3-experiments/README.md).
CREATE INDEX ingestion_items_pending_idx ON ingestion_items (collection_id, sha256)
    WHERE status IN ('QUEUED', 'RUNNING');
