-- One GIN index over (collection, words): the planner otherwise scans a whole collection through the B-tree and
-- rechecks every tsvector. btree_gin is a trusted contrib extension, so the database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX IF EXISTS chunks_tsv_idx;
CREATE INDEX chunks_collection_tsv_idx ON chunks USING gin (collection_id, tsv);
