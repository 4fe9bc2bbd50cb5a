-- A request to rebuild a collection's lexical indexes from chunks (POST /api/v1/collections/{name}/reindex): a
-- counter each index records when it is built, so every instance's Lucene index, and the shared OpenSearch index,
-- rebuilds once per request whichever instance took it, and a restart does not rebuild again.
ALTER TABLE collections ADD COLUMN lexical_reindex bigint NOT NULL DEFAULT 0;
ALTER TABLE collections ADD COLUMN lexical_reindex_at timestamptz;
