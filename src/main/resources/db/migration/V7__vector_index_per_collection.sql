-- One HNSW index over every collection's chunks made each dense search filter the graph by collection (iterative
-- scans) and made every ingested chunk pay an on-disk graph insert (about 1.5-2.5 ms of PostgreSQL's CPU on 2 cores,
-- five times what building the same graph in bulk costs). Lore now gives each collection its own partial HNSW
-- index (chunks_embedding_c<collection id>), built in bulk once the collection is large enough and its ingestion
-- backlog has drained (dev.lore.documents.VectorIndexes); smaller collections are searched exactly.
DROP INDEX IF EXISTS chunks_embedding_idx;
