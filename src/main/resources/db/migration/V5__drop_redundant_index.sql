-- chunks_source_idx (collection_id, source) already serves every lookup by collection; a second B-tree on
-- collection_id alone only cost an extra index insert per chunk.
DROP INDEX IF EXISTS chunks_collection_idx;
